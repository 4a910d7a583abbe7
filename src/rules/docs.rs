//! One documentation page per rule, generated from the rule files: `docs/rules/<ID>.md` on disk,
//! the same text as SARIF's `help.markdown`, and the `helpUri` that links a SARIF rule to it.
//! Families give each rule a tag that does not depend on the dialect it was found in.

use std::fmt::Write as _;

use super::registry::{self, ToolRule, TOOL_RULES};
use super::schema::{RuleFile, Status};

/// A rule family: the ID prefix, the tag SARIF consumers filter by, and a title for the docs.
pub struct Family {
    pub prefix: &'static str,
    pub tag: &'static str,
    pub title: &'static str,
}

/// Every family, the tool's own included. IDs are a prefix of capital letters and a number.
#[rustfmt::skip]
pub const FAMILIES: &[Family] = &[
    Family { prefix: "NET", tag: "address-plan", title: "Address plan: ranges, subnets, peering, routes" },
    Family { prefix: "OVL", tag: "cni-overlay", title: "Azure CNI Overlay and kubenet retirement" },
    Family { prefix: "DS", tag: "dual-stack", title: "Dual-stack (IPv4 and IPv6)" },
    Family { prefix: "AGC", tag: "application-gateway-for-containers", title: "Application Gateway for Containers" },
    Family { prefix: "AGIC", tag: "agic", title: "Application Gateway Ingress Controller" },
    Family { prefix: "EGR", tag: "egress", title: "Egress: UDR, NAT gateway, SNAT ports" },
    Family { prefix: "API", tag: "api-server", title: "Private clusters and API server access" },
    Family { prefix: "POD", tag: "pod-subnet", title: "Pod subnets and pod IP allocation" },
    Family { prefix: "CIL", tag: "cilium", title: "Azure CNI powered by Cilium" },
    Family { prefix: "MIG", tag: "migration", title: "Upgrade and migration hazards" },
    Family { prefix: "PARSE", tag: "input", title: "Files that cannot be read" },
    Family { prefix: "EVAL", tag: "evaluation", title: "Values that cannot be decided" },
    Family { prefix: "SUPPRESS", tag: "suppression", title: "Suppression comments" },
];

/// The family of a rule ID (`AGIC003` is AGIC, not AGC).
pub fn family(id: &str) -> Option<&'static Family> {
    let prefix = id.trim_end_matches(|c: char| c.is_ascii_digit());
    FAMILIES.iter().find(|f| f.prefix == prefix)
}

/// Tags for a rule, the same whichever dialect a finding comes from.
pub fn tags(id: &str) -> Vec<String> {
    let mut tags = vec!["aks".to_string()];
    if let Some(f) = family(id) {
        tags.push(f.tag.to_string());
    }
    tags
}

/// Where a rule's page lives for this version: the release tag's copy, so a link in a SARIF
/// file written by version X explains the rule as version X checks it.
pub fn help_uri(id: &str) -> String {
    format!(
        "{}/blob/v{}/docs/rules/{id}.md",
        env!("CARGO_PKG_REPOSITORY"),
        env!("CARGO_PKG_VERSION")
    )
}

/// The page's file name under `docs/rules/`.
pub fn file_name(id: &str) -> String {
    format!("{id}.md")
}

fn status(s: Status) -> &'static str {
    match s {
        Status::Stable => "stable",
        Status::Preview => "preview",
        Status::Retired => "retired",
    }
}

/// A rule's severity as the docs show it: a retired rule has none.
pub fn severity(f: &RuleFile) -> &'static str {
    if f.status == Status::Retired {
        "-"
    } else {
        f.severity.as_str()
    }
}

/// The page body without its heading: what SARIF puts in `help.markdown`.
pub fn body(f: &RuleFile) -> String {
    let mut out = String::new();
    let family = family(&f.id).map_or("", |fam| fam.title);
    let _ = writeln!(
        out,
        "| severity | status | family | name |\n|---|---|---|---|\n| {} | {} | {family} | `{}` |\n",
        severity(f),
        status(f.status),
        f.name
    );
    if let Some(r) = &f.retired {
        let _ = writeln!(out, "> **Retired.** {r}\n");
    }
    let _ = writeln!(out, "## What it checks\n\n{}\n", f.summary);
    let _ = writeln!(out, "## Why\n\n{}\n", f.why);
    out.push_str("## How to fix it\n\n");
    match &f.help_arm {
        Some(arm) => {
            let _ = writeln!(
                out,
                "- Terraform: {}\n- ARM and Bicep: {}\n",
                capitalized(&f.help),
                capitalized(arm)
            );
        }
        None => {
            let _ = writeln!(out, "{}\n", capitalized(&f.help));
        }
    }
    if !f.exempt.is_empty() {
        out.push_str("## Not checked in\n\n");
        for e in &f.exempt {
            let _ = writeln!(out, "- {}: {}", e.dialect, e.reason);
        }
        out.push('\n');
    }
    out.push_str("## Sources\n\n");
    for s in &f.sources {
        let what = match (&s.url, &s.doc) {
            (Some(u), _) => format!("<{u}>"),
            (None, Some(d)) => format!("`{d}` (no public page)"),
            (None, None) => String::new(),
        };
        let _ = writeln!(out, "- {what} ({}): {}", s.date, s.claim);
    }
    for (fires, title) in [(true, "Fires on"), (false, "Does not fire on")] {
        let examples: Vec<_> = f.examples.iter().filter(|e| e.fires == fires).collect();
        if examples.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n## {title}\n");
        for e in examples {
            let _ = writeln!(out, "```hcl\n{}\n```\n", e.code.trim_end());
        }
    }
    let _ = writeln!(
        out,
        "\n## Suppressing it\n\n```hcl\n# aks-netlint:ignore {} -- the reason it does not apply here\n```",
        f.id
    );
    out
}

const GENERATED: &str =
    "<!-- Generated from the rule files by `cargo test` (tests/docs.rs); do not edit. -->";

/// `docs/rules/<ID>.md` for a rule file.
pub fn page(f: &RuleFile) -> String {
    format!("# {}: {}\n\n{GENERATED}\n\n{}", f.id, f.title, body(f))
}

/// The body of a page for an ID the tool reports itself.
pub fn tool_body(t: &ToolRule) -> String {
    format!(
        "| severity | status | family |\n|---|---|---|\n| {} | stable | {} |\n\n{}.\n\nReported by aks-netlint itself, not by a rule file; `--select` and `--ignore` take it like any rule.\n",
        t.severity.as_str(),
        family(&t.id).map_or("", |f| f.title),
        capitalized(t.summary)
    )
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|first| first.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// `docs/rules/<ID>.md` for an ID the tool reports itself.
pub fn tool_page(t: &ToolRule) -> String {
    format!("# {}\n\n{GENERATED}\n\n{}", t.id, tool_body(t))
}

/// Every page: (file name, text), rule files first, in catalog order.
pub fn pages() -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Ok(reg) = registry::get() {
        for r in &reg.rules {
            out.push((file_name(&r.file.id), page(&r.file)));
        }
    }
    for t in TOOL_RULES {
        out.push((file_name(&t.id), tool_page(t)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_cover_every_id() {
        let reg = registry::get().unwrap();
        for r in &reg.rules {
            assert!(family(&r.file.id).is_some(), "{} has no family", r.file.id);
        }
        for t in TOOL_RULES {
            assert!(family(&t.id).is_some(), "{} has no family", t.id);
        }
        assert_eq!(family("AGIC003").map(|f| f.prefix), Some("AGIC"));
        assert_eq!(family("AGC003").map(|f| f.prefix), Some("AGC"));
        assert!(family("XYZ001").is_none());
    }

    #[test]
    fn help_uri_points_at_the_versioned_page() {
        let uri = help_uri("NET001");
        assert!(uri.starts_with(env!("CARGO_PKG_REPOSITORY")));
        assert!(uri.ends_with(&format!(
            "/blob/v{}/docs/rules/NET001.md",
            env!("CARGO_PKG_VERSION")
        )));
    }
}
