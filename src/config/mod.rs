//! `.aks-netlint.toml`: found by walking up from the first scanned path to the repository root
//! (or given with `--config`). Command-line flags win over it. Unknown keys are an error that
//! names the key and its line, so a typo never silently disables a setting. [`resolve`] merges
//! it with the command line into the [`Settings`] the pipeline reads.
//!
//! ```toml
//! select = ["NET", "OVL"]            # only these rules or families
//! ignore = ["OVL009"]
//! fail-level = "error"
//! var-files = ["envs/prod.tfvars"]    # relative to this file
//! exclude = ["sandbox/**"]            # globs relative to this file
//! [severity]
//! NET013 = "error"
//! [per-path-ignores]
//! "envs/dev/**" = ["NET012"]
//! ```

pub mod resolve;

pub use resolve::{Options, Request, Settings};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::diagnostic::Severity;
use crate::rules::selector;

pub const FILE_NAME: &str = ".aks-netlint.toml";

/// Why a config file cannot be used; each names the file (and the line, for TOML errors).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// TOML syntax or an unknown key (the parser's message names the line).
    #[error("{}: {message}", .path.display())]
    Syntax { path: PathBuf, message: String },
    #[error("{what}: invalid glob `{pattern}`: {source}")]
    Glob {
        what: String,
        pattern: String,
        source: globset::Error,
    },
    #[error("{what}: {source}")]
    GlobSet {
        what: String,
        source: globset::Error,
    },
    #[error(transparent)]
    Selector(#[from] selector::SelectorError),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    #[serde(default)]
    select: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    severity: BTreeMap<String, Severity>,
    #[serde(default)]
    per_path_ignores: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    var_files: Vec<PathBuf>,
    #[serde(default)]
    fail_level: Option<FailLevel>,
    #[serde(default)]
    exclude: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailLevel {
    Error,
    Warning,
    Info,
    Never,
}

impl FailLevel {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailLevel::Error => Some(Severity::Error),
            FailLevel::Warning => Some(Severity::Warning),
            FailLevel::Info => Some(Severity::Info),
            FailLevel::Never => None,
        }
    }
}

/// A loaded configuration, paths resolved against its directory.
#[derive(Debug, Default)]
pub struct Config {
    pub path: Option<PathBuf>,
    pub dir: PathBuf,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub severity: Vec<(String, Severity)>,
    pub per_path: Vec<(GlobSet, Vec<String>)>,
    pub var_files: Vec<PathBuf>,
    pub fail_level: Option<FailLevel>,
    pub exclude: Option<GlobSet>,
}

/// Nearest `.aks-netlint.toml` from `start` upward, not above `root`.
pub fn find(start: &Path, root: &Path) -> Option<PathBuf> {
    let mut cur = Some(if start.is_file() {
        start.parent()?
    } else {
        start
    });
    while let Some(dir) = cur {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if dir == root {
            break;
        }
        cur = dir.parent();
    }
    None
}

fn glob_set(patterns: &[String], what: &str) -> Result<GlobSet, ConfigError> {
    let invalid = |pattern: &str, source| ConfigError::Glob {
        what: what.to_string(),
        pattern: pattern.to_string(),
        source,
    };
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).map_err(|e| invalid(p, e))?);
        // `dir/**` should also match `dir` itself, like gitignore.
        if let Some(base) = p.strip_suffix("/**") {
            b.add(Glob::new(base).map_err(|e| invalid(p, e))?);
        }
    }
    b.build().map_err(|source| ConfigError::GlobSet {
        what: what.to_string(),
        source,
    })
}

pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let raw: Raw = toml::from_str(&text).map_err(|e| ConfigError::Syntax {
        path: path.to_path_buf(),
        message: e.to_string().trim_end().to_string(),
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let name = path.display().to_string();
    // A typo'd rule ID would silently select or ignore nothing: refuse it (DESIGN.md).
    let mut per_path = Vec::new();
    for (glob, ids) in &raw.per_path_ignores {
        per_path.push((
            glob_set(std::slice::from_ref(glob), &name)?,
            selector::check_list(ids, &format!("{name}: per-path-ignores \"{glob}\""))?,
        ));
    }
    let mut severity = Vec::new();
    for (k, v) in raw.severity {
        let id = k.trim().to_ascii_uppercase();
        selector::check_one(&id, &format!("{name}: [severity]"))?;
        severity.push((id, v));
    }
    Ok(Config {
        path: Some(path.to_path_buf()),
        select: selector::check_list(&raw.select, &format!("{name}: select"))?,
        ignore: selector::check_list(&raw.ignore, &format!("{name}: ignore"))?,
        severity,
        per_path,
        var_files: raw.var_files.iter().map(|p| dir.join(p)).collect(),
        fail_level: raw.fail_level,
        exclude: if raw.exclude.is_empty() {
            None
        } else {
            Some(glob_set(&raw.exclude, &name)?)
        },
        dir,
    })
}

impl Config {
    fn rel<'p>(&self, p: &'p Path) -> &'p Path {
        p.strip_prefix(&self.dir).unwrap_or(p)
    }

    pub fn excluded(&self, p: &Path) -> bool {
        self.exclude.as_ref().is_some_and(|g| {
            let rel = self.rel(p);
            g.is_match(rel)
                || rel
                    .ancestors()
                    .any(|a| !a.as_os_str().is_empty() && g.is_match(a))
        })
    }

    /// Rules ignored for a file by `per-path-ignores`.
    pub fn ignored_at(&self, file: &Path, rule: &str) -> bool {
        let rel = self.rel(file);
        self.per_path
            .iter()
            .any(|(g, ids)| g.is_match(rel) && ids.iter().any(|id| rule.starts_with(id.as_str())))
    }

    pub fn severity_of(&self, rule: &str) -> Option<Severity> {
        self.severity
            .iter()
            .filter(|(id, _)| rule.starts_with(id.as_str()))
            .max_by_key(|(id, _)| id.len())
            .map(|(_, s)| *s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_errors_with_a_line() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join(FILE_NAME);
        std::fs::write(&p, "select = [\"NET\"]\nfail_levle = \"error\"\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let err = load(&p).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            err.contains("line 2") && err.contains("fail_levle"),
            "{err}"
        );
    }

    #[test]
    fn globs_and_severities() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join(FILE_NAME);
        std::fs::write(&p, "exclude = [\"sandbox/**\"]\n[severity]\nNET = \"info\"\nNET013 = \"error\"\n[per-path-ignores]\n\"envs/dev/**\" = [\"ovl009\"]\n").unwrap_or_else(|e| panic!("{e}"));
        let c = load(&p).unwrap_or_else(|e| panic!("{e}"));
        assert!(c.excluded(&dir.path().join("sandbox/x/main.tf")));
        assert!(c.excluded(&dir.path().join("sandbox")));
        assert!(!c.excluded(&dir.path().join("prod/main.tf")));
        assert_eq!(c.severity_of("NET013"), Some(Severity::Error));
        assert_eq!(c.severity_of("NET001"), Some(Severity::Info));
        assert!(c.ignored_at(&dir.path().join("envs/dev/a.tfvars"), "OVL009"));
        assert!(!c.ignored_at(&dir.path().join("envs/prod/a.tfvars"), "OVL009"));
    }
}
