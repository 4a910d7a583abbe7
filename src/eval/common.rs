//! What the Terraform and ARM function libraries share: the limits that keep a function from
//! building unbounded values, structural equality, whole numbers, values from JSON and the
//! results every function library builds the same way. Kept in one place
//! so both dialects stop at the same sizes and compare values the same way.

use std::sync::Arc;

use super::value::{Kind, Value};
use crate::source::Span;

/// Longest string a function may build (guards `format`/`join` blow-ups).
pub const MAX_STRING: usize = 1 << 20;
/// Longest collection a function may build.
pub const MAX_ITEMS: usize = 100_000;

/// Structural equality of known values (Terraform `==`, ARM `equals`).
pub fn equal(a: &Value, b: &Value) -> bool {
    match (&a.kind, &b.kind) {
        (Kind::Null, Kind::Null) => true,
        (Kind::Bool(x), Kind::Bool(y)) => x == y,
        (Kind::Num(x), Kind::Num(y)) => x == y,
        (Kind::Str(x), Kind::Str(y)) => x == y,
        (Kind::Id(x), Kind::Id(y)) => x == y,
        (Kind::List(x), Kind::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| equal(a, b))
        }
        (Kind::Map(x), Kind::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((ka, va), (kb, vb))| ka == kb && equal(va, vb))
        }
        _ => false,
    }
}

/// The first value inside `v` (itself, a list item or an object property, at any depth) that
/// is not fully known: unknown, partly known or an error. A function that reads a whole value
/// (ARM `string()`, `equals`) is unknown when there is one.
pub fn deep_unknown(v: &Value) -> Option<&Value> {
    match &v.kind {
        Kind::Unknown(_) | Kind::Partial(_) | Kind::Error(_) => Some(v),
        Kind::List(l) => l.iter().find_map(deep_unknown),
        Kind::Map(m) => m.values().find_map(deep_unknown),
        _ => None,
    }
}

/// A string a function computed, attributed to the call; unknown when it is longer than
/// [`MAX_STRING`], so no input can make a function build an unbounded string.
pub fn string_value(x: String, here: Option<Span>) -> Value {
    if x.len() > MAX_STRING {
        Value::unknown("string too long")
    } else {
        Value::at(Kind::Str(Arc::from(x)), here)
    }
}

/// A function this linter does not implement: unknown, so no rule can fire on its result.
pub fn not_evaluated(name: &str) -> Value {
    Value::unknown(format!("function {name}() is not evaluated"))
}

/// `n` as an integer when it is whole and small enough (below 9e15) that `f64` holds every
/// integer up to it exactly; anything else is not an integer argument.
pub fn whole(n: f64) -> Option<i64> {
    (n.fract() == 0.0 && n.abs() < 9e15).then_some(n as i64)
}

/// Converts JSON (an azapi body string, Terraform `jsondecode`, ARM `json()`) into a value
/// attributed to `span`.
pub fn from_json(j: &serde_json::Value, span: Option<Span>) -> Value {
    let k = match j {
        serde_json::Value::Null => Kind::Null,
        serde_json::Value::Bool(b) => Kind::Bool(*b),
        serde_json::Value::Number(n) => Kind::Num(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(x) => Kind::Str(Arc::from(x.as_str())),
        serde_json::Value::Array(a) => {
            Kind::List(Arc::new(a.iter().map(|x| from_json(x, span)).collect()))
        }
        serde_json::Value::Object(o) => Kind::Map(Arc::new(
            o.iter()
                .map(|(k, v)| (k.clone(), from_json(v, span)))
                .collect(),
        )),
    };
    Value::at(k, span)
}
