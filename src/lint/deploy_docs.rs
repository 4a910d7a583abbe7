//! A JSON deployment document as the scan first reads it: whether it is `bicep build` output
//! told by its head, whether it may be lowered or is only checked for syntax (keeping its top),
//! and its tree, parsed whole or by its top.

use std::path::Path;
use std::sync::{LazyLock, OnceLock};

use aho_corasick::AhoCorasick;

use crate::discover::{Tree, MAX_FILE_BYTES};
use crate::frontends::arm;
use crate::frontends::json::{self, Json, JsonValue};
use crate::source::{Measured, SourceMap};

/// Bytes read of a JSON file beside a `.bicep` of the same name to tell `bicep build` output:
/// its `$schema` and `metadata` come first. Such output is linted from its source, so the rest
/// of it (two-thirds of the JSON of a repository of Bicep modules) is not read, unless another
/// file deploys or parameterizes it.
const COMPILED_HEAD: usize = 16 << 10;

/// A JSON document checked for syntax at its first read, with what deciding whether to lower
/// it needs (most JSON of a repository of modules is `bicep build` output, or names no network
/// resource: never lowered, so never read again unless another template deploys it).
pub(super) struct Checked {
    /// Its `$schema` and `metadata`.
    pub top: Json,
    pub networking: bool,
    pub source_beside: bool,
}

/// Whether a JSON document lies beside a `.bicep` file of the same name (its source, when
/// the document is that file's `bicep build` output).
pub(super) fn beside_source(tree: &Tree, path: &Path) -> bool {
    tree.is_file(&path.with_extension("bicep"))
}

/// The top-level members of a document that tell its kind and generator.
fn is_top_key(k: &str) -> bool {
    k.eq_ignore_ascii_case("$schema") || k.eq_ignore_ascii_case("metadata")
}

/// What the head of a JSON file beside a `.bicep` of the same name says.
pub(super) enum Head {
    /// `bicep build` output, longer than its head: its top (for [`Checked`]) and its measure.
    Compiled(Measured, Checked),
    /// The head is the whole text: read as any other file.
    Whole(String),
}

/// Reads the head of a JSON file beside its possible source (`beside`: [`beside_source`]).
/// `None` (read it whole) when there is no such source, or the head does not settle that it
/// is `bicep build` output.
pub(super) fn compiled_head(tree: &Tree, path: &Path, beside: bool) -> Option<Head> {
    if path.extension().is_none_or(|e| e != "json") || !beside {
        return None;
    }
    let (head, len) = tree.read_head(path, COMPILED_HEAD, MAX_FILE_BYTES)?;
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    if head.len() >= len {
        return Some(Head::Whole(head));
    }
    if !arm::looks_like_arm(&head) {
        return None;
    }
    let top = json::leading_members(&head, is_top_key, 2)?;
    // Parameter files are small, and their values are read: only templates.
    let template = arm::kind(&top) == arm::DocKind::Template;
    (template && arm::is_bicep_output(&top)).then(|| {
        let checked = Checked {
            top,
            networking: false,
            source_beside: true,
        };
        Head::Compiled(Measured::head(&head, len), checked)
    })
}

/// A JSON document. Most templates of a repository are never lowered (`bicep build` output
/// beside its source, templates that name no network resource): those are checked for syntax
/// and only their top (`$schema`, `metadata`) is built, which is what deciding needs. Their
/// tree is built on first use, when another template deploys one.
pub(super) enum Doc {
    Whole(Json),
    Top { top: Json, whole: OnceLock<Json> },
}

impl Doc {
    /// Parses a document whole, or only its top when it is unlikely to be lowered.
    pub(super) fn parse(text: &str, lazy: bool) -> Result<Doc, (usize, String)> {
        if lazy {
            let top = json::parse_top(text, is_top_key)?;
            Ok(Doc::Top {
                top,
                whole: OnceLock::new(),
            })
        } else {
            json::parse(text).map(Doc::Whole)
        }
    }

    /// Enough to tell the document's kind and generator.
    pub(super) fn top(&self) -> &Json {
        match self {
            Doc::Whole(j) | Doc::Top { top: j, .. } => j,
        }
    }

    /// The whole document, parsed now if only its top was. Its text is read again if its
    /// batch did not hold it (it was checked at its first read); the batch releases it.
    pub(super) fn whole(&self, src: &SourceMap, file: usize) -> &Json {
        match self {
            Doc::Whole(j) => j,
            Doc::Top { whole, .. } => whole.get_or_init(|| {
                if src.text(file).is_none() {
                    src.hold(&[file]);
                }
                let text = src.text(file);
                // The top parsed, so the whole does: both take the same path over the text
                // (unless the file changed since; then it is read as empty).
                json::parse(text.as_deref().unwrap_or("")).unwrap_or(Json {
                    v: JsonValue::Null,
                    span: 0..0,
                })
            }),
        }
    }
}

/// Whether a JSON document is unlikely to be lowered, so only checked and its top built:
/// `bicep build` output (its source is linted), or a document that names no network resource.
pub(super) fn only_checked(networking: bool, source_beside: bool) -> bool {
    !networking || source_beside
}

/// At a JSON document's first read: when it is unlikely to be lowered (`bicep build` output,
/// or it names no network resource), its syntax is checked and its top kept, so that its batch
/// need not read it again. `None` (its batch reads and parses it) when it may be lowered, or
/// when it does not parse (the batch reports where, from its text).
/// `source_beside`: [`beside_source`].
pub(super) fn check_at_first_read(text: &str, source_beside: bool) -> Option<Checked> {
    let networking = mentions_networking(text);
    if !only_checked(networking, source_beside) {
        // Its batch parses it whole: parsing it here too would be thrown away.
        return None;
    }
    match Doc::parse(text, true) {
        Ok(Doc::Top { top, .. }) => Some(Checked {
            top,
            networking,
            source_beside,
        }),
        _ => None,
    }
}

/// Whether a template (with everything nested inline) could declare anything the rules read;
/// the rest are parsed for syntax errors only.
pub(super) fn mentions_networking(text: &str) -> bool {
    // One pass that stops at the first hit of any needle: a needle-by-needle scan read a
    // large template that names no cluster once per needle (9% of a 2.7 MB template's run).
    static NEEDLES: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build([
                "microsoft.containerservice",
                "microsoft.network",
                "microsoft.servicenetworking",
                "microsoft.authorization",
                "templatelink",
            ])
            .ok()
    });
    // The automaton is built from constants and cannot fail; if it ever did, read everything.
    NEEDLES.as_ref().is_none_or(|n| n.is_match(text))
}

#[cfg(test)]
mod tests {
    use super::mentions_networking;

    #[test]
    fn networking_prefilter_matches_any_needle_in_any_case() {
        assert!(mentions_networking(
            r#"{"type": "Microsoft.Network/virtualNetworks"}"#
        ));
        assert!(mentions_networking(
            r#"{"type": "MICROSOFT.CONTAINERSERVICE/managedClusters"}"#
        ));
        assert!(mentions_networking(
            r#"{"templateLink": {"relativePath": "x.json"}}"#
        ));
        assert!(mentions_networking(
            r#"{"type": "microsoft.authorization/roleAssignments"}"#
        ));
        assert!(mentions_networking(
            r#"{"type": "Microsoft.ServiceNetworking/trafficControllers"}"#
        ));
        assert!(!mentions_networking(
            r#"{"type": "Microsoft.Storage/storageAccounts", "name": "microsoft.networ"}"#
        ));
        assert!(!mentions_networking(""));
    }
}
