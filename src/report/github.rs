//! GitHub Actions workflow commands (`::error file=...,line=...::message`), which the runner
//! turns into annotations on the pull request.

use super::Report;
use crate::diagnostic::Severity;

/// Escaping of the message part (GitHub's runner rules).
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of a property value (also `:` and `,`).
fn prop(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(o: &Report<'_>) -> String {
    let mut out = String::new();
    for f in o.findings {
        let cmd = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let a = o
            .sources
            .position(f.primary.span.file, f.primary.span.start as usize);
        let b = o
            .sources
            .position(f.primary.span.file, f.primary.span.end as usize);
        let mut msg = f.message.clone();
        if let Some(h) = &f.help {
            msg.push_str(&format!("\nhelp: {h}"));
        }
        if let Some(fix) = &f.fix {
            msg.push_str(&format!("\nfix: {} ({})", fix.description, fix.qualifier()));
        }
        out.push_str(&format!(
            "::{cmd} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            prop(o.sources.name(f.primary.span.file)),
            a.line,
            a.column,
            b.line,
            b.column,
            prop(&f.rule),
            data(&msg)
        ));
    }
    out
}
