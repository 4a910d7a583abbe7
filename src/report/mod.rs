//! Report: the only place findings become output. One file per format, each rendering a
//! [`Report`]: the findings with the sources they point into and the run's summary. Reports
//! take that view rather than the pipeline's outcome so they depend on `diagnostic`, not on
//! `lint`.

mod clip;
pub mod compact;
pub mod github;
pub mod json;
pub mod sarif;
pub mod text;
pub mod xml;

use crate::diagnostic::{Finding, Severity, Stats};
use crate::discover::Unread;
use crate::source::SourceMap;

/// What a run has to say, as every format reads it.
#[derive(Clone, Copy)]
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub sources: &'a SourceMap,
    pub stats: &'a Stats,
    /// What the run could not do, said as `note:` lines (an empty scan, no commit to compare).
    pub notes: &'a [String],
    /// What could hold a resource in scope and was not read (`summary.unread`).
    pub unread: &'a [Unread],
}

/// Counts by severity: (errors, warnings, infos).
pub fn counts(o: &Report<'_>) -> (usize, usize, usize) {
    let mut c = (0, 0, 0);
    for f in o.findings {
        match f.severity {
            Severity::Error => c.0 += 1,
            Severity::Warning => c.1 += 1,
            Severity::Info => c.2 += 1,
        }
    }
    c
}

/// The `note:` lines of a run: what it could not do (an empty scan, no commit to compare to),
/// then one per thing that could hold a resource in scope and was not read (DESIGN.md "no
/// silent zero"). Text output prints them after the summary, other formats on stderr.
pub fn notes(o: &Report<'_>) -> Vec<String> {
    let mut out: Vec<String> = o.notes.iter().map(|n| format!("note: {n}")).collect();
    out.extend(o.unread.iter().map(|u| match &u.referenced_from {
        Some(from) => format!(
            "note: {} was not read: {} (referenced from {from})",
            u.path, u.reason
        ),
        None => format!("note: {} was not read: {}", u.path, u.reason),
    }));
    out
}
