//! Typed predicates over the model's JSON: compiled once at load (JSONPath, regexes, CIDRs),
//! evaluated per subject. Each selected value yields a hit, a miss, or an unknown; unknown
//! values never produce hits. The operators themselves are in [`ops`](super::ops).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use ipnet::IpNet;
use jsonpath_rust::parser::model::JpQuery;
use jsonpath_rust::parser::parse_json_path;
use jsonpath_rust::query::js_path_process;
use regex::Regex;
use serde_json::Value as Json;

use super::facts;
use super::ops::{self, Op, Probe};
use super::outcome::{display, Outcome, Unknown};
use super::schema::{Operator, Predicate};
use super::RuleError;
use crate::cidr;
use crate::model::node::json_unknown;
use crate::model::subject::parse_version;

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
        let inside_unknown = format!("['{}']", crate::model::node::UNKNOWN_KEY);
        js_path_process(&self.query, doc)
            .map(|refs| {
                refs.into_iter()
                    .filter(|r| !r.path.contains(&inside_unknown))
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

pub struct Compiled {
    paths: Vec<Path>,
    op: Op,
    unless_overlaps: Vec<IpNet>,
    pub other_label: Option<String>,
}

fn to_json(v: &toml::Value) -> Json {
    serde_json::to_value(v).unwrap_or(Json::Null)
}

fn parse_cidrs(list: &[String]) -> Result<Vec<IpNet>, RuleError> {
    list.iter()
        .map(|c| cidr::parse(c).ok_or_else(|| RuleError::Cidr(c.clone())))
        .collect()
}

fn compile_paths(list: &[String]) -> Result<Vec<Path>, RuleError> {
    list.iter().map(|s| Path::compile(s)).collect()
}

/// Compiles a rule file's operator: paths parsed, CIDRs and patterns checked, facts looked up.
fn compile_op(op: &Operator) -> Result<Op, RuleError> {
    use ops::{cidr::Op as C, compare::Op as Cmp, text::Op as T};
    Ok(match op {
        Operator::Equals(v) => Op::Compare(Cmp::Equals(to_json(v))),
        Operator::NotEquals(v) => Op::Compare(Cmp::NotEquals(to_json(v))),
        Operator::OneOf(v) => Op::Compare(Cmp::OneOf(v.iter().map(to_json).collect())),
        Operator::NotOneOf(v) => Op::Compare(Cmp::NotOneOf(v.iter().map(to_json).collect())),
        Operator::Outside([lo, hi]) => Op::Compare(Cmp::Outside(*lo, *hi)),
        Operator::GreaterThan(v) => Op::Compare(Cmp::GreaterThan(*v)),
        Operator::LessThan(v) => Op::Compare(Cmp::LessThan(*v)),
        Operator::NotEqualsPath(v) => Op::Compare(Cmp::NotEqualsPath(Path::compile(v)?)),
        Operator::VersionLessThan(v) => {
            let (a, b, c) = parse_version(v).ok_or_else(|| RuleError::Version(v.clone()))?;
            Op::Compare(Cmp::VersionLessThan((a, b, c.unwrap_or(0))))
        }
        Operator::PrefixLenAtMost(v) => Op::Cidr(C::PrefixAtMost(*v)),
        Operator::PrefixLenGreaterThan(v) => Op::Cidr(C::PrefixGreaterThan(*v)),
        Operator::PrefixLenLessThan(v) => Op::Cidr(C::PrefixLessThan(*v)),
        Operator::Overlaps(v) => {
            let nets = parse_cidrs(v)?;
            Op::Cidr(C::Overlaps(
                nets.into_iter().zip(v.iter().cloned()).collect(),
            ))
        }
        Operator::OverlapsPath(v) => Op::Cidr(C::OverlapsPath(compile_paths(v)?)),
        Operator::NotWithin(v) => Op::Cidr(C::NotWithin(parse_cidrs(v)?)),
        Operator::NotWithinPath(v) => Op::Cidr(C::NotWithinPath(compile_paths(v)?)),
        Operator::IpOutsidePath(v) => Op::Cidr(C::IpOutsidePath(Path::compile(v)?)),
        Operator::IpOffsetIn(v) => {
            Op::Cidr(C::IpOffsetIn(Path::compile(&v.of)?, v.offsets.clone()))
        }
        Operator::Matches(v) => Op::Text(T::Matches(Regex::new(v).map_err(|source| {
            RuleError::Regex {
                pattern: v.clone(),
                source,
            }
        })?)),
        Operator::LongerThan(v) => Op::Text(T::LongerThan(*v)),
        Operator::Present => Op::Text(T::Present),
        Operator::Fact(f) => {
            Op::Fact(facts::lookup(f).ok_or_else(|| RuleError::UnknownFact(f.clone()))?)
        }
    })
}

impl Compiled {
    /// Compiles a predicate; its shape (one operator, a path unless it is a fact) was checked
    /// when the rule file was read.
    pub fn compile(p: &Predicate) -> Result<Compiled, RuleError> {
        let op = compile_op(&p.op)?;
        let mut srcs: Vec<String> = p.path.iter().cloned().collect();
        srcs.extend(p.paths.iter().flatten().cloned());
        Ok(Compiled {
            paths: compile_paths(&srcs)?,
            op,
            unless_overlaps: parse_cidrs(p.unless_overlaps.as_deref().unwrap_or(&[]))?,
            other_label: p.other_label.clone(),
        })
    }

    /// Names a fact adds to the message variables.
    pub fn fact_vars(&self) -> &'static [&'static str] {
        match &self.op {
            Op::Fact(f) => f.vars,
            _ => &[],
        }
    }

    pub fn eval(&self, doc: &Json) -> Outcome {
        let mut out = Outcome::default();
        if let Op::Fact(f) = &self.op {
            return (f.eval)(doc);
        }
        for p in &self.paths {
            for (path, v) in p.select_or_unknown(doc) {
                if let Some(reason) = json_unknown(v) {
                    out.unknowns.push(Unknown {
                        path,
                        reason: reason.to_string(),
                    });
                    continue;
                }
                if v.is_null() {
                    continue;
                }
                let before = out.hits.len();
                let probe = Probe {
                    doc,
                    path: &path,
                    value: v,
                    text: display(v),
                };
                if self.op.test(&probe, &mut out) {
                    out.hits.push(probe.hit(None));
                }
                if !self.unless_overlaps.is_empty() {
                    if let Some(n) = v.as_str().and_then(cidr::parse) {
                        if self.unless_overlaps.iter().any(|x| cidr::overlaps(&n, x)) {
                            out.hits.truncate(before);
                        }
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pred(toml_src: &str) -> Compiled {
        let compiled = toml::from_str::<Predicate>(toml_src)
            .map_err(|e| e.to_string())
            .and_then(|p| Compiled::compile(&p).map_err(|e| e.to_string()));
        match compiled {
            Ok(c) => c,
            Err(e) => unreachable!("{e}"),
        }
    }

    #[test]
    fn unknown_values_never_hit() {
        let doc = json!({"pools": [{"max_pods": {"$unknown": "var"}}, {"max_pods": 251}, {"max_pods": 250}]});
        let out = pred("path = \"$.pools[*].max_pods\"\noutside = [10, 250]").eval(&doc);
        assert_eq!(out.hits.len(), 1);
        assert_eq!(out.unknowns.len(), 1);
        assert_eq!(
            out.hits.first().map(|h| h.path.as_str()),
            Some("$['pools'][1]['max_pods']")
        );
    }

    #[test]
    fn overlap_between_paths_names_the_other() {
        let doc = json!({"svc": ["10.0.0.0/16"], "vnet": ["10.0.0.0/8", "192.168.0.0/16"]});
        let out = pred("path = \"$.svc[*]\"\noverlaps_path = [\"$.vnet[*]\"]").eval(&doc);
        assert_eq!(out.hits.len(), 1);
        let other = out.hits.first().and_then(|h| h.other.clone());
        assert_eq!(other.map(|o| o.1), Some("10.0.0.0/8".to_string()));
    }

    #[test]
    fn version_boundary() {
        let c = pred("path = \"$.v\"\nversion_less_than = \"1.26.3\"");
        assert_eq!(c.eval(&json!({"v": "1.26.2"})).hits.len(), 1);
        assert_eq!(c.eval(&json!({"v": "1.26.3"})).hits.len(), 0);
        assert_eq!(c.eval(&json!({"v": "1.25"})).hits.len(), 1);
        let u = c.eval(&json!({"v": "1.26"}));
        assert_eq!((u.hits.len(), u.unknowns.len()), (0, 1));
    }

    #[test]
    fn rejects_two_operators_or_none_at_load() {
        let err = |src: &str| {
            toml::from_str::<Predicate>(src)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        let two = err("path = \"$.a\"\nequals = 1\ngreater_than = 2");
        assert!(two.contains("found 2: equals, greater_than"), "{two}");
        let none = err("path = \"$.a\"\nother_label = \"x\"");
        assert!(none.contains("found none"), "{none}");
        assert!(err("fact = \"x\"\npath = \"$.a\"").contains("a fact takes no path"));
        assert!(err("equals = 1").contains("a predicate needs a path"));
        assert!(err("path = \"$.a\"\nequls = 1").contains("unknown field"));
    }
}
