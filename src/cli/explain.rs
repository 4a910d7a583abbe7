//! `rules`, `explain ID` and the `docs/rules.md` index (pages: [`docs`]), all generated from the rule files so the docs
//! cannot drift from what runs.

use std::fmt::Write as _;

use serde_json::json;

use crate::rules::docs;
use crate::rules::registry::{self, TOOL_RULES};
use crate::rules::schema::{RuleFile, Status};

fn status(s: Status) -> &'static str {
    match s {
        Status::Stable => "stable",
        Status::Preview => "preview",
        Status::Retired => "retired",
    }
}

/// Every ID with severity and status, as text or JSON.
pub fn list(as_json: bool) -> String {
    let Ok(reg) = registry::get() else {
        return String::new();
    };
    let mut rows: Vec<(String, String, String, String)> = reg
        .rules
        .iter()
        .map(|r| {
            let f = &r.file;
            let sev = if f.status == Status::Retired {
                "-".into()
            } else {
                f.severity.as_str().to_string()
            };
            (
                f.id.clone(),
                sev,
                status(f.status).to_string(),
                f.title.clone(),
            )
        })
        .collect();
    rows.extend(TOOL_RULES.iter().map(|t| {
        (
            t.id.to_string(),
            t.severity.as_str().to_string(),
            "stable".into(),
            t.summary.to_string(),
        )
    }));
    if as_json {
        let v: Vec<_> = rows
            .iter()
            .map(|(id, sev, st, title)| json!({"id": id, "severity": sev, "status": st, "title": title}))
            .collect();
        return serde_json::to_string_pretty(&v).unwrap_or_default() + "\n";
    }
    let mut out = String::new();
    let width = rows.iter().map(|(id, ..)| id.len()).max().unwrap_or(9);
    for (id, sev, st, title) in rows {
        let _ = writeln!(out, "{id:<width$} {sev:<8} {st:<8} {title}");
    }
    out
}

fn sources(f: &RuleFile, out: &mut String) {
    for s in &f.sources {
        let what = s.url.as_deref().or(s.doc.as_deref()).unwrap_or("");
        let _ = writeln!(out, "- {what} ({}): {}", s.date, s.claim);
    }
}

/// The `explain ID` text.
pub fn explain(id: &str) -> Option<String> {
    if let Some(t) = TOOL_RULES.iter().find(|t| t.id.eq_ignore_ascii_case(id)) {
        return Some(format!(
            "{} ({}): {}\nReported by aks-netlint itself, not by a rule file.\n",
            t.id,
            t.severity.as_str(),
            t.summary
        ));
    }
    let reg = registry::get().ok()?;
    let f = &reg.find(id)?.file;
    let mut out = String::new();
    let sev = if f.status == Status::Retired {
        "retired".to_string()
    } else {
        format!("{}, {}", f.severity.as_str(), status(f.status))
    };
    let _ = writeln!(out, "{} {} ({sev})\n{}\n", f.id, f.name, f.title);
    if let Some(r) = &f.retired {
        let _ = writeln!(out, "RETIRED: {r}\n");
    }
    let fix = match &f.help_arm {
        Some(arm) => format!("{} (Terraform)\n  {arm} (ARM/Bicep)", f.help),
        None => f.help.clone(),
    };
    let _ = writeln!(
        out,
        "What it checks:\n  {}\n\nWhy:\n  {}\n\nFix:\n  {fix}\n",
        f.summary, f.why
    );
    for e in &f.exempt {
        let _ = writeln!(out, "Not checked in {}: {}\n", e.dialect, e.reason);
    }
    out.push_str("Sources:\n");
    sources(f, &mut out);
    for (fires, title) in [(true, "Fires on"), (false, "Does not fire on")] {
        let ex: Vec<_> = f.examples.iter().filter(|e| e.fires == fires).collect();
        if !ex.is_empty() {
            let _ = writeln!(out, "\n{title}:");
            for e in ex {
                for line in e.code.trim_end().lines() {
                    let _ = writeln!(out, "    {line}");
                }
                out.push('\n');
            }
        }
    }
    Some(out)
}

/// `docs/rules.md`: the catalog by family, each ID linking to its page under `docs/rules/`.
pub fn docs_markdown() -> String {
    let Ok(reg) = registry::get() else {
        return String::new();
    };
    let mut out = String::from(
        "# Rules\n\n<!-- Generated from rules/*.toml by `cargo test` (tests/docs.rs); do not edit. -->\n\nOne page per rule under [`rules/`](rules/): what it checks, why, how to fix it, its sources with dates and examples. `aks-netlint explain ID` prints the same in a terminal.\n",
    );
    for fam in docs::FAMILIES {
        let in_family = |id: &str| docs::family(id).is_some_and(|f| f.prefix == fam.prefix);
        let _ = writeln!(
            out,
            "\n## {} ({})\n\n| ID | severity | status | title |\n|---|---|---|---|",
            fam.title, fam.prefix
        );
        for f in reg
            .rules
            .iter()
            .map(|r| &r.file)
            .filter(|f| in_family(&f.id))
        {
            let _ = writeln!(
                out,
                "| [{}](rules/{}) | {} | {} | {} |",
                f.id,
                docs::file_name(&f.id),
                docs::severity(f),
                status(f.status),
                f.title
            );
        }
        for t in TOOL_RULES.iter().filter(|t| in_family(&t.id)) {
            let _ = writeln!(
                out,
                "| [{}](rules/{}) | {} | stable | {} |",
                t.id,
                docs::file_name(&t.id),
                t.severity.as_str(),
                t.summary
            );
        }
    }
    out
}
