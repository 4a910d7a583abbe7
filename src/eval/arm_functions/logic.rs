//! Logical and comparison functions; `equals` stays unknown while either side holds an unknown.

use crate::eval::common::{deep_unknown, equal, not_evaluated};
use crate::eval::value::{Kind, Value};
use crate::source::Span;

/// Evaluates one of this group's functions (the dispatch table in `super` sends only those).
pub(super) fn call(name: &str, args: Vec<Value>, here: Option<Span>) -> Value {
    let computed = |k: Kind| Value::at(k, here);
    let arg = |i: usize| args.get(i);
    match name {
        "equals" => match (arg(0), arg(1)) {
            (Some(a), Some(b)) if deep_unknown(a).is_none() && deep_unknown(b).is_none() => {
                computed(Kind::Bool(equal(a, b)))
            }
            _ => Value::unknown("equals: unknown operand"),
        },
        "not" => arg(0).and_then(Value::as_bool).map_or_else(
            || Value::error("not: not a bool"),
            |b| computed(Kind::Bool(!b)),
        ),
        "and" | "or" => {
            let bools: Option<Vec<bool>> = args.iter().map(Value::as_bool).collect();
            match bools {
                Some(b) if name == "and" => computed(Kind::Bool(b.iter().all(|x| *x))),
                Some(b) => computed(Kind::Bool(b.iter().any(|x| *x))),
                None => Value::error(format!("{name}: not a bool")),
            }
        }
        "less" | "lessorequals" | "greater" | "greaterorequals" => {
            let ord = match (arg(0).map(|a| &a.kind), arg(1).map(|a| &a.kind)) {
                (Some(Kind::Num(a)), Some(Kind::Num(b))) => a.partial_cmp(b),
                (Some(Kind::Str(a)), Some(Kind::Str(b))) => Some(a.cmp(b)),
                _ => None,
            };
            let Some(o) = ord else {
                return Value::error(format!("{name}: incomparable values"));
            };
            use std::cmp::Ordering::*;
            computed(Kind::Bool(match name {
                "less" => o == Less,
                "lessorequals" => o != Greater,
                "greater" => o == Greater,
                _ => o != Less,
            }))
        }
        "true" => computed(Kind::Bool(true)),
        "false" => computed(Kind::Bool(false)),
        "null" => Value::null(),
        _ => not_evaluated(name),
    }
}
