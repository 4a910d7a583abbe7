//! The value chain on hover. Every value a rule can read carries where it was written and the
//! names it travelled through; this turns the evaluated models of a run into entries keyed by
//! the places a user can point at (the literal, and the attribute that uses it), and renders
//! the entries under the cursor: the value, its chain, the rules that read it and what else
//! uses the same literal. Unknown values say why they are unknown.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use lsp_types::{Position, Range};

use super::convert::Texts;
use crate::lint::observe::Evaluated;
use crate::model::subject::{self, SubjectKind};
use crate::model::{Node, V};
use crate::rules::registry;
use crate::source::{SourceMap, Span};

/// A value as the model holds it, before its spans are placed.
pub struct Raw {
    /// Where the cursor may be: the literal, and the attribute that uses it.
    spans: Vec<Span>,
    written: Option<Span>,
    entry: Entry,
}

/// One value a rule could read, at one place.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub range: Range,
    /// `"10.244.0.0/20"`, `10`, `true`; `unknown` for an unknown value.
    pub value: String,
    /// `"10.244.0.0/20" ← var.pod_cidr ← terraform.tfvars:1`
    pub chain: Option<String>,
    /// Why the value is unknown.
    pub unknown: Option<String>,
    /// The field of the model (`network.pod_cidr`) and the resource it belongs to.
    pub field: String,
    pub subject: String,
    /// Rules whose definition reads this field.
    pub rules: BTreeSet<String>,
    /// Where the value was written, when that is elsewhere.
    pub written: Option<(PathBuf, Range)>,
}

/// Entries of every subject of the evaluated roots (called from the run's observer).
pub fn collect(roots: Vec<Evaluated<'_>>, sources: &SourceMap) -> Vec<Raw> {
    let readers = Readers::new();
    let mut out = Vec::new();
    for root in roots {
        if root.revision.is_some() {
            continue;
        }
        for s in subject::all(root.model) {
            for (path, node) in &s.located.0 {
                if let Some(raw) = raw(path, node, &s.address, s.kind, &readers, sources) {
                    out.push(raw);
                }
            }
        }
    }
    out
}

fn raw(
    path: &str,
    node: &Node,
    address: &str,
    kind: SubjectKind,
    readers: &Readers,
    sources: &SourceMap,
) -> Option<Raw> {
    let (value, unknown) = match &node.v {
        V::Str(s) => (format!("{s:?}"), None),
        V::Num(n) => (n.to_string(), None),
        V::Bool(b) => (b.to_string(), None),
        V::Unknown(why) => ("unknown".to_string(), Some(why.clone())),
        V::Null | V::List(_) | V::Obj(_) => return None,
    };
    let field = dotted(path);
    let chain = node.loc.prov.as_ref().map(|p| {
        let mut c = value.clone();
        for hop in p.hops.iter().rev() {
            c.push_str(" ← ");
            c.push_str(hop);
        }
        c.push_str(" ← ");
        c.push_str(&sources.location(p.span));
        c
    });
    let written = node.loc.prov.as_ref().map(|p| p.span);
    let spans: Vec<Span> = written.into_iter().chain(node.loc.at).collect();
    if spans.is_empty() {
        return None;
    }
    Some(Raw {
        spans,
        written,
        entry: Entry {
            range: Range::default(),
            value,
            chain,
            unknown,
            rules: readers.of(kind, &field),
            field,
            subject: address.to_string(),
            written: None,
        },
    })
}

/// Places raw entries: one entry per place the cursor may be.
pub fn place(raws: Vec<Raw>, texts: &mut Texts<'_>) -> Vec<(PathBuf, Entry)> {
    let mut out = Vec::new();
    for r in raws {
        let written = r.written.and_then(|s| texts.place(s));
        for span in &r.spans {
            let Some((path, range)) = texts.place(*span) else {
                continue;
            };
            let mut e = r.entry.clone();
            e.range = range;
            e.written = written
                .clone()
                .filter(|(p, wr)| !(p == &path && *wr == range));
            out.push((path, e));
        }
    }
    out
}

/// `$['network']['pod_cidr']` → `network.pod_cidr`; `$['pools'][0]['max_count']` →
/// `pools[0].max_count`.
fn dotted(path: &str) -> String {
    let mut out = String::new();
    for part in path
        .trim_start_matches('$')
        .split('[')
        .filter(|p| !p.is_empty())
    {
        let part = part.trim_end_matches(']');
        if let Some(key) = part.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')) {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(key);
        } else {
            out.push_str(&format!("[{part}]"));
        }
    }
    out
}

/// Which rules read which fields: a rule reads a field when its definition names the field's
/// path (`$.network.pod_cidr`), or names a derived fact built from it (`pod_cidr_capacity`).
struct Readers {
    rules: Vec<(SubjectKind, String, String)>,
}

impl Readers {
    fn new() -> Readers {
        let rules = registry::get()
            .map(|reg| {
                reg.rules
                    .iter()
                    .filter_map(|r| {
                        let kind = r.file.applies_to.as_ref()?.kind;
                        let text = serde_json::to_string(&(
                            &r.file.applies_to,
                            &r.file.condition,
                            &r.file.message,
                        ))
                        .ok()?;
                        Some((kind, r.file.id.clone(), text))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Readers { rules }
    }

    fn of(&self, kind: SubjectKind, field: &str) -> BTreeSet<String> {
        // `pools[0].max_count` is read as `$.pools[*].max_count` or through a fact on pools.
        let plain: String = {
            let mut s = String::new();
            let mut depth = 0;
            for c in field.chars() {
                match c {
                    '[' => depth += 1,
                    ']' => depth -= 1,
                    _ if depth == 0 => s.push(c),
                    _ => {}
                }
            }
            s
        };
        let leaf = plain.rsplit('.').next().unwrap_or(&plain);
        self.rules
            .iter()
            .filter(|(k, _, text)| {
                *k == kind
                    && (text.contains(&format!(".{plain}\""))
                        || text.contains(&format!(".{plain}["))
                        || text.contains(&format!(".{plain}."))
                        || (leaf.len() > 4 && fact_mentions(text, leaf)))
            })
            .map(|(_, id, _)| id.clone())
            .collect()
    }
}

/// Whether a rule's `fact` names mention a field (`pod_cidr_capacity` mentions `pod_cidr`).
fn fact_mentions(text: &str, leaf: &str) -> bool {
    text.match_indices("\"fact\":\"").any(|(i, m)| {
        text.get(i + m.len()..)
            .and_then(|rest| rest.split('"').next())
            .is_some_and(|name| name.contains(leaf))
    })
}

/// The entries under the cursor: the innermost range holding the position, and every entry
/// at exactly that range (one literal may feed several fields and resources).
pub fn at<'e>(entries: &'e [(PathBuf, Entry)], file: &Path, pos: Position) -> Vec<&'e Entry> {
    let inside = |r: &Range| r.start <= pos && pos <= r.end;
    let best = entries
        .iter()
        .filter(|(p, e)| p == file && inside(&e.range))
        .map(|(_, e)| e.range)
        .min_by_key(|r| {
            (
                r.end.line - r.start.line,
                r.end.character.saturating_sub(r.start.character),
            )
        });
    let Some(best) = best else {
        return Vec::new();
    };
    let mut seen = BTreeSet::new();
    entries
        .iter()
        .filter(|(p, e)| p == file && e.range == best)
        .map(|(_, e)| e)
        .filter(|e| seen.insert((e.subject.clone(), e.field.clone())))
        .collect()
}

/// Markdown for the hover.
pub fn render(entries: &[&Entry], fired: &BTreeSet<String>, root: &Path) -> Option<String> {
    let first = entries.first()?;
    let mut out = String::new();
    match &first.unknown {
        Some(why) => out.push_str(&format!("**unknown**: {why}\n\n")),
        None => out.push_str(&format!("**`{}`**\n\n", first.value)),
    }
    let mut chains: Vec<&str> = entries.iter().filter_map(|e| e.chain.as_deref()).collect();
    chains.dedup();
    for c in chains {
        out.push_str(&format!("`{c}`\n\n"));
    }
    if let Some((p, r)) = &first.written {
        let name = crate::source::name_under(p, root);
        out.push_str(&format!("written at {name}:{}\n\n", r.start.line + 1));
    }
    out.push_str("Used by:\n");
    for e in entries {
        out.push_str(&format!("- `{}` of `{}`\n", e.field, e.subject));
    }
    let mut rules: BTreeSet<&str> = entries
        .iter()
        .flat_map(|e| e.rules.iter().map(String::as_str))
        .collect();
    rules.extend(fired.iter().map(String::as_str));
    if !rules.is_empty() {
        let list: Vec<String> = rules
            .iter()
            .map(|r| {
                if fired.contains(*r) {
                    format!("{r} (fires here)")
                } else {
                    r.to_string()
                }
            })
            .collect();
        out.push_str(&format!("\nRead by: {}\n", list.join(", ")));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_as_fields() {
        assert_eq!(dotted("$['network']['pod_cidr']"), "network.pod_cidr");
        assert_eq!(dotted("$['pools'][0]['max_count']"), "pools[0].max_count");
    }

    #[test]
    fn facts_name_the_fields_they_read() {
        let t = r#"{"fact":"pod_cidr_capacity","x":1}"#;
        assert!(fact_mentions(t, "pod_cidr"));
        assert!(!fact_mentions(t, "service_cidr"));
    }
}
