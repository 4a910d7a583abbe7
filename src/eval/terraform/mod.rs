//! Terraform expression evaluator over hcl-edit syntax trees.
//!
//! One [`Evaluator`] serves one root module and every module instance it calls. Everything is
//! lazy and memoized: a local, a module output or a resource attribute is evaluated only when a
//! rule's model needs it, so unrelated code costs nothing and cannot cycle. Cycles and runaway
//! evaluation are caught by an in-progress set and a step budget, reported as EVAL002, and turn
//! into unknown values, never a hang.
//!
//! The evaluator is split by concern: `expr` evaluates expressions and traversals, `symbols`
//! resolves `var`/`local`/`module` references with memoization and cycle guards, `expand`
//! turns `count`/`for_each` into instances, `resources` reads resource attributes and nested
//! blocks, `modules` instantiates module calls, and `convert` brings values from outside a
//! module (typed inputs, `-var` strings, tfvars) into it.

mod convert;
mod expand;
mod expr;
pub mod functions;
mod modules;
mod resources;
mod symbols;

pub use convert::{cli_value, const_value, const_value_in};

use std::cell::{Cell, RefCell};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use foldhash::{HashMap, HashSet};

use crate::frontends::hcl::Body;

use super::value::{InstKey, Value};
use crate::frontends::terraform::Module;
use crate::source::{FileId, Span};

/// Hard limits that keep evaluation bounded on hostile or huge input.
pub const MAX_STEPS: u64 = 2_000_000;
pub const MAX_DEPTH: u32 = 200;
pub const MAX_INSTANCES: usize = 10_000;
pub const MAX_MODULE_DEPTH: usize = 32;

/// All parsed Terraform modules of a scan, by directory.
pub struct Project<'a> {
    pub modules: Vec<Module<'a>>,
    pub by_dir: HashMap<PathBuf, usize>,
    /// Module directories downloaded by `terraform init`, by module key, per root directory.
    pub downloaded: HashMap<PathBuf, HashMap<String, PathBuf>>,
}

/// A problem evaluation hit (EVAL002).
#[derive(Debug, Clone)]
pub struct EvalIssue {
    pub span: Span,
    pub message: String,
}

/// Names bound while evaluating (count, each, for-expression and dynamic-block iterators).
pub struct Bind {
    name: Arc<str>,
    value: Value,
    next: Option<Rc<Bind>>,
}

/// Where an expression is evaluated.
#[derive(Clone)]
pub struct Scope {
    pub inst: usize,
    pub file: FileId,
    binds: Option<Rc<Bind>>,
}

impl Scope {
    pub fn with(&self, name: &str, value: Value) -> Scope {
        Scope {
            inst: self.inst,
            file: self.file,
            binds: Some(Rc::new(Bind {
                name: Arc::from(name),
                value,
                next: self.binds.clone(),
            })),
        }
    }

    /// Binds `count.index` or `each.key`/`each.value` for one instance of a resource or module
    /// call; an unknown key binds all of them as unknown.
    pub fn for_instance(&self, key: &InstKey, value: Value) -> Scope {
        let obj = |pairs: Vec<(&str, Value)>| {
            Value::map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
        };
        match key {
            InstKey::Index(i) => self.with("count", obj(vec![("index", Value::num(*i as f64))])),
            InstKey::Name(n) => self.with(
                "each",
                obj(vec![("key", Value::str(n.clone())), ("value", value)]),
            ),
            InstKey::Unknown => {
                let u = obj(vec![
                    ("index", Value::unknown("count.index is unknown")),
                    ("key", Value::unknown("each.key is unknown")),
                    ("value", Value::unknown("each.value is unknown")),
                ]);
                self.with("count", u.clone()).with("each", u)
            }
        }
    }

    fn lookup(&self, name: &str) -> Option<&Value> {
        let mut cur = self.binds.as_deref();
        while let Some(b) = cur {
            if &*b.name == name {
                return Some(&b.value);
            }
            cur = b.next.as_deref();
        }
        None
    }
}

/// One instantiation of a module: the root, or a `module` block (per `count`/`for_each` key).
pub struct Instance {
    pub module: usize,
    /// Terraform address prefix: "" for the root, `module.a["x"].module.b` below it.
    pub addr: String,
    pub key: String,
    pub inputs: HashMap<String, Value>,
    pub depth: usize,
    /// Set when this instance exists only if an unknown condition holds.
    pub condition: Option<String>,
    /// The call's `source` as written ("" for the root).
    pub source: String,
}

/// The instances of a resource or module call after `count`/`for_each`.
#[derive(Clone)]
pub struct Expansion {
    /// Whether the resource/call uses `count` or `for_each` (references then need a key).
    pub collection: bool,
    pub keys: Vec<(InstKey, Value)>,
    /// The `count`/`for_each` expression text when it could not be evaluated.
    pub unknown_condition: Option<String>,
}

/// A block body to read attributes from, with the names bound around it.
#[derive(Clone)]
pub struct BlockRef<'a> {
    pub body: &'a Body,
    pub scope: Scope,
    pub header: Span,
}

/// The kinds of module-level names the evaluator memoizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Symbol {
    Var,
    Local,
    Output,
}

impl Symbol {
    fn prefix(self) -> &'static str {
        match self {
            Symbol::Var => "var",
            Symbol::Local => "local",
            Symbol::Output => "output",
        }
    }
}

/// Memoized values by name.
type ByName = HashMap<Box<str>, Value>;

/// Instances of one module call: (key, instance index).
type Children = Rc<Vec<(InstKey, usize)>>;

pub struct Evaluator<'p, 'a> {
    pub project: &'p Project<'a>,
    pub instances: RefCell<Vec<Instance>>,
    /// Evaluated variables, locals and outputs per instance and kind, by name: looked up
    /// without building a key (a module reads its variables and locals thousands of times).
    memo: RefCell<HashMap<(usize, Symbol), ByName>>,
    in_progress: RefCell<HashSet<(usize, String)>>,
    res_exp: RefCell<HashMap<(usize, usize), Rc<Expansion>>>,
    children: RefCell<HashMap<(usize, usize), Children>>,
    steps: Cell<u64>,
    depth: Cell<u32>,
    pub issues: RefCell<Vec<EvalIssue>>,
    /// Module calls whose source could not be read: (source as written, call header).
    pub unread_modules: RefCell<Vec<(String, Span)>>,
    text: &'p dyn Fn(Span) -> String,
}

impl<'p, 'a> Evaluator<'p, 'a> {
    /// Creates an evaluator for the root module `module` with its variable values.
    pub fn new(
        project: &'p Project<'a>,
        module: usize,
        inputs: HashMap<String, Value>,
        text: &'p dyn Fn(Span) -> String,
    ) -> Self {
        Evaluator {
            project,
            instances: RefCell::new(vec![Instance {
                module,
                addr: String::new(),
                key: String::new(),
                inputs,
                depth: 0,
                condition: None,
                source: String::new(),
            }]),
            memo: RefCell::default(),
            in_progress: RefCell::default(),
            res_exp: RefCell::default(),
            children: RefCell::default(),
            steps: Cell::new(0),
            depth: Cell::new(0),
            issues: RefCell::default(),
            unread_modules: RefCell::default(),
            text,
        }
    }

    pub fn module_of(&self, inst: usize) -> Option<&'p Module<'a>> {
        let m = self.instances.borrow().get(inst).map(|i| i.module)?;
        self.project.modules.get(m)
    }

    pub fn inst_addr(&self, inst: usize) -> String {
        self.instances
            .borrow()
            .get(inst)
            .map(|i| i.addr.clone())
            .unwrap_or_default()
    }

    pub fn inst_condition(&self, inst: usize) -> Option<String> {
        self.instances
            .borrow()
            .get(inst)
            .and_then(|i| i.condition.clone())
    }

    /// `var.x` in the root, `module.aks.var.x` inside a module (for value chains).
    fn qualified(&self, inst: usize, kind: Symbol, name: &str) -> String {
        let kind = kind.prefix();
        let addr = self.inst_addr(inst);
        if addr.is_empty() {
            [kind, ".", name].concat()
        } else {
            [addr.as_str(), ".", kind, ".", name].concat()
        }
    }

    /// A memoized name's value, if evaluated.
    fn memoized(&self, inst: usize, kind: Symbol, name: &str) -> Option<Value> {
        self.memo
            .borrow()
            .get(&(inst, kind))
            .and_then(|m| m.get(name))
            .cloned()
    }

    fn remember(&self, inst: usize, kind: Symbol, name: &str, v: &Value) {
        self.memo
            .borrow_mut()
            .entry((inst, kind))
            .or_default()
            .insert(name.into(), v.clone());
    }

    fn issue(&self, span: Span, message: String) {
        let mut issues = self.issues.borrow_mut();
        if issues.len() < 100 && !issues.iter().any(|i| i.span == span) {
            issues.push(EvalIssue { span, message });
        }
    }

    fn budget_ok(&self, span: Span) -> bool {
        let s = self.steps.get() + 1;
        self.steps.set(s);
        if s == MAX_STEPS {
            self.issue(
                span,
                format!("evaluation stopped after {MAX_STEPS} steps; remaining values are unknown"),
            );
        }
        s < MAX_STEPS
    }
}
