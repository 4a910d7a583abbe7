//! What the editor asks for: `initializationOptions` and `workspace/didChangeConfiguration`
//! settings, in the config file's keys (`select`, `ignore`, `var-files`, `severity`, ...),
//! overriding `.aks-netlint.toml` the way command-line flags do. A few keys only make sense
//! in an editor (`show-unknown`, `show-suppressions`, `workspace-diagnostics`, `debounce-ms`).
//! An unknown key is reported to the user, never ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::diagnostic::{RuleId, Severity};
use crate::lint::Options;

/// Settings as the client sends them (every key optional).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    #[serde(default)]
    pub select: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
    #[serde(default)]
    pub var_files: Vec<PathBuf>,
    #[serde(default)]
    pub param_files: Vec<PathBuf>,
    /// Severity per rule ID, over the config file's.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    /// Accepted for symmetry with the config file; an editor has no exit code.
    #[serde(default)]
    pub fail_level: Option<String>,
    /// A config file other than the nearest `.aks-netlint.toml`.
    #[serde(default)]
    pub config: Option<PathBuf>,
    #[serde(default)]
    pub no_config: bool,
    /// Show EVAL001 (a rule could not decide because a value is unknown).
    #[serde(default)]
    pub show_unknown: bool,
    /// Show SUPPRESS001 (a suppression comment that suppresses nothing).
    #[serde(default)]
    pub show_suppressions: bool,
    /// Lint every file of the workspace, not only the context of open files.
    #[serde(default)]
    pub workspace_diagnostics: bool,
    /// Quiet time after the last keystroke before a run starts.
    #[serde(default)]
    pub debounce_ms: Option<u64>,
}

/// Quiet time after a change before linting: short enough to feel immediate, long enough to
/// let a burst of keystrokes through as one run.
pub const DEFAULT_DEBOUNCE_MS: u64 = 15;

impl Settings {
    /// Reads settings from a client value: the object itself, or under an `aks-netlint` key
    /// (VS Code sends a section). `null` means "no settings".
    pub fn from_value(v: &Value) -> Result<Settings, String> {
        let v = v.get("aks-netlint").unwrap_or(v);
        if v.is_null() {
            return Ok(Settings::default());
        }
        Settings::deserialize(v).map_err(|e| format!("aks-netlint settings: {e}"))
    }

    /// The pipeline's options for a run over `paths`; relative files are relative to the
    /// workspace root.
    pub fn options(&self, root: &Path, paths: Vec<PathBuf>) -> Options {
        let under = |list: &[PathBuf]| list.iter().map(|p| root.join(p)).collect();
        Options {
            paths,
            var_files: under(&self.var_files),
            param_files: under(&self.param_files),
            select: self.select.clone(),
            ignore: self.ignore.clone(),
            show_unknown: self.show_unknown,
            config: self.config.as_ref().map(|c| root.join(c)),
            no_config: self.no_config,
            ..Options::default()
        }
    }

    pub fn debounce(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.debounce_ms.unwrap_or(DEFAULT_DEBOUNCE_MS))
    }

    /// Whether a finding of this rule is shown: EVAL001 and SUPPRESS001 only when asked for.
    pub fn shows(&self, rule: &RuleId) -> bool {
        if *rule == RuleId::EVAL001 {
            self.show_unknown
        } else if *rule == RuleId::SUPPRESS001 {
            self.show_suppressions
        } else {
            true
        }
    }

    /// The severity a finding is shown with.
    pub fn severity(&self, rule: &RuleId, found: Severity) -> Severity {
        self.severity
            .iter()
            .find(|(id, _)| id.eq_ignore_ascii_case(rule.as_str()))
            .map_or(found, |(_, s)| *s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_config_files_keys_and_a_section() {
        let s = Settings::from_value(&json!({"aks-netlint": {"select": ["OVL"], "var-files": ["a.tfvars"], "show-unknown": true}})).unwrap();
        assert_eq!(s.select, vec!["OVL"]);
        assert!(s.show_unknown && !s.show_suppressions);
        let o = s.options(Path::new("/repo"), vec![]);
        assert_eq!(o.var_files, vec![PathBuf::from("/repo/a.tfvars")]);
    }

    #[test]
    fn an_unknown_key_is_an_error_that_names_it() {
        let e = Settings::from_value(&json!({"selct": ["OVL"]})).unwrap_err();
        assert!(e.contains("selct"), "{e}");
    }
}
