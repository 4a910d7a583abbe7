//! Typed predicates over the model's JSON: compiled once at load (JSONPath, regexes, CIDRs),
//! evaluated per subject. Each selected value yields a hit, a miss, or an unknown; unknown
//! values never produce hits.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use ipnet::IpNet;
use jsonpath_rust::parser::model::JpQuery;
use jsonpath_rust::parser::parse_json_path;
use jsonpath_rust::query::js_path_process;
use regex::Regex;
use serde_json::Value as Json;

use super::facts::{self, Fact};
use super::outcome::{display, Hit, Outcome, Unknown};
use super::schema::Predicate;
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

    /// Selected values with their normalized paths.
    pub fn select<'j>(&self, doc: &'j Json) -> Vec<(String, &'j Json)> {
        js_path_process(&self.query, doc)
            .map(|refs| refs.into_iter().map(|r| (r.path.clone(), r.val)).collect())
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

enum Op {
    Equals(Json),
    NotEquals(Json),
    OneOf(Vec<Json>),
    NotOneOf(Vec<Json>),
    Outside(f64, f64),
    GreaterThan(f64),
    LessThan(f64),
    PrefixAtMost(u8),
    PrefixGreaterThan(u8),
    PrefixLessThan(u8),
    NotEqualsPath(Path),
    Overlaps(Vec<(IpNet, String)>),
    OverlapsPath(Vec<Path>),
    NotWithin(Vec<IpNet>),
    NotWithinPath(Vec<Path>),
    IpOutsidePath(Path),
    IpOffsetIn(Path, Vec<u64>),
    Matches(Regex),
    LongerThan(usize),
    Present,
    VersionLessThan((u64, u64, u64)),
    Fact(Fact),
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

impl Compiled {
    pub fn compile(p: &Predicate) -> Result<Compiled, RuleError> {
        let mut ops: Vec<Op> = Vec::new();
        if let Some(v) = &p.equals {
            ops.push(Op::Equals(to_json(v)));
        }
        if let Some(v) = &p.not_equals {
            ops.push(Op::NotEquals(to_json(v)));
        }
        if let Some(v) = &p.one_of {
            ops.push(Op::OneOf(v.iter().map(to_json).collect()));
        }
        if let Some(v) = &p.not_one_of {
            ops.push(Op::NotOneOf(v.iter().map(to_json).collect()));
        }
        if let Some([lo, hi]) = p.outside {
            ops.push(Op::Outside(lo, hi));
        }
        if let Some(v) = p.greater_than {
            ops.push(Op::GreaterThan(v));
        }
        if let Some(v) = p.less_than {
            ops.push(Op::LessThan(v));
        }
        if let Some(v) = p.prefix_len_at_most {
            ops.push(Op::PrefixAtMost(v));
        }
        if let Some(v) = p.prefix_len_greater_than {
            ops.push(Op::PrefixGreaterThan(v));
        }
        if let Some(v) = p.prefix_len_less_than {
            ops.push(Op::PrefixLessThan(v));
        }
        if let Some(v) = &p.not_equals_path {
            ops.push(Op::NotEqualsPath(Path::compile(v)?));
        }
        if let Some(v) = &p.overlaps {
            let nets = parse_cidrs(v)?;
            ops.push(Op::Overlaps(
                nets.into_iter().zip(v.iter().cloned()).collect(),
            ));
        }
        if let Some(v) = &p.overlaps_path {
            ops.push(Op::OverlapsPath(
                v.iter()
                    .map(|s| Path::compile(s))
                    .collect::<Result<_, _>>()?,
            ));
        }
        if let Some(v) = &p.not_within {
            ops.push(Op::NotWithin(parse_cidrs(v)?));
        }
        if let Some(v) = &p.not_within_path {
            ops.push(Op::NotWithinPath(
                v.iter()
                    .map(|s| Path::compile(s))
                    .collect::<Result<_, _>>()?,
            ));
        }
        if let Some(v) = &p.ip_outside_path {
            ops.push(Op::IpOutsidePath(Path::compile(v)?));
        }
        if let Some(v) = &p.ip_offset_in {
            ops.push(Op::IpOffsetIn(Path::compile(&v.of)?, v.offsets.clone()));
        }
        if let Some(v) = &p.matches {
            ops.push(Op::Matches(Regex::new(v).map_err(|source| {
                RuleError::Regex {
                    pattern: v.clone(),
                    source,
                }
            })?));
        }
        if let Some(v) = p.longer_than {
            ops.push(Op::LongerThan(v));
        }
        if p.present == Some(true) {
            ops.push(Op::Present);
        }
        if let Some(v) = &p.version_less_than {
            let (a, b, c) = parse_version(v).ok_or_else(|| RuleError::Version(v.clone()))?;
            ops.push(Op::VersionLessThan((a, b, c.unwrap_or(0))));
        }
        if let Some(f) = &p.fact {
            ops.push(Op::Fact(
                facts::lookup(f).ok_or_else(|| RuleError::UnknownFact(f.clone()))?,
            ));
        }
        if ops.len() != 1 {
            return Err(RuleError::OperatorCount(ops.len()));
        }
        let Some(op) = ops.pop() else {
            return Err(RuleError::OperatorCount(0));
        };
        let mut srcs: Vec<&String> = p.path.iter().collect();
        srcs.extend(p.paths.iter().flatten());
        let paths = srcs
            .iter()
            .map(|s| Path::compile(s))
            .collect::<Result<Vec<_>, _>>()?;
        match (&op, paths.is_empty()) {
            (Op::Fact(_), false) => return Err(RuleError::FactWithPath),
            (Op::Fact(_), true) => {}
            (_, true) => return Err(RuleError::NoPath),
            _ => {}
        }
        Ok(Compiled {
            paths,
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
                self.test(doc, path, v, &mut out);
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

    fn test(&self, doc: &Json, path: String, v: &Json, out: &mut Outcome) {
        let text = display(v);
        let hit = |other: Option<(Option<String>, String)>| Hit {
            path: path.clone(),
            value: text.clone(),
            other,
            ..Hit::default()
        };
        let net = || v.as_str().and_then(cidr::parse);
        let matched = match &self.op {
            Op::Equals(x) => loose_eq(v, x),
            Op::NotEquals(x) => !loose_eq(v, x),
            Op::OneOf(xs) => xs.iter().any(|x| loose_eq(v, x)),
            Op::NotOneOf(xs) => !xs.iter().any(|x| loose_eq(v, x)),
            Op::Outside(lo, hi) => num(v).is_some_and(|n| n < *lo || n > *hi),
            Op::GreaterThan(x) => num(v).is_some_and(|n| n > *x),
            Op::LessThan(x) => num(v).is_some_and(|n| n < *x),
            Op::PrefixAtMost(x) => net().is_some_and(|n| n.prefix_len() <= *x),
            Op::PrefixGreaterThan(x) => net().is_some_and(|n| n.prefix_len() > *x),
            Op::PrefixLessThan(x) => net().is_some_and(|n| n.prefix_len() < *x),
            Op::NotEqualsPath(p) => {
                for (opath, ov) in p.select_or_unknown(doc).into_iter().take(1) {
                    if let Some(reason) = json_unknown(ov) {
                        out.unknowns.push(Unknown {
                            path: opath,
                            reason: reason.to_string(),
                        });
                    } else if !ov.is_null() && !loose_eq(v, ov) {
                        out.hits.push(hit(Some((Some(opath), display(ov)))));
                    }
                }
                false
            }
            Op::Overlaps(consts) => {
                if let Some(n) = net() {
                    for (c, src) in consts {
                        if cidr::overlaps(&n, c) {
                            out.hits.push(hit(Some((None, src.clone()))));
                        }
                    }
                }
                false
            }
            Op::OverlapsPath(others) => {
                // One finding per value: a subnet inside an overlapping VNet adds nothing.
                if let Some(n) = net() {
                    'others: for op in others {
                        for (opath, ov) in op.select_or_unknown(doc) {
                            if opath == path {
                                continue;
                            }
                            if let Some(reason) = json_unknown(ov) {
                                out.unknowns.push(Unknown {
                                    path: opath,
                                    reason: reason.to_string(),
                                });
                                continue;
                            }
                            if let Some(o) = ov.as_str().and_then(cidr::parse) {
                                if cidr::overlaps(&n, &o) {
                                    out.hits.push(hit(Some((Some(opath), display(ov)))));
                                    break 'others;
                                }
                            }
                        }
                    }
                }
                false
            }
            Op::NotWithin(consts) => {
                net().is_some_and(|n| !consts.iter().any(|c| cidr::within(&n, c)))
            }
            Op::NotWithinPath(others) => {
                let mut outers = Vec::new();
                for op in others {
                    for (opath, ov) in op.select_or_unknown(doc) {
                        if let Some(reason) = json_unknown(ov) {
                            out.unknowns.push(Unknown {
                                path: opath,
                                reason: reason.to_string(),
                            });
                            return;
                        }
                        if let Some(o) = ov.as_str().and_then(cidr::parse) {
                            outers.push(o);
                        }
                    }
                }
                !outers.is_empty()
                    && net().is_some_and(|n| !outers.iter().any(|o| cidr::within(&n, o)))
            }
            Op::IpOutsidePath(p) | Op::IpOffsetIn(p, _) => {
                let ip = v.as_str().and_then(cidr::parse_ip);
                for (opath, ov) in p.select_or_unknown(doc) {
                    if let Some(reason) = json_unknown(ov) {
                        out.unknowns.push(Unknown {
                            path: opath,
                            reason: reason.to_string(),
                        });
                        continue;
                    }
                    let (Some(ip), Some(n)) = (ip, ov.as_str().and_then(cidr::parse)) else {
                        continue;
                    };
                    let off = cidr::offset_in(&n, ip);
                    let fire = match &self.op {
                        Op::IpOffsetIn(_, offs) => {
                            off.is_some_and(|o| offs.iter().any(|x| u128::from(*x) == o))
                        }
                        _ => off.is_none() && cidr::is_v4(&n) == ip.is_ipv4(),
                    };
                    if fire {
                        out.hits.push(hit(Some((Some(opath), display(ov)))));
                    }
                }
                false
            }
            Op::Matches(re) => v.as_str().is_some_and(|s| re.is_match(s)),
            Op::LongerThan(n) => v.as_str().is_some_and(|s| s.chars().count() > *n),
            Op::Present => true,
            Op::VersionLessThan(target) => match v.as_str().and_then(parse_version) {
                Some((a, b, Some(c))) => (a, b, c) < *target,
                Some((a, b, None)) => {
                    // "1.26" means the newest 1.26 patch: decidable only when the minor differs.
                    if (a, b) == (target.0, target.1) && target.2 > 0 {
                        out.unknowns.push(Unknown {
                            path: path.clone(),
                            reason: format!("version {text} does not say its patch release"),
                        });
                        false
                    } else {
                        (a, b) < (target.0, target.1)
                    }
                }
                None => false,
            },
            Op::Fact(_) => false,
        };
        if matched {
            out.hits.push(hit(None));
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pred(toml_src: &str) -> Compiled {
        let p: Predicate = toml::from_str(toml_src).unwrap_or_default();
        match Compiled::compile(&p) {
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
    fn rejects_two_operators() {
        let p: Predicate =
            toml::from_str("path = \"$.a\"\nequals = 1\ngreater_than = 2").unwrap_or_default();
        assert!(Compiled::compile(&p).is_err());
    }
}
