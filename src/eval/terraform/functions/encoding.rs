//! Encoding functions: `jsonencode`/`yamlencode` keep the structured value, `jsondecode` parses.

use super::str_arg;
use crate::eval::common::{from_json, not_evaluated};
use crate::eval::value::Value;
use crate::source::Span;

/// Evaluates one of this group's functions (the dispatch table in `super` sends only those).
pub(super) fn call(name: &str, args: Vec<Value>, here: Option<Span>) -> Value {
    match name {
        // Kept as the structured value: azapi v1 `body = jsonencode({...})` and Helm
        // `values = [yamlencode({...})]` are read as objects by the model, and anything that
        // needs the text treats it as unknown.
        "jsonencode" | "yamlencode" => match args.first() {
            Some(a) => a.clone(),
            None => Value::error(format!("{name}: missing argument")),
        },
        "jsondecode" => match str_arg(&args, 0) {
            Some(txt) => match serde_json::from_str::<serde_json::Value>(&txt) {
                Ok(j) => from_json(&j, here),
                Err(_) => Value::error("jsondecode: invalid JSON"),
            },
            None => Value::error("jsondecode: not a string"),
        },
        _ => not_evaluated(name),
    }
}
