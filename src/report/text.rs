//! Human output through codespan-reporting: primary and secondary labels across files, the
//! value chain and the reason as notes, and a help line.

use codespan_reporting::diagnostic::{Diagnostic, Label as CsLabel, Severity as CsSeverity};
use codespan_reporting::term::termcolor::{Ansi, NoColor, WriteColor};
use codespan_reporting::term::{self, Config};

use super::clip::View;
use super::Report;
use crate::diagnostic::{Finding, Severity};

fn diagnostic(f: &Finding, view: &View<'_>) -> Diagnostic<usize> {
    let sev = match f.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Info => CsSeverity::Note,
    };
    let mut labels = vec![CsLabel::primary(
        f.primary.span.file,
        view.range(f.primary.span.file, f.primary.span.range()),
    )
    .with_message(&f.primary.message)];
    labels.extend(f.secondary.iter().map(|l| {
        CsLabel::secondary(l.span.file, view.range(l.span.file, l.span.range()))
            .with_message(&l.message)
    }));
    let mut notes = f.notes.clone();
    if let Some(w) = &f.why {
        notes.push(format!("why: {w}"));
    }
    if let Some(h) = &f.help {
        notes.push(format!("help: {h}"));
    }
    if let Some(fix) = &f.fix {
        notes.push(format!("fix: {} ({})", fix.description, fix.qualifier()));
    }
    Diagnostic::new(sev)
        .with_code(f.rule.as_str())
        .with_message(&f.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// Renders all findings, a summary line and the notes on what was not read.
pub fn render(o: &Report<'_>, color: bool) -> String {
    render_with(o, color, true)
}

/// [`render`], without the summary line when `summary` is false (`--quiet`); the notes on what
/// was not read stay.
pub fn render_with(o: &Report<'_>, color: bool, summary: bool) -> String {
    let mut out = String::new();
    for f in o.findings {
        out.push_str(&finding(o, f, color));
    }
    let mut buf: Vec<u8> = Vec::new();
    if color {
        let mut w = Ansi::new(&mut buf);
        emit_summary(o, &mut w, summary);
    } else {
        let mut w = NoColor::new(&mut buf);
        emit_summary(o, &mut w, summary);
    }
    out.push_str(&String::from_utf8_lossy(&buf));
    out
}

/// One finding as codespan renders it. codespan has no "info" severity: it is rendered as a
/// note and its header renamed, so text says `info[...]` like every other format.
fn finding(o: &Report<'_>, f: &Finding, color: bool) -> String {
    let config = Config::default();
    let spans: Vec<(usize, std::ops::Range<usize>)> = std::iter::once(&f.primary)
        .chain(&f.secondary)
        .map(|l| (l.span.file, l.span.range()))
        .collect();
    let view = View::new(o.sources, &spans);
    let d = diagnostic(f, &view);
    let mut buf: Vec<u8> = Vec::new();
    let rendered = if color {
        term::emit(&mut Ansi::new(&mut buf), &config, &view, &d)
    } else {
        term::emit(&mut NoColor::new(&mut buf), &config, &view, &d)
    };
    let mut text = String::from_utf8_lossy(&buf).into_owned();
    // A rendering failure (e.g. a span past the end of a file) must not lose the finding.
    if rendered.is_err() {
        text = format!("{}[{}]: {}\n", f.severity.as_str(), f.rule, f.message);
    }
    if f.severity == Severity::Info {
        text = text.replacen("note[", "info[", 1);
    }
    text
}

fn emit_summary(o: &Report<'_>, w: &mut dyn WriteColor, summary: bool) {
    let (e, wn, i) = super::counts(o);
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if summary {
        let _ = writeln!(
            w,
            "{}, {}, {} info in {} ({}, {})",
            plural(e, "error"),
            plural(wn, "warning"),
            i,
            plural(o.stats.files, "file"),
            plural(o.stats.clusters, "cluster"),
            plural(o.stats.resources, "resource"),
        );
    }
    for n in super::notes(o) {
        let _ = writeln!(w, "{n}");
    }
}
