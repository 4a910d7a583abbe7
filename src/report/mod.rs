//! Report: the only place findings become output. One file per format.

mod clip;
pub mod compact;
pub mod github;
pub mod json;
pub mod sarif;
pub mod text;
pub mod xml;

use crate::lint::Outcome;
use crate::rules::Severity;

/// Counts by severity: (errors, warnings, infos).
pub fn counts(o: &Outcome) -> (usize, usize, usize) {
    let mut c = (0, 0, 0);
    for f in &o.findings {
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
pub fn notes(o: &Outcome) -> Vec<String> {
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
