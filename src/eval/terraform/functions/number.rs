//! Numeric functions: `max`/`min` pick an argument (and keep where it was written), the others
//! compute a new number.

use super::{first_unknown, int, str_arg};
use crate::eval::common::not_evaluated;
use crate::eval::value::{Kind, Value};
use crate::source::Span;

/// Evaluates one of this group's functions (the dispatch table in `super` sends only those).
pub(super) fn call(name: &str, args: Vec<Value>, here: Option<Span>) -> Value {
    let computed = |k: Kind| Value::at(k, here);
    match name {
        "max" | "min" | "sum" => {
            let nums: Vec<Value> = if name == "sum" {
                args.first()
                    .and_then(|l| l.as_list())
                    .map(|l| l.to_vec())
                    .unwrap_or_default()
            } else {
                args.clone()
            };
            if let Some(u) = first_unknown(&nums) {
                return u;
            }
            let ns: Option<Vec<f64>> = nums.iter().map(Value::as_num).collect();
            match ns {
                Some(ns) if !ns.is_empty() => {
                    if name == "sum" {
                        return computed(Kind::Num(ns.iter().sum()));
                    }
                    // max/min return the chosen argument, keeping where it was written.
                    let pick = ns.iter().enumerate().fold(0usize, |best, (i, n)| {
                        let b = ns.get(best).copied().unwrap_or(*n);
                        if (name == "max" && *n > b) || (name == "min" && *n < b) {
                            i
                        } else {
                            best
                        }
                    });
                    nums.get(pick).cloned().map_or_else(
                        || Value::error("max/min"),
                        |v| Value {
                            kind: Kind::Num(ns.get(pick).copied().unwrap_or(0.0)),
                            prov: v.prov,
                            shape: None,
                        },
                    )
                }
                _ => Value::error(format!("{name}: needs numbers")),
            }
        }
        "abs" | "ceil" | "floor" => match args.first().and_then(Value::as_num) {
            Some(n) => computed(Kind::Num(match name {
                "abs" => n.abs(),
                "ceil" => n.ceil(),
                _ => n.floor(),
            })),
            None => Value::error(format!("{name}: not a number")),
        },
        "pow" => match (
            args.first().and_then(Value::as_num),
            args.get(1).and_then(Value::as_num),
        ) {
            (Some(a), Some(b)) => computed(Kind::Num(a.powf(b))),
            _ => Value::error("pow: not numbers"),
        },
        "parseint" => match (str_arg(&args, 0), args.get(1).and_then(int)) {
            (Some(x), Some(base)) if (2..=62).contains(&base) => {
                match i64::from_str_radix(&x, base as u32) {
                    Ok(n) => computed(Kind::Num(n as f64)),
                    Err(_) => Value::error("parseint: invalid number"),
                }
            }
            _ => Value::error("parseint: invalid arguments"),
        },
        _ => not_evaluated(name),
    }
}
