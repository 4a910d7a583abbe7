//! Bicep tokens. Newlines are tokens (they separate object properties, array items and
//! statements); comments are skipped; strings keep their interpolation holes as raw text
//! ranges the parser re-lexes.

use std::ops::Range;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Ident(String),
    Num(f64),
    /// A string literal: literal pieces and `${...}` holes (byte ranges of the hole's text).
    Str(Vec<Piece>),
    Punct(&'static str),
    Newline,
    /// Text the lexer cannot read; the parser turns it into an error.
    Bad(&'static str),
    Eof,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Piece {
    Text(String),
    Hole(Range<usize>),
}

#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    pub span: Range<usize>,
}

const PUNCTS: &[&str] = &[
    "...", "==", "!=", "=~", "!~", "<=", ">=", "&&", "||", "??", "=>", "::", ".?", "{", "}", "[",
    "]", "(", ")", ",", ":", ".", "?", "!", "=", "<", ">", "+", "-", "*", "/", "%", "@", "|", ";",
];

/// Tokenizes `text[start..end]`.
pub fn lex(text: &str, start: usize, end: usize) -> Vec<Token> {
    let b = text.as_bytes();
    let end = end.min(b.len());
    // About one token per eight bytes of typical Bicep: most files need no regrowth.
    let mut out = Vec::with_capacity(end.saturating_sub(start) / 8 + 1);
    let mut i = start;
    while i < end {
        let c = b.get(i).copied().unwrap_or(0);
        let begin = i;
        match c {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\n' => {
                i += 1;
                out.push(Token {
                    tok: Tok::Newline,
                    span: begin..i,
                });
            }
            // `#disable-next-line` and other pragmas, and `//` comments, run to the line end.
            b'#' | b'/' if c == b'#' || b.get(i + 1) == Some(&b'/') => {
                let rest = b.get(i..end).unwrap_or_default();
                i += memchr::memchr(b'\n', rest).unwrap_or(rest.len());
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let body = b.get(i + 2..end).unwrap_or_default();
                let len = memchr::memmem::find(body, b"*/").unwrap_or(body.len());
                let newline = memchr::memchr(b'\n', body.get(..len).unwrap_or_default()).is_some();
                i = (i + 2 + len + 2).min(end);
                if newline {
                    out.push(Token {
                        tok: Tok::Newline,
                        span: begin..i,
                    });
                }
            }
            b'\'' if text.get(i..i + 3) == Some("'''") => {
                // Multi-line string: verbatim, no escapes, no interpolation.
                let body_start = i + 3;
                let close = text
                    .get(body_start..end)
                    .and_then(|t| t.find("'''"))
                    .map(|k| body_start + k);
                match close {
                    Some(k) => {
                        let mut s = text.get(body_start..k).unwrap_or("").to_string();
                        if s.starts_with('\n') {
                            s.remove(0);
                        } else if s.starts_with("\r\n") {
                            s.drain(..2);
                        }
                        i = k + 3;
                        out.push(Token {
                            tok: Tok::Str(vec![Piece::Text(s)]),
                            span: begin..i,
                        });
                    }
                    None => {
                        i = end;
                        out.push(Token {
                            tok: Tok::Bad("unterminated multi-line string"),
                            span: begin..i,
                        });
                    }
                }
            }
            b'\'' => {
                let (tok, next) = string(text, i, end);
                i = next;
                out.push(Token {
                    tok,
                    span: begin..i,
                });
            }
            b'0'..=b'9' => {
                while i < end && b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'.') {
                    i += 1;
                }
                let n = text.get(begin..i).and_then(|t| t.parse().ok());
                out.push(Token {
                    tok: n.map_or(Tok::Bad("invalid number"), Tok::Num),
                    span: begin..i,
                });
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => {
                while i < end
                    && b.get(i)
                        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'$')
                {
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Ident(text.get(begin..i).unwrap_or("").to_string()),
                    span: begin..i,
                });
            }
            _ => {
                // The first byte rules out all but a few (this runs for every punctuation).
                let rest = b.get(i..end).unwrap_or(&[]);
                let p = PUNCTS
                    .iter()
                    .find(|p| p.as_bytes().first() == Some(&c) && rest.starts_with(p.as_bytes()));
                match p {
                    Some(p) => {
                        i += p.len();
                        out.push(Token {
                            tok: Tok::Punct(p),
                            span: begin..i,
                        });
                    }
                    None => {
                        // Skip one whole character.
                        let len = text
                            .get(i..)
                            .and_then(|t| t.chars().next())
                            .map_or(1, char::len_utf8);
                        i += len;
                        out.push(Token {
                            tok: Tok::Bad("unexpected character"),
                            span: begin..i,
                        });
                    }
                }
            }
        }
    }
    out.push(Token {
        tok: Tok::Eof,
        span: end..end,
    });
    out
}

/// A single-quoted string with escapes and `${...}` holes; returns the token and the offset
/// after it.
fn string(text: &str, start: usize, end: usize) -> (Tok, usize) {
    let b = text.as_bytes();
    let mut pieces = Vec::new();
    let mut cur = String::new();
    let mut i = start + 1;
    while i < end {
        match b.get(i).copied() {
            Some(b'\'') => {
                if !cur.is_empty() || pieces.is_empty() {
                    pieces.push(Piece::Text(cur));
                }
                return (Tok::Str(pieces), i + 1);
            }
            Some(b'\n') | None => break,
            Some(b'\\') => {
                let esc = b.get(i + 1).copied();
                match esc {
                    Some(b'n') => cur.push('\n'),
                    Some(b'r') => cur.push('\r'),
                    Some(b't') => cur.push('\t'),
                    Some(b'\\') => cur.push('\\'),
                    Some(b'\'') => cur.push('\''),
                    Some(b'$') => cur.push('$'),
                    Some(b'u') => {
                        // \u{XXXX}
                        if let Some(close) = text.get(i + 2..end).and_then(|t| t.find('}')) {
                            let hex = text.get(i + 3..i + 2 + close).unwrap_or("");
                            if let Some(ch) =
                                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
                            {
                                cur.push(ch);
                            }
                            i += 2 + close + 1;
                            continue;
                        }
                    }
                    _ => return (Tok::Bad("invalid escape in string"), i + 2),
                }
                i += 2;
            }
            Some(b'$') if b.get(i + 1) == Some(&b'{') => {
                pieces.push(Piece::Text(std::mem::take(&mut cur)));
                // Find the matching `}`, skipping nested strings and braces.
                let hole_start = i + 2;
                let mut depth = 1usize;
                let mut j = hole_start;
                while j < end && depth > 0 {
                    match b.get(j).copied() {
                        Some(b'{') => depth += 1,
                        Some(b'}') => depth -= 1,
                        Some(b'\'') => {
                            j += 1;
                            while j < end && b.get(j) != Some(&b'\'') {
                                if b.get(j) == Some(&b'\\') {
                                    j += 1;
                                }
                                j += 1;
                            }
                        }
                        Some(b'\n') | None => break,
                        _ => {}
                    }
                    if depth > 0 {
                        j += 1;
                    }
                }
                if depth > 0 {
                    return (Tok::Bad("unterminated `${` in string"), j);
                }
                pieces.push(Piece::Hole(hole_start..j));
                i = j + 1;
            }
            Some(_) => {
                // A run of plain text up to the next quote, escape, `$` or line end (all ASCII,
                // so the run ends on a character boundary).
                let rest = b.get(i..end).unwrap_or_default();
                let run = rest
                    .iter()
                    .skip(1)
                    .position(|c| matches!(c, b'\'' | b'\\' | b'$' | b'\n'))
                    .map_or(rest.len(), |k| k + 1);
                cur.push_str(text.get(i..i + run).unwrap_or_default());
                i += run;
            }
        }
    }
    (Tok::Bad("unterminated string"), i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_with_holes_and_escapes() {
        let t = "'a${b}c\\'d'";
        let toks = lex(t, 0, t.len());
        let Tok::Str(p) = &toks[0].tok else { panic!() };
        assert_eq!(p[0], Piece::Text("a".into()));
        assert_eq!(p[1], Piece::Hole(4..5));
        assert_eq!(p[2], Piece::Text("c'd".into()));
    }

    #[test]
    fn never_panics_on_garbage() {
        for t in ["'", "'${", "'''", "/*", "\u{1F600}", "'\\u{zz", "1.2.3"] {
            let _ = lex(t, 0, t.len());
        }
    }
}
