//! Integer arithmetic (checked: overflow and division by zero are errors), `min`/`max`, `range`.

use std::sync::Arc;

use super::int;
use crate::eval::common::{not_evaluated, MAX_ITEMS};
use crate::eval::value::{Kind, Value};
use crate::source::Span;

/// Evaluates one of this group's functions (the dispatch table in `super` sends only those).
pub(super) fn call(name: &str, args: Vec<Value>, here: Option<Span>) -> Value {
    let computed = |k: Kind| Value::at(k, here);
    let arg = |i: usize| args.get(i);
    match name {
        "add" | "sub" | "mul" | "div" | "mod" => {
            let (Some(a), Some(b)) = (arg(0).and_then(int), arg(1).and_then(int)) else {
                return Value::error(format!("{name}: not integers"));
            };
            let r = match name {
                "add" => a.checked_add(b),
                "sub" => a.checked_sub(b),
                "mul" => a.checked_mul(b),
                "div" => a.checked_div(b),
                _ => a.checked_rem(b),
            };
            r.map_or_else(
                || Value::error(format!("{name}: overflow or division by zero")),
                |n| computed(Kind::Num(n as f64)),
            )
        }
        "min" | "max" => {
            let nums: Option<Vec<f64>> = match arg(0).map(|a| &a.kind) {
                Some(Kind::List(l)) => l.iter().map(Value::as_num).collect(),
                _ => args.iter().map(Value::as_num).collect(),
            };
            let nums = nums.unwrap_or_default();
            let r = if name == "min" {
                nums.iter().copied().reduce(f64::min)
            } else {
                nums.iter().copied().reduce(f64::max)
            };
            r.map_or_else(
                || Value::error(format!("{name}: no numbers")),
                |n| computed(Kind::Num(n)),
            )
        }
        "range" => match (arg(0).and_then(int), arg(1).and_then(int)) {
            (Some(start), Some(count)) if (0..=MAX_ITEMS as i64).contains(&count) => {
                computed(Kind::List(Arc::new(
                    (0..count)
                        .map(|i| computed(Kind::Num((start + i) as f64)))
                        .collect(),
                )))
            }
            _ => Value::error("range: invalid arguments"),
        },
        _ => not_evaluated(name),
    }
}
