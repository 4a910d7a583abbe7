//! Native Bicep frontend: a hand-written lexer and recursive-descent parser with error recovery
//! that lowers `.bicep` and `.bicepparam` files straight into the deployment IR (Bicep compiles
//! to ARM, so the same evaluator runs both). Spans are byte ranges in the `.bicep` file, so
//! diagnostics point at the Bicep line where a value was written.
//!
//! Why hand-written: the grammar is small and documented, current syntax (typed imports,
//! `resourceInput<>` types, nullable arrays, multi-line expressions) moves faster than
//! third-party grammars, and recovery at statement boundaries keeps one bad line from hiding
//! the rest of a file.

pub mod lexer;

use std::sync::Arc;

use crate::frontends::ir::{
    BinOp, Expr, ExprKind, Item, Loop, LoopSource, Nested, Param, Parent, Resource, Template,
};
use crate::source::Span;
use lexer::{lex, Piece, Tok, Token};

/// Deepest expression nesting accepted.
const MAX_DEPTH: usize = 150;

/// A parsed `.bicep` or `.bicepparam` file.
pub struct File {
    pub template: Template,
    /// Module declarations: resource index and the module path as written.
    pub modules: Vec<(usize, String)>,
    /// `using './main.bicep'` of a parameters file.
    pub using: Option<String>,
}

const KEYWORDS: &[&str] = &[
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

/// Parses a Bicep file; syntax errors are collected in `template.errors` and the parser resumes
/// at the next statement.
pub fn parse(text: &str, file: usize) -> File {
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

type R<T> = Result<T, ()>;

/// A `resource` declared inside another's body, with its type relative to the parent.
struct ChildDecl {
    res: Resource,
    kids: Vec<ChildDecl>,
}

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

    fn bump(&mut self) -> Token {
        let t = self.tok().clone();
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
        t
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
        match self.peek().clone() {
            Tok::Ident(s) => {
                self.pos += 1;
                Ok(s)
            }
            _ => self.fail("expected a name"),
        }
    }

    /// Skips to the start of the next statement after an error.
    fn recover(&mut self, start: usize) {
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
    fn skip_statement(&mut self) {
        self.skip_until(false);
    }

    /// Skips a type (after a parameter or output name) up to `=` or the end of the line.
    fn skip_type(&mut self) {
        self.skip_until(true);
    }

    /// Skips balanced tokens to the end of the statement, or to a top-level `=` when
    /// `stop_at_eq`. A statement continues across lines after a trailing operator or before a
    /// leading one (`type t =` / `  | 'a'`, `func f() string =>` / `  body`).
    fn skip_until(&mut self, stop_at_eq: bool) {
        let mut depth = 0i32;
        let mut last: Option<Tok> = None;
        while !self.at_eof() {
            match self.peek() {
                Tok::Punct("{" | "[" | "(") => depth += 1,
                Tok::Punct("}" | "]" | ")") => depth -= 1,
                Tok::Punct("=") if stop_at_eq && depth <= 0 => return,
                Tok::Newline if depth <= 0 => {
                    let dangling = matches!(
                        last,
                        Some(Tok::Punct(
                            "=" | "=>" | "|" | "?" | ":" | "&&" | "||" | "??" | ","
                        ))
                    ) && !(stop_at_eq && matches!(last, Some(Tok::Punct("?"))));
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
            last = Some(self.peek().clone());
            self.pos += 1;
        }
    }

    fn decorators(&mut self) -> R<()> {
        while self.eat("@") {
            let _ = self.postfix()?;
            self.skip_newlines();
        }
        Ok(())
    }

    fn statement(&mut self, out: &mut File) -> R<()> {
        self.decorators()?;
        let kw_span = self.tok().span.clone();
        let kw = match self.peek() {
            Tok::Ident(k) => k.clone(),
            _ => return self.fail("expected a declaration"),
        };
        match kw.as_str() {
            "param" => {
                self.pos += 1;
                let name_span = self.here();
                let name = self.ident()?;
                let type_start = self.pos;
                self.skip_type();
                let nullable = self.pos > type_start
                    && matches!(
                        self.toks.get(self.pos - 1).map(|t| &t.tok),
                        Some(Tok::Punct("?"))
                    );
                let default = if self.eat("=") {
                    self.skip_newlines();
                    Some(self.expr()?)
                } else {
                    None
                };
                out.template.params.push(Param {
                    name,
                    span: name_span,
                    default,
                    nullable,
                });
            }
            "var" => {
                self.pos += 1;
                let name = self.ident()?;
                if !self.is_punct("=") {
                    self.skip_type();
                }
                self.expect("=")?;
                self.skip_newlines();
                let e = self.expr()?;
                out.template.vars.push((name, e));
            }
            "output" => {
                self.pos += 1;
                let name = self.ident()?;
                if self.is_ident("resource") {
                    self.pos += 1;
                }
                self.skip_type();
                self.expect("=")?;
                self.skip_newlines();
                let e = self.expr()?;
                out.template.outputs.push((name, e));
            }
            "resource" => {
                self.pos += 1;
                let res = self.resource_decl(kw_span.start)?;
                let kids = std::mem::take(&mut self.pending);
                let mut all = Vec::new();
                flatten_children(&res, kids, &mut all);
                out.template.resources.push(res);
                out.template.resources.extend(all);
            }
            "module" => {
                self.pos += 1;
                let symbol = self.ident()?;
                let path = match self.bump().tok {
                    Tok::Str(p) => pieces_text(&p),
                    _ => return self.fail("expected the module path"),
                };
                let header = self.span(kw_span.start..self.prev_end());
                self.expect("=")?;
                self.skip_newlines();
                let (body, condition, copy) = self.decl_body()?;
                let params = field(&body, "params");
                let name = field(&body, "name")
                    .unwrap_or_else(|| Expr::str(&format!("module-{symbol}"), header));
                out.modules
                    .push((out.template.resources.len(), path.unwrap_or_default()));
                out.template.resources.push(Resource {
                    symbol: Some(symbol),
                    ty: "Microsoft.Resources/deployments".into(),
                    name,
                    parent: None,
                    body,
                    header,
                    condition,
                    copy,
                    existing: false,
                    nested: Some(Box::new(Nested {
                        template: Arc::new(Template::default()),
                        params,
                        outer: false,
                        wrapped: false,
                        unresolved: false,
                    })),
                });
            }
            "using" => {
                self.pos += 1;
                if let Tok::Str(p) = self.bump().tok {
                    out.using = pieces_text(&p);
                }
                self.skip_statement();
            }
            k if KEYWORDS.contains(&k) => self.skip_statement(),
            _ => {
                return self
                    .fail("expected a declaration (param, var, resource, module, output, ...)")
            }
        }
        Ok(())
    }

    /// `sym 'Type@version' [existing] = body`, after the `resource` keyword.
    fn resource_decl(&mut self, start: usize) -> R<Resource> {
        let symbol = self.ident()?;
        let ty = match self.bump().tok {
            Tok::Str(p) => pieces_text(&p).unwrap_or_default(),
            _ => return self.fail("expected the resource type"),
        };
        let header = self.span(start..self.prev_end());
        let existing = if self.is_ident("existing") {
            self.pos += 1;
            true
        } else {
            false
        };
        self.expect("=")?;
        self.skip_newlines();
        self.children.push(Vec::new());
        let body = self.decl_body();
        let children = self.children.pop().unwrap_or_default();
        let (body, condition, copy) = body?;
        let ty_name = ty.split('@').next().unwrap_or("").to_string();
        let res = Resource {
            symbol: Some(symbol),
            ty: ty_name,
            name: field(&body, "name").unwrap_or_else(|| Expr::new(ExprKind::Null, header)),
            parent: field(&body, "parent").map(|p| Parent::Expr(Box::new(p))),
            body,
            header,
            condition,
            copy,
            existing,
            nested: None,
        };
        self.pending = children;
        Ok(res)
    }

    /// A resource or module body: `{...}`, `if (c) {...}` or `[for ...: {...}]`.
    fn decl_body(&mut self) -> R<(Expr, Option<Expr>, Option<Box<Loop>>)> {
        if self.is_ident("if") {
            self.pos += 1;
            let c = self.paren_expr()?;
            self.skip_newlines();
            let body = self.expr()?;
            return Ok((body, Some(c), None));
        }
        if self.is_punct("[") && matches!(self.peek_at(1), Tok::Ident(f) if f == "for")
            || self.is_punct("[") && matches!(self.peek_at(1), Tok::Newline)
        {
            self.pos += 1;
            self.skip_newlines();
            let l = self.for_loop()?;
            return Ok((l.body.clone(), None, Some(Box::new(l))));
        }
        Ok((self.expr()?, None, None))
    }

    fn paren_expr(&mut self) -> R<Expr> {
        self.expect("(")?;
        self.skip_newlines();
        let e = self.expr()?;
        self.skip_newlines();
        self.expect(")")?;
        Ok(e)
    }

    /// `for ... in src: [if (cond)] body ]`, after the `[`.
    fn for_loop(&mut self) -> R<Loop> {
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

    fn expr(&mut self) -> R<Expr> {
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

    fn postfix(&mut self) -> R<Expr> {
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
        let t = self.tok().clone();
        let span = self.span(t.span.clone());
        match &t.tok {
            Tok::Num(n) => {
                self.pos += 1;
                Ok(Expr::new(ExprKind::Num(*n), span))
            }
            Tok::Str(pieces) => {
                self.pos += 1;
                self.string(pieces, span)
            }
            Tok::Ident(name) => {
                if matches!(self.peek_at(1), Tok::Punct("=>")) {
                    self.pos += 2;
                    self.skip_newlines();
                    let body = self.expr()?;
                    let span = self.span(t.span.start..body.span.end as usize);
                    return Ok(Expr::new(
                        ExprKind::Lambda(vec![name.clone()], Box::new(body)),
                        span,
                    ));
                }
                self.pos += 1;
                match name.as_str() {
                    "true" => return Ok(Expr::new(ExprKind::Bool(true), span)),
                    "false" => return Ok(Expr::new(ExprKind::Bool(false), span)),
                    "null" => return Ok(Expr::new(ExprKind::Null, span)),
                    _ => {}
                }
                if self.is_punct("(") {
                    let args = self.args()?;
                    let span = self.span(t.span.start..self.prev_end());
                    return Ok(Expr::new(
                        ExprKind::Call(name.to_ascii_lowercase(), args),
                        span,
                    ));
                }
                Ok(Expr::new(ExprKind::Ident(name.clone()), span))
            }
            Tok::Punct("(") => {
                if let Some(params) = self.lambda_params() {
                    self.skip_newlines();
                    let body = self.expr()?;
                    let span = self.span(t.span.start..body.span.end as usize);
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
                let kt = self.bump();
                let kspan = self.span(kt.span.clone());
                let key = match kt.tok {
                    Tok::Ident(k) => Expr::str(&k, kspan),
                    Tok::Str(p) => self.string(&p, kspan)?,
                    _ => {
                        self.pos -= 1;
                        return self.fail("expected a property name");
                    }
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

/// Gives nested children their full type and their parent, depth first.
fn flatten_children(parent: &Resource, kids: Vec<ChildDecl>, out: &mut Vec<Resource>) {
    for c in kids {
        let mut r = c.res;
        if !(r.ty.contains('/') && r.ty.contains('.')) {
            r.ty = format!("{}/{}", parent.ty, r.ty);
        }
        if r.parent.is_none() {
            if let Some(sym) = &parent.symbol {
                r.parent = Some(Parent::Expr(Box::new(Expr::new(
                    ExprKind::Ident(sym.clone()),
                    r.header,
                ))));
            }
        }
        let mut grand = Vec::new();
        flatten_children(&r, c.kids, &mut grand);
        out.push(r);
        out.extend(grand);
    }
}

static EOF: Token = Token {
    tok: Tok::Eof,
    span: 0..0,
};

/// The text of a string without holes.
fn pieces_text(p: &[Piece]) -> Option<String> {
    match p {
        [Piece::Text(s)] => Some(s.clone()),
        _ => None,
    }
}

/// A property of an object literal by name.
fn field(body: &Expr, name: &str) -> Option<Expr> {
    let e = match &body.kind {
        ExprKind::For(l) => &l.body,
        _ => body,
    };
    match &e.kind {
        ExprKind::Object(fields) => {
            fields
                .iter()
                .find_map(|(k, v)| match k.as_ref().map(|k| &k.kind) {
                    Some(ExprKind::Str(s)) if &**s == name => Some(v.clone()),
                    _ => None,
                })
        }
        _ => None,
    }
}
