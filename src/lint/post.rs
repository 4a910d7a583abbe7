//! After the rules: what the run reports. Findings outside the scope or in excluded files are
//! dropped (a context file that cannot be parsed becomes an unread note), the rule selection,
//! per-path ignores and severity overrides of the settings apply, the same finding reached
//! through several roots is merged, inline suppressions apply, and the result is sorted.

use std::collections::HashSet;
use std::path::PathBuf;

use crate::config::Settings;
use crate::diagnostic::{fingerprint, Finding, RuleId, Stats};
use crate::discover::{Scan, Unread};
use crate::rules::engine::Selection;
use crate::source::{SourceMap, Span};

/// What post-processing reads.
pub(super) struct Context<'a> {
    pub sources: &'a SourceMap,
    pub scan: &'a Scan,
    pub settings: &'a Settings,
    /// Editor mode: only this file's findings are reported.
    pub stdin: Option<&'a PathBuf>,
    /// `--baseline`: fingerprints of accepted findings.
    pub baseline: Option<&'a HashSet<String>>,
}

/// The findings to report; adds unread notes and counts parse errors and suppressions.
pub(super) fn process(
    mut findings: Vec<Finding>,
    cx: &Context<'_>,
    unread: &mut Vec<Unread>,
    stats: &mut Stats,
) -> Vec<Finding> {
    let sources = cx.sources;
    let cfg = &cx.settings.config;
    let filter = &cx.settings.filter;
    // Paths are scope, not context: a finding is reported when any of its labels lies in
    // scope; a context file that cannot be parsed is said as unread.
    let in_scope = |span: Span| {
        sources
            .get(span.file)
            .is_some_and(|s| cx.scan.in_scope(&s.path))
    };
    findings.retain(|f| {
        let keep = in_scope(f.primary.span) || f.secondary.iter().any(|l| in_scope(l.span));
        if !keep && f.rule == RuleId::PARSE001 {
            unread.push(Unread {
                path: sources.name(f.primary.span.file).to_string(),
                reason: format!("could not be parsed: {}", f.primary.message),
                referenced_from: None,
            });
        }
        keep
    });
    // An `exclude` glob hides the findings located in those files.
    findings.retain(|f| {
        !sources
            .get(f.primary.span.file)
            .is_some_and(|s| cfg.excluded(&s.path))
    });
    unread.sort();
    unread.dedup();
    stats.parse_errors = findings
        .iter()
        .filter(|f| f.rule == RuleId::PARSE001)
        .count();
    findings.retain(|f| {
        let path = sources.get(f.primary.span.file).map(|s| s.path.as_path());
        f.rule == RuleId::PARSE001
            || (filter.enabled(&f.rule) && !path.is_some_and(|p| cfg.ignored_at(p, &f.rule)))
    });
    for f in &mut findings {
        if let Some(s) = cfg.severity_of(&f.rule) {
            f.severity = s;
        }
    }
    let mut findings = dedup(findings, sources);
    stats.suppressed = crate::suppress::apply(&mut findings, sources, &|id| filter.enabled(id));
    // Suppression diagnostics are appended; put them in place.
    sort(&mut findings, sources);
    if let Some(p) = cx.stdin {
        findings.retain(|f| {
            sources
                .get(f.primary.span.file)
                .is_some_and(|s| &s.path == p)
        });
    }
    if let Some(base) = cx.baseline {
        findings.retain(|f| !base.contains(&fingerprint(sources, f)));
    }
    findings
}

/// Deterministic order: file, position, rule, message.
fn sort(findings: &mut [Finding], sources: &SourceMap) {
    findings.sort_by(|a, b| {
        (
            sources.name(a.primary.span.file),
            a.primary.span.start,
            &a.rule,
            &a.message,
        )
            .cmp(&(
                sources.name(b.primary.span.file),
                b.primary.span.start,
                &b.rule,
                &b.message,
            ))
    });
}

/// Sorts, then merges the same finding reached through several roots or module calls into one,
/// naming the other resources in a note.
fn dedup(mut findings: Vec<Finding>, sources: &SourceMap) -> Vec<Finding> {
    sort(&mut findings, sources);
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings {
        if let Some(last) = out.last_mut() {
            if last.rule == f.rule
                && last.primary.span == f.primary.span
                && last.message == f.message
            {
                if let (Some(a), Some(b)) = (&last.resource, &f.resource) {
                    if a != b {
                        let note = format!("also reached through {b}");
                        if !last.notes.contains(&note) {
                            last.notes.push(note);
                        }
                    }
                }
                continue;
            }
        }
        out.push(f);
    }
    out
}
