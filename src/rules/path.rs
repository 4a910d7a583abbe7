//! Compiled JSONPaths over the subject documents: parsed once per process, selecting values
//! and the unknowns a path runs into on its way. Shared by predicates and their operators.

use foldhash::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use jsonpath_rust::parser::model::JpQuery;
use jsonpath_rust::parser::parse_json_path;
use jsonpath_rust::query::js_path_process;
use serde_json::Value as Json;

use super::RuleError;
use crate::model::node::json_unknown;

/// A compiled JSONPath with its source text.
#[derive(Clone)]
pub struct Path {
    pub src: String,
    query: Arc<JpQuery>,
    /// The path's proper prefixes (`$.pools[*].subnet` of `$.pools[*].subnet.prefixes[*]`).
    prefixes: Arc<Vec<JpQuery>>,
}

impl Path {
    /// Compiles a JSONPath; rules share many paths, so each text is parsed once per process.
    pub fn compile(src: &str) -> Result<Path, RuleError> {
        type Compiled = (Arc<JpQuery>, Arc<Vec<JpQuery>>);
        static CACHE: OnceLock<Mutex<HashMap<String, Compiled>>> = OnceLock::new();
        let cache = CACHE.get_or_init(Mutex::default);
        if let Some((query, prefixes)) = cache.lock().ok().and_then(|c| c.get(src).cloned()) {
            return Ok(Path {
                src: src.to_string(),
                query,
                prefixes,
            });
        }
        let query = parse_json_path(src).map_err(|e| RuleError::JsonPath {
            path: src.to_string(),
            message: e.to_string(),
        })?;
        let prefixes: Vec<JpQuery> = (1..query.segments.len())
            .filter_map(|n| query.segments.get(..n))
            .map(|segs| JpQuery::new(segs.to_vec()))
            .collect();
        let (query, prefixes) = (Arc::new(query), Arc::new(prefixes));
        if let Ok(mut c) = cache.lock() {
            c.insert(src.to_string(), (query.clone(), prefixes.clone()));
        }
        Ok(Path {
            src: src.to_string(),
            query,
            prefixes,
        })
    }

    /// Selected values with their normalized paths. A wildcard never reaches inside an
    /// unknown value's marker object (its reason is not a value); the unknown itself is found
    /// by [`Path::select_or_unknown`].
    pub fn select<'j>(&self, doc: &'j Json) -> Vec<(String, &'j Json)> {
        // The normalized path segment of the marker key (`['$unknown']`), built once.
        static INSIDE_UNKNOWN: std::sync::LazyLock<String> =
            std::sync::LazyLock::new(|| format!("['{}']", crate::model::node::UNKNOWN_KEY));
        let inside_unknown = INSIDE_UNKNOWN.as_str();
        js_path_process(&self.query, doc)
            .map(|refs| {
                refs.into_iter()
                    .filter(|r| !r.path.contains(inside_unknown))
                    .map(|r| (r.path.clone(), r.val))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Selected values, and the unknown values the path runs into on its way: a pool's
    /// subnet that could not be linked hides every field below it, so a rule that needed one
    /// could not decide (EVAL001), where the plain selection would find nothing at all.
    pub fn select_or_unknown<'j>(&self, doc: &'j Json) -> Vec<(String, &'j Json)> {
        let mut out = self.select(doc);
        for q in self.prefixes.iter() {
            for r in js_path_process(q, doc).unwrap_or_default() {
                if json_unknown(r.val).is_some() && !out.iter().any(|(p, _)| *p == r.path) {
                    out.push((r.path.clone(), r.val));
                }
            }
        }
        out
    }
}
