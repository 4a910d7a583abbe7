//! Long lines, cut for people. A plan from `terraform show -json` is one line of hundreds of
//! kilobytes; printing it under every label makes megabytes of output. The text report shows at
//! most [`MAX_COLS`] columns of any line, around the labels on it, with `…` at each cut.
//!
//! Only the text renderer uses this view: machine formats keep the real columns.

use std::ops::Range;

use codespan_reporting::files::{self, Files};
use foldhash::{HashMap, HashMapExt};

use crate::source::{FileId, SourceMap};

/// The widest line shown, in bytes of the original line (close to columns for the ASCII that
/// long generated lines are made of).
pub const MAX_COLS: usize = 120;

const ELLIPSIS: &str = "…";

/// One cut line: the part of the original line that is kept, and where it starts now.
struct Cut {
    /// The original line, without its line break.
    line: Range<usize>,
    keep: Range<usize>,
    /// Where the line starts in the cut text, and the bytes of `…` put before the kept part.
    new_start: usize,
    prefix: usize,
}

/// A file with its long lines cut.
struct CutFile {
    text: String,
    line_starts: Vec<usize>,
    cuts: Vec<Cut>,
}

impl CutFile {
    /// The offset in the cut text of an offset in the original.
    fn map(&self, off: usize) -> usize {
        let mut delta: isize = 0;
        for c in &self.cuts {
            if off < c.line.start {
                break;
            }
            if off <= c.line.end {
                let inside = off.clamp(c.keep.start, c.keep.end) - c.keep.start;
                return c.new_start + c.prefix + inside;
            }
            let old_len = c.line.end - c.line.start;
            let new_len = c.prefix
                + (c.keep.end - c.keep.start)
                + if c.keep.end < c.line.end {
                    ELLIPSIS.len()
                } else {
                    0
                };
            delta += new_len as isize - old_len as isize;
        }
        off.saturating_add_signed(delta)
    }
}

/// The files a set of findings shows, with long lines cut around the given spans.
pub struct View<'a> {
    sources: &'a SourceMap,
    cut: HashMap<FileId, CutFile>,
}

fn floor_char(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The part of a long line to keep: a window of [`MAX_COLS`] bytes that starts a little before
/// the first label on it (or at the line start when no label is on it).
fn window(text: &str, line: &Range<usize>, labels: &[Range<usize>]) -> Range<usize> {
    let on_line: Vec<&Range<usize>> = labels
        .iter()
        .filter(|r| r.start <= line.end && r.end >= line.start)
        .collect();
    let lo = on_line
        .iter()
        .map(|r| r.start.max(line.start))
        .min()
        .unwrap_or(line.start);
    let start = floor_char(text, lo.saturating_sub(MAX_COLS / 4).max(line.start));
    let end = ceil_char(text, (start + MAX_COLS).min(line.end));
    start..end
}

impl<'a> View<'a> {
    /// A view where every line longer than [`MAX_COLS`] in the files of `spans` is cut.
    pub fn new(sources: &'a SourceMap, spans: &[(FileId, Range<usize>)]) -> View<'a> {
        let mut by_file: HashMap<FileId, Vec<Range<usize>>> = HashMap::new();
        for (f, r) in spans {
            by_file.entry(*f).or_default().push(r.clone());
        }
        let mut cut = HashMap::new();
        for (file, labels) in by_file {
            let Ok(src) = sources.source(file) else {
                continue;
            };
            if let Some(c) = cut_file(src, &labels) {
                cut.insert(file, c);
            }
        }
        View { sources, cut }
    }

    /// A span's range in this view.
    pub fn range(&self, file: FileId, r: Range<usize>) -> Range<usize> {
        match self.cut.get(&file) {
            Some(c) => c.map(r.start)..c.map(r.end),
            None => r,
        }
    }

    fn text(&self, file: FileId) -> Option<&str> {
        match self.cut.get(&file) {
            Some(c) => Some(c.text.as_str()),
            None => self.sources.source(file).ok(),
        }
    }
}

/// Cuts the long lines of a text; `None` when it has none.
fn cut_file(text: &str, labels: &[Range<usize>]) -> Option<CutFile> {
    let mut cuts = Vec::new();
    let mut out = String::new();
    let mut start = 0;
    for raw in text.split_inclusive('\n') {
        let body = raw.trim_end_matches(['\n', '\r']);
        let line = start..start + body.len();
        let new_start = out.len();
        if body.len() > MAX_COLS {
            let keep = window(text, &line, labels);
            let prefix = if keep.start > line.start {
                ELLIPSIS.len()
            } else {
                0
            };
            if prefix > 0 {
                out.push_str(ELLIPSIS);
            }
            out.push_str(text.get(keep.clone()).unwrap_or(""));
            if keep.end < line.end {
                out.push_str(ELLIPSIS);
            }
            out.push_str(raw.get(body.len()..).unwrap_or(""));
            cuts.push(Cut {
                line,
                keep,
                new_start,
                prefix,
            });
        } else {
            out.push_str(raw);
        }
        start += raw.len();
    }
    if cuts.is_empty() {
        return None;
    }
    let line_starts = files::line_starts(&out).collect();
    Some(CutFile {
        text: out,
        line_starts,
        cuts,
    })
}

impl<'a> Files<'a> for View<'_> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        Files::name(self.sources, id)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        self.text(id).ok_or(files::Error::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, files::Error> {
        match self.cut.get(&id) {
            Some(c) => Ok(c
                .line_starts
                .partition_point(|&s| s <= byte_index)
                .saturating_sub(1)),
            None => self.sources.line_index(id, byte_index),
        }
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, files::Error> {
        let Some(c) = self.cut.get(&id) else {
            return self.sources.line_range(id, line_index);
        };
        let start = *c
            .line_starts
            .get(line_index)
            .ok_or(files::Error::LineTooLarge {
                given: line_index,
                max: c.line_starts.len().saturating_sub(1),
            })?;
        let end = c
            .line_starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(c.text.len());
        Ok(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_files_are_untouched() {
        assert!(cut_file("a = 1\nb = 2\n", std::slice::from_ref(&(0..1))).is_none());
    }

    #[test]
    fn a_long_line_is_cut_around_its_label_and_offsets_follow() {
        let long = format!(
            "{}\"cidr\":\"10.0.0.0/8\"{}",
            "x".repeat(500),
            "y".repeat(500)
        );
        let text = format!("first\n{long}\nlast = 1\n");
        let at = text.find("10.0.0.0/8").unwrap_or(0);
        let label = at..at + "10.0.0.0/8".len();
        let last = text.find("last").unwrap_or(0);
        let c = cut_file(&text, &[label.clone(), last..last + 4]).unwrap_or_else(|| panic!());
        let lines: Vec<&str> = c.text.lines().collect();
        assert_eq!(lines.first(), Some(&"first"));
        let cut = lines.get(1).copied().unwrap_or_default();
        assert!(cut.starts_with('…') && cut.ends_with('…'), "{cut}");
        assert!(cut.chars().count() <= MAX_COLS + 2);
        let mapped = c.map(label.start)..c.map(label.end);
        assert_eq!(c.text.get(mapped), Some("10.0.0.0/8"));
        assert_eq!(c.text.get(c.map(last)..c.map(last + 4)), Some("last"));
    }

    #[test]
    fn multibyte_text_is_cut_on_char_boundaries() {
        let long = "é".repeat(300);
        let c = cut_file(&long, std::slice::from_ref(&(10..12))).unwrap_or_else(|| panic!());
        assert!(c.text.is_char_boundary(c.map(10)));
    }
}
