//! The syntax tree of HCL's native syntax, as far as the evaluator reads it: no comments, no
//! whitespace, no formatting. Every node the linter points at keeps its byte span.

use std::ops::Range;

/// Byte offsets into the parsed text.
pub type Offsets = Range<usize>;

/// A node that knows where it was written.
pub trait Spanned {
    fn span(&self) -> Offsets;
}

/// The attributes and blocks of a file or of a block, in source order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Body {
    pub structures: Vec<Structure>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Structure {
    Attribute(Attribute),
    Block(Block),
}

impl Body {
    pub fn attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.structures.iter().filter_map(|s| match s {
            Structure::Attribute(a) => Some(a),
            Structure::Block(_) => None,
        })
    }

    pub fn blocks(&self) -> impl Iterator<Item = &Block> {
        self.structures.iter().filter_map(|s| match s {
            Structure::Block(b) => Some(b),
            Structure::Attribute(_) => None,
        })
    }

    /// The attribute named `key` (a body defines each at most once).
    pub fn get_attribute(&self, key: &str) -> Option<&Attribute> {
        self.attributes().find(|a| a.key.as_str() == key)
    }

    pub fn has_attribute(&self, key: &str) -> bool {
        self.get_attribute(key).is_some()
    }
}

/// `key = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub key: Ident,
    pub value: Expression,
}

/// `ident "label" label { body }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub ident: Ident,
    /// Quoted labels carry their quotes in their span and their decoded text as the name.
    pub labels: Vec<Ident>,
    pub body: Body,
}

/// A name with its span: an identifier, a block label or an object key.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    name: Box<str>,
    span: Offsets,
}

impl Ident {
    pub fn new(name: impl Into<Box<str>>, span: Offsets) -> Ident {
        Ident {
            name: name.into(),
            span,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.name
    }
}

impl Spanned for Ident {
    fn span(&self) -> Offsets {
        self.span.clone()
    }
}

/// An expression and the bytes it was written in.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    pub kind: Expr,
    pub span: Offsets,
}

impl Spanned for Expression {
    fn span(&self) -> Offsets {
        self.span.clone()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Null,
    Bool(bool),
    Number(f64),
    /// A quoted string without interpolations or directives, escapes decoded.
    String(Box<str>),
    Array(Vec<Expression>),
    Object(Vec<ObjectItem>),
    /// A quoted string with interpolations or directives.
    StringTemplate(Template),
    /// `<<EOT` or `<<-EOT` (the latter with its common indentation removed).
    HeredocTemplate(Template),
    Parenthesis(Box<Expression>),
    Variable(Box<str>),
    Conditional(Box<Conditional>),
    FuncCall(Box<FuncCall>),
    Traversal(Box<Traversal>),
    UnaryOp(Box<UnaryOp>),
    BinaryOp(Box<BinaryOp>),
    ForExpr(Box<ForExpr>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectItem {
    pub key: ObjectKey,
    pub value: Expression,
}

/// A bare name is an identifier key; anything else (a string, `(var.x)`) is evaluated.
#[derive(Debug, Clone, PartialEq)]
pub enum ObjectKey {
    Ident(Ident),
    Expression(Expression),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Conditional {
    pub cond_expr: Expression,
    pub true_expr: Expression,
    pub false_expr: Expression,
}

/// `name(args)` or `provider::ns::name(args)`; `expand_final` is a trailing `...`.
#[derive(Debug, Clone, PartialEq)]
pub struct FuncCall {
    pub namespace: Vec<Ident>,
    pub name: Ident,
    pub args: Vec<Expression>,
    pub expand_final: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Traversal {
    pub expr: Expression,
    pub operators: Vec<TraversalOperator>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TraversalOperator {
    /// `.*`
    AttrSplat,
    /// `[*]`
    FullSplat,
    GetAttr(Box<str>),
    Index(Expression),
    /// `.0`
    LegacyIndex(u64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnaryOp {
    pub operator: UnaryOperator,
    pub expr: Expression,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOperator {
    Neg,
    Not,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BinaryOp {
    pub lhs_expr: Expression,
    pub operator: BinaryOperator,
    pub rhs_expr: Expression,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOperator {
    Eq,
    NotEq,
    LessEq,
    GreaterEq,
    Less,
    Greater,
    Plus,
    Minus,
    Mul,
    Div,
    Mod,
    And,
    Or,
}

impl BinaryOperator {
    /// Binding strength: higher binds tighter; all are left-associative.
    pub fn precedence(self) -> u8 {
        use BinaryOperator as Op;
        match self {
            Op::Mul | Op::Div | Op::Mod => 6,
            Op::Plus | Op::Minus => 5,
            Op::LessEq | Op::GreaterEq | Op::Less | Op::Greater => 4,
            Op::Eq | Op::NotEq => 3,
            Op::And => 2,
            Op::Or => 1,
        }
    }
}

/// `[for k, v in coll : value if cond]` or `{for k, v in coll : key => value... if cond}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ForExpr {
    pub key_var: Option<Ident>,
    pub value_var: Ident,
    pub collection_expr: Expression,
    pub key_expr: Option<Expression>,
    pub value_expr: Expression,
    pub grouping: bool,
    pub cond: Option<Expression>,
}

/// The parts of a string template; adjacent literal text is one literal.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Template {
    pub elements: Vec<Element>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Element {
    Literal(String),
    Interpolation(Expression),
    /// `%{ if }` or `%{ for }`: checked for syntax, not kept (the evaluator does not run them).
    Directive,
}
