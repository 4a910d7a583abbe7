//! Findings as the pipeline produces them and every output format reads them: [`Finding`],
//! [`Label`], [`Severity`], [`RuleId`], the run's [`Stats`], and the line-independent
//! [`fingerprint`] that baselines and SARIF share.
//!
//! A leaf: it depends on nothing but source spans, so rules, suppressions, the pipeline and the
//! reports can all use it without depending on one another (the fingerprint used to live in
//! `report::sarif`, which made `lint` and `report` import each other).

mod fingerprint;
mod fix;
mod rule_id;

pub use fingerprint::fingerprint;
pub use fix::{Applicability, Edit, Fix};
pub use rule_id::RuleId;

use serde::{Deserialize, Serialize};

use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A labeled span of a finding.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One reported problem, ready for any output format.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule: RuleId,
    pub severity: Severity,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    /// Value chain, conditions and other context, one line each.
    pub notes: Vec<String>,
    pub why: Option<String>,
    pub help: Option<String>,
    pub resource: Option<String>,
    /// The value to write instead, when one can be computed and was verified.
    pub fix: Option<Fix>,
}

/// What a run looked at and set aside, for the summary every format prints.
#[derive(Default, Debug, Clone, Copy)]
pub struct Stats {
    pub files: usize,
    pub resources: usize,
    pub clusters: usize,
    pub parse_errors: usize,
    pub suppressed: usize,
    pub elapsed_ms: u128,
}
