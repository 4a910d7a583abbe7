//! Runs the rules over subjects and turns hits into findings: the primary label on the literal
//! the value came from, a secondary label where it is used, labels on conflicting values, the
//! value chain as a note. Unknowns become EVAL001 findings when asked for.

use serde_json::Value as Json;

use super::fixes::{self, AddressPlan};
use super::outcome::{display, Hit};
use super::predicate::Path;
use super::registry::{placeholders, Registry, Rule};
use super::schema::{Severity, Status};
use super::{Finding, Label, RuleId};
use crate::model::node::Loc;
use crate::model::subject::Subject;
use crate::source::{SourceMap, Span};

/// Which rules run.
pub trait Selection {
    fn enabled(&self, id: &str) -> bool;
}

/// Runs every enabled rule on a subject.
pub fn check(
    reg: &Registry,
    subject: &Subject,
    sel: &dyn Selection,
    show_unknown: bool,
    sources: &SourceMap,
    plan: &AddressPlan,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in &reg.rules {
        if rule.file.status == Status::Retired || !sel.enabled(&rule.file.id) {
            continue;
        }
        let Some(applies) = &rule.file.applies_to else {
            continue;
        };
        if applies.kind != subject.kind {
            continue;
        }
        check_rule(rule, subject, show_unknown, sources, plan, &mut out);
    }
    out
}

fn check_rule(
    rule: &Rule,
    s: &Subject,
    show_unknown: bool,
    sources: &SourceMap,
    plan: &AddressPlan,
    out: &mut Vec<Finding>,
) {
    let mut unknowns = Vec::new();
    for g in &rule.guards {
        let o = g.eval(&s.json);
        if !o.unknowns.is_empty() {
            unknowns.extend(o.unknowns);
            break;
        }
        if o.hits.is_empty() {
            return;
        }
    }
    // Escalation applies only when every predicate holds with known values.
    let escalated = rule.file.escalate.as_ref().filter(|_| {
        !rule.escalate.is_empty()
            && rule.escalate.iter().all(|p| {
                let o = p.eval(&s.json);
                !o.hits.is_empty()
            })
    });
    if unknowns.is_empty() {
        for (c, pred) in rule.conditions.iter().enumerate() {
            let o = pred.eval(&s.json);
            unknowns.extend(o.unknowns);
            for hit in o.hits {
                let other_label = rule
                    .file
                    .condition
                    .as_ref()
                    .and_then(|c2| c2.predicates().get(c))
                    .and_then(|p| p.other_label.clone());
                let mut f = finding(rule, other_label, s, &hit, sources);
                f.fix = fixes::propose(&rule.file.id, &s.json, &hit, plan)
                    .map(|p| fixes::to_fix(&p, s, sources));
                if let Some(e) = escalated {
                    f.severity = e.severity;
                    f.notes.push(format!(
                        "severity raised to {}: {}",
                        e.severity.as_str(),
                        e.because
                    ));
                }
                out.push(f);
            }
        }
    }
    if show_unknown {
        for u in unknowns {
            let loc = s.located.find(&u.path);
            let span = loc
                .and_then(|l| l.at.or(l.prov.as_ref().map(|p| p.span)))
                .unwrap_or(s.header);
            out.push(Finding {
                rule: RuleId::EVAL001,
                severity: Severity::Info,
                message: format!("{} could not decide: {}", rule.file.id, u.reason),
                primary: Label {
                    span,
                    message: "value unknown here".into(),
                },
                secondary: Vec::new(),
                notes: vec![format!("{}: {}", rule.file.id, rule.file.title)],
                why: None,
                help: None,
                resource: Some(s.address.clone()),
                fix: None,
            });
        }
    }
}

/// Span to point at for a location: where written, else where used, else the resource.
fn primary_span(loc: Option<&Loc>, fallback: Span) -> Span {
    loc.and_then(|l| l.prov.as_ref().map(|p| p.span).or(l.at))
        .unwrap_or(fallback)
}

fn finding(
    rule: &Rule,
    other_label: Option<String>,
    s: &Subject,
    hit: &Hit,
    sources: &SourceMap,
) -> Finding {
    let msg = rule.file.message.as_ref();
    let render = |t: &str| render(t, hit, &s.json);
    let loc = s.located.find(&hit.path);
    let span = primary_span(loc, s.header);
    let mut primary_label = msg.map(|m| render(&m.primary)).unwrap_or_default();
    let mut notes = Vec::new();
    let mut secondary = Vec::new();
    if let Some(l) = loc {
        if l.default {
            primary_label = format!("{primary_label} (AKS default: not set here)");
            notes.push(format!(
                "value: {} is the documented AKS default because it is not set",
                quote(&hit.value)
            ));
        } else if let Some(p) = &l.prov {
            let mut chain = quote(&hit.value);
            for hop in p.hops.iter().rev() {
                chain.push_str(" <- ");
                chain.push_str(hop);
            }
            chain.push_str(" <- ");
            chain.push_str(&sources.location(p.span));
            notes.push(format!("value: {chain}"));
            if let Some(at) = l.at {
                if !contains(at, p.span) {
                    secondary.push(Label {
                        span: at,
                        message: "used here".into(),
                    });
                }
            }
        }
    }
    if let Some((Some(opath), otext)) = &hit.other {
        let oloc = s.located.find(opath);
        let ospan = primary_span(oloc, s.header);
        let label = other_label
            .clone()
            .unwrap_or_else(|| "conflicts with this".into());
        let label = label.replace("{other}", otext);
        if ospan != span {
            secondary.push(Label {
                span: ospan,
                message: label,
            });
        }
    }
    for (path, label) in &hit.related {
        let sp = primary_span(s.located.find(path), s.header);
        if sp != span {
            secondary.push(Label {
                span: sp,
                message: label.clone(),
            });
        }
    }
    for (path, label) in &rule.secondary {
        for (p, _) in path.select(&s.json) {
            let sp = primary_span(s.located.find(&p), s.header);
            if sp != span {
                secondary.push(Label {
                    span: sp,
                    message: render(label),
                });
            }
        }
    }
    secondary.dedup_by(|a, b| a.span == b.span);
    notes.extend(s.notes.iter().cloned());
    if let Some(c) = condition_of(s, &hit.path) {
        notes.push(format!(
            "only deployed if `{c}` (unknown here); checked as deployed"
        ));
    }
    Finding {
        rule: RuleId::from(rule.file.id.clone()),
        severity: rule.file.severity,
        message: msg
            .map(|m| render(&m.text))
            .unwrap_or_else(|| rule.file.title.clone()),
        primary: Label {
            span,
            message: primary_label,
        },
        secondary,
        notes,
        why: Some(rule.file.why.clone()),
        help: Some(help_for(rule, &s.address).to_string()),
        resource: Some(s.address.clone()),
        fix: None,
    }
}

/// The help in the words of the code the finding is about: azurerm attribute names for
/// Terraform's azurerm resources (in HCL or a plan), ARM/Bicep property names for templates and
/// azapi resources, whose bodies are ARM.
fn help_for<'r>(rule: &'r Rule, address: &str) -> &'r str {
    let terraform = address.contains("azurerm_");
    match &rule.file.help_arm {
        Some(arm) if !terraform => arm,
        _ => &rule.file.help,
    }
}

fn contains(outer: Span, inner: Span) -> bool {
    outer.file == inner.file && outer.start <= inner.start && inner.end <= outer.end
}

fn quote(v: &str) -> String {
    if v.parse::<f64>().is_ok() || v == "true" || v == "false" {
        v.to_string()
    } else {
        format!("\"{v}\"")
    }
}

/// The unknown condition a subject (or the pool a path is under) depends on.
fn condition_of(s: &Subject, path: &str) -> Option<String> {
    if let Some(c) = &s.condition {
        return Some(c.clone());
    }
    let rest = path.strip_prefix("$['pools'][")?;
    let idx: usize = rest.get(..rest.find(']')?)?.parse().ok()?;
    s.json
        .get("pools")?
        .get(idx)?
        .get("condition")?
        .as_str()
        .map(str::to_string)
}

/// Fills `{value}`, `{other}`, fact variables, `{parent.field}` and `{$.path}`.
fn render(t: &str, hit: &Hit, doc: &Json) -> String {
    let mut out = t.to_string();
    for p in placeholders(t) {
        let val = match p {
            "value" => Some(hit.value.clone()),
            "other" => hit.other.as_ref().map(|o| o.1.clone()),
            _ if p.starts_with("parent.") => {
                let field = p.trim_start_matches("parent.");
                let parent = hit
                    .path
                    .rfind('[')
                    .and_then(|i| hit.path.get(..i))
                    .unwrap_or("$");
                let path = format!("{parent}['{field}']");
                Path::compile(&path)
                    .ok()
                    .and_then(|q| q.select(doc).first().map(|(_, v)| display(v)))
            }
            _ if p.starts_with("$.") => Path::compile(p)
                .ok()
                .and_then(|q| q.select(doc).first().map(|(_, v)| display(v))),
            _ => hit
                .vars
                .iter()
                .find(|(k, _)| k == p)
                .map(|(_, v)| v.clone()),
        };
        out = out.replace(&format!("{{{p}}}"), &val.unwrap_or_else(|| "?".into()));
    }
    out
}
