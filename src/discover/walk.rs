//! The walk: finds the repository root, the files in scope (the given paths) and the files
//! needed as their context (callers, parameter files, deployed modules), on disk or at a git
//! revision.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::slice::ParallelSliceMut;

use super::{absolute, context, is_deploy_file, is_tf, Scan, Tree};
use crate::config;

/// Something that could hold a resource in scope and was not read (DESIGN.md "no silent
/// zero"): reported in every run, as a `note:` line and in `summary.unread`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unread {
    /// The path or module source, as the user would look for it (relative to the root).
    pub path: String,
    pub reason: String,
    /// `file:line` of the reference that needed it, when something referenced it.
    pub referenced_from: Option<String>,
}

/// The repository root (DESIGN.md "Scope"): the nearest enclosing git root; outside git, the
/// nearest ancestor holding a `.aks-netlint.toml`; else the current directory if it holds
/// every path; else the paths' common ancestor. `abs` are absolute paths.
pub fn repo_root(abs: &[PathBuf]) -> PathBuf {
    let dir_of = |p: &Path| {
        if p.is_file() {
            p.parent().map(Path::to_path_buf).unwrap_or_default()
        } else {
            p.to_path_buf()
        }
    };
    let mut common = abs.first().map(|p| dir_of(p)).unwrap_or_default();
    for p in abs.iter().skip(1) {
        while !p.starts_with(&common) {
            if !common.pop() {
                break;
            }
        }
    }
    let nearest = |marker: &str| {
        common
            .ancestors()
            .find(|d| d.join(marker).exists())
            .map(Path::to_path_buf)
    };
    if let Some(git) = nearest(".git") {
        return git;
    }
    if let Some(cfg) = nearest(config::FILE_NAME) {
        return cfg;
    }
    match std::env::current_dir().ok().map(|c| absolute(&c)) {
        Some(cwd) if abs.iter().all(|p| p.starts_with(&cwd)) => cwd,
        _ => common,
    }
}

/// The IaC files under one path: `.tf` and deployment candidates, hidden directories and
/// git-ignored files skipped. Directories that cannot be read are reported.
#[derive(Default)]
struct Found {
    tf: Vec<PathBuf>,
    deploy: Vec<PathBuf>,
    unreadable: Vec<(PathBuf, String)>,
}

impl Found {
    /// Takes a file the walk met, if it is one the scan reads.
    fn take(&mut self, p: &Path) {
        if is_tf(p) {
            self.tf.push(p.to_path_buf());
        } else if is_deploy_file(p) {
            self.deploy.push(p.to_path_buf());
        }
    }

    /// Takes what the walk met: a file the scan reads, or a directory it could not read.
    fn entry(&mut self, entry: Result<ignore::DirEntry, ignore::Error>, dir: &Path) {
        match entry {
            Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => self.take(e.path()),
            Ok(_) => {}
            Err(err) => {
                let path = io_path(&err).unwrap_or_else(|| dir.to_path_buf());
                self.unreadable.push((path, io_reason(&err)));
            }
        }
    }

    /// The part of a walk that lies under `dir`.
    fn under(&self, dir: &Path) -> Found {
        let pick = |v: &[PathBuf]| v.iter().filter(|f| f.starts_with(dir)).cloned().collect();
        Found {
            tf: pick(&self.tf),
            deploy: pick(&self.deploy),
            unreadable: self
                .unreadable
                .iter()
                .filter(|(p, _)| p.starts_with(dir))
                .cloned()
                .collect(),
        }
    }
}

/// Entries a walk reads alone before it starts over on every thread. A repository of a few
/// modules is walked before threads could start; a large one pays for these entries twice, a
/// millisecond against a walk that takes a large part of a second on one thread.
const SERIAL_ENTRIES: usize = 1024;

fn files_under(tree: &Tree, dir: &Path, root: &Path, follow: bool) -> Found {
    match tree {
        Tree::Disk | Tree::Overlay(_) => {
            let mut walk = ignore::WalkBuilder::new(dir);
            walk.hidden(true)
                .follow_links(follow)
                .git_ignore(true)
                .require_git(false);
            let mut found =
                walk_serially(&walk, dir).unwrap_or_else(|| walk_in_parallel(&walk, dir));
            // Threads meet files in any order, and one thread in the directories' order:
            // sorted, the scan is the same every time and everywhere.
            sort_paths(&mut found.tf);
            sort_paths(&mut found.deploy);
            found.unreadable.sort();
            found
        }
        Tree::Git(g) => {
            let mut found = Found::default();
            for f in g.under(dir) {
                let hidden = f.strip_prefix(root).map_or(true, |r| {
                    r.components()
                        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
                });
                if !hidden {
                    found.take(&f);
                }
            }
            found
        }
    }
}

/// Sorts paths in `Path`'s order, component by component, at the cost of comparing bytes
/// (the walk is serial and sorts every file of a large repository). The walk's paths are one
/// directory joined with file names: no `.` or `..` components after the given prefix and no
/// doubled separators. For such paths, comparing the bytes with the separator taken as the
/// least byte is the component order: `a/b` before `a-b`, `a` before `a/b`.
fn sort_paths(paths: &mut [PathBuf]) {
    // Both threads: the sort is serial work in the middle of the walk.
    paths.par_sort_unstable_by(|a, b| path_order(a, b));
}

/// `Path`'s order for paths written the way [`sort_paths`] describes: equal bytes are skipped
/// as slices (most paths of a repository share a long prefix), and the first byte that differs
/// decides, the separator taken as the least byte.
pub fn path_order(a: &Path, b: &Path) -> std::cmp::Ordering {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let (a, b) = (a.as_os_str().as_bytes(), b.as_os_str().as_bytes());
        let same = common_prefix(a, b);
        let rank = |c: &u8| if *c == b'/' { 0 } else { *c };
        match (a.get(same), b.get(same)) {
            (Some(x), Some(y)) => rank(x).cmp(&rank(y)),
            (x, y) => x.is_some().cmp(&y.is_some()),
        }
    }
    #[cfg(not(unix))]
    a.cmp(b)
}

/// How many leading bytes `a` and `b` share: 16-byte blocks compared whole, then bytes.
#[cfg(unix)]
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let blocks = a
        .chunks_exact(16)
        .zip(b.chunks_exact(16))
        .take_while(|(x, y)| x == y)
        .count();
    let at = blocks * 16;
    let rest = a.get(at..).unwrap_or_default().iter();
    at + rest
        .zip(b.get(at..).unwrap_or_default())
        .take_while(|(x, y)| x == y)
        .count()
}

/// The walk on this thread, or `None` past [`SERIAL_ENTRIES`].
fn walk_serially(walk: &ignore::WalkBuilder, dir: &Path) -> Option<Found> {
    let mut found = Found::default();
    for (n, entry) in walk.build().enumerate() {
        if n >= SERIAL_ENTRIES {
            return None;
        }
        found.entry(entry, dir);
    }
    Some(found)
}

/// The walk on every thread, as ripgrep walks: a large repository's walk is mostly waiting on
/// directory reads, and nothing else can start before it ends.
fn walk_in_parallel(walk: &ignore::WalkBuilder, dir: &Path) -> Found {
    let mut found = Found::default();
    let shared = Mutex::new(&mut found);
    walk.clone()
        .threads(rayon::current_num_threads())
        .build_parallel()
        .run(|| {
            let shared = &shared;
            Box::new(move |entry| {
                if let Ok(mut found) = shared.lock() {
                    found.entry(entry, dir);
                }
                ignore::WalkState::Continue
            })
        });
    found
}

fn io_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            io_path(err)
        }
        _ => None,
    }
}

fn io_reason(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => io_reason(err),
        ignore::Error::Io(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            "permission denied".into()
        }
        other => other.to_string(),
    }
}

/// Walks the paths in `tree`. The scope is the given paths; the Terraform directories and
/// Bicep/ARM files read are those in scope plus their context inside the root. Nothing outside
/// the root is read unless `follow_outside_root` (which also follows symlinks).
pub fn walk(tree: &Tree, paths: &[PathBuf], follow_outside_root: bool) -> Scan {
    let abs: Vec<PathBuf> = paths.iter().map(|p| absolute(p)).collect();
    let root = if follow_outside_root {
        PathBuf::from("/")
    } else {
        repo_root(&abs)
    };
    walk_in(tree, paths, &abs, root, follow_outside_root)
}

/// [`walk`] with the root already known (the before-state of `--compare-to` uses the working
/// tree's).
pub fn walk_in(
    tree: &Tree,
    paths: &[PathBuf],
    abs: &[PathBuf],
    root: PathBuf,
    follow: bool,
) -> Scan {
    let mut scan = Scan {
        root: root.clone(),
        scope: abs.to_vec(),
        ..Scan::default()
    };
    let mut dirs = BTreeSet::new();
    let mut deploy = BTreeSet::new();
    // Context needs every IaC file under the root; when the scope is narrower the root is
    // walked once and the scoped directories are taken from that walk.
    let whole_root = abs.contains(&root);
    let everything = (!whole_root && !follow).then(|| files_under(tree, &root, &root, false));
    for (given, p) in paths.iter().zip(abs) {
        let exists = tree.is_file(p) || tree.is_dir(p) || matches!(tree, Tree::Disk) && p.exists();
        if !exists {
            scan.skipped
                .push((given.clone(), "no such file or directory".into()));
            continue;
        }
        if !p.starts_with(&root) {
            scan.skipped
                .push((given.clone(), "outside the repository root".into()));
            continue;
        }
        if tree.is_file(p) {
            if is_tf(p) {
                dirs.extend(p.parent().map(Path::to_path_buf));
            } else if p.extension().is_some_and(|e| e == "tfvars") {
                // A variable file stands for the module beside it (pre-commit passes changed
                // files) and is applied to the roots that declare its variables.
                // Its roots may be in a parent directory (`envs/prod.tfvars` beside `main.tf`
                // one level up): those directories are context.
                for d in p.ancestors().skip(1).take_while(|d| d.starts_with(&root)) {
                    if tree.list(d).iter().any(|f| is_tf(f)) {
                        dirs.insert(d.to_path_buf());
                    }
                }
                scan.var_files.push(p.clone());
            } else if is_deploy_file(p) {
                deploy.insert(p.clone());
            }
            continue;
        }
        let found = match &everything {
            Some(all) => all.under(p),
            None => files_under(tree, p, &root, follow),
        };
        // Files of one directory sit together in the sorted list: one insert per directory.
        let mut last: Option<&Path> = None;
        for dir in found.tf.iter().filter_map(|f| f.parent()) {
            if last.is_none_or(|l| l.as_os_str() != dir.as_os_str()) {
                dirs.insert(dir.to_path_buf());
                last = Some(dir);
            }
        }
        if deploy.is_empty() {
            // Built from a sorted list at once rather than by a search per path.
            deploy = found.deploy.into_iter().collect();
        } else {
            deploy.extend(found.deploy);
        }
        for (path, reason) in found.unreadable {
            scan.unread.push(Unread {
                path: relative(&path, &root),
                reason: format!("directory not read: {reason}"),
                referenced_from: None,
            });
        }
    }
    let scoped_dirs: Vec<PathBuf> = dirs.iter().cloned().collect();
    let scoped_deploy: Vec<PathBuf> = deploy.iter().cloned().collect();
    // Context: what calls or parameterizes the scoped files, anywhere under the root.
    let (callers, all_deploy) = match everything {
        Some(all) if !scoped_dirs.is_empty() => (
            context::terraform_callers(tree, &all.tf, &scoped_dirs),
            all.deploy,
        ),
        Some(all) => (Vec::new(), all.deploy),
        None => (Vec::new(), Vec::new()),
    };
    dirs.extend(callers);
    scan.module_dirs = dirs.into_iter().collect();
    scan.deploy_files = if scoped_deploy.is_empty() {
        Vec::new()
    } else {
        context::deploy_context(tree, &all_deploy, &scoped_deploy, &root)
    };
    scan
}

/// A path as shown in notes: relative to the root, else as is.
pub fn relative(p: &Path, root: &Path) -> String {
    let rel = p.strip_prefix(root).unwrap_or(p);
    let s = rel.to_string_lossy().replace('\\', "/");
    if s.is_empty() {
        ".".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_outside_git_is_the_config_dir_or_common_ancestor() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let base = absolute(tmp.path());
        let a = base.join("envs/prod");
        let b = base.join("modules/aks");
        std::fs::create_dir_all(&a).unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir_all(&b).unwrap_or_else(|e| panic!("{e}"));
        if base.ancestors().any(|d| d.join(".git").exists()) {
            return; // the temporary directory is inside a repository here
        }
        assert_eq!(repo_root(&[a.clone(), b.clone()]), base);
        std::fs::write(base.join(config::FILE_NAME), "").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(repo_root(std::slice::from_ref(&a)), base);
    }

    #[test]
    fn paths_sort_in_the_order_of_their_components() {
        let names = [
            "./r/a/b.tf",
            "./r/a-b/c.tf",
            "./r/a.b/c.tf",
            "./r/a/b/c.tf",
            "./r/ab.tf",
            "./r/a",
            "./r/A/x.tf",
            "./r/a/b-c.tf",
            "./r/a/b/.tf",
            "./r/a/\u{e9}.tf",
            "./r/a /x.tf",
            "./r/a!/x.tf",
            "./r/a/b.tf.json",
            "./r/z",
            "./r/a/b/c/d/e.tf",
        ];
        let mut ours: Vec<PathBuf> = names.iter().rev().map(PathBuf::from).collect();
        // The same names under prefixes of every length around a 16-byte block, so that the
        // first difference falls on each side of a block boundary.
        for pad in 10..40 {
            let prefix = format!("./{}", "p".repeat(pad));
            ours.extend(
                names
                    .iter()
                    .map(|n| PathBuf::from(n.replacen('.', &prefix, 1))),
            );
        }
        let mut std_order = ours.clone();
        sort_paths(&mut ours);
        std_order.sort();
        assert_eq!(ours, std_order);
    }
}
