//! Expressions: terms (literals, collections, calls, templates, parentheses), traversals,
//! unary and binary operators, conditionals and `for` expressions.
//!
//! Where newlines may separate the parts of an expression follows hcl-edit: inside brackets,
//! parentheses and call arguments, and (hcl-edit's quirk, kept so the same files parse) after a
//! term that is a list, a call or an object `for`.

use super::ast::{
    BinaryOp, BinaryOperator, Conditional, Expr, Expression, ForExpr, FuncCall, Ident, ObjectItem,
    ObjectKey, Traversal, TraversalOperator, UnaryOp, UnaryOperator,
};
use super::{Parser, Result, MAX_OPERATORS};

impl<'a> Parser<'a> {
    /// An attribute's value, or a whole-text expression: not a nesting level of its own.
    pub(super) fn root_expr(&mut self) -> Result<Expression> {
        let outer = std::mem::replace(&mut self.operators, 0);
        let out = self.expr_in(&mut false);
        self.operators = outer.max(self.operators);
        out
    }

    /// An expression nested in another, on one line unless brackets say otherwise.
    pub(super) fn expr(&mut self) -> Result<Expression> {
        self.nested(|p| p.expr_in(&mut false))
    }

    /// An expression in which newlines are whitespace (inside parentheses or an interpolation).
    pub(super) fn multiline_expr(&mut self) -> Result<Expression> {
        self.nested(|p| p.expr_in(&mut true))
    }

    /// A nested expression that starts with the enclosing expression's newline rule.
    fn expr_with(&mut self, newlines: bool) -> Result<Expression> {
        self.nested(|p| p.expr_in(&mut { newlines }))
    }

    /// A term, then binary operators and a conditional. `newlines` is the expression's state:
    /// whether newlines count as whitespace, which some terms switch on.
    fn expr_in(&mut self, newlines: &mut bool) -> Result<Expression> {
        let start = self.pos;
        let mut e = self.term(newlines)?;
        loop {
            let save = self.pos;
            self.skip_gap(*newlines);
            match (self.peek(), self.peek_at(1)) {
                (Some(b'?'), Some(_)) => {
                    self.pos += 1;
                    self.skip_gap(*newlines);
                    let true_expr = self.expr_with(*newlines)?;
                    self.skip_gap(*newlines);
                    self.expect(b':')?;
                    self.skip_gap(*newlines);
                    let false_expr = self.expr_with(*newlines)?;
                    let span = start..false_expr.span.end;
                    return Ok(Expression {
                        kind: Expr::Conditional(Box::new(Conditional {
                            cond_expr: e,
                            true_expr,
                            false_expr,
                        })),
                        span,
                    });
                }
                (Some(a), Some(b)) if starts_operator(a, b) => {
                    self.pos = save;
                    e = self.binary_ops(e, *newlines)?;
                }
                _ => {
                    self.pos = save;
                    return Ok(e);
                }
            }
        }
    }

    /// `lhs op term op term ...`, built by precedence.
    fn binary_ops(&mut self, lhs: Expression, newlines: bool) -> Result<Expression> {
        let mut ops: Vec<(BinaryOperator, Expression)> = Vec::new();
        loop {
            let save = self.pos;
            self.skip_gap(newlines);
            let op_start = self.pos;
            let Some(op) = self.binary_operator() else {
                if ops.is_empty() {
                    return Err(self.error("expected an operator"));
                }
                self.pos = save;
                break;
            };
            self.skip_gap(newlines);
            let rhs = self.term(&mut { newlines })?;
            if self.operators + ops.len() + 1 > MAX_OPERATORS {
                self.pos = op_start;
                return Err(self.error("too many chained operators (at most 128)"));
            }
            ops.push((op, rhs));
        }
        self.operators += ops.len();
        let mut ops = ops.into_iter().peekable();
        Ok(climb(lhs, &mut ops, 0))
    }

    fn binary_operator(&mut self) -> Option<BinaryOperator> {
        use BinaryOperator as Op;
        let (op, len) = match (self.peek()?, self.peek_at(1)) {
            (b'=', Some(b'=')) => (Op::Eq, 2),
            (b'!', Some(b'=')) => (Op::NotEq, 2),
            (b'<', Some(b'=')) => (Op::LessEq, 2),
            (b'>', Some(b'=')) => (Op::GreaterEq, 2),
            (b'<', _) => (Op::Less, 1),
            (b'>', _) => (Op::Greater, 1),
            (b'+', _) => (Op::Plus, 1),
            (b'-', _) => (Op::Minus, 1),
            (b'*', _) => (Op::Mul, 1),
            (b'/', Some(b'/' | b'*')) => return None,
            (b'/', _) => (Op::Div, 1),
            (b'%', _) => (Op::Mod, 1),
            (b'&', Some(b'&')) => (Op::And, 2),
            (b'|', Some(b'|')) => (Op::Or, 2),
            _ => return None,
        };
        self.pos += len;
        Some(op)
    }

    /// A term and the traversals (`.attr`, `[index]`, splats) after it.
    fn term(&mut self, newlines: &mut bool) -> Result<Expression> {
        let start = self.pos;
        let kind = match self.peek() {
            Some(b'"') => self.quoted()?,
            Some(b'[') => {
                *newlines = true;
                self.list()?
            }
            Some(b'{') => self.object(newlines)?,
            Some(b'0'..=b'9') => Expr::Number(self.number()?),
            Some(b'<') if self.starts_with("<<") => self.heredoc()?,
            Some(b'-') => {
                self.pos += 1;
                self.skip_sp();
                if self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    Expr::Number(-self.number()?)
                } else {
                    self.unary(UnaryOperator::Neg, *newlines)?
                }
            }
            Some(b'!') => {
                self.pos += 1;
                self.unary(UnaryOperator::Not, *newlines)?
            }
            Some(b'(') => {
                self.pos += 1;
                self.skip_ws();
                let inner = self.multiline_expr()?;
                self.skip_ws();
                self.expect(b')')?;
                Expr::Parenthesis(Box::new(inner))
            }
            _ if self.at_ident_start() => self.identlike(newlines)?,
            _ => return Err(self.error("expected an expression")),
        };
        let term = Expression {
            kind,
            span: start..self.pos,
        };
        let save = self.pos;
        self.skip_gap(*newlines);
        if matches!(self.peek(), Some(b'.' | b'[')) && !self.starts_with("..") {
            self.traversal(term, start, *newlines)
        } else {
            self.pos = save;
            Ok(term)
        }
    }

    /// The operand of `-` or `!`: one term, nested, under the expression's newline rule.
    fn unary(&mut self, operator: UnaryOperator, newlines: bool) -> Result<Expr> {
        self.skip_sp();
        let expr = self.nested(|p| p.term(&mut { newlines }))?;
        Ok(Expr::UnaryOp(Box::new(UnaryOp { operator, expr })))
    }

    fn traversal(&mut self, expr: Expression, start: usize, newlines: bool) -> Result<Expression> {
        let mut operators = Vec::new();
        let mut end = self.pos;
        loop {
            if self.starts_with("..") {
                break;
            }
            let op = match self.peek() {
                Some(b'.') => {
                    self.pos += 1;
                    self.skip_ws();
                    match self.peek() {
                        Some(b'*') => {
                            self.pos += 1;
                            TraversalOperator::AttrSplat
                        }
                        Some(b'0'..=b'9') => {
                            let from = self.pos;
                            while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                                self.pos += 1;
                            }
                            match self.text(from, self.pos).parse::<u64>() {
                                Ok(n) => TraversalOperator::LegacyIndex(n),
                                Err(_) => {
                                    self.pos = from;
                                    return Err(self.error("index out of range"));
                                }
                            }
                        }
                        _ => match self.ident() {
                            Some((name, _)) => TraversalOperator::GetAttr(name.into()),
                            None => {
                                return Err(
                                    self.error("expected an attribute name, `*` or an index")
                                )
                            }
                        },
                    }
                }
                Some(b'[') => {
                    self.pos += 1;
                    self.skip_ws();
                    let op = if self.peek() == Some(b'*') {
                        self.pos += 1;
                        TraversalOperator::FullSplat
                    } else {
                        TraversalOperator::Index(self.multiline_expr()?)
                    };
                    self.skip_ws();
                    self.expect(b']')?;
                    op
                }
                _ => break,
            };
            operators.push(op);
            end = self.pos;
            self.skip_gap(newlines);
        }
        self.pos = end;
        Ok(Expression {
            kind: Expr::Traversal(Box::new(Traversal { expr, operators })),
            span: start..end,
        })
    }

    /// `[ items ]` or `[for ... : value if cond]`.
    fn list(&mut self) -> Result<Expr> {
        self.pos += 1;
        let kind = if self.at_for() {
            let (key_var, value_var, collection_expr) = self.for_intro()?;
            self.skip_ws();
            let value_expr = self.expr_with(true)?;
            self.skip_ws();
            let cond = self.for_cond()?;
            Expr::ForExpr(Box::new(ForExpr {
                key_var,
                value_var,
                collection_expr,
                key_expr: None,
                value_expr,
                grouping: false,
                cond,
            }))
        } else {
            let mut items = Vec::new();
            loop {
                let save = self.pos;
                self.skip_ws();
                if matches!(self.peek(), Some(b']') | None) {
                    self.pos = save;
                    break;
                }
                items.push(self.expr_with(true)?);
                self.skip_ws();
                if !self.eat(",") {
                    break;
                }
            }
            Expr::Array(items)
        };
        self.skip_ws();
        self.expect(b']')?;
        Ok(kind)
    }

    /// `{ key = value, ... }` or `{for ... : key => value if cond}`.
    fn object(&mut self, newlines: &mut bool) -> Result<Expr> {
        self.pos += 1;
        if self.at_for() {
            *newlines = true;
            let (key_var, value_var, collection_expr) = self.for_intro()?;
            self.skip_ws();
            let key_expr = self.expr()?;
            self.skip_ws();
            if !self.eat("=>") {
                return Err(self.error("expected `=>`"));
            }
            self.skip_ws();
            let value_expr = self.expr()?;
            self.skip_ws();
            let grouping = self.eat("...");
            if grouping {
                self.skip_ws();
            }
            let cond = self.for_cond()?;
            self.expect(b'}')?;
            return Ok(Expr::ForExpr(Box::new(ForExpr {
                key_var,
                value_var,
                collection_expr,
                key_expr: Some(key_expr),
                value_expr,
                grouping,
                cond,
            })));
        }
        let mut items: Vec<ObjectItem> = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == Some(b'}') {
                self.pos += 1;
                return Ok(Expr::Object(items));
            }
            let key_start = self.pos;
            let key = match self.expr()? {
                Expression {
                    kind: Expr::Variable(name),
                    span,
                } => ObjectKey::Ident(Ident::new(name, span)),
                e => ObjectKey::Expression(e),
            };
            if items.iter().any(|i| same_key(&i.key, &key)) {
                self.pos = key_start;
                return Err(self.error("object key is defined twice"));
            }
            self.skip_sp();
            if !(self.eat("=") || self.eat(":")) {
                return Err(self.error("expected `=` or `:`"));
            }
            self.skip_sp();
            let value = self.expr()?;
            self.skip_sp();
            items.push(ObjectItem { key, value });
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Expr::Object(items));
                }
                Some(b',') => self.pos += 1,
                Some(b'\n' | b'\r') if self.eat_line_ending() => {}
                Some(b'#' | b'/') if self.skip_line_comment() => {
                    if !self.eat_line_ending() {
                        return Err(self.error("expected a newline"));
                    }
                }
                _ => return Err(self.error("expected `}`, `,` or a newline")),
            }
        }
    }

    /// Whether a `for` expression starts here (after whitespace): `for` then a space or a
    /// comment, so that `format(...)` is an item.
    fn at_for(&self) -> bool {
        let mut p = Parser { ..*self };
        p.skip_ws();
        p.eat("for") && matches!(p.peek(), Some(b' ' | b'\t' | b'#' | b'/' | b'\n'))
    }

    /// `for [key,] value in collection :`.
    fn for_intro(&mut self) -> Result<(Option<Ident>, Ident, Expression)> {
        self.skip_ws();
        self.eat("for");
        self.skip_ws();
        let first = self.for_variable()?;
        let (key_var, value_var) = if self.eat(",") {
            self.skip_ws();
            (Some(first), self.for_variable()?)
        } else {
            (None, first)
        };
        if !self.eat("in") {
            return Err(self.error("expected `in`"));
        }
        self.skip_ws();
        let collection = self.expr()?;
        self.skip_ws();
        self.expect(b':')?;
        Ok((key_var, value_var, collection))
    }

    /// An optional `if condition` ending a `for` expression, and the whitespace after it.
    fn for_cond(&mut self) -> Result<Option<Expression>> {
        let save = self.pos;
        self.skip_ws();
        if !self.eat("if") {
            self.pos = save;
            return Ok(None);
        }
        self.skip_ws();
        let cond = self.expr_with(true)?;
        self.skip_ws();
        Ok(Some(cond))
    }

    /// A keyword, a variable, or a function call (`name(...)`, `ns::name(...)`).
    fn identlike(&mut self, newlines: &mut bool) -> Result<Expr> {
        let Some((name, start)) = self.ident() else {
            return Err(self.error("expected an identifier"));
        };
        let first = Ident::new(name, start..self.pos);
        let save = self.pos;
        self.skip_gap(*newlines);
        if !(self.peek() == Some(b'(') || self.starts_with("::")) {
            self.pos = save;
            return Ok(match name {
                "null" => Expr::Null,
                "true" => Expr::Bool(true),
                "false" => Expr::Bool(false),
                _ => Expr::Variable(name.into()),
            });
        }
        let mut path = vec![first];
        while self.eat("::") {
            self.skip_gap(*newlines);
            let from = self.pos;
            let Some((part, _)) = self.ident() else {
                return Err(self.error("expected an identifier"));
            };
            path.push(Ident::new(part, from..self.pos));
            self.skip_gap(*newlines);
        }
        *newlines = true;
        let (args, expand_final) = self.call_args()?;
        let name = path.pop().unwrap_or_else(|| Ident::new("", start..start));
        Ok(Expr::FuncCall(Box::new(FuncCall {
            namespace: path,
            name,
            args,
            expand_final,
        })))
    }

    /// `( args )`, with an optional trailing `,` or `...`.
    fn call_args(&mut self) -> Result<(Vec<Expression>, bool)> {
        self.expect(b'(')?;
        let mut args = Vec::new();
        let mut expand_final = false;
        loop {
            let save = self.pos;
            self.skip_ws();
            if matches!(self.peek(), Some(b',' | b'.' | b')') | None) {
                self.pos = save;
                break;
            }
            args.push(self.expr_with(true)?);
            self.skip_ws();
            if self.eat("...") {
                expand_final = true;
                break;
            }
            if !self.eat(",") {
                break;
            }
        }
        self.skip_ws();
        if self.peek() != Some(b')') {
            return Err(self.error("expected `)` or an argument"));
        }
        self.pos += 1;
        Ok((args, expand_final))
    }
}

/// Whether two bytes start a binary operator (`/` only when no comment starts there; `=` only
/// as `==`, since a lone `=` ends an object key).
fn starts_operator(a: u8, b: u8) -> bool {
    match a {
        b'/' => !matches!(b, b'/' | b'*'),
        b'=' => b == b'=',
        b'!' | b'<' | b'>' | b'+' | b'-' | b'*' | b'%' | b'&' | b'|' => true,
        _ => false,
    }
}

/// Precedence climbing over `lhs (op rhs)*`: every operator binds left.
fn climb<I>(mut lhs: Expression, ops: &mut std::iter::Peekable<I>, min: u8) -> Expression
where
    I: Iterator<Item = (BinaryOperator, Expression)>,
{
    while let Some((op, _)) = ops.peek() {
        let prec = op.precedence();
        if prec < min {
            break;
        }
        let Some((op, mut rhs)) = ops.next() else {
            break;
        };
        while ops.peek().is_some_and(|(next, _)| next.precedence() > prec) {
            let next = ops.peek().map_or(0, |(n, _)| n.precedence());
            rhs = climb(rhs, ops, next);
        }
        let span = lhs.span.start..rhs.span.end;
        lhs = Expression {
            kind: Expr::BinaryOp(Box::new(BinaryOp {
                lhs_expr: lhs,
                operator: op,
                rhs_expr: rhs,
            })),
            span,
        };
    }
    lhs
}

/// Whether two object keys are the same key: names by name, plain strings by text.
fn same_key(a: &ObjectKey, b: &ObjectKey) -> bool {
    match (a, b) {
        (ObjectKey::Ident(x), ObjectKey::Ident(y)) => x.as_str() == y.as_str(),
        (ObjectKey::Expression(x), ObjectKey::Expression(y)) => match (&x.kind, &y.kind) {
            (Expr::String(s), Expr::String(t)) => s == t,
            _ => false,
        },
        _ => false,
    }
}
