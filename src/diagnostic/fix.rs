//! A fix is part of a finding: what to write, how sure we are, and where.
//!
//! Only a literal written in source is ever edited (a quoted string's contents or a number),
//! never an expression, an interpolation or a default outside the repository; when the value
//! came from an expression, the fix is [`Applicability::Display`]: the value to write, no edit.

use crate::source::Span;

/// How a fix may be applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    /// Edits plain literals among the finding's labels, and the fixed tree was verified: the
    /// finding is gone and nothing new appears. `--fix` applies it.
    Safe,
    /// Verified too, but the literal is shared, or the change replaces a deployed resource or
    /// changes something users may rely on (the description says which). `--unsafe-fixes`.
    Unsafe,
    /// A concrete suggestion with no edit: the value came from an expression, or no value
    /// satisfies everything in scope (the description says why).
    Display,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::Display => "display",
        }
    }
}

/// Replace the bytes of `span` (which held `original`) with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Edit {
    pub span: Span,
    pub original: String,
    pub replacement: String,
}

/// A proposed change for one finding.
#[derive(Clone, Debug, PartialEq)]
pub struct Fix {
    /// One line, e.g. `replace "10.244.0.0/20" with "10.1.0.0/16", a free /16 for pods`.
    pub description: String,
    pub applicability: Applicability,
    /// Why it is unsafe, or why it is only a suggestion.
    pub reason: Option<String>,
    /// Empty for [`Applicability::Display`].
    pub edits: Vec<Edit>,
}

impl Fix {
    /// `safe`, `unsafe: REASON` or `suggestion: REASON`, as the text output shows it.
    pub fn qualifier(&self) -> String {
        let word = match self.applicability {
            Applicability::Display => "suggestion",
            a => a.as_str(),
        };
        match &self.reason {
            Some(r) => format!("{word}: {r}"),
            None => word.to_string(),
        }
    }
}
