//! ARM template expressions (`"[concat(parameters('a'), '/16')]"`): a small lexer and
//! recursive-descent parser into the shared [`Expr`] IR. Spans point into the JSON string when
//! it holds no escapes (so a literal inside an expression is labelled exactly), else at the
//! whole string.

use crate::frontends::ir::{Expr, ExprKind};
use crate::source::Span;

/// Deepest nesting of calls and brackets accepted in one expression.
const MAX_DEPTH: usize = 128;

/// Maps offsets inside the expression text to file spans.
#[derive(Clone, Copy)]
pub struct Mapper {
    pub file: usize,
    /// File offset of the expression text's first byte, when offsets map one to one.
    pub base: Option<usize>,
    /// The whole JSON string, the fallback.
    pub whole: Span,
}

impl Mapper {
    fn span(&self, start: usize, end: usize) -> Span {
        match self.base {
            Some(b) => Span::new(self.file, b + start..b + end),
            None => self.whole,
        }
    }
}

/// What a JSON string means to ARM.
pub enum Str<'a> {
    Literal(&'a str),
    /// `[[...`: a literal that starts with one `[`.
    Escaped(&'a str),
    Expression(&'a str),
}

pub fn classify(s: &str) -> Str<'_> {
    let t = s.trim();
    if s.starts_with("[[") {
        return Str::Escaped(s.get(1..).unwrap_or(""));
    }
    if t.len() >= 2 && t.starts_with('[') && t.ends_with(']') {
        return Str::Expression(t.get(1..t.len() - 1).unwrap_or(""));
    }
    Str::Literal(s)
}

struct Parser<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    map: Mapper,
    depth: usize,
}

/// Parses the text between the outer brackets; `offset` is where it starts in the string.
pub fn parse(text: &str, offset: usize, map: Mapper) -> Result<Expr, (Span, String)> {
    let map = Mapper {
        base: map.base.map(|b| b + offset),
        ..map
    };
    let mut p = Parser {
        src: text.as_bytes(),
        text,
        pos: 0,
        map,
        depth: 0,
    };
    let e = p.expr()?;
    p.ws();
    if p.pos < p.src.len() {
        return Err(p.err("unexpected text after the expression"));
    }
    Ok(e)
}

impl Parser<'_> {
    fn err(&self, msg: &str) -> (Span, String) {
        (
            self.map.span(self.pos, (self.pos + 1).min(self.src.len())),
            msg.to_string(),
        )
    }

    fn ws(&mut self) {
        while self.src.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expr(&mut self) -> Result<Expr, (Span, String)> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("expression is nested too deeply"));
        }
        let start = {
            self.ws();
            self.pos
        };
        let mut e = self.primary()?;
        loop {
            self.ws();
            match self.peek() {
                Some(b'.') => {
                    self.pos += 1;
                    let safe = self.eat(b'?');
                    self.ws();
                    let name = self.ident();
                    if name.is_empty() {
                        return Err(self.err("expected a property name after `.`"));
                    }
                    let span = self.map.span(start, self.pos);
                    e = Expr::new(ExprKind::Prop(Box::new(e), name, safe), span);
                }
                Some(b'[') => {
                    self.pos += 1;
                    let safe = self.eat(b'?');
                    let i = self.expr()?;
                    if !self.eat(b']') {
                        return Err(self.err("expected `]`"));
                    }
                    let span = self.map.span(start, self.pos);
                    e = Expr::new(ExprKind::Index(Box::new(e), Box::new(i), safe), span);
                }
                _ => break,
            }
        }
        self.depth -= 1;
        Ok(e)
    }

    fn ident(&mut self) -> String {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'$')
        {
            self.pos += 1;
        }
        self.text.get(start..self.pos).unwrap_or("").to_string()
    }

    fn primary(&mut self) -> Result<Expr, (Span, String)> {
        self.ws();
        let start = self.pos;
        match self.peek() {
            Some(b'\'') => {
                self.pos += 1;
                let mut s = String::new();
                loop {
                    match self.peek() {
                        None => return Err(self.err("unterminated string literal")),
                        Some(b'\'') if self.src.get(self.pos + 1) == Some(&b'\'') => {
                            s.push('\'');
                            self.pos += 2;
                        }
                        Some(b'\'') => {
                            self.pos += 1;
                            break;
                        }
                        Some(_) => {
                            let ch = self
                                .text
                                .get(self.pos..)
                                .and_then(|t| t.chars().next())
                                .unwrap_or('?');
                            s.push(ch);
                            self.pos += ch.len_utf8();
                        }
                    }
                }
                Ok(Expr::str(&s, self.map.span(start, self.pos)))
            }
            Some(c) if c.is_ascii_digit() || c == b'-' => {
                self.pos += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit() || c == b'.') {
                    self.pos += 1;
                }
                let t = self.text.get(start..self.pos).unwrap_or("");
                let n: f64 = t.parse().map_err(|_| self.err("invalid number"))?;
                Ok(Expr::new(ExprKind::Num(n), self.map.span(start, self.pos)))
            }
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                let mut name = self.ident();
                // Namespaced user functions: `ns.fn(...)`.
                while self.peek() == Some(b'.')
                    && self
                        .src
                        .get(self.pos + 1)
                        .is_some_and(|c| c.is_ascii_alphabetic())
                    && self.looks_like_call_after_dot()
                {
                    self.pos += 1;
                    name.push('.');
                    name.push_str(&self.ident());
                }
                match name.to_ascii_lowercase().as_str() {
                    "true" if !self.next_is(b'(') => {
                        return Ok(Expr::new(
                            ExprKind::Bool(true),
                            self.map.span(start, self.pos),
                        ))
                    }
                    "false" if !self.next_is(b'(') => {
                        return Ok(Expr::new(
                            ExprKind::Bool(false),
                            self.map.span(start, self.pos),
                        ))
                    }
                    _ => {}
                }
                if !self.eat(b'(') {
                    return Err(self.err("expected `(` after a function name"));
                }
                let mut args = Vec::new();
                if !self.eat(b')') {
                    loop {
                        args.push(self.expr()?);
                        if self.eat(b',') {
                            continue;
                        }
                        if self.eat(b')') {
                            break;
                        }
                        return Err(self.err("expected `,` or `)` in the argument list"));
                    }
                }
                Ok(Expr::new(
                    ExprKind::Call(name.to_ascii_lowercase(), args),
                    self.map.span(start, self.pos),
                ))
            }
            _ => Err(self.err("expected a function call, a string or a number")),
        }
    }

    fn next_is(&mut self, c: u8) -> bool {
        let save = self.pos;
        self.ws();
        let r = self.peek() == Some(c);
        self.pos = save;
        r
    }

    /// After `name.`: whether `name.other(` follows (a namespaced call), not a property access.
    fn looks_like_call_after_dot(&self) -> bool {
        let mut i = self.pos + 1;
        while self
            .src
            .get(i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            i += 1;
        }
        self.src.get(i) == Some(&b'(')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Expr {
        let map = Mapper {
            file: 0,
            base: Some(0),
            whole: Span::new(0, 0..0),
        };
        parse(s, 0, map).unwrap()
    }

    #[test]
    fn parses_calls_properties_and_escapes() {
        let e = p("concat(parameters('a'), 'it''s').x[0]");
        let ExprKind::Index(inner, _, false) = e.kind else {
            panic!()
        };
        let ExprKind::Prop(call, name, false) = inner.kind else {
            panic!()
        };
        assert_eq!(name, "x");
        let ExprKind::Call(f, args) = call.kind else {
            panic!()
        };
        assert_eq!(f, "concat");
        assert!(matches!(&args[1].kind, ExprKind::Str(s) if &**s == "it's"));
        assert_eq!(args[1].span.range(), 24..31);
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        let map = Mapper {
            file: 0,
            base: None,
            whole: Span::new(0, 0..0),
        };
        for s in ["concat(", "'x", "a.", "1 2", ")", "f(,)", &"f(".repeat(500)] {
            assert!(parse(s, 0, map).is_err(), "{s}");
        }
    }

    #[test]
    fn classifies_strings() {
        assert!(matches!(classify("[[x]"), Str::Escaped("[x]")));
        assert!(matches!(classify("[x()]"), Str::Expression("x()")));
        assert!(matches!(classify("10.0.0.0/8"), Str::Literal(_)));
    }
}
