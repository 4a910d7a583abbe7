//! ARM template functions (also Bicep's `sys`/`az` namespaces) over evaluated values. Functions
//! that need the evaluator (`parameters`, `variables`, `reference`, `copyIndex`, lambdas) live in
//! [`super::arm`]. Names arrive lower-cased. Any unknown argument a result depends on makes the
//! result unknown; a picked value keeps its own provenance, a computed one is attributed to the
//! call.
//!
//! One file per group of functions, each with its tests; this module is the dispatch table and
//! what all of them share: which functions look inside unknown arguments themselves, and the
//! string functions over partly known text that answer before any group is asked.

mod cidr;
mod collection;
mod conversion;
mod logic;
mod number;
mod resource_ids;
mod string;

pub use collection::get_ci;
pub use conversion::to_text;
pub use resource_ids::{
    declared_id_shape, normalize_id, resource_token, symbolic_text, with_id_text,
};
pub use string::concat_text;

use std::sync::Arc;

use string::partial_call;

use crate::eval::common::{not_evaluated, whole};
use crate::eval::partial::Hole;
use crate::eval::value::{Kind, Value};
use crate::source::Span;

/// An integer argument. ARM parses integer strings itself (`int('8')`), but not `'8.0'`.
fn int(v: &Value) -> Option<i64> {
    match &v.kind {
        Kind::Num(n) => whole(*n),
        Kind::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `uniqueString(...)` and `guid(...)` are unknown until deployment but the same for the same
/// arguments: their result is a hole keyed by the call when every argument is symbolic.
fn deterministic_hole(name: &str, args: &[Value]) -> Value {
    let reason = format!("{name}() is computed at deployment");
    let key = args
        .iter()
        .map(symbolic_text)
        .collect::<Option<Vec<_>>>()
        .map(|a| Arc::from(format!("{name}({})", a.join(",")).to_lowercase()));
    match key {
        Some(key) => Value::hole(Hole {
            reason: Arc::from(reason),
            no_slash: true,
            key: Some(key),
        }),
        None => Value::unknown(reason),
    }
}

/// Functions whose result Azure computes at deployment from data this linter does not have.
fn at_deployment(name: &str, _args: Vec<Value>, _here: Option<Span>) -> Value {
    Value::unknown(format!("{name}() is computed at deployment"))
}

/// Calls a function that needs only its evaluated arguments.
pub fn call(name: &str, args: Vec<Value>, span: Span) -> Value {
    let here = Some(span);
    // Functions that look inside their arguments handle unknowns themselves.
    let lenient = matches!(
        name,
        "coalesce"
            | "createarray"
            | "createobject"
            | "array"
            | "union"
            | "concat"
            | "format"
            | "first"
            | "last"
            | "length"
            | "empty"
            | "contains"
            | "json"
            | "string"
            | "trygetvalue"
            | "tryget"
            | "items"
            | "objectkeys"
            | "flatten"
            | "take"
            | "skip"
            | "shallowmerge"
            // Names with symbolic keys still link (see `resource_id`).
            | "resourceid"
            | "subscriptionresourceid"
            | "tenantresourceid"
            | "extensionresourceid"
            | "managementgroupresourceid"
    );
    if name == "uniquestring" || name == "guid" {
        return deterministic_hole(name, &args);
    }
    if let Some(v) = partial_call(name, &args, here) {
        return v;
    }
    if !lenient {
        if let Some(u) = args.iter().find(|a| a.is_unknown() || a.is_error()) {
            // The result is another text: the known parts of an argument say nothing about it.
            return u.clone().opaque();
        }
    }
    let group: fn(&str, Vec<Value>, Option<Span>) -> Value = match name {
        "cidrsubnet" | "cidrhost" | "parsecidr" => cidr::call,
        "resourceid"
        | "subscriptionresourceid"
        | "tenantresourceid"
        | "extensionresourceid"
        | "managementgroupresourceid" => resource_ids::call,
        "concat" | "format" | "tolower" | "toupper" | "trim" | "replace" | "split" | "join"
        | "substring" | "startswith" | "endswith" | "indexof" | "lastindexof" | "padleft" => {
            string::call
        }
        "string" | "int" | "float" | "bool" | "json" => conversion::call,
        "equals" | "not" | "and" | "or" | "less" | "lessorequals" | "greater"
        | "greaterorequals" | "true" | "false" | "null" => logic::call,
        "add" | "sub" | "mul" | "div" | "mod" | "min" | "max" | "range" => number::call,
        "createarray" | "array" | "createobject" | "coalesce" | "union" | "shallowmerge"
        | "intersection" | "first" | "last" | "take" | "skip" | "length" | "empty" | "contains"
        | "items" | "objectkeys" | "flatten" | "tryget" | "trygetvalue" => collection::call,
        "base64" | "base64tostring" | "uri" | "uricomponent" | "datauri" | "newguid" | "utcnow"
        | "datetimeadd" | "datetimefromepoch" | "datetimetoepoch" => at_deployment,
        _ => return not_evaluated(name),
    };
    group(name, args, here)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(super) fn sp() -> Span {
        Span::new(0, 0..0)
    }

    pub(super) fn st(x: &str) -> Value {
        Value::str(x)
    }

    #[test]
    fn deployment_values_and_unimplemented_functions_are_unknown() {
        assert!(call("utcnow", vec![], sp()).is_unknown());
        assert!(call("pickzones", vec![st("x")], sp()).is_unknown());
    }
}
