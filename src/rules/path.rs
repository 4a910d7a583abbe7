//! Compiled JSONPaths over the subject documents: parsed once per process, selecting values
//! and the unknowns a path runs into on its way. Shared by predicates and their operators.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock};

use foldhash::HashMap;
use jsonpath_rust::parser::model::{JpQuery, Segment, Selector};
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
    /// The path as member names and wildcards, when that is all it is.
    steps: Option<Arc<[Step]>>,
}

/// How much of a path a selection follows.
#[derive(Clone, Copy)]
enum Reach<'q> {
    Whole,
    /// Its first so many steps, and that prefix as a query for the general engine.
    Prefix(usize, &'q JpQuery),
}

/// One step of a path of member names and wildcards (`$.pools[*].subnet`), the form every
/// built-in rule writes. Such a path is selected by a plain walk: the general engine formats
/// the normalized path of every value it passes, a large part of checking thousands of
/// clusters.
#[derive(Debug)]
enum Step {
    Name(String),
    Any,
}

impl Step {
    fn all_of(query: &JpQuery) -> Option<Arc<[Step]>> {
        query
            .segments
            .iter()
            .map(|s| match s {
                Segment::Selector(Selector::Name(n)) => Some(Step::Name(n.clone())),
                Segment::Selector(Selector::Wildcard) => Some(Step::Any),
                _ => None,
            })
            .collect()
    }
}

/// A walk's results: the values the steps select, and (when asked for) the unknown values it
/// passes on the way, each with its depth.
struct Walked<'j> {
    selected: Vec<(String, &'j Json)>,
    passed: Option<Vec<(usize, String, &'j Json)>>,
}

/// The values `steps` select under `value`, in document order, with their normalized paths
/// (RFC 9535 2.7, as the general engine writes them); `path` is `value`'s, `depth` the number
/// of steps already taken to reach it.
fn walk<'j>(
    steps: &[Step],
    value: &'j Json,
    path: &mut String,
    depth: usize,
    out: &mut Walked<'j>,
) {
    let Some((step, rest)) = steps.split_first() else {
        out.selected.push((path.clone(), value));
        return;
    };
    if let Some(passed) = out.passed.as_mut().filter(|_| depth > 0) {
        if json_unknown(value).is_some() {
            passed.push((depth, path.clone(), value));
        }
    }
    let len = path.len();
    let mut visit = |path: &mut String, child: &'j Json| {
        walk(rest, child, path, depth + 1, out);
        path.truncate(len);
    };
    match (step, value) {
        (Step::Name(n), Json::Object(m)) => {
            if let Some(child) = m.get(n) {
                push_name(path, n);
                visit(path, child);
            }
        }
        (Step::Any, Json::Object(m)) => {
            for (k, child) in m {
                push_name(path, k);
                visit(path, child);
            }
        }
        (Step::Any, Json::Array(items)) => {
            for (i, child) in items.iter().enumerate() {
                let _ = write!(path, "[{i}]");
                visit(path, child);
            }
        }
        _ => {}
    }
}

/// A member name as a normalized path selector: single quotes, with `'`, `\` and the C0
/// controls escaped.
fn push_name(path: &mut String, name: &str) {
    path.push_str("['");
    for c in name.chars() {
        match c {
            '\u{8}' => path.push_str("\\b"),
            '\u{c}' => path.push_str("\\f"),
            '\n' => path.push_str("\\n"),
            '\r' => path.push_str("\\r"),
            '\t' => path.push_str("\\t"),
            '\'' => path.push_str("\\'"),
            '\\' => path.push_str("\\\\"),
            c if c < ' ' => {
                let _ = write!(path, "\\u{:04x}", c as u32);
            }
            c => path.push(c),
        }
    }
    path.push_str("']");
}

impl Path {
    /// Compiles a JSONPath; rules share many paths, so each text is parsed once per process.
    pub fn compile(src: &str) -> Result<Path, RuleError> {
        type Compiled = (Arc<JpQuery>, Arc<Vec<JpQuery>>, Option<Arc<[Step]>>);
        static CACHE: OnceLock<Mutex<HashMap<String, Compiled>>> = OnceLock::new();
        let cache = CACHE.get_or_init(Mutex::default);
        if let Some((query, prefixes, steps)) = cache.lock().ok().and_then(|c| c.get(src).cloned())
        {
            return Ok(Path {
                src: src.to_string(),
                query,
                prefixes,
                steps,
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
        let steps = Step::all_of(&query);
        let (query, prefixes) = (Arc::new(query), Arc::new(prefixes));
        if let Ok(mut c) = cache.lock() {
            c.insert(
                src.to_string(),
                (query.clone(), prefixes.clone(), steps.clone()),
            );
        }
        Ok(Path {
            src: src.to_string(),
            query,
            prefixes,
            steps,
        })
    }

    /// Every value the path (or a prefix of it) selects, with its normalized path.
    fn select_all<'j>(&self, reach: Reach<'_>, doc: &'j Json) -> Vec<(String, &'j Json)> {
        let steps = self.steps.as_deref().and_then(|s| match reach {
            Reach::Prefix(len, _) => s.get(..len),
            Reach::Whole => Some(s),
        });
        if let Some(steps) = steps {
            return walk_from_root(steps, doc, false).selected;
        }
        let query = match reach {
            Reach::Prefix(_, q) => q,
            Reach::Whole => &*self.query,
        };
        js_path_process(query, doc)
            .map(|refs| refs.into_iter().map(|r| (r.path, r.val)).collect())
            .unwrap_or_default()
    }

    /// Selected values with their normalized paths. A wildcard never reaches inside an
    /// unknown value's marker object (its reason is not a value); the unknown itself is found
    /// by [`Path::select_or_unknown`].
    pub fn select<'j>(&self, doc: &'j Json) -> Vec<(String, &'j Json)> {
        outside_unknowns(self.select_all(Reach::Whole, doc))
    }

    /// Selected values, and the unknown values the path runs into on its way: a pool's
    /// subnet that could not be linked hides every field below it, so a rule that needed one
    /// could not decide (EVAL001), where the plain selection would find nothing at all.
    pub fn select_or_unknown<'j>(&self, doc: &'j Json) -> Vec<(String, &'j Json)> {
        let Some(steps) = self.steps.as_deref() else {
            return self.select_or_unknown_by_prefixes(doc);
        };
        // One walk finds both. The unknowns it passes, ordered by depth (stably: document
        // order within a depth), come in the order selecting each proper prefix finds them.
        let walked = walk_from_root(steps, doc, true);
        let mut out = outside_unknowns(walked.selected);
        let mut passed = walked.passed.unwrap_or_default();
        passed.sort_by_key(|(depth, ..)| *depth);
        append_new(
            &mut out,
            passed.into_iter().map(|(_, path, val)| (path, val)),
        );
        out
    }

    /// [`Path::select_or_unknown`] for the general engine: the selection, then the unknowns
    /// each proper prefix selects.
    fn select_or_unknown_by_prefixes<'j>(&self, doc: &'j Json) -> Vec<(String, &'j Json)> {
        let mut out = self.select(doc);
        for (len, q) in (1..).zip(self.prefixes.iter()) {
            let found = self.select_all(Reach::Prefix(len, q), doc);
            append_new(
                &mut out,
                found.into_iter().filter(|(_, v)| json_unknown(v).is_some()),
            );
        }
        out
    }
}

/// Walks `steps` from the document's root (`$`).
fn walk_from_root<'j>(steps: &[Step], doc: &'j Json, unknowns_passed: bool) -> Walked<'j> {
    let mut out = Walked {
        selected: Vec::new(),
        passed: unknowns_passed.then(Vec::new),
    };
    // Room for a typical path, so the walk does not grow it step by step.
    let mut path = String::with_capacity(64);
    path.push('$');
    walk(steps, doc, &mut path, 0, &mut out);
    out
}

/// Appends the values whose paths `out` does not hold yet, in order.
fn append_new<'j>(
    out: &mut Vec<(String, &'j Json)>,
    found: impl IntoIterator<Item = (String, &'j Json)>,
) {
    for (path, val) in found {
        if !out.iter().any(|(p, _)| *p == path) {
            out.push((path, val));
        }
    }
}

/// A selection without what a wildcard found inside an unknown value's marker object.
fn outside_unknowns(mut selected: Vec<(String, &Json)>) -> Vec<(String, &Json)> {
    // The normalized path segment of the marker key (`['$unknown']`), built once.
    static INSIDE_UNKNOWN: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("['{}']", crate::model::node::UNKNOWN_KEY));
    let inside_unknown = INSIDE_UNKNOWN.as_str();
    selected.retain(|(path, _)| !path.contains(inside_unknown));
    selected
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The general engine's selection, with its normalized paths.
    fn general<'j>(src: &str, doc: &'j Json) -> Vec<(String, &'j Json)> {
        let q = parse_json_path(src).unwrap_or_else(|e| panic!("{e}"));
        js_path_process(&q, doc)
            .unwrap_or_default()
            .into_iter()
            .map(|r| (r.path, r.val))
            .collect()
    }

    #[test]
    fn names_and_wildcards_select_as_the_general_engine_does() {
        let doc = serde_json::json!({
            "network": {"plugin": "azure", "pod_cidrs": ["10.0.0.0/16", "fd00::/64"]},
            "pools": [
                {"subnet": {"prefixes": ["10.1.0.0/24"], "it's\\\n\u{1}": 1}},
                {"subnet": null},
                {"subnet": {"prefixes": []}},
                {"subnet": {"$unknown": "the subnet is not in the scan"}}
            ],
            "z": {"b": 1, "a": [2, {"c": 3}]},
            "empty": {},
            "deep": [
                {"$unknown": "first"},
                {"k": {"$unknown": "inner"}},
                {"$unknown": "third", "k": {"m": 4}}
            ]
        });
        for src in [
            "$.network.plugin",
            "$.network.pod_cidrs[*]",
            "$.pools[*].subnet.prefixes[*]",
            "$.pools[*].subnet",
            "$.pools[*].subnet[*]",
            "$.z[*]",
            "$.z[*][*]",
            "$.z.a[*].c",
            "$.deep[*].k.m",
            "$.deep[*].k",
            "$.deep[*][*].m",
            "$.empty[*]",
            "$.missing[*].x",
            "$.network.plugin[*]",
            "$[*]",
            "$",
        ] {
            let path = Path::compile(src).unwrap_or_else(|e| panic!("{e}"));
            assert!(path.steps.is_some(), "{src}");
            // One walk finds what selecting every prefix again finds, in the same order.
            assert_eq!(
                path.select_or_unknown(&doc),
                path.select_or_unknown_by_prefixes(&doc),
                "{src}"
            );
            assert_eq!(
                path.select_all(Reach::Whole, &doc),
                general(src, &doc),
                "{src}"
            );
            for (len, q) in (1..).zip(path.prefixes.iter()) {
                let mut want = Vec::new();
                for r in js_path_process(q, &doc).unwrap_or_default() {
                    want.push((r.path, r.val));
                }
                assert_eq!(
                    path.select_all(Reach::Prefix(len, q), &doc),
                    want,
                    "{src} [..{len}]"
                );
            }
        }
        // Anything else goes to the general engine.
        let filtered = Path::compile("$.pools[?@.subnet].subnet").unwrap_or_else(|e| panic!("{e}"));
        assert!(filtered.steps.is_none());
        let src = "$.pools[?@.subnet].subnet";
        assert_eq!(filtered.select(&doc), general(src, &doc));
    }
}
