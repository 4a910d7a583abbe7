//! Error recovery and skipping: after a syntax error the parser resumes at the next statement
//! keyword or decorator, and declarations the linter does not read are skipped with balanced
//! brackets (a statement may continue across lines around an operator).

use super::Parser;
use crate::frontends::bicep::lexer::Tok;

pub(super) const KEYWORDS: &[&str] = &[
    "param",
    "var",
    "resource",
    "module",
    "output",
    "targetScope",
    "metadata",
    "type",
    "func",
    "import",
    "using",
    "extends",
    "extension",
    "provider",
    "assert",
];

impl Parser<'_> {
    /// Skips to the start of the next statement after an error.
    pub(super) fn recover(&mut self, start: usize) {
        if self.pos == start {
            self.pos += 1;
        }
        let mut depth = 0i32;
        while !self.at_eof() {
            match self.peek() {
                Tok::Punct("{" | "[" | "(") => depth += 1,
                Tok::Punct("}" | "]" | ")") => depth = (depth - 1).max(0),
                Tok::Newline if depth == 0 => {
                    self.skip_newlines();
                    if let Tok::Ident(k) = self.peek() {
                        if KEYWORDS.contains(&k.as_str()) {
                            return;
                        }
                    }
                    if self.is_punct("@") {
                        return;
                    }
                    continue;
                }
                _ => {}
            }
            self.pos += 1;
        }
    }

    /// Skips tokens to the end of the statement (balanced brackets), for declarations the
    /// linter does not read (types, functions, imports, metadata).
    pub(super) fn skip_statement(&mut self) {
        self.skip_until(false);
    }

    /// Skips a type (after a parameter or output name) up to `=` or the end of the line.
    pub(super) fn skip_type(&mut self) {
        self.skip_until(true);
    }

    /// Skips balanced tokens to the end of the statement, or to a top-level `=` when
    /// `stop_at_eq`. A statement continues across lines after a trailing operator or before a
    /// leading one (`type t =` / `  | 'a'`, `func f() string =>` / `  body`).
    fn skip_until(&mut self, stop_at_eq: bool) {
        let mut depth = 0i32;
        // The punctuation just skipped, if the last token was one.
        let mut last: Option<&'static str> = None;
        while !self.at_eof() {
            match self.peek() {
                Tok::Punct("{" | "[" | "(") => depth += 1,
                Tok::Punct("}" | "]" | ")") => depth -= 1,
                Tok::Punct("=") if stop_at_eq && depth <= 0 => return,
                Tok::Newline if depth <= 0 => {
                    let dangling = matches!(
                        last,
                        Some("=" | "=>" | "|" | "?" | ":" | "&&" | "||" | "??" | ",")
                    ) && !(stop_at_eq && last == Some("?"));
                    let mut k = self.pos;
                    while matches!(self.toks.get(k).map(|t| &t.tok), Some(Tok::Newline)) {
                        k += 1;
                    }
                    let leading = matches!(
                        self.toks.get(k).map(|t| &t.tok),
                        Some(Tok::Punct("|" | "?" | ":" | "&&" | "||" | "??"))
                    );
                    if !(dangling || leading) {
                        return;
                    }
                    self.pos = k;
                    continue;
                }
                _ => {}
            }
            last = match self.peek() {
                Tok::Punct(p) => Some(p),
                _ => None,
            };
            self.pos += 1;
        }
    }
}
