//! Discovery: walks the given paths (honoring `.gitignore`, skipping hidden directories and
//! never following symlinks), finds the repository root, groups `.tf` files into module
//! directories and finds the variable files Terraform would load automatically. Reading is
//! guarded: only regular files, bounded size, no binary, UTF-8 (or a clear reason why not).

pub mod git;

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

pub use git::GitTree;

/// Where files are read from: the working tree, or a git revision (`--compare-to`).
pub enum Tree {
    Disk,
    Git(Box<GitTree>),
}

impl Tree {
    /// The revision files are read at, if not the working tree.
    pub fn revision(&self) -> Option<&str> {
        match self {
            Tree::Disk => None,
            Tree::Git(g) => Some(&g.rev),
        }
    }

    pub fn is_file(&self, p: &Path) -> bool {
        match self {
            Tree::Disk => p.is_file(),
            Tree::Git(g) => g.is_file(p),
        }
    }

    pub fn is_dir(&self, p: &Path) -> bool {
        match self {
            Tree::Disk => p.is_dir(),
            Tree::Git(g) => g.is_dir(p),
        }
    }

    /// Files directly inside a directory, sorted.
    pub fn list(&self, dir: &Path) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = match self {
            Tree::Disk => fs::read_dir(dir)
                .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
                .unwrap_or_default(),
            Tree::Git(g) => g.list(dir),
        };
        out.sort();
        out
    }

    /// Whether a path (resolving symlinks on disk) stays inside the root.
    pub fn inside_root(&self, p: &Path, root: &Path) -> bool {
        match self {
            Tree::Disk => inside_root(p, root),
            Tree::Git(g) => g.is_file(p) && p.starts_with(root),
        }
    }

    /// Reads a file as UTF-8 text with the guards a linter in CI needs.
    pub fn read_text(&self, p: &Path, max: u64) -> Result<String, String> {
        match self {
            Tree::Disk => read_text(p, max),
            Tree::Git(g) => decode(g.bytes(p, max)?),
        }
    }

    /// The `.tf` files of one module directory, sorted (no recursion, no symlinks out of root).
    pub fn module_files(&self, dir: &Path, root: &Path) -> Vec<PathBuf> {
        self.list(dir)
            .into_iter()
            .filter(|p| is_tf(p) && self.inside_root(p, root))
            .collect()
    }

    /// Variable files Terraform loads automatically, in its order.
    pub fn auto_var_files(&self, dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let tfvars = dir.join("terraform.tfvars");
        if self.is_file(&tfvars) {
            out.push(tfvars);
        }
        out.extend(self.list(dir).into_iter().filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".auto.tfvars"))
        }));
        out
    }

    /// Walks the paths in this tree (see [`walk`]); a git tree holds only committed files.
    pub fn walk(&self, paths: &[PathBuf], follow_outside_root: bool) -> Scan {
        match self {
            Tree::Disk => walk(paths, follow_outside_root),
            Tree::Git(g) => walk_git(g, paths),
        }
    }
}

/// [`walk`] over a git revision: the same paths, the files committed under them.
fn walk_git(g: &GitTree, paths: &[PathBuf]) -> Scan {
    let abs: Vec<PathBuf> = paths.iter().map(|p| absolute(p)).collect();
    let root = abs.first().map(|p| repo_root(p)).unwrap_or_default();
    let mut dirs = BTreeMap::new();
    let mut deploy = std::collections::BTreeSet::new();
    for p in &abs {
        for f in g.under(p) {
            let hidden = f
                .strip_prefix(&root)
                .map(|r| {
                    r.components()
                        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
                })
                .unwrap_or(true);
            if hidden {
                continue;
            }
            if is_tf(&f) || (g.is_file(p) && f.extension().is_some_and(|e| e == "tfvars")) {
                if let Some(d) = f.parent() {
                    dirs.insert(d.to_path_buf(), ());
                }
            } else if is_deploy_file(&f) {
                deploy.insert(f);
            }
        }
    }
    Scan {
        root,
        module_dirs: dirs.into_keys().collect(),
        deploy_files: deploy.into_iter().collect(),
        skipped: Vec::new(),
    }
}

/// Default limit on the size of one file.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// What a walk found.
#[derive(Default, Debug)]
pub struct Scan {
    /// The repository root: nothing outside it is read.
    pub root: PathBuf,
    /// Directories holding `.tf` files (Terraform modules) found by the walk.
    pub module_dirs: Vec<PathBuf>,
    /// Candidate ARM/Bicep files (`.json`, `.jsonc`, `.bicep`, `.bicepparam`), sorted.
    pub deploy_files: Vec<PathBuf>,
    /// Files that were given but could not be used, with the reason.
    pub skipped: Vec<(PathBuf, String)>,
}

/// Nearest enclosing directory with `.git`, else the path itself (its directory for a file).
pub fn repo_root(path: &Path) -> PathBuf {
    let start = if path.is_file() {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        path.to_path_buf()
    };
    let mut cur = Some(start.as_path());
    while let Some(dir) = cur {
        if dir.join(".git").exists() {
            return dir.to_path_buf();
        }
        cur = dir.parent();
    }
    start
}

pub fn absolute(p: &Path) -> PathBuf {
    fs::canonicalize(p).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|c| c.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    })
}

fn is_tf(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "tf")
}

/// Files the ARM and Bicep frontends read (JSON files are checked for an ARM `$schema`).
pub fn is_deploy_file(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e == "json" || e == "jsonc" || e == "bicep" || e == "bicepparam")
}

/// Walks the paths. Nothing outside the repository root is read unless `follow_outside_root`,
/// which also follows symlinks (loops are detected by the walker).
pub fn walk(paths: &[PathBuf], follow_outside_root: bool) -> Scan {
    let abs: Vec<PathBuf> = paths.iter().map(|p| absolute(p)).collect();
    let root = if follow_outside_root {
        PathBuf::from("/")
    } else {
        abs.first().map(|p| repo_root(p)).unwrap_or_default()
    };
    let mut scan = Scan {
        root: root.clone(),
        ..Scan::default()
    };
    let mut dirs = BTreeMap::new();
    let mut deploy = std::collections::BTreeSet::new();
    for (given, p) in paths.iter().zip(&abs) {
        if !p.exists() {
            scan.skipped
                .push((given.clone(), "no such file or directory".into()));
            continue;
        }
        if !p.starts_with(&root) {
            scan.skipped
                .push((given.clone(), "outside the repository root".into()));
            continue;
        }
        if p.is_file() {
            // A variable file stands for the module beside it (pre-commit passes changed files).
            if is_tf(p) || p.extension().is_some_and(|e| e == "tfvars") {
                if let Some(d) = p.parent() {
                    dirs.insert(d.to_path_buf(), ());
                }
            }
            if is_deploy_file(p) {
                deploy.insert(p.clone());
            }
            continue;
        }
        let walker = ignore::WalkBuilder::new(p)
            .hidden(true)
            .follow_links(follow_outside_root)
            .git_ignore(true)
            .require_git(false)
            .build();
        for entry in walker.flatten() {
            let path = entry.path();
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            if is_tf(path) {
                if let Some(d) = path.parent() {
                    dirs.insert(d.to_path_buf(), ());
                }
            } else if is_deploy_file(path) {
                deploy.insert(path.to_path_buf());
            }
        }
    }
    scan.module_dirs = dirs.into_keys().collect();
    scan.deploy_files = deploy.into_iter().collect();
    scan
}

/// Whether a path (resolving symlinks) stays inside the root.
pub fn inside_root(p: &Path, root: &Path) -> bool {
    fs::canonicalize(p).is_ok_and(|c| c.starts_with(root))
}

/// Reads a file as UTF-8 text with the guards a linter in CI needs.
pub fn read_text(path: &Path, max: u64) -> Result<String, String> {
    let meta = fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        // FIFOs and devices would block or never end.
        return Err("not a regular file".into());
    }
    if meta.len() > max {
        return Err(format!(
            "file is larger than the {} MiB limit",
            max / (1024 * 1024)
        ));
    }
    let mut buf = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    fs::File::open(path)
        .and_then(|f| f.take(max + 1).read_to_end(&mut buf))
        .map_err(|e| e.to_string())?;
    if buf.len() as u64 > max {
        return Err(format!(
            "file is larger than the {} MiB limit",
            max / (1024 * 1024)
        ));
    }
    decode(buf)
}

/// Bytes to text: no NUL bytes, valid UTF-8, a byte-order mark dropped.
fn decode(buf: Vec<u8>) -> Result<String, String> {
    if buf.contains(&0) {
        return Err("binary file (contains NUL bytes)".into());
    }
    let text = String::from_utf8(buf)
        .map_err(|e| format!("not valid UTF-8 (at byte {})", e.utf8_error().valid_up_to()))?;
    Ok(text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text))
}
