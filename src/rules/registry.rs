//! The rule registry: every embedded rule file parsed, validated (unknown fields, operators,
//! JSONPaths, message placeholders) and compiled once, on first use.

use std::sync::OnceLock;

use super::predicate::{Compiled, Path};
use super::schema::{Operator, RuleFile, Status};
use super::RuleError;
use crate::diagnostic::{RuleId, Severity};
use crate::model::subject::{schema, SubjectKind};

include!(concat!(env!("OUT_DIR"), "/rules.rs"));

/// A rule the tool itself reports (not in `rules/`), listed beside the rule files by `rules`,
/// `explain`, the docs and SARIF.
pub struct ToolRule {
    pub id: RuleId,
    pub severity: Severity,
    /// What it reports, in one line.
    pub summary: &'static str,
}

/// IDs the tool itself reports (not in `rules/`).
pub const TOOL_RULES: &[ToolRule] = &[
    ToolRule { id: RuleId::PARSE001, severity: Severity::Error, summary: "a file cannot be parsed (the rest of the scan goes on)" },
    ToolRule { id: RuleId::PARSE002, severity: Severity::Info, summary: "a file looks like a template for another tool (Go/Jinja `{{ ... }}` outside strings) and is skipped, once per file" },
    ToolRule { id: RuleId::EVAL001, severity: Severity::Info, summary: "a value a rule needed is unknown, so the rule could not decide (shown with --show-unknown)" },
    ToolRule { id: RuleId::EVAL002, severity: Severity::Warning, summary: "a reference cycle, recursion or evaluation limit was hit" },
    ToolRule { id: RuleId::SUPPRESS001, severity: Severity::Info, summary: "an inline suppression that suppresses nothing" },
    ToolRule { id: RuleId::SUPPRESS002, severity: Severity::Warning, summary: "an inline suppression without a reason after `--` (it suppresses nothing)" },
    ToolRule { id: RuleId::SUPPRESS003, severity: Severity::Error, summary: "a suppression comment names an unknown rule ID or family; it suppresses nothing" },
];

pub struct Rule {
    pub file: RuleFile,
    pub guards: Vec<Compiled>,
    pub conditions: Vec<Compiled>,
    pub secondary: Vec<(Path, String)>,
    pub escalate: Vec<Compiled>,
}

pub struct Registry {
    pub rules: Vec<Rule>,
}

static REGISTRY: OnceLock<Result<Registry, RuleError>> = OnceLock::new();

/// The registry, loaded on first use.
pub fn get() -> Result<&'static Registry, RuleError> {
    REGISTRY
        .get_or_init(|| Registry::load(RULE_FILES))
        .as_ref()
        .map_err(Clone::clone)
}

impl Registry {
    pub fn load(files: &[(&str, &str)]) -> Result<Registry, RuleError> {
        let mut rules = Vec::new();
        for (name, text) in files {
            let rule = compile(text).map_err(|e| RuleError::InFile {
                name: name.to_string(),
                err: Box::new(e),
            })?;
            if format!("{}.toml", rule.file.id) != *name {
                return Err(RuleError::IdMismatch {
                    name: name.to_string(),
                    id: rule.file.id.clone(),
                });
            }
            rules.push(rule);
        }
        rules.sort_by(|a, b| a.file.id.cmp(&b.file.id));
        Ok(Registry { rules })
    }

    pub fn find(&self, id: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.file.id.eq_ignore_ascii_case(id))
    }
}

/// Compiles one rule given as JSON (the embedded form) or TOML (tests and tools).
fn compile(text: &str) -> Result<Rule, RuleError> {
    let file: RuleFile = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| RuleError::Syntax(e.to_string()))?
    } else {
        toml::from_str(text).map_err(|e| RuleError::Syntax(e.to_string()))?
    };
    if file.sources.is_empty() {
        return Err(RuleError::NoSource);
    }
    for s in &file.sources {
        if s.doc.is_none() && s.url.is_none() {
            return Err(RuleError::SourceWithoutLink);
        }
    }
    if file.sources.iter().all(|s| s.url.is_none()) {
        return Err(RuleError::NoPublicSource);
    }
    let (guards, conditions, secondary) = if file.status == Status::Retired {
        if file.retired.is_none() {
            return Err(RuleError::RetiredWithoutReason);
        }
        (Vec::new(), Vec::new(), Vec::new())
    } else {
        let applies = file
            .applies_to
            .as_ref()
            .ok_or(RuleError::Missing("applies_to"))?;
        check_paths(&file, applies.kind)?;
        let guards = applies
            .when
            .iter()
            .map(Compiled::compile)
            .collect::<Result<Vec<_>, _>>()?;
        let cond = file
            .condition
            .as_ref()
            .ok_or(RuleError::Missing("condition"))?;
        let conditions = cond
            .predicates()
            .iter()
            .map(Compiled::compile)
            .collect::<Result<Vec<_>, _>>()?;
        let msg = file.message.as_ref().ok_or(RuleError::Missing("message"))?;
        let secondary = msg
            .secondary
            .iter()
            .map(|s| Path::compile(&s.path).map(|p| (p, s.label.clone())))
            .collect::<Result<Vec<_>, _>>()?;
        let mut vars: Vec<&str> = vec!["value", "other"];
        for c in &conditions {
            vars.extend_from_slice(c.fact_vars());
        }
        check_placeholders(&msg.text, &vars)?;
        check_placeholders(&msg.primary, &vars)?;
        for s in &msg.secondary {
            check_placeholders(&s.label, &vars)?;
        }
        (guards, conditions, secondary)
    };
    let escalate = match &file.escalate {
        Some(e) => e
            .when
            .iter()
            .map(Compiled::compile)
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    Ok(Rule {
        file,
        guards,
        conditions,
        secondary,
        escalate,
    })
}

/// Every document path a rule names (predicates of all sections, secondary labels, `{$.path}`
/// placeholders) must be a declared field of its subject kind (`model::subject::schema`).
fn check_paths(file: &RuleFile, kind: SubjectKind) -> Result<(), RuleError> {
    let mut paths: Vec<&str> = Vec::new();
    let preds = file
        .applies_to
        .iter()
        .flat_map(|a| a.when.iter())
        .chain(file.condition.iter().flat_map(|c| c.predicates().iter()))
        .chain(file.escalate.iter().flat_map(|e| e.when.iter()));
    for p in preds {
        paths.extend(p.path.as_deref());
        paths.extend(p.paths.iter().flatten().map(String::as_str));
        match &p.op {
            Operator::NotEqualsPath(x) | Operator::IpOutsidePath(x) => paths.push(x),
            Operator::OverlapsPath(xs) | Operator::NotWithinPath(xs) => {
                paths.extend(xs.iter().map(String::as_str));
            }
            Operator::IpOffsetIn(o) => paths.push(&o.of),
            _ => {}
        }
    }
    if let Some(m) = &file.message {
        paths.extend(m.secondary.iter().map(|s| s.path.as_str()));
        for t in [&m.text, &m.primary] {
            paths.extend(placeholders(t).into_iter().filter(|p| p.starts_with('$')));
        }
    }
    match paths.into_iter().find(|p| !schema::declares(kind, p)) {
        Some(p) => Err(RuleError::UndeclaredPath {
            path: p.to_string(),
            kind: kind.as_str(),
        }),
        None => Ok(()),
    }
}

/// Placeholders of a message template: `{name}`.
pub fn placeholders(t: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = t;
    while let Some(i) = rest.find('{') {
        let after = rest.get(i + 1..).unwrap_or("");
        match after.find('}') {
            Some(j) => {
                out.push(after.get(..j).unwrap_or(""));
                rest = after.get(j + 1..).unwrap_or("");
            }
            None => break,
        }
    }
    out
}

fn check_placeholders(t: &str, vars: &[&str]) -> Result<(), RuleError> {
    for p in placeholders(t) {
        let ok = vars.contains(&p) || p.starts_with("parent.") || p.starts_with("$.");
        if !ok {
            return Err(RuleError::Placeholder(p.to_string()));
        }
        if let Some(path) = p.strip_prefix("parent.") {
            if path.is_empty() || path.contains(['[', ']', ' ']) {
                return Err(RuleError::PlaceholderField(p.to_string()));
            }
        }
        if p.starts_with("$.") {
            Path::compile(p)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_rules_load() {
        let reg = get();
        assert!(reg.is_ok(), "{:?}", reg.err());
    }

    #[test]
    fn a_path_outside_the_document_schema_fails_to_load() {
        let good = RULE.replace("{nope}", "{value}");
        let typo = good.replace("$.network.", "$.netwrok.");
        assert_ne!(good, typo, "the test rule names a network path");
        let err = Registry::load(&[("X001.toml", &typo)])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("is not a field of cluster documents"), "{err}");
    }

    #[test]
    fn rejects_unresolved_placeholder() {
        let src = RULE;
        assert!(Registry::load(&[("X001.toml", src)]).is_err());
        let good = src.replace("{nope}", "{value}");
        assert!(Registry::load(&[("X001.toml", &good)]).is_ok());
    }

    #[test]
    fn a_condition_with_two_operators_fails_to_load_naming_them() {
        let src = RULE
            .replace("{nope}", "{value}")
            .replace("equals = 1", "equals = 1\ngreater_than = 2");
        let err = Registry::load(&[("X001.toml", &src)])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with("rules/X001.toml: ") && err.contains("found 2: equals, greater_than"),
            "{err}"
        );
    }

    const RULE: &str = r#"
id = "X001"
name = "x"
title = "x"
severity = "error"
status = "stable"
summary = "x"
why = "x"
help = "x"
[[sources]]
url = "https://example.com"
date = "2026-01-01"
claim = "x"
[applies_to]
kind = "cluster"
[condition]
path = "$.network.plugin"
equals = 1
[message]
text = "bad {nope}"
primary = "here"
"#;
}
