//! What a predicate or a derived fact yields for one subject: the values it matched (hits) and
//! the values it needed but could not know. Both `predicate` and `facts` produce these and the
//! engine reads them, so they live here, depending on neither.

use serde_json::Value as Json;

/// A matched value.
#[derive(Debug, Clone, Default)]
pub struct Hit {
    pub path: String,
    pub value: String,
    /// The conflicting value: its path in the document (if any) and its text.
    pub other: Option<(Option<String>, String)>,
    pub vars: Vec<(String, String)>,
    /// Extra labels computed by facts: (path, label).
    pub related: Vec<(String, String)>,
}

/// A value the predicate needed but could not know.
#[derive(Debug, Clone)]
pub struct Unknown {
    pub path: String,
    pub reason: String,
}

/// Everything one predicate or fact found on one subject.
#[derive(Default, Debug)]
pub struct Outcome {
    pub hits: Vec<Hit>,
    pub unknowns: Vec<Unknown>,
}

/// Text of a JSON value for messages.
pub fn display(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Array(items) => format!(
            "[{}]",
            items.iter().map(display).collect::<Vec<_>>().join(", ")
        ),
        Json::Number(n) => n
            .as_f64()
            .map_or_else(|| n.to_string(), crate::eval::value::fmt_num),
        other => other.to_string(),
    }
}
