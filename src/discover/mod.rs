//! Discovery: walks the given paths (honoring `.gitignore`, skipping hidden directories and
//! never following symlinks), finds the repository root, groups `.tf` files into module
//! directories and finds the variable files Terraform would load automatically. Reading is
//! guarded: only regular files, bounded size, no binary, UTF-8 (or a clear reason why not).

pub mod context;
pub mod git;
pub mod walk;

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use git::{GitError, GitTree};
pub use walk::{repo_root, walk, Unread};

/// Why a file's text could not be read. A file the scan found becomes a PARSE001 finding with
/// this reason; a file named on the command line stops the run.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// FIFOs and devices would block or never end.
    #[error("not a regular file")]
    NotAFile,
    #[error("file is larger than the {} MiB limit", .max / (1024 * 1024))]
    TooLarge { max: u64 },
    #[error("binary file (contains NUL bytes)")]
    Binary,
    #[error("not valid UTF-8 (at byte {at})")]
    NotUtf8 { at: usize },
    /// A compared revision has no such file.
    #[error("no such file at {rev}")]
    NotAtRevision { rev: String },
    #[error(transparent)]
    Git(#[from] GitError),
}

/// Where files are read from: the working tree, a git revision (`--compare-to`), or the working
/// tree with some files' texts replaced in memory (a fix being verified).
pub enum Tree {
    Disk,
    Git(Box<GitTree>),
    Overlay(Arc<Overlay>),
}

/// Texts that replace files of the working tree, keyed by absolute path. Only existing files
/// are replaced; the tree's shape (what exists, what is listed) stays the disk's.
pub type Overlay = BTreeMap<PathBuf, String>;

impl Tree {
    /// The revision files are read at, if not the working tree.
    pub fn revision(&self) -> Option<&str> {
        match self {
            Tree::Disk | Tree::Overlay(_) => None,
            Tree::Git(g) => Some(&g.rev),
        }
    }

    pub fn is_file(&self, p: &Path) -> bool {
        match self {
            Tree::Disk | Tree::Overlay(_) => p.is_file(),
            Tree::Git(g) => g.is_file(p),
        }
    }

    pub fn is_dir(&self, p: &Path) -> bool {
        match self {
            Tree::Disk | Tree::Overlay(_) => p.is_dir(),
            Tree::Git(g) => g.is_dir(p),
        }
    }

    /// Files directly inside a directory, sorted.
    pub fn list(&self, dir: &Path) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = match self {
            Tree::Disk | Tree::Overlay(_) => fs::read_dir(dir)
                .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
                .unwrap_or_default(),
            Tree::Git(g) => g.list(dir),
        };
        sort_entries(&mut out);
        out
    }

    /// Whether a path (resolving symlinks on disk) stays inside the root.
    pub fn inside_root(&self, p: &Path, root: &Path) -> bool {
        match self {
            Tree::Disk | Tree::Overlay(_) => inside_root(p, root),
            Tree::Git(g) => g.is_file(p) && p.starts_with(root),
        }
    }

    /// Whether a file's text must be kept for the report: it cannot be read again from the
    /// working tree (a git revision, or a text the overlay replaces).
    pub fn keeps(&self, p: &Path) -> bool {
        match self {
            Tree::Disk => false,
            Tree::Git(_) => true,
            Tree::Overlay(o) => o.contains_key(p),
        }
    }

    /// Reads a file as UTF-8 text with the guards a linter in CI needs.
    pub fn read_text(&self, p: &Path, max: u64) -> Result<String, ReadError> {
        match self {
            Tree::Disk => read_text(p, max),
            Tree::Overlay(o) => match o.get(p) {
                Some(text) => Ok(text.clone()),
                None => read_text(p, max),
            },
            Tree::Git(g) => decode(g.bytes(p, max)?),
        }
    }

    /// The first `head` bytes of a working-tree file as text (see [`read_head`]), with the
    /// file's length; `None` when the tree does not read this file from disk (a git revision, a
    /// text the overlay replaces), or when the head is not clean text: then the file is read
    /// whole, and that read says what is wrong with it.
    pub fn read_head(&self, p: &Path, head: usize, max: u64) -> Option<(String, u64)> {
        match self {
            Tree::Disk => read_head(p, head, max),
            Tree::Overlay(o) if !o.contains_key(p) => read_head(p, head, max),
            Tree::Overlay(_) | Tree::Git(_) => None,
        }
    }

    /// The `.tf` files of one module directory, sorted (no recursion, no symlinks out of root).
    /// `walked`: the walk found the directory. It starts from canonical paths and follows no
    /// symlink (or follows them all, outside the root too): such a directory lies where its
    /// path says, and is not resolved again (a path resolution is a system call per component).
    pub fn module_files(&self, dir: &Path, root: &Path, walked: bool) -> ModuleListing {
        if let Tree::Git(_) = self {
            let listed = self.list(dir);
            return ModuleListing {
                auto_vars: listed.iter().any(|p| is_auto_var_file(p)),
                files: listed
                    .into_iter()
                    .filter(|p| is_tf(p) && self.inside_root(p, root))
                    .collect(),
            };
        }
        // One canonicalization per directory, not per file: a file that is not a symlink lies
        // where its directory does.
        let dir_inside = walked || inside_root(dir, root);
        let Ok(entries) = fs::read_dir(dir) else {
            return ModuleListing::default();
        };
        let mut auto_vars = false;
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let p = e.path();
                if !is_tf(&p) {
                    auto_vars |= is_auto_var_file(&p);
                    return None;
                }
                let link = e.file_type().map_or(true, |t| t.is_symlink());
                let inside = if link {
                    inside_root(&p, root)
                } else {
                    dir_inside
                };
                inside.then_some(p)
            })
            .collect();
        sort_entries(&mut files);
        ModuleListing { files, auto_vars }
    }

    /// Variable files Terraform loads automatically, in its order.
    pub fn auto_var_files(&self, dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        // Asked by path, as Terraform asks (a case-insensitive file system finds any case).
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
}

/// What a module directory holds for Terraform.
#[derive(Debug, Default)]
pub struct ModuleListing {
    /// Its `.tf` files, sorted.
    pub files: Vec<PathBuf>,
    /// It lists a name Terraform loads variables from by itself (`terraform.tfvars`,
    /// `*.auto.tfvars`; whatever it is: [`Tree::auto_var_files`] says which are files).
    pub auto_vars: bool,
}

/// A name Terraform may load variables from by itself when its directory is the root (in any
/// case: on a case-insensitive file system `terraform.tfvars` finds `Terraform.tfvars`).
fn is_auto_var_file(p: &Path) -> bool {
    p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        let n = n.to_ascii_lowercase();
        n == "terraform.tfvars" || n.ends_with(".auto.tfvars")
    })
}

/// Default limit on the size of one file.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// What a walk found.
#[derive(Default, Debug, Clone)]
pub struct Scan {
    /// The repository root: nothing outside it is read.
    pub root: PathBuf,
    /// Directories holding `.tf` files (Terraform modules) found by the walk.
    pub module_dirs: Vec<PathBuf>,
    /// Candidate ARM/Bicep files (`.json`, `.jsonc`, `.bicep`, `.bicepparam`), sorted.
    pub deploy_files: Vec<PathBuf>,
    /// Files that were given but could not be used, with the reason.
    pub skipped: Vec<(PathBuf, String)>,
    /// What the run reports on: the given paths, absolute. Everything else that was read is
    /// context.
    pub scope: Vec<PathBuf>,
    /// `.tfvars` files given by name: applied to the roots that declare their variables.
    pub var_files: Vec<PathBuf>,
    /// What could hold a resource in scope and was not read.
    pub unread: Vec<Unread>,
}

impl Scan {
    /// Whether a file is in what the run reports on.
    pub fn in_scope(&self, p: &Path) -> bool {
        self.scope.iter().any(|s| p.starts_with(s))
    }
}

pub fn absolute(p: &Path) -> PathBuf {
    fs::canonicalize(p).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|c| c.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    })
}

pub(crate) fn is_tf(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "tf")
}

/// Files the ARM and Bicep frontends read (JSON files are checked for an ARM `$schema`).
pub fn is_deploy_file(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e == "json" || e == "jsonc" || e == "bicep" || e == "bicepparam")
}

/// Whether a path (resolving symlinks) stays inside the root.
pub fn inside_root(p: &Path, root: &Path) -> bool {
    fs::canonicalize(p).is_ok_and(|c| c.starts_with(root))
}

/// Sorts the entries of one directory in `Path`'s order. They share the directory's path, so
/// comparing whole paths byte by byte orders them as comparing their names does, without
/// parsing components per comparison.
fn sort_entries(entries: &mut [PathBuf]) {
    entries.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
}

/// Reads a file as UTF-8 text with the guards a linter in CI needs.
pub fn read_text(path: &Path, max: u64) -> Result<String, ReadError> {
    let (file, meta) = open_regular(path, max)?;
    if meta.len() > max {
        return Err(ReadError::TooLarge { max });
    }
    // Read to the end, whatever the length said: a file may grow meanwhile, and pseudo-files
    // report a length of 0.
    let mut buf = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > max {
        return Err(ReadError::TooLarge { max });
    }
    decode(buf)
}

/// The text of a file's first `head` bytes (a character cut at the end is left out, a
/// byte-order mark dropped as [`read_text`] drops it, so offsets agree with its text) and the
/// length of its whole text. `None` when the file cannot be read, is larger than `max`, or its
/// head holds a NUL byte or invalid UTF-8: what [`read_text`] would refuse is left for it to say.
pub fn read_head(path: &Path, head: usize, max: u64) -> Option<(String, u64)> {
    let (file, meta) = open_regular(path, max).ok()?;
    if meta.len() > max {
        return None;
    }
    let mut buf = Vec::with_capacity(head);
    file.take(head as u64).read_to_end(&mut buf).ok()?;
    // Cut inside a character by the limit (the file goes on): the whole characters before it.
    // At the file's real end, an incomplete character is the whole read's to refuse.
    if (buf.len() as u64) < meta.len() {
        if let Err(e) = std::str::from_utf8(&buf) {
            if e.error_len().is_none() {
                buf.truncate(e.valid_up_to());
            }
        }
    }
    let read = buf.len();
    let text = decode(buf).ok()?;
    // What `decode` dropped (a byte-order mark) is not in the whole text either.
    let dropped = (read - text.len()) as u64;
    Some((text, meta.len().saturating_sub(dropped)))
}

/// Opens a regular file with one path lookup where it can: the descriptor says what it is (a
/// path lookup per question was a tenth of a large scan's time in the kernel). Opening does not
/// wait for a writer on a FIFO nor make a terminal the controlling one; what is not a regular
/// file is then refused. When opening fails, the path is asked, so every error (not found, not
/// a file, too large, no permission) is the one asking first gave.
#[cfg(unix)]
fn open_regular(path: &Path, max: u64) -> Result<(fs::File, fs::Metadata), ReadError> {
    use std::os::unix::fs::OpenOptionsExt;
    let opened = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path);
    let file = match opened {
        Ok(f) => f,
        // Asking the path would say the same (the common case: probing for an optional file).
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(e.into()),
        Err(e) => {
            let meta = fs::metadata(path)?;
            if !meta.is_file() {
                return Err(ReadError::NotAFile);
            }
            if meta.len() > max {
                return Err(ReadError::TooLarge { max });
            }
            return Err(e.into());
        }
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile);
    }
    Ok((file, meta))
}

/// Elsewhere the path is asked first.
#[cfg(not(unix))]
fn open_regular(path: &Path, _max: u64) -> Result<(fs::File, fs::Metadata), ReadError> {
    let meta = fs::metadata(path)?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile);
    }
    Ok((fs::File::open(path)?, meta))
}

/// Bytes to text: no NUL bytes, valid UTF-8, a byte-order mark dropped.
fn decode(buf: Vec<u8>) -> Result<String, ReadError> {
    if memchr::memchr(0, &buf).is_some() {
        return Err(ReadError::Binary);
    }
    let text = String::from_utf8(buf).map_err(|e| ReadError::NotUtf8 {
        at: e.utf8_error().valid_up_to(),
    })?;
    Ok(text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(r: Result<String, ReadError>) -> String {
        match r {
            Ok(t) => format!("text {t:?}"),
            Err(ReadError::Io(e)) => format!("io {:?}", e.kind()),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_head_is_whole_characters_at_the_offsets_of_the_whole_text() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = |name: &str| dir.path().join(name);
        let write = |name: &str, bytes: &[u8]| {
            std::fs::write(p(name), bytes).unwrap_or_else(|e| panic!("{e}"));
        };
        write("a.json", "{\"a\": \"é\"}".as_bytes());
        // `é` is two bytes: a cut between them leaves it out.
        assert_eq!(
            read_head(&p("a.json"), 8, 100),
            Some(("{\"a\": \"".to_string(), 11))
        );
        assert_eq!(
            read_head(&p("a.json"), 9, 100),
            Some(("{\"a\": \"é".to_string(), 11))
        );
        // A byte-order mark is dropped, as from the whole text, and from its length.
        write("bom.json", "\u{feff}{}".as_bytes());
        let whole = read_text(&p("bom.json"), 100).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read_head(&p("bom.json"), 100, 100), Some((whole, 2)));
        // What the whole read refuses is left for it to say.
        write("cut.json", b"{\"a\": \"\xc3");
        assert_eq!(read_head(&p("cut.json"), 100, 100), None);
        // ... also when the file is exactly as long as the head.
        assert_eq!(read_head(&p("cut.json"), 8, 100), None);
        assert_eq!(
            read_head(&p("cut.json"), 7, 100),
            Some(("{\"a\": \"".to_string(), 8))
        );
        write("nul.json", b"{\0}");
        assert_eq!(read_head(&p("nul.json"), 100, 100), None);
        write("bad.json", b"{\xff\xfe}");
        assert_eq!(read_head(&p("bad.json"), 100, 100), None);
        assert_eq!(read_head(&p("a.json"), 100, 5), None);
        assert_eq!(read_head(&p("missing.json"), 100, 100), None);
        assert_eq!(read_head(dir.path(), 100, 100), None);
    }

    #[test]
    fn what_is_not_a_readable_regular_file_says_why() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = |name: &str| dir.path().join(name);
        std::fs::write(p("a.tf"), "a = 1\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(kind(read_text(&p("a.tf"), 100)), "text \"a = 1\\n\"");
        assert_eq!(
            kind(read_text(&p("a.tf"), 3)),
            "file is larger than the 0 MiB limit"
        );
        assert_eq!(kind(read_text(dir.path(), 100)), "not a regular file");
        assert_eq!(kind(read_text(&p("missing.tf"), 100)), "io NotFound");
        std::fs::write(p("nul.tf"), "a\0").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            kind(read_text(&p("nul.tf"), 100)),
            "binary file (contains NUL bytes)"
        );
    }

    #[cfg(unix)]
    #[test]
    fn fifos_and_sockets_are_refused_without_waiting() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let fifo = dir.path().join("pipe.tf");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            // Opening for reading must not wait for a writer.
            assert_eq!(kind(read_text(&fifo, 100)), "not a regular file");
        }
        let sock = dir.path().join("sock.tf");
        let _listener = std::os::unix::net::UnixListener::bind(&sock);
        if sock.exists() {
            // Opening fails (ENXIO); asking the path gives the same answer as for a FIFO.
            assert_eq!(kind(read_text(&sock, 100)), "not a regular file");
        }
    }
}
