//! From what was asked to what the run uses (ripgrep's low-level flags vs high-level
//! arguments): [`Options`] is the request as the command line (or a library caller) gives it;
//! [`Request`] checks its rule selectors and settles the paths before the walk; [`Settings`]
//! merges it with the config file found from the scan's root. The pipeline reads `Settings`,
//! never the raw flags or the config file.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::{find, load, Config, ConfigError};
use crate::rules::engine::Selection;
use crate::rules::selector;

/// What to lint and how.
#[derive(Default, Clone, Debug)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    pub var_files: Vec<PathBuf>,
    /// ARM parameter files (`--param-file`) applied to every template in the scan.
    pub param_files: Vec<PathBuf>,
    pub vars: Vec<(String, String)>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub show_unknown: bool,
    /// `--config FILE`; otherwise `.aks-netlint.toml` is looked up unless `no_config`.
    pub config: Option<PathBuf>,
    pub no_config: bool,
    /// Editor mode: this file's content comes from stdin (siblings are read from disk), and
    /// only its findings are reported.
    pub stdin: Option<(PathBuf, String)>,
    /// Findings whose fingerprint is in this set are not reported (`--baseline`).
    pub baseline: Option<HashSet<String>>,
    /// Read symlinks and module sources that point outside the repository root.
    pub follow_outside_root: bool,
    /// `--compare-to REV`: the before-state of the migration rules is this git revision.
    pub compare_to: Option<String>,
    /// `--plan FILE`: `terraform show -json` output; its after-state replaces the Terraform
    /// root it was planned from, its before-state feeds the migration rules.
    pub plan: Option<PathBuf>,
    /// Texts that replace working-tree files (absolute paths) for this run: the fixes being
    /// verified. Nothing is written.
    pub overlay: Option<std::sync::Arc<crate::discover::Overlay>>,
    /// Scan these directories and files instead of walking `paths`: an earlier walk narrowed
    /// to the groups a fix being verified edits (see `lint::Groups`).
    pub rescan: Option<std::sync::Arc<crate::discover::Scan>>,
}

/// The request checked and settled before anything is read: selectors, the editor buffer's
/// real path and the paths to walk.
pub struct Request {
    select: Vec<String>,
    ignore: Vec<String>,
    /// Editor mode: the buffer's file (absolute, its directory canonical) and its text.
    pub stdin: Option<(PathBuf, String)>,
    /// What to walk: the given paths, `.` by default, or the buffer's file (its directory
    /// while the file does not exist yet).
    pub paths: Vec<PathBuf>,
}

impl Request {
    pub fn new(opts: &Options) -> Result<Request, ConfigError> {
        let select = selector::check_list(&opts.select, "--select")?;
        let ignore = selector::check_list(&opts.ignore, "--ignore")?;
        // In editor mode the file may not exist yet: lint its directory with it in memory.
        let stdin = opts.stdin.as_ref().map(|(p, t)| {
            let abs = std::path::absolute(p).unwrap_or_else(|_| p.clone());
            let dir = abs.parent().map(Path::to_path_buf).unwrap_or_default();
            let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
            let name = abs.file_name().map(PathBuf::from).unwrap_or_default();
            (dir.join(name), t.clone())
        });
        let paths = if let Some((p, _)) = &stdin {
            // A file being created does not exist yet: its directory stands for it.
            if p.is_file() {
                vec![p.clone()]
            } else {
                vec![p.parent().map(Path::to_path_buf).unwrap_or_default()]
            }
        } else if opts.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            opts.paths.clone()
        };
        Ok(Request {
            select,
            ignore,
            stdin,
            paths,
        })
    }
}

/// What the run uses: the request merged with the config file.
pub struct Settings {
    /// The config file in effect (empty when there is none).
    pub config: Config,
    pub filter: Filter,
    /// The config's variable files, then `--var-file`s, canonical.
    pub var_files: Vec<PathBuf>,
    /// `--var-file`s alone: files named by flags are scope too.
    pub named_var_files: Vec<PathBuf>,
    /// `--param-file`s, canonical.
    pub param_files: Vec<PathBuf>,
}

impl Settings {
    /// Loads the config file (`--config`, else the nearest `.aks-netlint.toml` from the first
    /// path up to `root`) and merges the request into it: flags win.
    pub fn resolve(opts: &Options, req: &Request, root: &Path) -> Result<Settings, ConfigError> {
        let config = if opts.no_config {
            Config::default()
        } else if let Some(p) = &opts.config {
            load(p)?
        } else {
            let start = req
                .paths
                .first()
                .and_then(|p| std::fs::canonicalize(p).ok())
                .unwrap_or_else(|| root.to_path_buf());
            match find(&start, root) {
                Some(p) => load(&p)?,
                None => Config::default(),
            }
        };
        let filter = Filter {
            select: if req.select.is_empty() {
                config.select.clone()
            } else {
                req.select.clone()
            },
            ignore: req
                .ignore
                .iter()
                .chain(config.ignore.iter())
                .cloned()
                .collect(),
        };
        let named_var_files = canonical(&opts.var_files);
        let var_files = canonical(&config.var_files)
            .into_iter()
            .chain(named_var_files.iter().cloned())
            .collect();
        Ok(Settings {
            filter,
            var_files,
            named_var_files,
            param_files: canonical(&opts.param_files),
            config,
        })
    }
}

fn canonical(list: &[PathBuf]) -> Vec<PathBuf> {
    list.iter()
        .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
        .collect()
}

/// The rules in effect: command-line selection over the config file's.
pub struct Filter {
    select: Vec<String>,
    ignore: Vec<String>,
}

impl Selection for Filter {
    fn enabled(&self, id: &str) -> bool {
        let matches = |list: &[String]| {
            list.iter()
                .any(|p| id.starts_with(p.to_ascii_uppercase().as_str()))
        };
        (self.select.is_empty() || matches(&self.select)) && !matches(&self.ignore)
    }
}
