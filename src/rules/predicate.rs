//! Typed predicates over the model's JSON: compiled once at load (JSONPath, regexes, CIDRs),
//! evaluated per subject. Each selected value yields a hit, a miss, or an unknown; unknown
//! values never produce hits. The operators themselves are in [`ops`](super::ops).

use ipnet::IpNet;
use regex::Regex;
use serde_json::Value as Json;

pub use super::path::Path;

use super::facts;
use super::ops::{self, Op, Probe};
use super::outcome::{display, Outcome, Unknown};
use super::schema::{Operator, Predicate};
use super::RuleError;
use crate::cidr;
use crate::model::node::json_unknown;
use crate::model::subject::parse_version;

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
