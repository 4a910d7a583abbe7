//! The recursive-descent parser: a cursor over the tokens with the helpers every production
//! uses. Statements are in `stmt`, expressions in `expr`, and error recovery (skipping to the
//! next statement, skipping declarations the linter does not read) in `recover`.

mod expr;
mod recover;
mod stmt;

use super::lexer::{lex, Tok, Token};
use super::lower::ChildDecl;
use super::File;
use crate::frontends::ir::Template;
use crate::source::Span;

/// The statement loop: each statement that fails to parse is skipped up to the next one.
pub(super) fn parse_file(text: &str, file: usize) -> File {
    let tokens = lex(text, 0, text.len());
    let mut p = Parser {
        text,
        file,
        toks: tokens,
        pos: 0,
        depth: 0,
        errors: Vec::new(),
        children: Vec::new(),
        pending: Vec::new(),
    };
    let mut out = File {
        template: Template {
            file,
            bicep: true,
            ..Template::default()
        },
        modules: Vec::new(),
        using: None,
    };
    loop {
        p.skip_newlines();
        if p.at_eof() {
            break;
        }
        let start = p.pos;
        if p.statement(&mut out).is_err() {
            p.recover(start);
            continue;
        }
        if !matches!(p.peek(), Tok::Newline | Tok::Eof) {
            p.error_here("expected a new line after the statement");
            p.recover(start);
        }
    }
    out.template.errors = p.errors;
    out
}

/// `Err` carries nothing: the error is already recorded in `errors`, and the caller only
/// unwinds to the statement loop, which recovers.
type R<T> = Result<T, ()>;

struct Parser<'a> {
    text: &'a str,
    file: usize,
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
    errors: Vec<(Span, String)>,
    /// Nested `resource` declarations found while parsing a resource body.
    children: Vec<Vec<ChildDecl>>,
    /// The children of the resource declaration just parsed.
    pending: Vec<ChildDecl>,
}

impl Parser<'_> {
    fn tok(&self) -> &Token {
        self.toks
            .get(self.pos)
            .or_else(|| self.toks.last())
            .unwrap_or(&EOF)
    }

    fn peek(&self) -> &Tok {
        &self.tok().tok
    }

    fn peek_at(&self, k: usize) -> &Tok {
        self.toks.get(self.pos + k).map_or(&Tok::Eof, |t| &t.tok)
    }

    fn at_eof(&self) -> bool {
        matches!(self.peek(), Tok::Eof)
    }

    /// The current token, moved out (a name's or string's text is taken, not copied: the
    /// parser never goes back over a token it consumed), and the position past it.
    fn bump(&mut self) -> Token {
        let Some(t) = self.toks.get_mut(self.pos) else {
            return self.tok().clone();
        };
        let tok = match &mut t.tok {
            Tok::Ident(s) => Tok::Ident(std::mem::take(s)),
            Tok::Str(p) => Tok::Str(std::mem::take(p)),
            other => other.clone(),
        };
        let span = t.span.clone();
        self.pos += 1;
        Token { tok, span }
    }

    fn span(&self, r: std::ops::Range<usize>) -> Span {
        Span::new(self.file, r)
    }

    fn here(&self) -> Span {
        self.span(self.tok().span.clone())
    }

    fn prev_end(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(0, |t| t.span.end)
    }

    fn error_here(&mut self, msg: &str) {
        let at = self.here();
        let msg = match self.peek() {
            Tok::Bad(why) => why.to_string(),
            _ => msg.to_string(),
        };
        if self.errors.len() < 50 {
            self.errors.push((at, msg));
        }
    }

    fn fail<T>(&mut self, msg: &str) -> R<T> {
        self.error_here(msg);
        Err(())
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(self.peek(), Tok::Punct(x) if *x == p)
    }

    fn is_ident(&self, s: &str) -> bool {
        matches!(self.peek(), Tok::Ident(x) if x == s)
    }

    fn eat(&mut self, p: &str) -> bool {
        if self.is_punct(p) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, p: &str) -> R<()> {
        if self.eat(p) {
            Ok(())
        } else {
            self.fail(&format!("expected `{p}`"))
        }
    }

    fn skip_newlines(&mut self) {
        while matches!(self.peek(), Tok::Newline) {
            self.pos += 1;
        }
    }

    fn ident(&mut self) -> R<String> {
        if !matches!(self.peek(), Tok::Ident(_)) {
            return self.fail("expected a name");
        }
        match self.bump().tok {
            Tok::Ident(s) => Ok(s),
            _ => self.fail("expected a name"),
        }
    }
}

static EOF: Token = Token {
    tok: Tok::Eof,
    span: 0..0,
};
