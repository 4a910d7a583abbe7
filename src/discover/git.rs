//! The files of a git revision, read straight from the object database (`git ls-tree`,
//! `git cat-file --batch`): no checkout, nothing written, no hooks, filters or textconv run.
//! `--compare-to REV` builds its before-state from this tree.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use super::ReadError;

/// Why a revision's tree or a file in it could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot run git (is it installed?): {0}")]
    NotInstalled(std::io::Error),
    /// `git cat-file --batch` could not start.
    #[error("cannot run git: {0}")]
    Spawn(std::io::Error),
    #[error("git cat-file has no {0}")]
    NoPipe(&'static str),
    /// Reading git's output.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The first line git wrote to stderr.
    #[error("{0}")]
    Failed(String),
    /// Options are refused: `--compare-to` must never pass one through to git.
    #[error("`{0}` is not a git revision")]
    NotARevision(String),
    #[error("`{rev}` is not a commit in {}", .root.display())]
    NotACommit { rev: String, root: PathBuf },
}

/// One blob of the revision's tree.
#[derive(Clone, Debug)]
struct Entry {
    oid: String,
    size: u64,
}

/// A revision's tree, with the contents of the files the scan may read loaded up front.
#[derive(Debug)]
pub struct GitTree {
    /// As the user wrote it (`HEAD`, `origin/main`), for display.
    pub rev: String,
    root: PathBuf,
    files: BTreeMap<PathBuf, Entry>,
    dirs: HashSet<PathBuf>,
    contents: HashMap<PathBuf, Vec<u8>>,
}

fn git(root: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C")
        .arg(root)
        // Nothing the repository configures may run: no pager, no prompts, no replacements.
        .args([
            "--no-pager",
            "--no-replace-objects",
            "-c",
            "core.fsmonitor=false",
        ])
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    c
}

fn run(mut c: Command) -> Result<Vec<u8>, GitError> {
    let out = c.output().map_err(GitError::NotInstalled)?;
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stderr);
        return Err(GitError::Failed(
            msg.lines()
                .next()
                .unwrap_or("git failed")
                .trim()
                .to_string(),
        ));
    }
    Ok(out.stdout)
}

/// Whether a scan reads this kind of file (Terraform, variable files, ARM/Bicep candidates).
fn wanted(p: &Path) -> bool {
    super::is_tf(p) || super::is_deploy_file(p) || p.extension().is_some_and(|e| e == "tfvars")
}

/// Whether the repository at `root` has any commit (a new repository has none, so `HEAD` does
/// not resolve). Outside a repository this is true: `--compare-to` then reports git's error.
pub fn has_commits(root: &Path) -> bool {
    if !root.join(".git").exists() {
        return true;
    }
    let mut c = git(root);
    c.args(["rev-list", "-n", "1", "--all"]);
    run(c).map_or(true, |out| !out.trim_ascii().is_empty())
}

impl GitTree {
    /// Lists the tree of `rev` in the repository at `root` and loads the contents of the files
    /// under `scope` (absolute paths inside `root`) that a scan reads and that fit in `max` bytes.
    pub fn open(root: &Path, rev: &str, scope: &[PathBuf], max: u64) -> Result<GitTree, GitError> {
        if rev.starts_with('-') {
            return Err(GitError::NotARevision(rev.to_string()));
        }
        let mut c = git(root);
        c.args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
            .arg(format!("{rev}^{{commit}}"));
        let commit = run(c).map_err(|_| GitError::NotACommit {
            rev: rev.to_string(),
            root: root.to_path_buf(),
        })?;
        let commit = String::from_utf8_lossy(&commit).trim().to_string();
        let mut c = git(root);
        c.args(["ls-tree", "-r", "-z", "-l", "--full-tree", &commit]);
        let listing = run(c)?;
        let mut files = BTreeMap::new();
        let mut dirs = HashSet::new();
        for rec in listing.split(|&b| b == 0).filter(|r| !r.is_empty()) {
            let rec = String::from_utf8_lossy(rec);
            let Some((meta, path)) = rec.split_once('\t') else {
                continue;
            };
            let mut it = meta.split_whitespace();
            let (Some(mode), Some(kind), Some(oid), Some(size)) =
                (it.next(), it.next(), it.next(), it.next())
            else {
                continue;
            };
            // Regular files only: symlinks (120000) and submodules are not followed.
            if kind != "blob" || !(mode == "100644" || mode == "100755") {
                continue;
            }
            let abs = root.join(path);
            let mut d = abs.parent();
            while let Some(dir) = d {
                if !dir.starts_with(root) || !dirs.insert(dir.to_path_buf()) {
                    break;
                }
                d = dir.parent();
            }
            files.insert(
                abs,
                Entry {
                    oid: oid.to_string(),
                    size: size.parse().unwrap_or(u64::MAX),
                },
            );
        }
        let mut tree = GitTree {
            rev: rev.to_string(),
            root: root.to_path_buf(),
            files,
            dirs,
            contents: HashMap::new(),
        };
        let load: Vec<PathBuf> = tree
            .files
            .iter()
            .filter(|(p, e)| e.size <= max && wanted(p) && scope.iter().any(|s| p.starts_with(s)))
            .map(|(p, _)| p.clone())
            .collect();
        tree.contents = tree.cat(&load)?;
        Ok(tree)
    }

    /// Reads blobs in one `git cat-file --batch` process.
    fn cat(&self, paths: &[PathBuf]) -> Result<HashMap<PathBuf, Vec<u8>>, GitError> {
        let mut out = HashMap::new();
        if paths.is_empty() {
            return Ok(out);
        }
        let mut c = git(&self.root);
        c.args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = c.spawn().map_err(GitError::Spawn)?;
        let request: String = paths
            .iter()
            .filter_map(|p| self.files.get(p))
            .map(|e| format!("{}\n", e.oid))
            .collect();
        let mut stdin = child.stdin.take().ok_or(GitError::NoPipe("stdin"))?;
        // Written from another thread so a full stdout pipe cannot deadlock us.
        let writer = std::thread::spawn(move || stdin.write_all(request.as_bytes()));
        let stdout = child.stdout.take().ok_or(GitError::NoPipe("stdout"))?;
        let mut r = BufReader::new(stdout);
        for p in paths.iter().filter(|p| self.files.contains_key(*p)) {
            let mut header = String::new();
            if r.read_line(&mut header)? == 0 {
                break;
            }
            // `<oid> blob <size>` or `<oid> missing`.
            let size = header
                .split_whitespace()
                .nth(2)
                .and_then(|s| s.parse::<u64>().ok());
            let Some(size) = size else { continue };
            let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            (&mut r).take(size).read_to_end(&mut buf)?;
            let mut nl = [0u8; 1];
            r.read_exact(&mut nl)?;
            out.insert(p.clone(), buf);
        }
        let _ = writer.join();
        let _ = child.wait();
        Ok(out)
    }

    pub fn is_file(&self, p: &Path) -> bool {
        self.files.contains_key(p)
    }

    pub fn is_dir(&self, p: &Path) -> bool {
        self.dirs.contains(p)
    }

    /// Files directly inside a directory.
    pub fn list(&self, dir: &Path) -> Vec<PathBuf> {
        self.files
            .range(dir.to_path_buf()..)
            .take_while(|(p, _)| p.starts_with(dir))
            .filter(|(p, _)| p.parent() == Some(dir))
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// Every file under a directory (or the file itself).
    pub fn under(&self, dir: &Path) -> Vec<PathBuf> {
        self.files
            .range(dir.to_path_buf()..)
            .take_while(|(p, _)| p.starts_with(dir))
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// A file's bytes: loaded up front, else read now (a module outside the scanned paths).
    pub fn bytes(&self, p: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
        let Some(e) = self.files.get(p) else {
            return Err(ReadError::NotAtRevision {
                rev: self.rev.clone(),
            });
        };
        if e.size > max {
            return Err(ReadError::TooLarge { max });
        }
        if let Some(b) = self.contents.get(p) {
            return Ok(b.clone());
        }
        let mut c = git(&self.root);
        c.args(["cat-file", "blob", &e.oid]);
        Ok(run(c)?)
    }
}
