//! HCL native syntax (`.tf`, `.tfvars`): a hand-written recursive-descent parser into the
//! syntax tree in [`ast`], with byte spans on every node the linter points at.
//!
//! It accepts what hcl-edit 0.9 accepts, with the same spans (a differential test holds it to
//! that on every Terraform file the tests have), at several times its speed: it builds no
//! formatting (whitespace, comments), and it decides each alternative by looking ahead instead
//! of parsing it and backtracking. Whatever it cannot parse is an error at a byte offset; it
//! never panics, and nesting is bounded, so hostile input cannot exhaust the stack.

pub mod ast;
mod body;
mod expr;
mod scan;
mod template;

pub use ast::*;

/// Nested blocks, expressions and templates deeper than this are an error (as in hcl-edit), so
/// recursion, here and in the evaluator, stays within the stack.
const MAX_NESTING: usize = 64;
/// Chained binary operators in one expression: each adds a level to the tree.
const MAX_OPERATORS: usize = 128;

/// A syntax error: where it is, and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub offset: usize,
    pub message: String,
}

type Result<T> = std::result::Result<T, Error>;

/// Parses a whole file.
pub fn parse_body(text: &str) -> Result<Body> {
    let mut p = Parser::new(text);
    let body = p.body()?;
    p.skip_ws();
    if !p.at_end() {
        return Err(p.error("expected an attribute or a block"));
    }
    Ok(body)
}

/// Parses one expression that is the whole text (a `-var` value, a type constraint).
pub fn parse_expr(text: &str) -> Result<Expression> {
    let mut p = Parser::new(text);
    let e = p.root_expr()?;
    if !p.at_end() {
        return Err(p.error("unexpected text after the expression"));
    }
    Ok(e)
}

/// The parser's position in the text and its nesting counters.
struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    /// Binary operators in the current scope, with the deepest nested scope's count (the depth
    /// of the tree they build).
    operators: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Parser<'a> {
        Parser {
            src,
            bytes: src.as_bytes(),
            pos: 0,
            depth: 0,
            operators: 0,
        }
    }

    fn error(&self, message: &str) -> Error {
        Error {
            offset: self.pos,
            message: message.to_string(),
        }
    }

    /// Runs `f` one nesting level deeper, in a scope of its own for chained operators.
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if self.depth >= MAX_NESTING {
            return Err(self.error("nesting too deep (at most 64 levels)"));
        }
        self.depth += 1;
        let outer = std::mem::replace(&mut self.operators, 0);
        let out = f(self);
        self.operators = outer.max(self.operators);
        self.depth -= 1;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> Error {
        match parse_body(text) {
            Ok(b) => panic!("parsed: {b:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn errors_point_at_the_offending_byte() {
        let e = error("resource \"a\" \"b\" {\n  x = \n}\n");
        assert_eq!(
            (e.offset, e.message.as_str()),
            (25, "expected an expression")
        );
        let e = error("a = 1\nb = 2\na = 3\n");
        assert_eq!(e.offset, 12);
        assert!(e.message.contains("`a` is defined twice"), "{}", e.message);
        let e = error("a = \"open\n");
        assert_eq!((e.offset, e.message.as_str()), (10, "unterminated string"));
        let e = error("a = [1, 2\n");
        assert_eq!((e.offset, e.message.as_str()), (10, "expected `]`"));
        let e = error("a = 1 b = 2\n");
        assert_eq!(e.offset, 6);
    }

    #[test]
    fn a_whole_text_expression_must_be_all_of_it() {
        assert!(matches!(
            parse_expr("[1, 2]"),
            Ok(Expression {
                kind: Expr::Array(_),
                ..
            })
        ));
        assert!(parse_expr("1 ").is_err());
        assert!(parse_expr(" 1").is_err());
        assert!(matches!(
            parse_expr("\"a${b}\""),
            Ok(Expression {
                kind: Expr::StringTemplate(_),
                ..
            })
        ));
    }

    #[test]
    fn heredocs_keep_their_last_newline_and_drop_common_indentation() {
        let body = parse_body("a = <<-EOT\n    x\n      y\n  EOT\nb = <<EOT\nz\nEOT\n");
        let values: Vec<Vec<Element>> = body
            .iter()
            .flat_map(|b| b.attributes())
            .filter_map(|a| match &a.value.kind {
                Expr::HeredocTemplate(t) => Some(t.elements.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(
            values,
            vec![
                vec![Element::Literal("x\n  y\n".into())],
                vec![Element::Literal("z\n".into())]
            ]
        );
    }

    #[test]
    fn operators_bind_by_precedence_and_to_the_left() {
        let Ok(Expression {
            kind: Expr::BinaryOp(top),
            span,
        }) = parse_expr("1 + 2 * 3 - 4")
        else {
            panic!("not a binary operation");
        };
        assert_eq!(span, 0..13);
        assert_eq!(top.operator, BinaryOperator::Minus);
        let Expr::BinaryOp(left) = &top.lhs_expr.kind else {
            panic!("left is not a binary operation");
        };
        assert_eq!(left.operator, BinaryOperator::Plus);
        assert!(
            matches!(&left.rhs_expr.kind, Expr::BinaryOp(m) if m.operator == BinaryOperator::Mul)
        );
    }
}
