//! Byte offsets (what spans hold) to LSP positions and back. LSP counts characters in UTF-16
//! code units, so a line with `ü` or an emoji before a label shifts the column differently
//! from both bytes and chars.

use lsp_types::{Position, Range};

/// Line starts of one text, for converting in both directions.
pub struct LineIndex {
    text: String,
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: String) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    pub fn into_text(self) -> String {
        self.text
    }

    /// The position of a byte offset (clamped to the text, and back to a char boundary).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let character = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.encode_utf16().count());
        Position::new(to_u32(line), to_u32(character))
    }

    pub fn range(&self, r: std::ops::Range<usize>) -> Range {
        Range::new(self.position(r.start), self.position(r.end))
    }

    /// The byte offset of a position; a character past the line's end means its end.
    pub fn offset(&self, p: Position) -> usize {
        let Some(&start) = self.starts.get(p.line as usize) else {
            return self.text.len();
        };
        let end = self
            .starts
            .get(p.line as usize + 1)
            .copied()
            .unwrap_or(self.text.len());
        let line = self.text.get(start..end).unwrap_or_default();
        let mut units = 0;
        for (i, c) in line.char_indices() {
            if units >= p.character as usize || c == '\n' || c == '\r' {
                return start + i;
            }
            units += c.len_utf16();
        }
        end
    }

    /// The text of one line, without its line break.
    pub fn line(&self, line: usize) -> &str {
        let start = self.starts.get(line).copied().unwrap_or(self.text.len());
        let end = self
            .starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.text.len());
        self.text
            .get(start..end)
            .unwrap_or_default()
            .trim_end_matches(['\n', '\r'])
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_utf16_code_units() {
        // `é` is 2 bytes and 1 unit; `😀` is 4 bytes and 2 units.
        let text = "a = 1\n# é😀 x = \"10.0.0.0/8\"\n";
        let idx = LineIndex::new(text.to_string());
        let at = text.find("\"10").unwrap();
        let p = idx.position(at);
        assert_eq!((p.line, p.character), (1, 10));
        assert_eq!(idx.offset(p), at);
        assert_eq!(idx.line(1), "# é😀 x = \"10.0.0.0/8\"");
    }

    #[test]
    fn positions_past_the_end_clamp() {
        let idx = LineIndex::new("ab\r\ncd".to_string());
        assert_eq!(idx.offset(Position::new(0, 99)), 2);
        assert_eq!(idx.offset(Position::new(9, 0)), 6);
        assert_eq!(idx.position(99), Position::new(1, 2));
    }
}
