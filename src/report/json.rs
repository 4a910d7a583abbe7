//! The stable JSON output of DESIGN.md (`version` bumps on a breaking change).

use serde_json::{json, Value};

use super::Report;
use crate::diagnostic::Fix;
use crate::source::{SourceMap, Span};

fn range(sources: &SourceMap, s: Span) -> Value {
    let a = sources.position(s.file, s.start as usize);
    let b = sources.position(s.file, s.end as usize);
    json!({"start": {"line": a.line, "column": a.column}, "end": {"line": b.line, "column": b.column}})
}

/// A location in a compared git revision carries `"revision"` right after `"file"`.
fn with_revision(v: Value, sources: &SourceMap, span: Span) -> Value {
    let (Value::Object(map), Some(rev)) = (&v, sources.revision(span.file)) else {
        return v;
    };
    let mut out = serde_json::Map::new();
    for (k, x) in map {
        out.insert(k.clone(), x.clone());
        if k == "file" {
            out.insert("revision".into(), Value::String(rev.to_string()));
        }
    }
    Value::Object(out)
}

/// A finding's fix: what and how sure, and its edits (none for a suggestion).
fn fix_json(sources: &SourceMap, fix: &Fix) -> Value {
    let edits: Vec<Value> = fix
        .edits
        .iter()
        .map(|e| {
            json!({
                "file": sources.name(e.span.file),
                "range": range(sources, e.span),
                "replacement": e.replacement,
            })
        })
        .collect();
    json!({
        "description": fix.description,
        "applicability": fix.applicability.as_str(),
        "reason": fix.reason,
        "edits": edits,
    })
}

pub fn render(o: &Report<'_>) -> String {
    let s = o.sources;
    let diags: Vec<Value> = o
        .findings
        .iter()
        .map(|f| {
            let related: Vec<Value> = f
                .secondary
                .iter()
                .map(|l| {
                    let v = json!({"file": s.name(l.span.file), "range": range(s, l.span), "message": l.message});
                    with_revision(v, s, l.span)
                })
                .collect();
            let v = json!({
                "rule": f.rule,
                "severity": f.severity.as_str(),
                "message": f.message,
                "help": f.help,
                "file": s.name(f.primary.span.file),
                "range": range(s, f.primary.span),
                "resource": f.resource,
                "related": related,
                "notes": f.notes,
            });
            let mut v = with_revision(v, s, f.primary.span);
            if let (Some(fix), Value::Object(map)) = (&f.fix, &mut v) {
                map.insert("fix".into(), fix_json(s, fix));
            }
            v
        })
        .collect();
    let (e, w, i) = super::counts(o);
    let out = json!({
        "version": 1,
        "diagnostics": diags,
        "summary": {
            "files": o.stats.files,
            "resources": o.stats.resources,
            "clusters": o.stats.clusters,
            "errors": e,
            "warnings": w,
            "infos": i,
            "parse_errors": o.stats.parse_errors,
            "suppressed": o.stats.suppressed,
            "elapsed_ms": o.stats.elapsed_ms,
            "unread": o.unread.iter().map(|u| json!({
                "path": u.path,
                "reason": u.reason,
                "referenced_from": u.referenced_from,
            })).collect::<Vec<Value>>(),
        }
    });
    serde_json::to_string_pretty(&out).unwrap_or_default() + "\n"
}
