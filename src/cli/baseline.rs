//! Baseline files: the fingerprints of accepted findings, so a team can adopt the linter on an
//! existing repository and fail only on new problems. Fingerprints ignore line numbers.

use std::collections::HashSet;
use std::path::Path;

use serde_json::json;

use crate::diagnostic::fingerprint;
use crate::report::Report;

/// Why a baseline file cannot be read or written; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{}: {source}", .path.display())]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a baseline file: {source}", .path.display())]
    NotABaseline {
        path: std::path::PathBuf,
        source: serde_json::Error,
    },
    #[error("{}: unsupported baseline version", .path.display())]
    Version { path: std::path::PathBuf },
    #[error("{0}")]
    Serialize(serde_json::Error),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BaselineError + '_ {
    move |source| BaselineError::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub fn write(path: &Path, o: &Report<'_>) -> Result<(), BaselineError> {
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
    let text = serde_json::to_string_pretty(&doc).map_err(BaselineError::Serialize)? + "\n";
    crate::fix::write::atomic(path, text.as_bytes()).map_err(|e| match e {
        crate::fix::write::WriteError::Io(source) => BaselineError::Io {
            path: path.to_path_buf(),
            source,
        },
        other => BaselineError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(other.to_string()),
        },
    })
}

pub fn read(path: &Path) -> Result<HashSet<String>, BaselineError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let doc: serde_json::Value =
        serde_json::from_str(&text).map_err(|source| BaselineError::NotABaseline {
            path: path.to_path_buf(),
            source,
        })?;
    if doc.get("version").and_then(serde_json::Value::as_u64) != Some(1) {
        return Err(BaselineError::Version {
            path: path.to_path_buf(),
        });
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
