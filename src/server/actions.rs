//! Code actions: each verified fix as a `quickfix` with its workspace edit, and "ignore this
//! rule here", which inserts a suppression comment above the finding's line with a `-- reason`
//! placeholder for the user to replace (a suppression without a reason suppresses nothing).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Position, Range, TextEdit, Uri, WorkspaceEdit,
};

use super::convert::Found;
use super::text::LineIndex;

pub fn overlaps(a: &Range, b: &Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// The actions for the findings under the cursor, fixes first.
// `WorkspaceEdit::changes` is keyed by `Uri`, whose parsed form caches lazily (clippy's
// mutable-key lint); its hash and equality are those of the URI text, which never changes.
#[allow(clippy::mutable_key_type)]
pub fn for_findings(
    found: &[&Found],
    path: &Path,
    text: &LineIndex,
    uris: &BTreeMap<PathBuf, Uri>,
) -> Vec<CodeActionOrCommand> {
    let mut out = Vec::new();
    for f in found {
        let Some(fix) = &f.fix else { continue };
        let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
        for (p, edits) in &fix.edits {
            let Some(u) = uris.get(p) else { continue };
            changes.insert(u.clone(), edits.clone());
        }
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: fix.title.clone(),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![f.diagnostic.clone()]),
            edit: Some(WorkspaceEdit::new(changes)),
            is_preferred: Some(fix.preferred),
            ..CodeAction::default()
        }));
    }
    let Some(uri) = uris.get(path) else {
        return out;
    };
    let mut seen = BTreeSet::new();
    for f in found {
        let line = f.diagnostic.range.start.line;
        if !seen.insert((f.rule.clone(), line)) {
            continue;
        }
        let edit = suppression(path, text, line, &f.rule);
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("Ignore {} here (aks-netlint:ignore)", f.rule),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![f.diagnostic.clone()]),
            edit: Some(WorkspaceEdit::new(HashMap::from([(
                uri.clone(),
                vec![edit],
            )]))),
            is_preferred: Some(false),
            ..CodeAction::default()
        }));
    }
    out
}

/// A comment line above `line`, indented like it: `# aks-netlint:ignore OVL002 -- reason`.
fn suppression(path: &Path, text: &LineIndex, line: u32, rule: &str) -> TextEdit {
    let current = text.line(line as usize);
    let indent: String = current.chars().take_while(|c| c.is_whitespace()).collect();
    let marker = match path.extension().and_then(|e| e.to_str()) {
        Some("tf" | "tfvars" | "hcl") => "#",
        _ => "//",
    };
    let at = Position::new(line, 0);
    TextEdit::new(
        Range::new(at, at),
        format!("{indent}{marker} aks-netlint:ignore {rule} -- reason\n"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_comment_follows_the_language_and_the_indentation() {
        let idx = LineIndex::new("a {\n    pod_cidr = \"10.0.0.0/8\"\n}\n".to_string());
        let e = suppression(Path::new("main.tf"), &idx, 1, "OVL002");
        assert_eq!(e.new_text, "    # aks-netlint:ignore OVL002 -- reason\n");
        assert_eq!(e.range.start, Position::new(1, 0));
        let e = suppression(Path::new("aks.bicep"), &idx, 1, "OVL002");
        assert!(e.new_text.starts_with("    // aks-netlint:ignore"));
    }
}
