//! The rule file format (`rules/<ID>.toml`). Unknown fields are rejected so a typo in a rule
//! fails the build's tests instead of silently disabling a check.

use serde::{Deserialize, Serialize};

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
    pub kind: String,
    /// Guards: all must hold (with known values) for the rule to be checked.
    #[serde(default)]
    pub when: Vec<Predicate>,
}

/// Offsets of an IP inside a CIDR, e.g. network address (0) and first host (1).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OffsetIn {
    pub of: String,
    pub offsets: Vec<u64>,
}

/// One test on the values a JSONPath selects. Exactly one operator (or `fact`) is set.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Predicate {
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub paths: Option<Vec<String>>,
    #[serde(default)]
    pub equals: Option<toml::Value>,
    #[serde(default)]
    pub not_equals: Option<toml::Value>,
    #[serde(default)]
    pub one_of: Option<Vec<toml::Value>>,
    #[serde(default)]
    pub not_one_of: Option<Vec<toml::Value>>,
    #[serde(default)]
    pub outside: Option<[f64; 2]>,
    #[serde(default)]
    pub greater_than: Option<f64>,
    #[serde(default)]
    pub less_than: Option<f64>,
    #[serde(default)]
    pub prefix_len_at_most: Option<u8>,
    #[serde(default)]
    pub prefix_len_greater_than: Option<u8>,
    #[serde(default)]
    pub prefix_len_less_than: Option<u8>,
    /// Differs from the (single) value at another path; lists compare element-wise.
    #[serde(default)]
    pub not_equals_path: Option<String>,
    /// Modifier: drop a hit whose CIDR overlaps one of these (another rule reports those).
    #[serde(default)]
    pub unless_overlaps: Option<Vec<String>>,
    #[serde(default)]
    pub overlaps: Option<Vec<String>>,
    #[serde(default)]
    pub overlaps_path: Option<Vec<String>>,
    #[serde(default)]
    pub not_within: Option<Vec<String>>,
    /// Not inside any CIDR selected by these paths (nothing selected: no hit).
    #[serde(default)]
    pub not_within_path: Option<Vec<String>>,
    #[serde(default)]
    pub ip_outside_path: Option<String>,
    #[serde(default)]
    pub ip_offset_in: Option<OffsetIn>,
    #[serde(default)]
    pub matches: Option<String>,
    #[serde(default)]
    pub longer_than: Option<usize>,
    #[serde(default)]
    pub present: Option<bool>,
    #[serde(default)]
    pub version_less_than: Option<String>,
    /// A derived fact computed in Rust (`rules::facts`).
    #[serde(default)]
    pub fact: Option<String>,
    /// Label on the conflicting value (overlap and containment operators).
    #[serde(default)]
    pub other_label: Option<String>,
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

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Condition {
    Any { any: Vec<Predicate> },
    One(Box<Predicate>),
}

impl Condition {
    pub fn predicates(&self) -> &[Predicate] {
        match self {
            Condition::Any { any } => any,
            Condition::One(p) => std::slice::from_ref(p),
        }
    }
}
