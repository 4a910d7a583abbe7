//! The rule file format (`rules/<ID>.toml`). Unknown fields are rejected so a typo in a rule
//! fails the build's tests instead of silently disabling a check.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};

pub use crate::diagnostic::Severity;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Stable,
    Preview,
    Retired,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// A seed document (`seeds/...`) or a learn.microsoft.com page.
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    pub date: String,
    pub claim: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AppliesTo {
    pub kind: crate::model::subject::SubjectKind,
    /// Guards: all must hold (with known values) for the rule to be checked.
    #[serde(default)]
    pub when: Vec<Predicate>,
}

/// Offsets of an IP inside a CIDR, e.g. network address (0) and first host (1).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OffsetIn {
    pub of: String,
    pub offsets: Vec<u64>,
}

/// One test on the values a JSONPath selects: the paths, exactly one [`Operator`] and its
/// modifiers. Written flat in the rule file (`path = "..."`, `equals = 1`); a predicate with no
/// operator or two fails to load, naming them.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(try_from = "RawPredicate", into = "RawPredicate")]
pub struct Predicate {
    pub path: Option<String>,
    pub paths: Option<Vec<String>>,
    pub op: Operator,
    /// Modifier: drop a hit whose CIDR overlaps one of these (another rule reports those).
    pub unless_overlaps: Option<Vec<String>>,
    /// Label on the conflicting value (overlap and containment operators).
    pub other_label: Option<String>,
}

/// What a predicate tests, one variant per operator key of the rule file.
#[derive(Clone, Debug, PartialEq)]
pub enum Operator {
    Equals(toml::Value),
    NotEquals(toml::Value),
    OneOf(Vec<toml::Value>),
    NotOneOf(Vec<toml::Value>),
    Outside([f64; 2]),
    GreaterThan(f64),
    LessThan(f64),
    PrefixLenAtMost(u8),
    PrefixLenGreaterThan(u8),
    PrefixLenLessThan(u8),
    /// Differs from the (single) value at another path; lists compare element-wise.
    NotEqualsPath(String),
    Overlaps(Vec<String>),
    OverlapsPath(Vec<String>),
    NotWithin(Vec<String>),
    /// Not inside any CIDR selected by these paths (nothing selected: no hit).
    NotWithinPath(Vec<String>),
    IpOutsidePath(String),
    IpOffsetIn(OffsetIn),
    Matches(String),
    LongerThan(usize),
    /// `present = true`; `present = false` is no operator at all.
    Present,
    VersionLessThan(String),
    /// A derived fact computed in Rust (`rules::facts`); it reads the whole subject, so it
    /// takes no path.
    Fact(String),
}

/// A predicate as written: every key optional, unknown keys refused. Only the conversion to
/// [`Predicate`] reads it, so the one-operator rule is checked in one place, at load.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawPredicate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    paths: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    equals: Option<toml::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    not_equals: Option<toml::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    one_of: Option<Vec<toml::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    not_one_of: Option<Vec<toml::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    outside: Option<[f64; 2]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    greater_than: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    less_than: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prefix_len_at_most: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prefix_len_greater_than: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prefix_len_less_than: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    not_equals_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unless_overlaps: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    overlaps: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    overlaps_path: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    not_within: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    not_within_path: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ip_outside_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ip_offset_in: Option<OffsetIn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    matches: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    longer_than: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    present: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version_less_than: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fact: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    other_label: Option<String>,
}

/// The operator keys, in the order the error message lists them.
const OPERATORS: &str = "equals, not_equals, one_of, not_one_of, outside, greater_than, \
    less_than, prefix_len_at_most, prefix_len_greater_than, prefix_len_less_than, \
    not_equals_path, overlaps, overlaps_path, not_within, not_within_path, ip_outside_path, \
    ip_offset_in, matches, longer_than, present, version_less_than, fact";

/// A predicate whose keys do not make one test.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    #[error("a predicate needs exactly one operator ({OPERATORS}), found none")]
    NoOperator,
    #[error("a predicate needs exactly one operator, found {}: {}", .0.len(), .0.join(", "))]
    Operators(Vec<&'static str>),
    #[error("a fact takes no path")]
    FactWithPath,
    #[error("a predicate needs a path")]
    NoPath,
}

impl TryFrom<RawPredicate> for Predicate {
    type Error = ShapeError;

    fn try_from(r: RawPredicate) -> Result<Predicate, ShapeError> {
        let present = (r.present == Some(true)).then_some(());
        let found: Vec<(&'static str, Operator)> = [
            ("equals", r.equals.map(Operator::Equals)),
            ("not_equals", r.not_equals.map(Operator::NotEquals)),
            ("one_of", r.one_of.map(Operator::OneOf)),
            ("not_one_of", r.not_one_of.map(Operator::NotOneOf)),
            ("outside", r.outside.map(Operator::Outside)),
            ("greater_than", r.greater_than.map(Operator::GreaterThan)),
            ("less_than", r.less_than.map(Operator::LessThan)),
            (
                "prefix_len_at_most",
                r.prefix_len_at_most.map(Operator::PrefixLenAtMost),
            ),
            (
                "prefix_len_greater_than",
                r.prefix_len_greater_than
                    .map(Operator::PrefixLenGreaterThan),
            ),
            (
                "prefix_len_less_than",
                r.prefix_len_less_than.map(Operator::PrefixLenLessThan),
            ),
            (
                "not_equals_path",
                r.not_equals_path.map(Operator::NotEqualsPath),
            ),
            ("overlaps", r.overlaps.map(Operator::Overlaps)),
            ("overlaps_path", r.overlaps_path.map(Operator::OverlapsPath)),
            ("not_within", r.not_within.map(Operator::NotWithin)),
            (
                "not_within_path",
                r.not_within_path.map(Operator::NotWithinPath),
            ),
            (
                "ip_outside_path",
                r.ip_outside_path.map(Operator::IpOutsidePath),
            ),
            ("ip_offset_in", r.ip_offset_in.map(Operator::IpOffsetIn)),
            ("matches", r.matches.map(Operator::Matches)),
            ("longer_than", r.longer_than.map(Operator::LongerThan)),
            ("present", present.map(|()| Operator::Present)),
            (
                "version_less_than",
                r.version_less_than.map(Operator::VersionLessThan),
            ),
            ("fact", r.fact.map(Operator::Fact)),
        ]
        .into_iter()
        .filter_map(|(key, op)| op.map(|op| (key, op)))
        .collect();
        let mut found = found.into_iter();
        let op = match (found.next(), found.next()) {
            (Some((_, op)), None) => op,
            (None, _) => return Err(ShapeError::NoOperator),
            (Some((first, _)), Some((second, _))) => {
                let mut keys = vec![first, second];
                keys.extend(found.map(|(k, _)| k));
                return Err(ShapeError::Operators(keys));
            }
        };
        let has_path = r.path.is_some() || r.paths.as_ref().is_some_and(|p| !p.is_empty());
        match (&op, has_path) {
            (Operator::Fact(_), true) => return Err(ShapeError::FactWithPath),
            (Operator::Fact(_), false) | (_, true) => {}
            (_, false) => return Err(ShapeError::NoPath),
        }
        Ok(Predicate {
            path: r.path,
            paths: r.paths,
            op,
            unless_overlaps: r.unless_overlaps,
            other_label: r.other_label,
        })
    }
}

impl From<Predicate> for RawPredicate {
    fn from(p: Predicate) -> RawPredicate {
        let mut r = RawPredicate {
            path: p.path,
            paths: p.paths,
            unless_overlaps: p.unless_overlaps,
            other_label: p.other_label,
            ..RawPredicate::default()
        };
        match p.op {
            Operator::Equals(v) => r.equals = Some(v),
            Operator::NotEquals(v) => r.not_equals = Some(v),
            Operator::OneOf(v) => r.one_of = Some(v),
            Operator::NotOneOf(v) => r.not_one_of = Some(v),
            Operator::Outside(v) => r.outside = Some(v),
            Operator::GreaterThan(v) => r.greater_than = Some(v),
            Operator::LessThan(v) => r.less_than = Some(v),
            Operator::PrefixLenAtMost(v) => r.prefix_len_at_most = Some(v),
            Operator::PrefixLenGreaterThan(v) => r.prefix_len_greater_than = Some(v),
            Operator::PrefixLenLessThan(v) => r.prefix_len_less_than = Some(v),
            Operator::NotEqualsPath(v) => r.not_equals_path = Some(v),
            Operator::Overlaps(v) => r.overlaps = Some(v),
            Operator::OverlapsPath(v) => r.overlaps_path = Some(v),
            Operator::NotWithin(v) => r.not_within = Some(v),
            Operator::NotWithinPath(v) => r.not_within_path = Some(v),
            Operator::IpOutsidePath(v) => r.ip_outside_path = Some(v),
            Operator::IpOffsetIn(v) => r.ip_offset_in = Some(v),
            Operator::Matches(v) => r.matches = Some(v),
            Operator::LongerThan(v) => r.longer_than = Some(v),
            Operator::Present => r.present = Some(true),
            Operator::VersionLessThan(v) => r.version_less_than = Some(v),
            Operator::Fact(v) => r.fact = Some(v),
        }
        r
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Secondary {
    pub path: String,
    pub label: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    pub text: String,
    /// Label on the primary span.
    pub primary: String,
    #[serde(default)]
    pub secondary: Vec<Secondary>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub fires: bool,
    pub code: String,
}

/// A dialect a rule cannot be expressed in, and why; the fixture meta-tests skip its twins.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Exempt {
    /// `terraform`, `arm` or `bicep`.
    pub dialect: String,
    pub reason: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub id: String,
    pub name: String,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    /// What the rule checks, in a sentence or two.
    pub summary: String,
    pub why: String,
    /// In Terraform's words (azurerm attribute names).
    pub help: String,
    /// The same help in ARM/Bicep property names, where the words differ; findings on ARM,
    /// Bicep and azapi resources show it.
    #[serde(default)]
    pub help_arm: Option<String>,
    /// For retired rules: why and since when.
    #[serde(default)]
    pub retired: Option<String>,
    /// Dialects that cannot express the rule.
    #[serde(default)]
    pub exempt: Vec<Exempt>,
    pub sources: Vec<Source>,
    #[serde(default)]
    pub applies_to: Option<AppliesTo>,
    /// `any`: the rule fires on each predicate that matches.
    #[serde(default)]
    pub condition: Option<Condition>,
    #[serde(default)]
    pub message: Option<Message>,
    #[serde(default)]
    pub examples: Vec<Example>,
    /// Raise the severity when all of these predicates hold for the subject.
    #[serde(default)]
    pub escalate: Option<Escalate>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Escalate {
    pub when: Vec<Predicate>,
    pub severity: Severity,
    /// Added to the finding as a note.
    pub because: String,
}

/// `[condition]`: one predicate, or `any = [...]` of them.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Condition {
    Any { any: Vec<Predicate> },
    One(Box<Predicate>),
}

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Condition, D::Error> {
        // Chosen by shape rather than by serde's `untagged`, which would replace a predicate's
        // own error (two operators, an unknown key) with "did not match any variant".
        let v = serde_json::Value::deserialize(d)?;
        let any = v
            .as_object()
            .filter(|m| m.len() == 1)
            .and_then(|m| m.get("any"));
        match any {
            Some(list) => Vec::<Predicate>::deserialize(list)
                .map(|any| Condition::Any { any })
                .map_err(D::Error::custom),
            None => Predicate::deserialize(v)
                .map(|p| Condition::One(Box::new(p)))
                .map_err(D::Error::custom),
        }
    }
}

impl Condition {
    pub fn predicates(&self) -> &[Predicate] {
        match self {
            Condition::Any { any } => any,
            Condition::One(p) => std::slice::from_ref(p),
        }
    }
}
