//! Every file the scan reads lives in one [`SourceMap`]: its display path, its line starts and a
//! hash of its text. Everything downstream refers to text by [`Span`] (file id + byte range), so a
//! diagnostic can point at any literal in any file, and the text renderer reads the same map.
//!
//! A working-tree file's text is not kept for the whole run: a large repository would hold all
//! of it to the end. The stage that parses a file holds its text ([`SourceMap::hold`]) and
//! releases it when done; before reporting, the files that have findings are read again
//! ([`SourceMap::reload`]) and checked against the hash, so a file that changed during the run
//! is said, never shown with wrong lines. Text that did not come from the working tree (stdin,
//! a git revision, a plan, tests) is kept, since it cannot be read again from the same place.

use std::ops::{Deref, Range};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use codespan_reporting::files::{self, Files};
use rayon::prelude::*;

/// Index of a file in the [`SourceMap`].
pub type FileId = usize;

/// A byte range in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Span {
        Span {
            file,
            start: u32::try_from(range.start).unwrap_or(u32::MAX),
            end: u32::try_from(range.end).unwrap_or(u32::MAX),
        }
    }

    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One file of the scan.
pub struct SourceFile {
    /// Path shown to users: relative to the working directory when inside it.
    pub name: String,
    /// Path on disk (in the working tree, for a file read at a git revision).
    pub path: PathBuf,
    /// The git revision the text was read at (`--compare-to`); `None` for the working tree.
    pub revision: Option<String>,
    /// `name`, or `rev:name` for a file of a revision: what the text report shows.
    label: String,
    /// The text, when kept (not from the working tree) or read again for the report.
    text: Option<String>,
    /// The text while a stage that parses the file holds it (an `Arc<String>`, not `Arc<str>`:
    /// converting the text just read would copy it).
    held: RwLock<Option<Arc<String>>>,
    line_starts: Vec<u32>,
    len: usize,
    /// `None` when only the file's head was read (see [`Measured::head`]): no later read of it
    /// is taken for the text the scan read.
    hash: Option<u64>,
    /// The text mentions `aks-netlint:` (a suppression may be there): read again for the report.
    marker: bool,
}

impl SourceFile {
    /// The text's length in bytes (known without the text).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// What the map keeps of a text it does not keep: line starts, length, hash.
pub struct Measured {
    line_starts: Vec<u32>,
    len: usize,
    hash: Option<u64>,
    marker: bool,
}

impl Measured {
    pub fn of(text: &str) -> Measured {
        Measured {
            line_starts: line_starts(text),
            len: text.len(),
            hash: Some(hash(text)),
            marker: memchr::memmem::find(text.as_bytes(), b"aks-netlint:").is_some(),
        }
    }

    /// A file of which only `head` (its first bytes) was read, and whose whole text is `len`
    /// bytes long: its lines are known within the head, and no later read of it is taken for
    /// the text the scan read (it has no hash to be checked against), so the report never
    /// reads it again (no suppression is looked for in it: it has no findings).
    pub fn head(head: &str, len: usize) -> Measured {
        Measured {
            line_starts: line_starts(head),
            len,
            hash: None,
            marker: false,
        }
    }

    /// The text's length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Where each line of a text starts. SIMD searches: every file of a scan is measured, most of
/// them read twice.
fn line_starts(text: &str) -> Vec<u32> {
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
        .map(|s| u32::try_from(s).unwrap_or(u32::MAX))
        .collect()
}

/// A file's text: kept in the map, or held by a stage.
pub enum Text<'a> {
    Kept(&'a str),
    Held(Arc<String>),
}

impl Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Text::Kept(s) => s,
            Text::Held(s) => s,
        }
    }
}

/// A hash of a file's bytes, so a changed file is told apart without keeping its text. It is
/// compared only within one run. Every file of a scan is hashed at its first read, some again
/// when a batch reads them back: XXH3 runs at about memory speed.
fn hash(text: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
}

/// All files of a scan.
#[derive(Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    /// Names are relative to this directory (the repository root) when inside it.
    root: Option<PathBuf>,
}

/// A 1-based line/column position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl SourceMap {
    /// A map whose file names are relative to the repository root.
    pub fn with_root(root: &Path) -> SourceMap {
        SourceMap {
            files: Vec::new(),
            root: Some(root.to_path_buf()),
        }
    }

    /// The directory names are relative to: the repository root, else the current directory.
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    pub fn add(&mut self, path: PathBuf, text: String) -> FileId {
        self.add_at(path, text, None)
    }

    /// Adds a file whose text is kept to the end (read at a git revision, or `None`: from a
    /// place it cannot be read again from, such as stdin).
    pub fn add_at(&mut self, path: PathBuf, text: String, revision: Option<&str>) -> FileId {
        let id = self.add_unkept(path, &text, revision);
        if let Some(f) = self.files.get_mut(id) {
            f.text = Some(text);
        }
        id
    }

    /// Adds a working-tree file without keeping its text: a stage that needs it holds it
    /// ([`SourceMap::hold`]), and the report reads it again.
    pub fn add_unkept(&mut self, path: PathBuf, text: &str, revision: Option<&str>) -> FileId {
        self.add_measured(path, Measured::of(text), revision)
    }

    /// Adds a file measured where it was read (in parallel), without its text.
    pub fn add_measured(&mut self, path: PathBuf, m: Measured, revision: Option<&str>) -> FileId {
        let name = match &self.root {
            Some(root) => name_under(&path, root),
            None => display_name(&path),
        };
        let label = match revision {
            Some(r) => format!("{r}:{name}"),
            None => name.clone(),
        };
        self.files.push(SourceFile {
            name,
            path,
            revision: revision.map(str::to_string),
            label,
            text: None,
            held: RwLock::new(None),
            line_starts: m.line_starts,
            len: m.len,
            hash: m.hash,
            marker: m.marker,
        });
        self.files.len() - 1
    }

    /// The text of a file, when kept or held.
    pub fn text(&self, id: FileId) -> Option<Text<'_>> {
        let f = self.files.get(id)?;
        if let Some(t) = &f.text {
            return Some(Text::Kept(t));
        }
        let held = f.held.read().ok()?;
        held.as_ref().map(|t| Text::Held(Arc::clone(t)))
    }

    /// The text of a file, kept, held, or read again from the working tree (`None` when it
    /// cannot be read or has changed since the scan read it).
    pub fn text_or_read(&self, id: FileId) -> Option<String> {
        if let Some(t) = self.text(id) {
            return Some(t.to_string());
        }
        let f = self.files.get(id)?;
        let t = crate::discover::read_text(&f.path, crate::discover::MAX_FILE_BYTES).ok()?;
        (Some(hash(&t)) == f.hash).then_some(t)
    }

    /// Holds the texts of these files (read again from the working tree when not kept) until
    /// [`SourceMap::release`]. A file that cannot be read or changed since the scan read it is
    /// not held; its spans then cover nothing.
    pub fn hold(&self, ids: &[FileId]) {
        for &id in ids {
            let Some(f) = self.files.get(id).filter(|f| f.text.is_none()) else {
                continue;
            };
            // Held since the scan read it ([`SourceMap::hold_read`]).
            if f.held.read().is_ok_and(|h| h.is_some()) {
                continue;
            }
            let Ok(t) = crate::discover::read_text(&f.path, crate::discover::MAX_FILE_BYTES) else {
                continue;
            };
            if Some(hash(&t)) != f.hash {
                continue;
            }
            if let Ok(mut slot) = f.held.write() {
                *slot = Some(Arc::new(t));
            }
        }
    }

    /// Holds a file's text as the scan read it (measured into this map), so that its stage
    /// need not read it again; [`SourceMap::release`] drops it as it drops any held text.
    pub fn hold_read(&self, id: FileId, text: String) {
        if let Some(f) = self.files.get(id).filter(|f| f.text.is_none()) {
            if let Ok(mut slot) = f.held.write() {
                *slot = Some(Arc::new(text));
            }
        }
    }

    /// Drops the held texts of these files.
    pub fn release(&self, ids: &[FileId]) {
        for f in ids.iter().filter_map(|id| self.files.get(*id)) {
            if let Ok(mut slot) = f.held.write() {
                *slot = None;
            }
        }
    }

    /// Reads again, for the report, the texts of these files and of every file that may hold a
    /// suppression comment. Returns the names of files that changed since the scan read them
    /// (their lines are not shown: the spans point into the text as it was).
    pub fn reload(&mut self, ids: impl IntoIterator<Item = FileId>) -> Vec<String> {
        let mut want: Vec<FileId> = ids.into_iter().collect();
        want.extend(
            self.files
                .iter()
                .enumerate()
                .filter(|(_, f)| f.marker)
                .map(|(i, _)| i),
        );
        want.sort_unstable();
        want.dedup();
        // Read and hashed on every thread: the report waits for them.
        let read: Vec<_> = want
            .into_par_iter()
            .filter_map(|id| {
                let f = self.files.get(id).filter(|f| f.text.is_none())?;
                let text = crate::discover::read_text(&f.path, crate::discover::MAX_FILE_BYTES);
                Some((id, text.map(|t| (hash(&t), t))))
            })
            .collect();
        let mut changed = Vec::new();
        for (id, text) in read {
            let Some(f) = self.files.get_mut(id) else {
                continue;
            };
            match text {
                Ok((h, t)) if Some(h) == f.hash => f.text = Some(t),
                // A file that could not be read at all was added empty; nothing to show.
                _ if f.len == 0 => f.text = Some(String::new()),
                _ => changed.push(f.name.clone()),
            }
        }
        changed
    }

    /// The git revision a file was read at, if any.
    pub fn revision(&self, id: FileId) -> Option<&str> {
        self.files.get(id).and_then(|f| f.revision.as_deref())
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn name(&self, id: FileId) -> &str {
        self.files.get(id).map_or("<unknown>", |f| f.name.as_str())
    }

    /// Text covered by a span ("" when out of range or the text is not at hand).
    pub fn snippet(&self, span: Span) -> String {
        self.text(span.file)
            .and_then(|t| t.get(span.range()).map(str::to_string))
            .unwrap_or_default()
    }

    /// 1-based line of a byte offset (needs no text).
    pub fn line(&self, file: FileId, offset: usize) -> usize {
        let Some(f) = self.files.get(file) else {
            return 1;
        };
        f.line_starts
            .partition_point(|&s| s as usize <= offset.min(f.len))
            .max(1)
    }

    /// 1-based line and column (in characters) of a byte offset. Without the text at hand
    /// (a file that changed during the run) the column counts bytes.
    pub fn position(&self, file: FileId, offset: usize) -> Position {
        let Some(f) = self.files.get(file) else {
            return Position { line: 1, column: 1 };
        };
        let offset = offset.min(f.len);
        let line = f
            .line_starts
            .partition_point(|&s| s as usize <= offset)
            .saturating_sub(1);
        let start = f.line_starts.get(line).map_or(0, |s| *s as usize);
        let column = self
            .text(file)
            .and_then(|t| t.get(start..offset).map(|s| s.chars().count()))
            .unwrap_or(offset - start)
            + 1;
        Position {
            line: line + 1,
            column,
        }
    }

    /// `file:line` for notes (`rev:file:line` for a file of a revision).
    pub fn location(&self, span: Span) -> String {
        let line = self.line(span.file, span.start as usize);
        let label = self
            .files
            .get(span.file)
            .map_or("<unknown>", |f| f.label.as_str());
        format!("{label}:{line}")
    }
}

/// Relative to the current directory when the path is inside it, else as given.
pub fn display_name(path: &Path) -> String {
    match std::env::current_dir() {
        Ok(cwd) => name_under(path, &cwd),
        Err(_) => name_under(path, Path::new("")),
    }
}

/// Relative to `base` when the path is inside it, else as given; `/` separators.
pub fn name_under(path: &Path, base: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    let s = rel.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

impl<'a> Files<'a> for SourceMap {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        self.files
            .get(id)
            .map(|f| f.label.as_str())
            .ok_or(files::Error::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        // Rendering reads only kept or reloaded texts (see [`SourceMap::reload`]).
        self.files
            .get(id)
            .and_then(|f| f.text.as_deref())
            .ok_or(files::Error::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, files::Error> {
        let f = self.files.get(id).ok_or(files::Error::FileMissing)?;
        Ok(f.line_starts
            .partition_point(|&s| s as usize <= byte_index)
            .saturating_sub(1))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, files::Error> {
        let f = self.files.get(id).ok_or(files::Error::FileMissing)?;
        let start = *f
            .line_starts
            .get(line_index)
            .ok_or(files::Error::LineTooLarge {
                given: line_index,
                max: f.line_starts.len().saturating_sub(1),
            })? as usize;
        let end = f
            .line_starts
            .get(line_index + 1)
            .map_or(f.len, |s| *s as usize);
        Ok(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_chars() {
        let mut map = SourceMap::default();
        let id = map.add(PathBuf::from("x.tf"), "ab\nü = 1\n".to_string());
        assert_eq!(map.position(id, 0), Position { line: 1, column: 1 });
        assert_eq!(map.position(id, 3), Position { line: 2, column: 1 });
        // 'ü' is two bytes but one column
        assert_eq!(map.position(id, 5), Position { line: 2, column: 2 });
        assert_eq!(map.position(id, 999).line, 3);
    }

    #[test]
    fn a_text_held_at_its_read_is_not_read_again_and_is_released() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("main.tf");
        std::fs::write(&path, "a = 1\n").unwrap_or_else(|e| panic!("{e}"));
        let mut map = SourceMap::default();
        let id = map.add_measured(path.clone(), Measured::of("a = 1\n"), None);
        map.hold_read(id, "a = 1\n".to_string());
        // Gone from disk: a second read would fail; the held text is what the batch sees.
        std::fs::remove_file(&path).unwrap_or_else(|e| panic!("{e}"));
        map.hold(&[id]);
        assert_eq!(map.text(id).as_deref(), Some("a = 1\n"));
        map.release(&[id]);
        assert!(map.text(id).is_none());
        map.hold(&[id]);
        assert!(map.text(id).is_none());
    }

    #[test]
    fn a_change_of_any_one_byte_changes_the_hash() {
        // Long enough for XXH3's mid-size path, with an odd tail.
        let text: String = (0..77u8).map(|i| char::from(b'a' + i % 26)).collect();
        let h = hash(&text);
        assert_eq!(h, hash(&text.clone()));
        for at in 0..text.len() {
            let mut bytes = text.clone().into_bytes();
            if let Some(b) = bytes.get_mut(at) {
                *b = b'#';
            }
            let changed = String::from_utf8(bytes).unwrap_or_default();
            assert_ne!(hash(&changed), h, "byte {at}");
        }
        assert_ne!(hash(text.get(..76).unwrap_or("")), h);
        assert_ne!(hash(""), hash(" "));
    }

    #[test]
    fn measured_line_starts_are_codespans() {
        for text in [
            "",
            "a",
            "a\n",
            "a\r\nb\r\n",
            "\n\n",
            "x = 1\n# aks-netlint: ignore\ny",
        ] {
            let m = Measured::of(text);
            let want: Vec<u32> = files::line_starts(text).map(|s| s as u32).collect();
            assert_eq!(m.line_starts, want, "{text:?}");
            assert_eq!(m.marker, text.contains("aks-netlint:"), "{text:?}");
        }
    }

    #[test]
    fn unkept_texts_are_held_then_reloaded_and_a_changed_file_is_said() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (same, edited) = (dir.path().join("a.tf"), dir.path().join("b.tf"));
        for p in [&same, &edited] {
            std::fs::write(p, "a = 1\nb = 2\n").unwrap_or_else(|e| panic!("{e}"));
        }
        let mut map = SourceMap::with_root(dir.path());
        let a = map.add_unkept(same, "a = 1\nb = 2\n", None);
        let b = map.add_unkept(edited.clone(), "a = 1\nb = 2\n", None);
        assert!(map.text(a).is_none());
        assert_eq!(map.line(a, 7), 2);
        map.hold(&[a]);
        assert_eq!(map.snippet(Span::new(a, 6..11)), "b = 2");
        map.release(&[a]);
        assert!(map.text(a).is_none());
        std::fs::write(&edited, "x = 1\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(map.reload([a, b]), vec!["b.tf".to_string()]);
        assert_eq!(map.text(a).as_deref(), Some("a = 1\nb = 2\n"));
        assert!(map.text(b).is_none());
    }
}
