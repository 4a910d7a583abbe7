//! Baseline files: the fingerprints of accepted findings, so a team can adopt the linter on an
//! existing repository and fail only on new problems. Fingerprints ignore line numbers.

use std::collections::HashSet;
use std::path::Path;

use serde_json::json;

use crate::diagnostic::fingerprint;
use crate::report::Report;

pub fn write(path: &Path, o: &Report<'_>) -> Result<(), String> {
    let entries: Vec<_> = o
        .findings
        .iter()
        .map(|f| {
            json!({
                "rule": f.rule,
                "file": o.sources.name(f.primary.span.file),
                "fingerprint": fingerprint(o.sources, f),
                "message": f.message,
            })
        })
        .collect();
    let doc = json!({"version": 1, "findings": entries});
    let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())? + "\n";
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn read(path: &Path) -> Result<HashSet<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let doc: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a baseline file: {e}", path.display()))?;
    if doc.get("version").and_then(serde_json::Value::as_u64) != Some(1) {
        return Err(format!("{}: unsupported baseline version", path.display()));
    }
    Ok(doc
        .get("findings")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|f| {
            f.get("fingerprint")
                .and_then(serde_json::Value::as_str)
                .map(str::to_string)
        })
        .collect())
}
