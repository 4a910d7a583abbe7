//! The deployment IR shared by the ARM JSON and Bicep frontends: a template's parameters,
//! variables, resources, modules and outputs, with every value an [`Expr`] that keeps its span.
//! Bicep compiles to ARM, so one evaluator serves both: ARM expression strings and Bicep syntax
//! both lower to these nodes.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use foldhash::HashMap;

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
    /// Its declarations by name, indexed on first use (see [`Template::names`]).
    pub names: OnceLock<Names>,
}

/// Where a template declares each name: the evaluator resolves identifiers and
/// `parameters()`/`variables()` reads by one lookup instead of a scan of the declarations (an
/// evaluation reads its names thousands of times, and a module is evaluated once per caller).
#[derive(Clone, Debug, Default)]
pub struct Names {
    /// The first parameter, variable and resource declared under each exact spelling.
    exact: HashMap<Box<str>, Declared>,
    /// Each parameter's and variable's lower-cased name (ARM names ignore case), in order.
    param_keys: Vec<String>,
    var_keys: Vec<String>,
}

/// What a name declares in one template, by declaration index.
#[derive(Clone, Copy, Debug, Default)]
pub struct Declared {
    pub param: Option<usize>,
    pub var: Option<usize>,
    pub resource: Option<usize>,
}

impl Names {
    fn of(t: &Template) -> Names {
        let mut exact: HashMap<Box<str>, Declared> = HashMap::default();
        for (i, p) in t.params.iter().enumerate() {
            let d = exact.entry(p.name.as_str().into()).or_default();
            d.param.get_or_insert(i);
        }
        for (i, (n, _)) in t.vars.iter().enumerate() {
            exact
                .entry(n.as_str().into())
                .or_default()
                .var
                .get_or_insert(i);
        }
        for (i, r) in t.resources.iter().enumerate() {
            if let Some(s) = &r.symbol {
                let d = exact.entry(s.as_str().into()).or_default();
                d.resource.get_or_insert(i);
            }
        }
        Names {
            exact,
            param_keys: t
                .params
                .iter()
                .map(|p| p.name.to_ascii_lowercase())
                .collect(),
            var_keys: t.vars.iter().map(|(n, _)| n.to_ascii_lowercase()).collect(),
        }
    }

    /// What `name`, spelled exactly so, declares.
    pub fn get(&self, name: &str) -> Declared {
        self.exact.get(name).copied().unwrap_or_default()
    }

    /// The memo key of parameter `name` (its lower-cased name): the one built with the index
    /// when spelled as declared, else built now.
    pub fn param_key<'a>(&'a self, name: &str) -> Cow<'a, str> {
        key(&self.param_keys, self.get(name).param, name)
    }

    /// The memo key of variable `name`, as [`Names::param_key`].
    pub fn var_key<'a>(&'a self, name: &str) -> Cow<'a, str> {
        key(&self.var_keys, self.get(name).var, name)
    }
}

fn key<'a>(keys: &'a [String], at: Option<usize>, name: &str) -> Cow<'a, str> {
    match at.and_then(|i| keys.get(i)) {
        Some(k) => Cow::Borrowed(k),
        None => Cow::Owned(name.to_ascii_lowercase()),
    }
}

impl Template {
    /// The index of its declarations. Built once its parameters, variables and resources are
    /// final: the frontends fill a template before anything evaluates it, and linking a
    /// module later only sets the `nested` template of a resource, which names nothing here.
    pub fn names(&self) -> &Names {
        self.names.get_or_init(|| Names::of(self))
    }
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    pub fn str(s: &str, span: Span) -> Expr {
        Expr::new(ExprKind::Str(Arc::from(s)), span)
    }
}
