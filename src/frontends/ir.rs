//! The deployment IR shared by the ARM JSON and Bicep frontends: a template's parameters,
//! variables, resources, modules and outputs, with every value an [`Expr`] that keeps its span.
//! Bicep compiles to ARM, so one evaluator serves both: ARM expression strings and Bicep syntax
//! both lower to these nodes.

use std::sync::Arc;

use crate::source::Span;

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    EqI,
    NeI,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Coalesce,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Num(f64),
    Str(Arc<str>),
    Array(Vec<Item>),
    /// Keys are expressions (ARM allows `"[parameters('k')]": ...`); `None` is a spread.
    Object(Vec<(Option<Expr>, Expr)>),
    /// A function call; the name is lower-cased, namespaces (`az.`, `sys.`) dropped.
    Call(String, Vec<Expr>),
    /// `a.b`, or `a.?b` (safe: a missing property is null rather than unknown).
    Prop(Box<Expr>, String, bool),
    /// `a[i]`, or `a[?i]` (safe).
    Index(Box<Expr>, Box<Expr>, bool),
    /// A name: Bicep parameter, variable, resource, module, loop or lambda variable.
    Ident(String),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `(a, b) => body`.
    Lambda(Vec<String>, Box<Expr>),
    /// String interpolation: the parts' text concatenated.
    Interp(Vec<Expr>),
    /// A loop producing an array: Bicep `[for (x, i) in src: body]` (with an optional filter) or
    /// an ARM `copy` (`index` names the copy loop for `copyIndex('name')`).
    For(Box<Loop>),
}

/// An array element: a value, or a Bicep spread `...x`.
#[derive(Clone, Debug)]
pub enum Item {
    One(Expr),
    Spread(Expr),
}

#[derive(Clone, Debug)]
pub struct Loop {
    pub item: Option<String>,
    pub index: Option<String>,
    /// What the loop runs over: an array, or a count (ARM `copy.count`, Bicep `range()`).
    pub source: LoopSource,
    pub filter: Option<Expr>,
    pub body: Expr,
}

#[derive(Clone, Debug)]
pub enum LoopSource {
    Items(Expr),
    Count(Expr),
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    pub span: Span,
    pub default: Option<Expr>,
    /// A nullable type (`string?`, ARM `"nullable": true`): null when not given.
    pub nullable: bool,
}

/// A resource, or a module / nested deployment (`template` set).
#[derive(Clone, Debug)]
pub struct Resource {
    /// Bicep symbolic name or the key in a `languageVersion` 2.0 resources object.
    pub symbol: Option<String>,
    /// Full type (`Microsoft.Network/virtualNetworks/subnets`), without the API version.
    pub ty: String,
    /// Full name (`vnet/subnet`), or the short name when `parent` is set.
    pub name: Expr,
    /// The parent resource's symbol (Bicep `parent:` or a nested child declaration).
    pub parent: Option<Parent>,
    /// The whole declaration body (`properties`, `identity`, `sku`, `scope`, ...). Shared: a
    /// Bicep template is copied for each lowering that links its modules, and only the
    /// modules' `nested` differ.
    pub body: Arc<Expr>,
    pub header: Span,
    pub condition: Option<Expr>,
    /// `copy` (ARM) or `for` (Bicep) over the whole resource; the body sees the loop variables.
    pub copy: Option<Box<Loop>>,
    pub existing: bool,
    pub nested: Option<Box<Nested>>,
}

#[derive(Clone, Debug)]
pub enum Parent {
    /// Bicep `parent: vnet` (or `vnets[0]`): evaluates to the parent's symbolic value.
    Expr(Box<Expr>),
    /// The ARM parent in which a child resource was written: its full type and name.
    Enclosing { ty: String, name: Box<Expr> },
}

/// A nested deployment / module: the template it deploys and the parameter values it passes.
#[derive(Clone, Debug)]
pub struct Nested {
    pub template: Arc<Template>,
    /// An object of parameter name to value (Bicep `params`) or to `{ "value": ... }` (ARM).
    pub params: Option<Arc<Expr>>,
    /// ARM `expressionEvaluationOptions.scope = outer`: the template reads the caller's
    /// parameters and variables.
    pub outer: bool,
    /// ARM parameter objects wrap each value in `{ "value": ... }`.
    pub wrapped: bool,
    /// The module's template could not be read (a registry module, or outside the scan): its
    /// outputs are unknown.
    pub unresolved: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Template {
    pub file: usize,
    /// Written in Bicep: value chains name `x` rather than `parameters('x')`.
    pub bicep: bool,
    pub params: Vec<Param>,
    pub vars: Vec<(String, Expr)>,
    pub resources: Vec<Resource>,
    pub outputs: Vec<(String, Expr)>,
    /// Problems found while reading the template (bad expressions), reported as PARSE001.
    pub errors: Vec<(Span, String)>,
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    pub fn str(s: &str, span: Span) -> Expr {
        Expr::new(ExprKind::Str(Arc::from(s)), span)
    }
}
