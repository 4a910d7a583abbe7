//! Looking at and stepping over bytes: whitespace and comments, line endings, identifiers and
//! numbers.

use super::{Parser, Result};

impl<'a> Parser<'a> {
    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    pub(super) fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    pub(super) fn starts_with(&self, s: &str) -> bool {
        self.bytes
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(s.as_bytes()))
    }

    /// Steps over `s` if it comes next.
    pub(super) fn eat(&mut self, s: &str) -> bool {
        let found = self.starts_with(s);
        if found {
            self.pos += s.len();
        }
        found
    }

    /// Steps over `c`, or fails saying it was expected.
    pub(super) fn expect(&mut self, c: u8) -> Result<()> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected `{}`", char::from(c))))
        }
    }

    /// The text between two offsets.
    pub(super) fn text(&self, start: usize, end: usize) -> &'a str {
        self.src.get(start..end).unwrap_or("")
    }

    /// Spaces, tabs and `/* */` comments: what may separate tokens on one line.
    pub(super) fn skip_sp(&mut self) {
        loop {
            while matches!(self.peek(), Some(b' ' | b'\t')) {
                self.pos += 1;
            }
            if self.peek() != Some(b'/') || !self.skip_inline_comment() {
                return;
            }
        }
    }

    /// Any whitespace, newlines included, and comments of every kind.
    pub(super) fn skip_ws(&mut self) {
        loop {
            while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'#' | b'/'))
                || !(self.skip_line_comment() || self.skip_inline_comment())
            {
                return;
            }
        }
    }

    /// [`Self::skip_ws`] where the expression allows newlines, else [`Self::skip_sp`].
    pub(super) fn skip_gap(&mut self, newlines: bool) {
        if newlines {
            self.skip_ws();
        } else {
            self.skip_sp();
        }
    }

    /// A terminated `/* ... */` (an unterminated one is left for the caller to reject).
    fn skip_inline_comment(&mut self) -> bool {
        if !self.starts_with("/*") {
            return false;
        }
        let body = self.bytes.get(self.pos + 2..).unwrap_or(&[]);
        match memchr::memmem::find(body, b"*/") {
            Some(i) => {
                self.pos += 2 + i + 2;
                true
            }
            None => false,
        }
    }

    /// `# ...` or `// ...` up to (not including) the line ending.
    pub(super) fn skip_line_comment(&mut self) -> bool {
        if !(self.peek() == Some(b'#') || self.starts_with("//")) {
            return false;
        }
        let rest = self.bytes.get(self.pos..).unwrap_or(&[]);
        let len = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        // A `\r\n` ending is the line ending, not part of the comment.
        let len = if len > 0 && rest.get(len - 1) == Some(&b'\r') && len < rest.len() {
            len - 1
        } else {
            len
        };
        self.pos += len;
        true
    }

    /// `\n` or `\r\n`.
    pub(super) fn eat_line_ending(&mut self) -> bool {
        self.eat("\n") || self.eat("\r\n")
    }

    /// The character at the current position, if any.
    pub(super) fn peek_char(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().next())
    }

    pub(super) fn at_ident_start(&self) -> bool {
        match self.peek() {
            Some(b) if b.is_ascii() => b.is_ascii_alphabetic() || b == b'_',
            Some(_) => self.peek_char().is_some_and(unicode_ident::is_xid_start),
            None => false,
        }
    }

    /// An identifier: a letter or `_`, then letters, digits, `_` and `-`. `None` (nothing
    /// consumed) when none starts here.
    pub(super) fn ident(&mut self) -> Option<(&'a str, usize)> {
        if !self.at_ident_start() {
            return None;
        }
        let start = self.pos;
        self.pos += self.peek_char().map_or(1, char::len_utf8);
        loop {
            // A run of ASCII identifier bytes in one pass, then one non-ASCII character.
            let rest = self.bytes.get(self.pos..).unwrap_or_default();
            self.pos += rest
                .iter()
                .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
                .unwrap_or(rest.len());
            match self.peek() {
                Some(b) if !b.is_ascii() => match self.peek_char() {
                    Some(c) if unicode_ident::is_xid_continue(c) => self.pos += c.len_utf8(),
                    _ => break,
                },
                _ => break,
            }
        }
        Some((self.text(start, self.pos), start))
    }

    /// Whether an identifier character follows (a delimiter or keyword must not run on).
    pub(super) fn at_ident_continue(&self) -> bool {
        match self.peek() {
            Some(b) if b.is_ascii() => b.is_ascii_alphanumeric() || b == b'_' || b == b'-',
            Some(_) => self.peek_char().is_some_and(unicode_ident::is_xid_continue),
            None => false,
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// A number literal: digits, then a fraction and/or an exponent. An integer beyond `u64`
    /// and an exponent without digits are errors; a float too large for `f64` is read as its
    /// integer part, as hcl-edit does.
    pub(super) fn number(&mut self) -> Result<f64> {
        let start = self.pos;
        self.digits();
        let int_end = self.pos;
        let mut is_float = false;
        if self.peek() == Some(b'.') && self.peek_at(1).is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
            self.digits();
            is_float = true;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("expected a digit in the exponent"));
            }
            is_float = true;
        }
        if is_float {
            if let Some(f) = self
                .text(start, self.pos)
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
            {
                return Ok(f);
            }
            self.pos = int_end;
        }
        match self.text(start, int_end).parse::<u64>() {
            Ok(n) => Ok(n as f64),
            Err(_) => {
                self.pos = start;
                Err(self.error("number out of range"))
            }
        }
    }
}
