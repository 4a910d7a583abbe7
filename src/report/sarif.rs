//! SARIF 2.1.0 (GitHub code scanning): rules with descriptions and help URIs, results with
//! relative artifact locations under `%SRCROOT%`, related locations, and partial fingerprints
//! that survive line shifts.

use std::collections::BTreeMap;

use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, Region,
    ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif,
    Tool, ToolComponent,
};

use super::Report;
use crate::diagnostic::{fingerprint, Label, Severity};
use crate::rules::registry;
use crate::source::SourceMap;

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

fn location(sources: &SourceMap, l: &Label, with_message: bool) -> Location {
    let a = sources.position(l.span.file, l.span.start as usize);
    let b = sources.position(l.span.file, l.span.end as usize);
    let region = Region::builder()
        .start_line(a.line as i64)
        .start_column(a.column as i64)
        .end_line(b.line as i64)
        .end_column(b.column as i64)
        .build();
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

fn descriptors() -> Vec<ReportingDescriptor> {
    let mut out = Vec::new();
    if let Ok(reg) = registry::get() {
        for r in &reg.rules {
            let f = &r.file;
            let help_uri = f.sources.iter().find_map(|s| s.url.clone());
            let text = |t: &str| {
                MultiformatMessageString::builder()
                    .text(t.to_string())
                    .build()
            };
            let mut d = ReportingDescriptor::builder()
                .id(f.id.clone())
                .name(f.name.clone())
                .short_description(text(&f.title))
                .full_description(text(&format!("{} {}", f.summary, f.why)))
                .help(text(&f.help))
                .default_configuration(
                    ReportingConfiguration::builder()
                        .level(serde_json::json!(level_name(f.severity)))
                        .build(),
                )
                .build();
            d.help_uri = help_uri;
            out.push(d);
        }
    }
    for t in registry::TOOL_RULES {
        let text = MultiformatMessageString::builder()
            .text(t.summary.to_string())
            .build();
        out.push(
            ReportingDescriptor::builder()
                .id(t.id.to_string())
                .short_description(text.clone())
                .full_description(text)
                .default_configuration(
                    ReportingConfiguration::builder()
                        .level(serde_json::json!(level_name(t.severity)))
                        .build(),
                )
                .build(),
        );
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
