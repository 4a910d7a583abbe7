//! Conversions: `string()`, `int()`, `float()`, `bool()`, `json()`, and ARM's own text form of
//! a value (objects and arrays as JSON).

use super::int;
use crate::eval::common::{deep_unknown, from_json, not_evaluated, string_value};
use crate::eval::value::{fmt_num, Kind, Value};
use crate::source::Span;

/// Evaluates one of this group's functions (the dispatch table in `super` sends only those).
pub(super) fn call(name: &str, args: Vec<Value>, here: Option<Span>) -> Value {
    let s = |x: String| string_value(x, here);
    let computed = |k: Kind| Value::at(k, here);
    let arg = |i: usize| args.get(i);
    match name {
        "string" => match arg(0) {
            Some(a) if deep_unknown(a).is_some() => Value::unknown("string() of an unknown value"),
            Some(a) => to_text(a).map_or_else(|| Value::unknown("string(): not convertible"), s),
            None => Value::error("string: missing argument"),
        },
        "int" => arg(0).and_then(int).map_or_else(
            || Value::error("int: not a number"),
            |n| computed(Kind::Num(n as f64)),
        ),
        "float" => match arg(0).map(|a| &a.kind) {
            Some(Kind::Num(n)) => computed(Kind::Num(*n)),
            Some(Kind::Str(t)) => t.trim().parse().map_or_else(
                |_| Value::error("float: not a number"),
                |n| computed(Kind::Num(n)),
            ),
            _ => Value::error("float: not a number"),
        },
        "bool" => match arg(0).map(|a| &a.kind) {
            Some(Kind::Bool(b)) => computed(Kind::Bool(*b)),
            Some(Kind::Str(t)) if t.eq_ignore_ascii_case("true") => computed(Kind::Bool(true)),
            Some(Kind::Str(t)) if t.eq_ignore_ascii_case("false") => computed(Kind::Bool(false)),
            Some(Kind::Num(n)) => computed(Kind::Bool(*n != 0.0)),
            _ => Value::error("bool: not convertible"),
        },
        "json" => match arg(0) {
            Some(a) if a.is_unknown() => a.clone().opaque(),
            Some(a) => match a.as_str().map(serde_json::from_str::<serde_json::Value>) {
                Some(Ok(j)) => from_json(&j, here),
                _ => Value::error("json: invalid JSON"),
            },
            None => Value::error("json: missing argument"),
        },
        _ => not_evaluated(name),
    }
}

/// ARM's string conversion (`string()`, `concat`, `format`): objects and arrays as JSON.
pub fn to_text(v: &Value) -> Option<String> {
    match &v.kind {
        Kind::Str(s) => Some(s.to_string()),
        Kind::Num(n) => Some(fmt_num(*n)),
        Kind::Bool(b) => Some(if *b { "True" } else { "False" }.to_string()),
        Kind::Null => Some(String::new()),
        Kind::List(_) | Kind::Map(_) => to_json(v).map(|j| j.to_string()),
        Kind::Id(id) => Some(format!("ref:{}", id.0)),
        _ => None,
    }
}

fn to_json(v: &Value) -> Option<serde_json::Value> {
    Some(match &v.kind {
        Kind::Null => serde_json::Value::Null,
        Kind::Bool(b) => serde_json::Value::Bool(*b),
        Kind::Num(n) => serde_json::Number::from_f64(*n)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Kind::Str(s) => serde_json::Value::String(s.to_string()),
        Kind::List(l) => serde_json::Value::Array(l.iter().map(to_json).collect::<Option<_>>()?),
        Kind::Map(m) => serde_json::Value::Object(
            m.iter()
                .map(|(k, v)| Some((k.clone(), to_json(v)?)))
                .collect::<Option<_>>()?,
        ),
        _ => return None,
    })
}
