//! Terraform's built-in functions that real AKS code uses. Arguments arrive evaluated; any
//! unknown argument that the result depends on makes the result unknown. Functions that pick a
//! value (`lookup`, `element`, `coalesce`, `merge`, ...) return it with its own provenance, so
//! the diagnostic still points at the literal; functions that compute a new value
//! (`cidrsubnet`, `format`, ...) are attributed to the call.
//!
//! Functions are grouped as in Terraform's documentation, one file per group with its tests;
//! this module is the dispatch table and the rules all of them share: when an unknown argument
//! makes the result unknown, and when a string is read through a partly known text or an id.

mod cidr;
mod collection;
mod conversion;
mod encoding;
mod number;
mod string;

use crate::eval::common::{not_evaluated, whole};
use crate::eval::partial_terraform;
use crate::eval::value::Value;
use crate::source::Span;

/// The first unknown argument, which a strict function's result becomes.
fn first_unknown(args: &[Value]) -> Option<Value> {
    args.iter().find(|a| a.is_unknown()).cloned()
}

/// Functions that read the characters of a string argument (not just pass it on).
fn reads_text(name: &str) -> bool {
    matches!(
        name,
        "split"
            | "replace"
            | "substr"
            | "startswith"
            | "endswith"
            | "strcontains"
            | "regex"
            | "regexall"
            | "trimprefix"
            | "trimsuffix"
            | "trim"
            | "basename"
            | "dirname"
            | "strrev"
            | "indent"
            | "title"
    )
}

/// A whole-number argument. Terraform converts strings to numbers first, so `"8"` counts.
fn int(v: &Value) -> Option<i64> {
    v.as_num().and_then(whole)
}

/// Argument `i` as Terraform's string conversion of a primitive.
fn str_arg(args: &[Value], i: usize) -> Option<String> {
    args.get(i).and_then(Value::to_tf_string)
}

/// Calls function `name`. `span` is the call expression (provenance of computed results).
pub fn call(name: &str, args: Vec<Value>, span: Span) -> Value {
    let here = Some(span);
    // Functions whose result is fully determined by the presence of unknowns handle them below.
    let strict = !matches!(
        name,
        "coalesce"
            | "merge"
            | "concat"
            | "tolist"
            | "toset"
            | "tomap"
            | "flatten"
            | "values"
            | "lookup"
            | "element"
            | "length"
            | "keys"
            | "coalescelist"
            | "compact"
            | "distinct"
            | "one"
            | "jsonencode"
            | "yamlencode"
            | "contains"
            | "reverse"
            | "slice"
            | "zipmap"
    );
    // A partly known string or an id is read through its known text; see `partial_terraform`.
    if reads_text(name) || name == "length" {
        if let Some(v) = partial_terraform::call(name, &args, here) {
            return v;
        }
    }
    if strict {
        if let Some(u) = first_unknown(&args) {
            // Only a conversion keeps the known parts: any other result is another string.
            return if name == "tostring" { u } else { u.opaque() };
        }
    }
    if reads_text(name) && args.iter().any(Value::is_link) {
        // An id as a later argument (a separator, a pattern): its text is not the token's.
        return Value::unknown("the text of a resource id is known only after apply");
    }
    let group: fn(&str, Vec<Value>, Option<Span>) -> Value = match name {
        "cidrsubnet" | "cidrsubnets" | "cidrhost" | "cidrnetmask" => cidr::call,
        "format" | "join" | "split" | "replace" | "regex" | "regexall" | "lower" | "upper"
        | "trimspace" | "trimprefix" | "trimsuffix" | "trim" | "startswith" | "endswith"
        | "strcontains" | "substr" => string::call,
        "tostring" | "tonumber" | "tobool" | "tolist" | "toset" | "tomap" => conversion::call,
        "max" | "min" | "sum" | "abs" | "ceil" | "floor" | "pow" | "parseint" => number::call,
        "length" | "lookup" | "element" | "index" | "coalesce" | "coalescelist" | "concat"
        | "merge" | "flatten" | "keys" | "values" | "contains" | "distinct" | "compact"
        | "reverse" | "slice" | "one" | "zipmap" | "range" | "alltrue" | "anytrue" | "sort" => {
            collection::call
        }
        "jsonencode" | "yamlencode" | "jsondecode" => encoding::call,
        _ => return not_evaluated(name),
    };
    group(name, args, here)
}

#[cfg(test)]
pub(super) mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::*;
    use crate::eval::common::equal;
    use crate::eval::value::Kind;

    pub(super) fn sp() -> Span {
        Span::new(0, 0..1)
    }

    /// Calls a function through the dispatcher, as the evaluator does.
    pub(super) fn tf(name: &str, args: Vec<Value>) -> Value {
        call(name, args, sp())
    }

    pub(super) fn strs(v: &Value) -> Vec<String> {
        v.as_list()
            .map(|l| l.iter().map(Value::display).collect())
            .unwrap_or_default()
    }

    pub(super) fn list_of(items: &[&str]) -> Value {
        Value::list(items.iter().map(|s| Value::str(*s)).collect())
    }

    pub(super) fn map_of(pairs: Vec<(&str, Value)>) -> Value {
        Value::map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    /// Asserts structural equality (provenance aside), showing both values when it fails.
    pub(super) fn assert_value(got: &Value, want: &Value) {
        assert!(
            equal(got, want),
            "got {}, want {}",
            got.display(),
            want.display()
        );
    }

    #[test]
    fn ids_are_not_text() {
        let id = Value::new(Kind::Id(crate::eval::value::ResId(Arc::from(
            "azurerm_subnet.nodes",
        ))));
        let built = Value::str("ref:azurerm_virtual_network.v/subnets/nodes");
        for v in [id, built] {
            for (f, extra) in [
                ("split", vec![Value::str("/")]),
                ("substr", vec![Value::num(0.0), Value::num(3.0)]),
                ("length", vec![]),
            ] {
                let args = if f == "split" {
                    vec![Value::str("/"), v.clone()]
                } else {
                    std::iter::once(v.clone()).chain(extra).collect()
                };
                assert!(call(f, args, sp()).is_unknown(), "{f}");
            }
        }
    }

    #[test]
    fn unknown_propagates_and_picks_keep_provenance() {
        let u = call(
            "cidrsubnet",
            vec![Value::unknown("x"), Value::num(8.0), Value::num(1.0)],
            sp(),
        );
        assert!(u.is_unknown());
        let lit = Value::at(Kind::Str("a".into()), Some(Span::new(3, 5..8)));
        let picked = call("coalesce", vec![Value::null(), lit.clone()], sp());
        assert_eq!(picked.prov, lit.prov);
        let mut m = BTreeMap::new();
        m.insert("k".to_string(), lit.clone());
        let got = call("lookup", vec![Value::map(m), Value::str("k")], sp());
        assert_eq!(got.prov, lit.prov);
    }

    #[test]
    fn unimplemented_functions_are_unknown() {
        assert!(tf("filebase64", vec![Value::str("x")]).is_unknown());
    }
}
