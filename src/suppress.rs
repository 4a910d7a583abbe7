//! Inline suppressions: `# aks-netlint:ignore OVL001,NET0 -- reason` (HCL `#` or `//`) on the
//! line above a finding or at the end of its line, and `aks-netlint:ignore-file ... -- reason`
//! anywhere in a file for the whole file. A reason after `--` is required; a suppression without
//! one does not suppress and is reported (SUPPRESS002). One that suppresses nothing is reported
//! too (SUPPRESS001), so stale suppressions do not pile up.

use std::sync::OnceLock;

use regex::Regex;

use crate::diagnostic::{Finding, Label, RuleId, Severity};
use crate::rules::selector;
use crate::source::{SourceMap, Span};

struct Directive {
    span: Span,
    line: usize,
    /// Comment is alone on its line (applies to the next line) or trails code (same line).
    own_line: bool,
    whole_file: bool,
    ids: Vec<String>,
    /// IDs that name no rule: the directive is reported and suppresses nothing.
    unknown: Vec<String>,
    reason: bool,
    used: bool,
}

/// The directive pattern (a literal, compiled once; `None` cannot happen in practice).
fn pattern() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    // Whitespace after the colon is tolerated: `# aks-netlint: ignore` is how many people type it.
    RE.get_or_init(|| {
        Regex::new(r"(?:#|//)\s*aks-netlint:\s*(ignore-file|ignore)\b([^\r\n]*)").ok()
    })
    .as_ref()
}

fn directives(sources: &SourceMap, file: usize) -> Vec<Directive> {
    let Some(text) = sources.text(file) else {
        return Vec::new();
    };
    let Some(re) = pattern().filter(|_| text.contains("aks-netlint:")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if let Some(c) = re.captures(line) {
            let (Some(all), Some(kind), Some(rest)) = (c.get(0), c.get(1), c.get(2)) else {
                continue;
            };
            let (ids, reason) = match rest.as_str().split_once("--") {
                Some((ids, reason)) => (ids, !reason.trim().is_empty()),
                None => (rest.as_str(), false),
            };
            let ids: Vec<String> = ids
                .split([',', ' '])
                .map(|s| s.trim().to_ascii_uppercase())
                .filter(|s| !s.is_empty())
                .collect();
            let unknown = ids
                .iter()
                .filter(|id| !selector::names_a_rule(id))
                .cloned()
                .collect();
            out.push(Directive {
                span: Span::new(file, offset + all.start()..offset + all.end()),
                line: i + 1,
                own_line: line.get(..all.start()).is_some_and(|p| p.trim().is_empty()),
                whole_file: kind.as_str() == "ignore-file",
                ids,
                unknown,
                reason,
                used: false,
            });
        }
        offset += line.len();
    }
    out
}

fn covers(d: &Directive, rule: &str) -> bool {
    d.ids.is_empty() && d.whole_file || d.ids.iter().any(|id| rule.starts_with(id.as_str()))
}

/// Removes suppressed findings; returns how many, and appends diagnostics about suppressions.
pub fn apply(
    findings: &mut Vec<Finding>,
    sources: &SourceMap,
    enabled: &dyn Fn(&str) -> bool,
) -> usize {
    let mut by_file: Vec<Vec<Directive>> =
        (0..sources.len()).map(|f| directives(sources, f)).collect();
    let before = findings.len();
    findings.retain(|f| {
        if f.rule == RuleId::PARSE001 {
            return true;
        }
        let line = sources.line(f.primary.span.file, f.primary.span.start as usize);
        let Some(ds) = by_file.get_mut(f.primary.span.file) else {
            return true;
        };
        for d in ds.iter_mut() {
            let here = d.whole_file
                || (d.own_line && d.line + 1 == line)
                || (!d.own_line && d.line == line);
            if here && d.reason && d.unknown.is_empty() && covers(d, &f.rule) {
                d.used = true;
                return false;
            }
        }
        true
    });
    let suppressed = before - findings.len();
    for d in by_file.iter().flatten() {
        let typo_help;
        let (rule, severity, message, help) = if !d.unknown.is_empty() {
            let hints: Vec<String> = d
                .unknown
                .iter()
                .filter_map(|id| selector::closest(id).map(|c| format!("{id} -> {c}")))
                .collect();
            typo_help = if hints.is_empty() {
                "name rule IDs or families that exist; `aks-netlint rules` lists them".to_string()
            } else {
                format!("did you mean: {}", hints.join(", "))
            };
            (
                RuleId::SUPPRESS003,
                Severity::Error,
                format!(
                    "suppression names unknown rule {}; it suppresses nothing",
                    d.unknown.join(", ")
                ),
                typo_help.as_str(),
            )
        } else if !d.reason {
            (
                RuleId::SUPPRESS002,
                Severity::Warning,
                "suppression without a reason does not suppress anything".to_string(),
                "write the reason after `--`, e.g. `# aks-netlint:ignore OVL009 -- small test cluster`",
            )
        } else if !d.used {
            (
                RuleId::SUPPRESS001,
                Severity::Info,
                format!(
                    "unused suppression of {}",
                    if d.ids.is_empty() {
                        "all rules".into()
                    } else {
                        d.ids.join(", ")
                    }
                ),
                "remove it: nothing it names is reported here any more",
            )
        } else {
            continue;
        };
        if !enabled(&rule) {
            continue;
        }
        findings.push(Finding {
            rule,
            severity,
            message,
            primary: Label {
                span: d.span,
                message: "suppression".into(),
            },
            secondary: Vec::new(),
            notes: Vec::new(),
            why: None,
            help: Some(help.into()),
            resource: None,
            fix: None,
        });
    }
    suppressed
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn finding(file: usize, start: usize) -> Finding {
        Finding {
            rule: "OVL001".into(),
            severity: Severity::Error,
            message: "m".into(),
            primary: Label {
                span: Span::new(file, start..start + 1),
                message: String::new(),
            },
            secondary: Vec::new(),
            notes: Vec::new(),
            why: None,
            help: None,
            resource: None,
            fix: None,
        }
    }

    #[test]
    fn line_above_and_trailing_comments_suppress_with_a_reason() {
        let mut map = SourceMap::default();
        let text = "# aks-netlint:ignore OVL001 -- test pool\nmax_pods = 300\nmax_pods = 9 // aks-netlint:ignore OVL -- legacy\nx = 1 # aks-netlint:ignore NET001\n";
        let f = map.add(PathBuf::from("a.tf"), text.into());
        let mut fs = vec![finding(f, 42), finding(f, 57)];
        let n = apply(&mut fs, &map, &|_| true);
        assert_eq!(n, 2);
        // The reasonless one is reported and suppressed nothing.
        assert_eq!(fs.len(), 1);
        assert_eq!(fs.first().map(|f| f.rule.as_str()), Some("SUPPRESS002"));
    }

    #[test]
    fn unused_suppression_is_reported() {
        let mut map = SourceMap::default();
        let f = map.add(
            PathBuf::from("a.tf"),
            "# aks-netlint:ignore-file NET -- sandbox\n".into(),
        );
        let mut fs = Vec::new();
        apply(&mut fs, &map, &|_| true);
        assert_eq!(fs.first().map(|f| f.rule.as_str()), Some("SUPPRESS001"));
        let _ = f;
    }

    #[test]
    fn a_space_after_the_colon_is_accepted() {
        let mut map = SourceMap::default();
        let f = map.add(
            PathBuf::from("a.tf"),
            "# aks-netlint: ignore OVL001 -- test pool\nmax_pods = 300\n".into(),
        );
        let mut fs = vec![finding(f, 42)];
        assert_eq!(apply(&mut fs, &map, &|_| true), 1);
        assert!(fs.is_empty());
    }

    #[test]
    fn an_unknown_id_is_an_error_and_suppresses_nothing() {
        let mut map = SourceMap::default();
        let f = map.add(
            PathBuf::from("a.tf"),
            "# aks-netlint:ignore OVL001,OLV002 -- typo\nmax_pods = 300\n".into(),
        );
        let mut fs = vec![finding(f, 42)];
        assert_eq!(apply(&mut fs, &map, &|_| true), 0);
        let rules: Vec<&str> = fs.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, vec!["OVL001", "SUPPRESS003"]);
        let typo = fs.get(1).and_then(|f| f.help.clone()).unwrap_or_default();
        assert!(typo.contains("OLV002 -> "), "{typo}");
    }
}
