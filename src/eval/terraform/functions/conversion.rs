//! Type conversion functions (`tostring`, `tonumber`, `tobool`, `tolist`, `toset`, `tomap`): a
//! converted value keeps the provenance of the value it came from.

use std::sync::Arc;

use crate::eval::common::{equal, not_evaluated};
use crate::eval::value::{Kind, Value};
use crate::source::Span;

/// Evaluates one of this group's functions (the dispatch table in `super` sends only those).
/// A conversion keeps the provenance of its argument, so the call's span is not used.
pub(super) fn call(name: &str, args: Vec<Value>, _here: Option<Span>) -> Value {
    match name {
        "tostring" => match args.first() {
            Some(v) if v.is_null() => v.clone(),
            Some(v) => match v.to_tf_string() {
                Some(x) => Value {
                    kind: Kind::Str(Arc::from(x)),
                    prov: v.prov.clone(),
                    shape: v.shape.clone(),
                },
                None => Value::error("tostring: not a primitive"),
            },
            None => Value::error("tostring: missing argument"),
        },
        "tonumber" => match args.first() {
            Some(v) if v.is_null() => v.clone(),
            Some(v) => match v.as_num() {
                Some(n) => Value {
                    kind: Kind::Num(n),
                    prov: v.prov.clone(),
                    shape: None,
                },
                None => Value::error("tonumber: not a number"),
            },
            None => Value::error("tonumber: missing argument"),
        },
        "tobool" => match args.first() {
            Some(v) if v.is_null() => v.clone(),
            Some(v) => match v.as_bool() {
                Some(b) => Value {
                    kind: Kind::Bool(b),
                    prov: v.prov.clone(),
                    shape: None,
                },
                None => Value::error("tobool: not a bool"),
            },
            None => Value::error("tobool: missing argument"),
        },
        "tolist" | "toset" => match args.first() {
            Some(a) => match &a.kind {
                Kind::List(l) if name == "toset" => {
                    let mut out: Vec<Value> = Vec::new();
                    for x in l.iter() {
                        if x.is_unknown() {
                            return Value::unknown("set element is unknown");
                        }
                        if !out.iter().any(|y| equal(x, y)) {
                            out.push(x.clone());
                        }
                    }
                    out.sort_by_key(Value::display);
                    Value {
                        kind: Kind::List(Arc::new(out)),
                        prov: a.prov.clone(),
                        shape: None,
                    }
                }
                Kind::List(_) | Kind::Null | Kind::Unknown(_) | Kind::Error(_) => a.clone(),
                _ => Value::error(format!("{name}: not a list")),
            },
            None => Value::error(format!("{name}: missing argument")),
        },
        "tomap" => match args.first() {
            Some(a)
                if matches!(
                    a.kind,
                    Kind::Map(_) | Kind::Null | Kind::Unknown(_) | Kind::Error(_)
                ) =>
            {
                a.clone()
            }
            _ => Value::error("tomap: not an object"),
        },
        _ => not_evaluated(name),
    }
}
