//! A fast path for [`super::parse`]: plain JSON with `//` and `/* */` comments and trailing
//! commas, read straight into [`Json`] without jsonc-parser's syntax tree. It takes a subset of
//! what jsonc-parser takes and builds the same tree from it; anything else (single quotes,
//! unquoted keys, missing commas, other whitespace, errors) returns `None`, and jsonc-parser
//! reads the text as before, so its messages and offsets stay the errors reported.
//!
//! The reader is generic over whether it builds: checking a value takes the same path as
//! building it, minus the allocations, so [`top`] accepts exactly the texts [`parse`] does.

use std::ops::Range;

use super::{Json, JsonValue, MAX_DEPTH};

/// The tree of `text`, or `None` when the text is not in the subset read here.
pub(super) fn parse(text: &str) -> Option<Json> {
    top(text, every)
}

/// Like [`parse`], but of a top-level object only the members `keep` names are built; the
/// others are checked and left out. `None` exactly when [`parse`] gives `None`.
pub(super) fn top(text: &str, keep: fn(&str) -> bool) -> Option<Json> {
    let mut p = Reader {
        text,
        b: text.as_bytes(),
        i: 0,
    };
    p.skip()?;
    let v = match p.peek()? {
        b'{' => p.object::<true>(0, keep)?,
        _ => p.value::<true>(0)?,
    };
    p.skip()?;
    (p.i == p.b.len()).then_some(v)
}

/// The first members of a top-level object, read from the start of a text that may go on
/// (or be cut) past them: reading stops, with the members `keep` names built, as soon as
/// `wanted` of them have been read. `None` when the text ends or leaves this reader's subset
/// first, or names a kept member twice (the whole text would have to say which one counts).
pub(super) fn leading(text: &str, keep: fn(&str) -> bool, wanted: usize) -> Option<Json> {
    let mut p = Reader {
        text,
        b: text.as_bytes(),
        i: 0,
    };
    p.skip()?;
    let start = p.i;
    if p.peek()? != b'{' {
        return None;
    }
    p.i += 1;
    p.skip()?;
    let mut props: Vec<(String, Range<usize>, Json)> = Vec::new();
    while props.len() < wanted {
        let (key, key_span) = p.key::<true>()?;
        if keep(&key) {
            if props.iter().any(|(k, _, _)| k.eq_ignore_ascii_case(&key)) {
                return None;
            }
            let v = p.value::<true>(1)?;
            props.push((key, key_span, v));
        } else {
            p.value::<false>(1)?;
        }
        // A member must be followed by more of the object: the text is not read past it.
        if p.after_member(b'}')? && props.len() < wanted {
            return None;
        }
    }
    Some(Json {
        v: JsonValue::Obj(props),
        span: start..p.i,
    })
}

/// Every member is built (or, below a member left out, checked) alike.
fn every(_: &str) -> bool {
    true
}

struct Reader<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Skips whitespace and comments; `None` on an unterminated block comment. Inlined for
    /// the common case of nothing to skip (between a key and its `:`, after a `,` in compact
    /// text), which would otherwise pay a call per token.
    #[inline]
    fn skip(&mut self) -> Option<()> {
        match self.peek() {
            Some(b' ' | b'\t' | b'\n' | b'\r' | b'/') => self.skip_some(),
            _ => Some(()),
        }
    }

    fn skip_some(&mut self) -> Option<()> {
        loop {
            self.i += whitespace_run(self.b.get(self.i..).unwrap_or_default());
            if self.peek() != Some(b'/') {
                return Some(());
            }
            match self.b.get(self.i + 1) {
                Some(b'/') => {
                    let rest = self.b.get(self.i..)?;
                    self.i += memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                }
                Some(b'*') => {
                    let rest = self.text.get(self.i + 2..)?;
                    self.i += 2 + rest.find("*/")? + 2;
                }
                _ => return None,
            }
        }
    }

    /// A value, built when `BUILD`, else checked only (its span is kept, its value is null).
    fn value<const BUILD: bool>(&mut self, depth: usize) -> Option<Json> {
        // `depth` brackets are open around this value: past MAX_DEPTH the text is left to
        // `super::parse`, which refuses it as too deep.
        if depth >= MAX_DEPTH {
            return None;
        }
        let start = self.i;
        let v = match self.peek()? {
            b'{' => return self.object::<BUILD>(depth, every),
            b'[' => return self.array::<BUILD>(depth),
            b'"' => JsonValue::Str(self.string::<BUILD>()?),
            b'-' | b'0'..=b'9' => {
                let lit = self.number()?;
                if BUILD {
                    lit.parse().map_or(JsonValue::Null, JsonValue::Num)
                } else {
                    JsonValue::Null
                }
            }
            b't' => self.word("true", JsonValue::Bool(true))?,
            b'f' => self.word("false", JsonValue::Bool(false))?,
            b'n' => self.word("null", JsonValue::Null)?,
            _ => return None,
        };
        Some(Json {
            v,
            span: start..self.i,
        })
    }

    fn word(&mut self, w: &str, v: JsonValue) -> Option<JsonValue> {
        let end = self.i + w.len();
        if self.b.get(self.i..end)? != w.as_bytes() {
            return None;
        }
        // jsonc-parser reads `truex` as a word; leave anything glued on to it.
        if self
            .b
            .get(end)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c >= 0x80)
        {
            return None;
        }
        self.i = end;
        Some(v)
    }

    /// A number as JSON writes it, followed by something that cannot continue it.
    fn number(&mut self) -> Option<&str> {
        let start = self.i;
        let digits = |r: &mut Self| {
            let from = r.i;
            while r.peek().is_some_and(|c| c.is_ascii_digit()) {
                r.i += 1;
            }
            r.i > from
        };
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                digits(self);
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !digits(self) {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !digits(self) {
                return None;
            }
        }
        match self.peek() {
            None | Some(b' ' | b'\t' | b'\n' | b'\r' | b',' | b']' | b'}' | b'/') => {
                self.text.get(start..self.i)
            }
            _ => None,
        }
    }

    /// A double-quoted string, its escapes decoded as jsonc-parser decodes them (checked the
    /// same way, and left empty, when not `BUILD`).
    fn string<const BUILD: bool>(&mut self) -> Option<String> {
        self.i += 1;
        let mut out = String::new();
        let mut from = self.i;
        loop {
            let rest = self.b.get(self.i..)?;
            let at = memchr::memchr2(b'"', b'\\', rest)?;
            self.i += at;
            if BUILD {
                out.push_str(self.text.get(from..self.i)?);
            }
            if self.peek()? == b'"' {
                self.i += 1;
                return Some(out);
            }
            let esc = *self.b.get(self.i + 1)?;
            self.i += 2;
            let c = match esc {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{08}',
                b'f' => '\u{0C}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let hex = self.b.get(self.i..self.i + 4)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return None;
                    }
                    let n = u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
                    self.i += 4;
                    char::from_u32(n)?
                }
                _ => return None,
            };
            if BUILD {
                out.push(c);
            }
            from = self.i;
        }
    }

    /// `{` members `}`: string keys, a comma after each member but the last (one after the
    /// last too, as ARM allows). When `BUILD`, the members `keep` names are built and the
    /// others checked and left out.
    fn object<const BUILD: bool>(&mut self, depth: usize, keep: fn(&str) -> bool) -> Option<Json> {
        let start = self.i;
        self.i += 1;
        let mut props = Vec::new();
        self.skip()?;
        loop {
            if self.peek()? == b'}' {
                break;
            }
            let (key, key_span) = self.key::<BUILD>()?;
            if BUILD && keep(&key) {
                let v = self.value::<true>(depth + 1)?;
                props.push((key, key_span, v));
            } else {
                self.value::<false>(depth + 1)?;
            }
            if self.after_member(b'}')? {
                break;
            }
        }
        self.i += 1;
        Some(Json {
            v: JsonValue::Obj(props),
            span: start..self.i,
        })
    }

    /// A member's key (a string), the `:` after it and the whitespace around: the key (built
    /// when `BUILD`) and its span.
    #[inline]
    fn key<const BUILD: bool>(&mut self) -> Option<(String, Range<usize>)> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.i;
        let key = self.string::<BUILD>()?;
        let span = start..self.i;
        self.skip()?;
        if self.peek()? != b':' {
            return None;
        }
        self.i += 1;
        self.skip()?;
        Some((key, span))
    }

    /// What may follow a member of an object or array: a comma (a trailing one too, as ARM
    /// allows), or `close`. `Some(true)` when the container ends there.
    fn after_member(&mut self, close: u8) -> Option<bool> {
        self.skip()?;
        match self.peek()? {
            b',' => {
                self.i += 1;
                self.skip()?;
                Some(false)
            }
            c if c == close => Some(true),
            _ => None,
        }
    }

    fn array<const BUILD: bool>(&mut self, depth: usize) -> Option<Json> {
        let start = self.i;
        self.i += 1;
        let mut items = Vec::new();
        self.skip()?;
        loop {
            if self.peek()? == b']' {
                break;
            }
            let v = self.value::<BUILD>(depth + 1)?;
            if BUILD {
                items.push(v);
            }
            if self.after_member(b']')? {
                break;
            }
        }
        self.i += 1;
        Some(Json {
            v: JsonValue::Arr(items),
            span: start..self.i,
        })
    }
}

/// The length of the run of JSON whitespace (space, tab, line feed, carriage return) that
/// `b` starts with. Pretty-printed templates are mostly indentation, so the run is measured
/// eight bytes at a time: a byte is whitespace when it equals one of the four, tested for all
/// eight lanes of a word at once.
fn whitespace_run(b: &[u8]) -> usize {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of each lane where the lane equals `c` (exact: no carry crosses a lane).
    let equal = |x: u64, c: u8| {
        let t = x ^ (u64::from(c) * 0x0101_0101_0101_0101);
        !(((t & LOW) + LOW) | t) & HIGH
    };
    let mut n = 0;
    for chunk in b.chunks_exact(8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let ws = equal(x, b' ') | equal(x, b'\n') | equal(x, b'\r') | equal(x, b'\t');
        if ws != HIGH {
            // The first lane (lowest byte) that is not whitespace.
            return n + ((!ws & HIGH).trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + b
        .get(n..)
        .unwrap_or_default()
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\n' | b'\r' | b'\t'))
        .count()
}

#[cfg(test)]
mod tests {
    use super::{leading, top, whitespace_run};
    use crate::frontends::json::JsonValue;

    fn is_top(k: &str) -> bool {
        k == "$schema" || k == "metadata"
    }

    fn keys(text: &str, wanted: usize) -> Option<Vec<String>> {
        leading(text, is_top, wanted).map(|j| match j.v {
            JsonValue::Obj(props) => props.into_iter().map(|(k, _, _)| k).collect(),
            _ => Vec::new(),
        })
    }

    #[test]
    fn leading_members_are_read_from_a_cut_text_and_nothing_past_them() {
        let whole = r#"{ "$schema": "s", "contentVersion": "1.0", "metadata": { "a": [1, 2] },
            "resources": [ { "type": "t" } ] }"#;
        assert_eq!(
            keys(whole, 2),
            Some(vec!["$schema".to_string(), "metadata".to_string()])
        );
        // The members and their spans are those of the whole document's top.
        let full = top(whole, is_top);
        assert_eq!(leading(whole, is_top, 2).map(|j| j.v), full.map(|j| j.v));
        // Cut anywhere after the comma that follows `metadata`: the same answer.
        let after = whole.find("},").map_or(0, |i| i + 2);
        for cut in after..whole.len() {
            let head = whole.get(..cut).unwrap_or_default();
            assert_eq!(keys(head, 2).map(|k| k.len()), Some(2), "{head:?}");
        }
        // Cut before that: not settled.
        for cut in 0..after {
            let head = whole.get(..cut).unwrap_or_default();
            assert_eq!(keys(head, 2), None, "{head:?}");
        }
    }

    #[test]
    fn leading_members_are_unsettled_when_missing_doubled_or_malformed() {
        // The object ends before both were read.
        assert_eq!(keys(r#"{ "$schema": "s" }"#, 2), None);
        // A kept member twice: which one counts is for the whole text to say.
        assert_eq!(
            keys(r#"{ "metadata": 1, "metadata": 2, "$schema": "s", "#, 2),
            None
        );
        // Outside the fast reader's subset, or not an object.
        assert_eq!(keys(r#"{ $schema: "s", "metadata": 1, "#, 2), None);
        assert_eq!(keys(r#"[ "$schema", "metadata" ]"#, 2), None);
        assert_eq!(
            keys(r#"{ "$schema": "s", "x": [1,, 2], "metadata": 1, "#, 2),
            None
        );
        // Comments and whitespace are skipped as the whole reader skips them.
        assert_eq!(
            keys("// c\n{ /* x */ \"$schema\": \"s\", \"metadata\": {}, ", 2).map(|k| k.len()),
            Some(2)
        );
    }

    #[test]
    fn whitespace_runs_are_measured_as_a_byte_loop_would() {
        let naive = |b: &[u8]| {
            b.iter()
                .take_while(|c| matches!(c, b' ' | b'\n' | b'\r' | b'\t'))
                .count()
        };
        let bytes = [
            b' ',
            b'\n',
            b'\r',
            b'\t',
            b'a',
            0x0b,
            0x0c,
            0xa0,
            0x20 | 0x80,
            0,
            b'"',
        ];
        // Every placement of one non-whitespace byte (or none) in runs of up to 20 bytes.
        for len in 0..20 {
            for stop in 0..=len {
                for &other in &bytes {
                    for &fill in &bytes[..4] {
                        let mut b = vec![fill; len];
                        if let Some(slot) = b.get_mut(stop) {
                            *slot = other;
                        }
                        b.extend_from_slice(b"x   ");
                        assert_eq!(whitespace_run(&b), naive(&b), "{b:?}");
                    }
                }
            }
        }
    }
}
