//! Every file the scan reads lives in one [`SourceMap`]: its display path, its text and its line
//! starts. Everything downstream refers to text by [`Span`] (file id + byte range), so a
//! diagnostic can point at any literal in any file, and the text renderer reads the same map.

use std::ops::Range;
use std::path::{Path, PathBuf};

use codespan_reporting::files::{self, Files};

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

/// One loaded file.
pub struct SourceFile {
    /// Path shown to users: relative to the working directory when inside it.
    pub name: String,
    /// Path on disk (in the working tree, for a file read at a git revision).
    pub path: PathBuf,
    /// The git revision the text was read at (`--compare-to`); `None` for the working tree.
    pub revision: Option<String>,
    /// `name`, or `rev:name` for a file of a revision: what the text report shows.
    label: String,
    pub text: String,
    line_starts: Vec<usize>,
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

    /// Adds a file read at a git revision (`None`: the working tree).
    pub fn add_at(&mut self, path: PathBuf, text: String, revision: Option<&str>) -> FileId {
        let name = match &self.root {
            Some(root) => name_under(&path, root),
            None => display_name(&path),
        };
        let label = match revision {
            Some(r) => format!("{r}:{name}"),
            None => name.clone(),
        };
        let line_starts = files::line_starts(&text).collect();
        self.files.push(SourceFile {
            name,
            path,
            revision: revision.map(str::to_string),
            label,
            text,
            line_starts,
        });
        self.files.len() - 1
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

    /// Text covered by a span ("" when out of range).
    pub fn snippet(&self, span: Span) -> &str {
        self.files
            .get(span.file)
            .and_then(|f| f.text.get(span.range()))
            .unwrap_or("")
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn position(&self, file: FileId, offset: usize) -> Position {
        let Some(f) = self.files.get(file) else {
            return Position { line: 1, column: 1 };
        };
        let offset = offset.min(f.text.len());
        let line = f
            .line_starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = f.line_starts.get(line).copied().unwrap_or(0);
        let column = f
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        Position {
            line: line + 1,
            column,
        }
    }

    /// `file:line` for notes (`rev:file:line` for a file of a revision).
    pub fn location(&self, span: Span) -> String {
        let p = self.position(span.file, span.start as usize);
        let label = self
            .files
            .get(span.file)
            .map_or("<unknown>", |f| f.label.as_str());
        format!("{label}:{}", p.line)
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
        self.files
            .get(id)
            .map(|f| f.text.as_str())
            .ok_or(files::Error::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, files::Error> {
        let f = self.files.get(id).ok_or(files::Error::FileMissing)?;
        Ok(f.line_starts
            .partition_point(|&s| s <= byte_index)
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
            })?;
        let end = f
            .line_starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(f.text.len());
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
}
