//! Report: the only place findings become output. One file per format.

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
