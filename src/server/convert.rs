//! Findings in the protocol's terms: a [`Diagnostic`] on the primary label (UTF-16 range,
//! mapped severity, the rule ID with a link to its page, secondary labels as related
//! information) and its computed fix as a workspace edit.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Range, TextEdit, Uri,
};

use super::settings::Settings;
use super::text::LineIndex;
use super::uri;
use crate::diagnostic::{Applicability, Finding, Severity};
use crate::source::{FileId, SourceMap, Span};

/// One finding, placed.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    pub path: PathBuf,
    pub rule: String,
    pub diagnostic: Diagnostic,
    pub fix: Option<QuickFix>,
}

/// A verified fix, ready to be a code action.
#[derive(Clone, Debug, PartialEq)]
pub struct QuickFix {
    pub title: String,
    /// Safe fixes are preferred (applied by "fix all" and by a single key in most editors).
    pub preferred: bool,
    pub edits: BTreeMap<PathBuf, Vec<TextEdit>>,
}

/// Line indexes of the texts a run read, built on first use.
pub struct Texts<'s> {
    sources: &'s SourceMap,
    index: HashMap<FileId, Option<LineIndex>>,
}

impl<'s> Texts<'s> {
    pub fn new(sources: &'s SourceMap) -> Texts<'s> {
        Texts {
            sources,
            index: HashMap::new(),
        }
    }

    /// The file and range of a span, for files of the working tree (or its open buffers).
    pub fn place(&mut self, span: Span) -> Option<(PathBuf, Range)> {
        let src = self.sources.get(span.file)?;
        if src.revision.is_some() {
            return None;
        }
        let sources = self.sources;
        let idx = self
            .index
            .entry(span.file)
            .or_insert_with(|| sources.text_or_read(span.file).map(LineIndex::new))
            .as_ref()?;
        Some((src.path.clone(), idx.range(span.range())))
    }
}

pub fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// The findings the editor shows, placed.
pub fn findings(findings: &[Finding], settings: &Settings, texts: &mut Texts<'_>) -> Vec<Found> {
    findings
        .iter()
        .filter(|f| settings.shows(&f.rule))
        .filter_map(|f| found(f, settings, texts))
        .collect()
}

fn found(f: &Finding, settings: &Settings, texts: &mut Texts<'_>) -> Option<Found> {
    let (path, range) = texts.place(f.primary.span)?;
    let related: Vec<DiagnosticRelatedInformation> = f
        .secondary
        .iter()
        .filter_map(|l| {
            let (p, r) = texts.place(l.span)?;
            Some(DiagnosticRelatedInformation {
                location: Location::new(uri::from_path(&p)?, r),
                message: l.message.clone(),
            })
        })
        .collect();
    let mut message = f.message.clone();
    if !f.primary.message.is_empty() {
        message.push_str(&format!("\n{}", f.primary.message));
    }
    for n in &f.notes {
        message.push_str(&format!("\n{n}"));
    }
    if let Some(h) = &f.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    let href: Option<Uri> = crate::rules::docs::help_uri(f.rule.as_str()).parse().ok();
    let diagnostic = Diagnostic {
        range,
        severity: Some(severity(settings.severity(&f.rule, f.severity))),
        code: Some(NumberOrString::String(f.rule.to_string())),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some("aks-netlint".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    };
    Some(Found {
        path,
        rule: f.rule.to_string(),
        diagnostic,
        fix: f.fix.as_ref().and_then(|x| quick_fix(x, texts)),
    })
}

fn quick_fix(fix: &crate::diagnostic::Fix, texts: &mut Texts<'_>) -> Option<QuickFix> {
    let preferred = match fix.applicability {
        Applicability::Safe => true,
        Applicability::Unsafe => false,
        Applicability::Display => return None,
    };
    let mut edits: BTreeMap<PathBuf, Vec<TextEdit>> = BTreeMap::new();
    for e in &fix.edits {
        let (p, r) = texts.place(e.span)?;
        edits
            .entry(p)
            .or_default()
            .push(TextEdit::new(r, e.replacement.clone()));
    }
    let title = match (&fix.reason, preferred) {
        (Some(why), false) => format!("{} (unsafe: {why})", fix.description),
        _ => fix.description.clone(),
    };
    Some(QuickFix {
        title,
        preferred,
        edits,
    })
}
