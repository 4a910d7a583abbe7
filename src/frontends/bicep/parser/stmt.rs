//! Statements: declarations (`param`, `var`, `output`, `resource`, `module`, `using`) and their
//! decorators, lowered into the template as they are read.

use std::sync::Arc;

use super::recover::KEYWORDS;
use super::{Parser, R};
use crate::frontends::bicep::lexer::Tok;
use crate::frontends::bicep::lower::{field, flatten_children, pieces_text};
use crate::frontends::bicep::File;
use crate::frontends::ir::{Expr, ExprKind, Loop, Nested, Param, Parent, Resource, Template};

impl Parser<'_> {
    pub(super) fn decorators(&mut self) -> R<()> {
        while self.eat("@") {
            let _ = self.postfix()?;
            self.skip_newlines();
        }
        Ok(())
    }

    pub(super) fn statement(&mut self, out: &mut File) -> R<()> {
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
                    body: Arc::new(body),
                    header,
                    condition,
                    copy,
                    existing: false,
                    nested: Some(Box::new(Nested {
                        template: Arc::new(Template::default()),
                        params: params.map(Arc::new),
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
    pub(super) fn resource_decl(&mut self, start: usize) -> R<Resource> {
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
            body: Arc::new(body),
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
            let mut l = self.for_loop()?;
            // The body is the resource's; the loop keeps only its variables and source (as an
            // ARM `copy` does), so the IR holds the body once.
            let placeholder = Expr::new(ExprKind::Null, l.body.span);
            let body = std::mem::replace(&mut l.body, placeholder);
            return Ok((body, None, Some(Box::new(l))));
        }
        Ok((self.expr()?, None, None))
    }
}
