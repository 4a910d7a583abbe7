//! Rules: declarative files in `rules/` (one per rule, embedded at build time), compiled once
//! into JSONPath selections and typed predicates ([`predicate`]) or derived facts computed in
//! Rust ([`facts`]), both yielding an [`outcome`], and run over the model's subjects by
//! [`engine`].

pub mod engine;
pub mod facts;
pub mod outcome;
pub mod predicate;
pub mod registry;
pub mod schema;
pub mod selector;

pub use schema::Severity;

use crate::source::Span;

/// A labeled span of a finding.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One reported problem, ready for any output format.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    /// Value chain, conditions and other context, one line each.
    pub notes: Vec<String>,
    pub why: Option<String>,
    pub help: Option<String>,
    pub resource: Option<String>,
}
