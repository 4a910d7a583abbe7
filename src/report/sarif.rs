//! SARIF 2.1.0 (GitHub code scanning): rules with descriptions, tags, Markdown help and a link
//! to each rule's page, results with
//! relative artifact locations under `%SRCROOT%`, related locations, and partial fingerprints
//! that survive line shifts.

use std::collections::BTreeMap;

use serde_sarif::sarif::{
    ArtifactChange, ArtifactContent, ArtifactLocation, Fix as SarifFix, Location, Message,
    MultiformatMessageString, PhysicalLocation, PropertyBag, Region, Replacement,
    ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif,
    Tool, ToolComponent,
};

use super::Report;
use crate::diagnostic::{fingerprint, Fix, Label, Severity};
use crate::rules::{docs, registry};
use crate::source::{SourceMap, Span};

fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Info => ResultLevel::Note,
    }
}

/// SARIF's name for a severity in a rule's default configuration.
fn level_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn region(sources: &SourceMap, span: Span) -> Region {
    let a = sources.position(span.file, span.start as usize);
    let b = sources.position(span.file, span.end as usize);
    Region::builder()
        .start_line(a.line as i64)
        .start_column(a.column as i64)
        .end_line(b.line as i64)
        .end_column(b.column as i64)
        .build()
}

/// A fix with edits as SARIF `fixes` (code scanning shows it as a suggestion); a suggestion
/// without edits has no SARIF form.
fn fix(sources: &SourceMap, f: &Fix) -> Option<SarifFix> {
    let mut by_file: BTreeMap<usize, Vec<Replacement>> = BTreeMap::new();
    for e in &f.edits {
        by_file.entry(e.span.file).or_default().push(
            Replacement::builder()
                .deleted_region(region(sources, e.span))
                .inserted_content(
                    ArtifactContent::builder()
                        .text(e.replacement.clone())
                        .build(),
                )
                .build(),
        );
    }
    if by_file.is_empty() {
        return None;
    }
    let changes = by_file
        .into_iter()
        .map(|(file, replacements)| {
            ArtifactChange::builder()
                .artifact_location(
                    ArtifactLocation::builder()
                        .uri(uri(sources.name(file)))
                        .uri_base_id("%SRCROOT%")
                        .build(),
                )
                .replacements(replacements)
                .build()
        })
        .collect::<Vec<_>>();
    Some(
        SarifFix::builder()
            .description(
                Message::builder()
                    .text(format!("{} ({})", f.description, f.qualifier()))
                    .build(),
            )
            .artifact_changes(changes)
            .build(),
    )
}

fn location(sources: &SourceMap, l: &Label, with_message: bool) -> Location {
    let region = region(sources, l.span);
    let artifact = ArtifactLocation::builder()
        .uri(uri(sources.name(l.span.file)))
        .uri_base_id("%SRCROOT%")
        .build();
    let physical = PhysicalLocation::builder()
        .artifact_location(artifact)
        .region(region)
        .build();
    if with_message {
        Location::builder()
            .physical_location(physical)
            .message(Message::builder().text(l.message.clone()).build())
            .build()
    } else {
        Location::builder().physical_location(physical).build()
    }
}

/// Characters a relative URI path may not carry as they are (RFC 3986: everything but
/// unreserved characters and `/`), so a path with spaces or `&` stays a valid `uri-reference`.
const PATH_ESCAPES: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// A file name relative to the repository root as a SARIF URI under `%SRCROOT%`.
pub fn uri(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, PATH_ESCAPES).to_string()
}

fn text(t: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder()
        .text(t.to_string())
        .build()
}

/// `help` as GitHub code scanning shows it: plain text for other consumers, the rule's page as
/// Markdown for GitHub.
fn help(plain: &str, markdown: String) -> MultiformatMessageString {
    MultiformatMessageString::builder()
        .text(plain.to_string())
        .markdown(markdown)
        .build()
}

/// Tags only: these rules find broken networking, not vulnerabilities, so no rule claims a
/// `security-severity` (GitHub would then rank it as a security alert).
fn properties(id: &str) -> PropertyBag {
    PropertyBag::builder().tags(docs::tags(id)).build()
}

fn descriptor(
    id: &str,
    severity: Severity,
    short: &str,
    full: String,
    help: MultiformatMessageString,
) -> ReportingDescriptor {
    let mut d = ReportingDescriptor::builder()
        .id(id.to_string())
        .short_description(text(short))
        .full_description(text(&full))
        .help(help)
        .help_uri(docs::help_uri(id))
        .properties(properties(id))
        .default_configuration(
            ReportingConfiguration::builder()
                .level(serde_json::json!(level_name(severity)))
                .build(),
        )
        .build();
    d.name = None;
    d
}

fn descriptors() -> Vec<ReportingDescriptor> {
    let mut out = Vec::new();
    if let Ok(reg) = registry::get() {
        for r in &reg.rules {
            let f = &r.file;
            let mut d = descriptor(
                &f.id,
                f.severity,
                &f.title,
                format!("{} {}", f.summary, f.why),
                help(&f.help, docs::body(f)),
            );
            d.name = Some(f.name.clone());
            out.push(d);
        }
    }
    for t in registry::TOOL_RULES {
        out.push(descriptor(
            &t.id,
            t.severity,
            t.summary,
            t.summary.to_string(),
            help(t.summary, docs::tool_body(t)),
        ));
    }
    out
}

pub fn render(o: &Report<'_>) -> String {
    let rules = descriptors();
    let index: BTreeMap<String, i64> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.clone(), i as i64))
        .collect();
    let results: Vec<SarifResult> = o
        .findings
        .iter()
        .map(|f| {
            let mut fp = BTreeMap::new();
            fp.insert("aksNetlint/v1".to_string(), fingerprint(o.sources, f));
            let mut text = f.message.clone();
            if let Some(h) = &f.help {
                text.push_str(&format!(" (help: {h})"));
            }
            let mut r = SarifResult::builder()
                .rule_id(f.rule.to_string())
                .level(level(f.severity))
                .message(Message::builder().text(text).build())
                .locations(vec![location(o.sources, &f.primary, false)])
                .partial_fingerprints(fp)
                .build();
            r.rule_index = index.get(f.rule.as_str()).copied();
            r.fixes = f
                .fix
                .as_ref()
                .and_then(|x| fix(o.sources, x))
                .map(|x| vec![x]);
            if !f.secondary.is_empty() {
                r.related_locations = Some(
                    f.secondary
                        .iter()
                        .map(|l| location(o.sources, l, true))
                        .collect(),
                );
            }
            r
        })
        .collect();
    let driver = ToolComponent::builder()
        .name("aks-netlint")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri("https://learn.microsoft.com/azure/aks/concepts-network-azure-cni-overlay")
        .rules(rules)
        .build();
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .build();
    let root = std::env::current_dir()
        .ok()
        .map(|d| format!("file://{}/", d.display().to_string().trim_end_matches('/')));
    if let Some(root) = root {
        let mut bases = BTreeMap::new();
        bases.insert(
            "%SRCROOT%".to_string(),
            ArtifactLocation::builder().uri(root).build(),
        );
        run.original_uri_base_ids = Some(bases);
    }
    let log = Sarif::builder()
        .schema("https://json.schemastore.org/sarif-2.1.0.json")
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build();
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod uri_tests {
    #[test]
    fn uris_are_percent_encoded_relative_paths() {
        assert_eq!(super::uri("infra/main.tf"), "infra/main.tf");
        assert_eq!(super::uri("my infra/a&b.tf"), "my%20infra/a%26b.tf");
        assert_eq!(super::uri("ü.bicep"), "%C3%BC.bicep");
    }
}
