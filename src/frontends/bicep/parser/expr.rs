//! Expressions: precedence climbing for binary operators, postfix access and calls, literals,
//! lambdas, interpolated strings (holes are lexed and parsed in place) and `for` expressions.

use super::{Parser, R};
use crate::frontends::bicep::lexer::{lex, Piece, Tok};
use crate::frontends::bicep::lower::ChildDecl;
use crate::frontends::ir::{BinOp, Expr, ExprKind, Item, Loop, LoopSource};
use crate::source::Span;

/// Deepest expression nesting accepted.
const MAX_DEPTH: usize = 150;

impl Parser<'_> {
    pub(super) fn paren_expr(&mut self) -> R<Expr> {
        self.expect("(")?;
        self.skip_newlines();
        let e = self.expr()?;
        self.skip_newlines();
        self.expect(")")?;
        Ok(e)
    }

    /// `for ... in src: [if (cond)] body ]`, after the `[`.
    pub(super) fn for_loop(&mut self) -> R<Loop> {
        let (item, index, source) = self.for_head()?;
        self.skip_newlines();
        let mut filter = None;
        if self.is_ident("if") {
            self.pos += 1;
            filter = Some(self.paren_expr()?);
            self.skip_newlines();
        }
        let body = self.expr()?;
        self.skip_newlines();
        self.expect("]")?;
        Ok(Loop {
            item,
            index,
            source: LoopSource::Items(source),
            filter,
            body,
        })
    }

    /// `for x in src:` / `for (x, i) in src:`, after `[`.
    fn for_head(&mut self) -> R<(Option<String>, Option<String>, Expr)> {
        if !self.is_ident("for") {
            return self.fail("expected `for`");
        }
        self.pos += 1;
        let (item, index) = if self.eat("(") {
            let a = self.ident()?;
            let b = if self.eat(",") {
                Some(self.ident()?)
            } else {
                None
            };
            self.expect(")")?;
            (Some(a), b)
        } else {
            (Some(self.ident()?), None)
        };
        if !self.is_ident("in") {
            return self.fail("expected `in`");
        }
        self.pos += 1;
        let src = self.expr()?;
        self.expect(":")?;
        Ok((item, index, src))
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.fail("expression is nested too deeply");
        }
        Ok(())
    }

    pub(super) fn expr(&mut self) -> R<Expr> {
        self.enter()?;
        let r = self.ternary();
        self.depth -= 1;
        r
    }

    /// Whether a binary operator (or `?`) continues the expression on the next line.
    fn continues(&mut self) -> bool {
        if !matches!(self.peek(), Tok::Newline) {
            return false;
        }
        let mut k = self.pos;
        while matches!(self.toks.get(k).map(|t| &t.tok), Some(Tok::Newline)) {
            k += 1;
        }
        let cont = matches!(
            self.toks.get(k).map(|t| &t.tok),
            Some(Tok::Punct(
                "?" | "??" | "||" | "&&" | "==" | "!=" | "=~" | "!~"
            ))
        );
        if cont {
            self.pos = k;
        }
        cont
    }

    fn ternary(&mut self) -> R<Expr> {
        let c = self.binary(0)?;
        self.continues();
        if !self.is_punct("?") {
            return Ok(c);
        }
        self.pos += 1;
        self.skip_newlines();
        let a = self.expr()?;
        self.skip_newlines();
        self.expect(":")?;
        self.skip_newlines();
        let b = self.expr()?;
        let span = c.span.start as usize..b.span.end as usize;
        Ok(Expr::new(
            ExprKind::Ternary(Box::new(c), Box::new(a), Box::new(b)),
            self.span(span),
        ))
    }

    fn binary(&mut self, min: u8) -> R<Expr> {
        let mut left = self.unary()?;
        loop {
            self.continues();
            let (op, prec) = match self.peek() {
                Tok::Punct("??") => (BinOp::Coalesce, 1),
                Tok::Punct("||") => (BinOp::Or, 2),
                Tok::Punct("&&") => (BinOp::And, 3),
                Tok::Punct("==") => (BinOp::Eq, 4),
                Tok::Punct("!=") => (BinOp::Ne, 4),
                Tok::Punct("=~") => (BinOp::EqI, 4),
                Tok::Punct("!~") => (BinOp::NeI, 4),
                Tok::Punct("<") => (BinOp::Lt, 5),
                Tok::Punct("<=") => (BinOp::Le, 5),
                Tok::Punct(">") => (BinOp::Gt, 5),
                Tok::Punct(">=") => (BinOp::Ge, 5),
                Tok::Punct("+") => (BinOp::Add, 6),
                Tok::Punct("-") => (BinOp::Sub, 6),
                Tok::Punct("*") => (BinOp::Mul, 7),
                Tok::Punct("/") => (BinOp::Div, 7),
                Tok::Punct("%") => (BinOp::Mod, 7),
                _ => break,
            };
            if prec <= min {
                break;
            }
            self.pos += 1;
            self.skip_newlines();
            let right = self.binary(prec)?;
            let span = left.span.start as usize..right.span.end as usize;
            left = Expr::new(
                ExprKind::Binary(op, Box::new(left), Box::new(right)),
                self.span(span),
            );
        }
        Ok(left)
    }

    fn unary(&mut self) -> R<Expr> {
        let start = self.tok().span.start;
        if self.eat("!") {
            let e = self.unary()?;
            let span = self.span(start..e.span.end as usize);
            return Ok(Expr::new(ExprKind::Not(Box::new(e)), span));
        }
        if self.eat("-") {
            let e = self.unary()?;
            let span = self.span(start..e.span.end as usize);
            return Ok(Expr::new(ExprKind::Neg(Box::new(e)), span));
        }
        self.postfix()
    }

    pub(super) fn postfix(&mut self) -> R<Expr> {
        self.enter()?;
        let r = self.postfix_inner();
        self.depth -= 1;
        r
    }

    fn postfix_inner(&mut self) -> R<Expr> {
        let start = self.tok().span.start;
        let mut e = self.primary()?;
        loop {
            match self.peek() {
                Tok::Punct("." | ".?") => {
                    let safe = self.is_punct(".?");
                    self.pos += 1;
                    let name = self.ident()?;
                    if self.is_punct("(") {
                        // A namespaced function (`az.resourceGroup()`) or a resource function.
                        let args = self.args()?;
                        let span = self.span(start..self.prev_end());
                        let ns = matches!(&e.kind, ExprKind::Ident(n) if n == "az" || n == "sys");
                        e = if ns {
                            Expr::new(ExprKind::Call(name.to_ascii_lowercase(), args), span)
                        } else {
                            Expr::new(
                                ExprKind::Call(
                                    format!("{}.method", name.to_ascii_lowercase()),
                                    args,
                                ),
                                span,
                            )
                        };
                        continue;
                    }
                    let span = self.span(start..self.prev_end());
                    e = Expr::new(ExprKind::Prop(Box::new(e), name, safe), span);
                }
                Tok::Punct("[") => {
                    self.pos += 1;
                    let safe = self.eat("?");
                    self.skip_newlines();
                    let i = self.expr()?;
                    self.skip_newlines();
                    self.expect("]")?;
                    let span = self.span(start..self.prev_end());
                    e = Expr::new(ExprKind::Index(Box::new(e), Box::new(i), safe), span);
                }
                Tok::Punct("::") => {
                    self.pos += 1;
                    let name = self.ident()?;
                    let span = self.span(start..self.prev_end());
                    e = Expr::new(ExprKind::Ident(name), span);
                }
                Tok::Punct("!") => {
                    // Non-null assertion.
                    self.pos += 1;
                }
                _ => break,
            }
        }
        Ok(e)
    }

    fn args(&mut self) -> R<Vec<Expr>> {
        self.expect("(")?;
        let mut args = Vec::new();
        loop {
            self.skip_newlines();
            if self.eat(")") {
                break;
            }
            args.push(self.expr()?);
            self.skip_newlines();
            if self.eat(",") {
                continue;
            }
            self.skip_newlines();
            if self.eat(")") {
                break;
            }
            return self.fail("expected `,` or `)`");
        }
        Ok(args)
    }

    fn primary(&mut self) -> R<Expr> {
        let range = self.tok().span.clone();
        let span = self.span(range.clone());
        match self.peek() {
            Tok::Num(n) => {
                let n = *n;
                self.pos += 1;
                Ok(Expr::new(ExprKind::Num(n), span))
            }
            Tok::Str(_) => {
                let pieces = match self.bump().tok {
                    Tok::Str(p) => p,
                    _ => Vec::new(),
                };
                self.string(&pieces, span)
            }
            Tok::Ident(_) => {
                let name = match self.bump().tok {
                    Tok::Ident(n) => n,
                    _ => String::new(),
                };
                if self.is_punct("=>") {
                    self.pos += 1;
                    self.skip_newlines();
                    let body = self.expr()?;
                    let span = self.span(range.start..body.span.end as usize);
                    return Ok(Expr::new(
                        ExprKind::Lambda(vec![name], Box::new(body)),
                        span,
                    ));
                }
                match name.as_str() {
                    "true" => return Ok(Expr::new(ExprKind::Bool(true), span)),
                    "false" => return Ok(Expr::new(ExprKind::Bool(false), span)),
                    "null" => return Ok(Expr::new(ExprKind::Null, span)),
                    _ => {}
                }
                if self.is_punct("(") {
                    let args = self.args()?;
                    let span = self.span(range.start..self.prev_end());
                    return Ok(Expr::new(
                        ExprKind::Call(name.to_ascii_lowercase(), args),
                        span,
                    ));
                }
                Ok(Expr::new(ExprKind::Ident(name), span))
            }
            Tok::Punct("(") => {
                if let Some(params) = self.lambda_params() {
                    self.skip_newlines();
                    let body = self.expr()?;
                    let span = self.span(range.start..body.span.end as usize);
                    return Ok(Expr::new(ExprKind::Lambda(params, Box::new(body)), span));
                }
                self.pos += 1;
                self.skip_newlines();
                let e = self.expr()?;
                self.skip_newlines();
                self.expect(")")?;
                Ok(e)
            }
            Tok::Punct("{") => self.object(),
            Tok::Punct("[") => self.array(),
            _ => self.fail("expected a value"),
        }
    }

    /// `(a, b) =>`: consumes it and returns the names, or leaves the position alone.
    fn lambda_params(&mut self) -> Option<Vec<String>> {
        let save = self.pos;
        self.pos += 1;
        let mut names = Vec::new();
        loop {
            match self.peek().clone() {
                Tok::Ident(n) => {
                    names.push(n);
                    self.pos += 1;
                }
                Tok::Punct(")") if names.is_empty() => {}
                _ => break,
            }
            if self.eat(",") {
                continue;
            }
            if self.eat(")") && self.eat("=>") {
                return Some(names);
            }
            break;
        }
        self.pos = save;
        None
    }

    fn string(&mut self, pieces: &[Piece], span: Span) -> R<Expr> {
        if let [Piece::Text(s)] = pieces {
            return Ok(Expr::str(s, span));
        }
        let mut parts = Vec::new();
        for p in pieces {
            match p {
                Piece::Text(s) if s.is_empty() => {}
                Piece::Text(s) => parts.push(Expr::str(s, span)),
                Piece::Hole(r) => {
                    let toks = lex(self.text, r.start, r.end);
                    let mut sub = Parser {
                        text: self.text,
                        file: self.file,
                        toks,
                        pos: 0,
                        depth: self.depth,
                        errors: Vec::new(),
                        children: Vec::new(),
                        pending: Vec::new(),
                    };
                    sub.skip_newlines();
                    let e = sub.expr();
                    self.errors.append(&mut sub.errors);
                    parts.push(e?);
                }
            }
        }
        Ok(Expr::new(ExprKind::Interp(parts), span))
    }

    fn object(&mut self) -> R<Expr> {
        let start = self.tok().span.start;
        self.expect("{")?;
        let mut fields = Vec::new();
        loop {
            self.skip_newlines();
            if self.eat("}") {
                break;
            }
            if self.at_eof() {
                return self.fail("expected `}`");
            }
            self.decorators()?;
            if self.eat("...") {
                let e = self.expr()?;
                fields.push((None, e));
            } else if self.is_ident("resource") && matches!(self.peek_at(1), Tok::Ident(_)) {
                let s = self.tok().span.start;
                self.pos += 1;
                let res = self.resource_decl(s)?;
                let kids = std::mem::take(&mut self.pending);
                if let Some(list) = self.children.last_mut() {
                    list.push(ChildDecl { res, kids });
                }
            } else {
                if !matches!(self.peek(), Tok::Ident(_) | Tok::Str(_)) {
                    return self.fail("expected a property name");
                }
                let kt = self.bump();
                let kspan = self.span(kt.span.clone());
                let key = match kt.tok {
                    Tok::Str(p) => self.string(&p, kspan)?,
                    Tok::Ident(k) => Expr::str(&k, kspan),
                    _ => Expr::str("", kspan),
                };
                self.expect(":")?;
                self.skip_newlines();
                let v = self.expr()?;
                fields.push((Some(key), v));
            }
            if self.eat(",") {
                continue;
            }
            if matches!(self.peek(), Tok::Newline) || self.is_punct("}") {
                continue;
            }
            return self.fail("expected a new line or `}` after the property");
        }
        Ok(Expr::new(
            ExprKind::Object(fields),
            self.span(start..self.prev_end()),
        ))
    }

    fn array(&mut self) -> R<Expr> {
        let start = self.tok().span.start;
        self.expect("[")?;
        self.skip_newlines();
        if self.is_ident("for") {
            let l = self.for_loop()?;
            return Ok(Expr::new(
                ExprKind::For(Box::new(l)),
                self.span(start..self.prev_end()),
            ));
        }
        let mut items = Vec::new();
        loop {
            self.skip_newlines();
            if self.eat("]") {
                break;
            }
            if self.at_eof() {
                return self.fail("expected `]`");
            }
            if self.eat("...") {
                items.push(Item::Spread(self.expr()?));
            } else {
                items.push(Item::One(self.expr()?));
            }
            if self.eat(",") {
                continue;
            }
            if matches!(self.peek(), Tok::Newline) || self.is_punct("]") {
                continue;
            }
            return self.fail("expected a new line or `]` after the item");
        }
        Ok(Expr::new(
            ExprKind::Array(items),
            self.span(start..self.prev_end()),
        ))
    }
}
