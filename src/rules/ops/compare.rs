//! Comparisons: equality (loose, as users write values), numbers, Kubernetes versions and the
//! value at another path.

use serde_json::Value as Json;

use super::{unknown, Probe};
use crate::model::node::json_unknown;
use crate::model::subject::parse_version;
use crate::rules::outcome::{Outcome, Unknown};
use crate::rules::path::Path;

pub enum Op {
    Equals(Json),
    NotEquals(Json),
    OneOf(Vec<Json>),
    NotOneOf(Vec<Json>),
    Outside(f64, f64),
    GreaterThan(f64),
    LessThan(f64),
    NotEqualsPath(Path),
    /// (major, minor, patch).
    VersionLessThan((u64, u64, u64)),
}

impl Op {
    pub fn test(&self, p: &Probe<'_>, out: &mut Outcome) -> bool {
        let v = p.value;
        match self {
            Op::Equals(x) => loose_eq(v, x),
            Op::NotEquals(x) => !loose_eq(v, x),
            Op::OneOf(xs) => xs.iter().any(|x| loose_eq(v, x)),
            Op::NotOneOf(xs) => !xs.iter().any(|x| loose_eq(v, x)),
            Op::Outside(lo, hi) => num(v).is_some_and(|n| n < *lo || n > *hi),
            Op::GreaterThan(x) => num(v).is_some_and(|n| n > *x),
            Op::LessThan(x) => num(v).is_some_and(|n| n < *x),
            Op::NotEqualsPath(other) => {
                for (opath, ov) in other.select_or_unknown(p.doc).into_iter().take(1) {
                    if let Some(reason) = json_unknown(ov) {
                        unknown(out, opath, reason);
                    } else if !ov.is_null() && !loose_eq(v, ov) {
                        out.hits.push(p.hit_with(opath, ov));
                    }
                }
                false
            }
            Op::VersionLessThan(target) => version_less_than(p, *target, out),
        }
    }
}

fn version_less_than(p: &Probe<'_>, target: (u64, u64, u64), out: &mut Outcome) -> bool {
    match p.value.as_str().and_then(parse_version) {
        Some((a, b, Some(c))) => (a, b, c) < target,
        Some((a, b, None)) => {
            // "1.26" means the newest 1.26 patch: decidable only when the minor differs.
            if (a, b) == (target.0, target.1) && target.2 > 0 {
                out.unknowns.push(Unknown {
                    path: p.path.to_string(),
                    reason: format!("version {} does not say its patch release", p.text),
                });
                false
            } else {
                (a, b) < (target.0, target.1)
            }
        }
        None => false,
    }
}

fn num(v: &Json) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// Equality that ignores ASCII case for strings and accepts numeric strings.
fn loose_eq(v: &Json, x: &Json) -> bool {
    match (v, x) {
        (Json::String(a), Json::String(b)) => a.eq_ignore_ascii_case(b),
        (Json::Bool(a), Json::Bool(b)) => a == b,
        (Json::String(a), Json::Bool(b)) => a.eq_ignore_ascii_case(&b.to_string()),
        (Json::Array(a), Json::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| loose_eq(x, y))
        }
        _ => match (num(v), num(x)) {
            (Some(a), Some(b)) => a == b,
            _ => v == x,
        },
    }
}
