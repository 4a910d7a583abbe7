//! Terraform expression evaluator over hcl-edit syntax trees.
//!
//! One [`Evaluator`] serves one root module and every module instance it calls. Everything is
//! lazy and memoized: a local, a module output or a resource attribute is evaluated only when a
//! rule's model needs it, so unrelated code costs nothing and cannot cycle. Cycles and runaway
//! evaluation are caught by an in-progress set and a step budget, reported as EVAL002, and turn
//! into unknown values, never a hang.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use hcl_edit::expr::{BinaryOperator, Expression, TraversalOperator, UnaryOperator};
use hcl_edit::structure::Body;
use hcl_edit::template::{Element, Template};

use super::functions;
use super::partial::Partial;
use super::value::{InstKey, Kind, ResHandle, ResId, Value};
use crate::frontends::terraform::{header_span, is_local_source, join_normalized, span_of, Module};
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

/// Instances of one module call: (key, instance index).
type Children = Rc<Vec<(InstKey, usize)>>;

pub struct Evaluator<'p, 'a> {
    pub project: &'p Project<'a>,
    pub instances: RefCell<Vec<Instance>>,
    /// Evaluated variables, locals and outputs per instance (`var.x`, `local.x`, `output.x`).
    memo: RefCell<HashMap<(usize, String), Value>>,
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
    fn qualified(&self, inst: usize, kind: &str, name: &str) -> String {
        let addr = self.inst_addr(inst);
        if addr.is_empty() {
            format!("{kind}.{name}")
        } else {
            format!("{addr}.{kind}.{name}")
        }
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

    // ----- expressions -------------------------------------------------------------------

    pub fn eval(&self, e: &Expression, sc: &Scope) -> Value {
        let span = span_of(sc.file, e);
        if !self.budget_ok(span) {
            return Value::unknown("evaluation limit reached");
        }
        let d = self.depth.get();
        if d >= MAX_DEPTH {
            self.issue(span, "expression nesting too deep to evaluate".into());
            return Value::unknown("expression nesting too deep");
        }
        self.depth.set(d + 1);
        let v = self.eval_inner(e, sc, span);
        self.depth.set(d);
        v
    }

    fn eval_inner(&self, e: &Expression, sc: &Scope, span: Span) -> Value {
        let here = Some(span);
        match e {
            Expression::Null(_) => Value::at(Kind::Null, here),
            Expression::Bool(b) => Value::at(Kind::Bool(*b.value()), here),
            Expression::Number(n) => match n.value().as_f64() {
                Some(f) => Value::at(Kind::Num(f), here),
                None => Value::error("bad number"),
            },
            Expression::String(s) => Value::at(Kind::Str(Arc::from(s.value().as_str())), here),
            Expression::Array(a) => {
                let items = a.iter().map(|x| self.eval(x, sc)).collect();
                Value::list(items).located(here)
            }
            Expression::Object(o) => {
                let mut map = BTreeMap::new();
                for (k, v) in o.iter() {
                    let key = match k {
                        hcl_edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
                        hcl_edit::expr::ObjectKey::Expression(ke) => {
                            let kv = self.eval(ke, sc);
                            match kv.to_tf_string() {
                                Some(s) => s,
                                None if kv.is_unknown() => {
                                    return Value::unknown("object key is unknown")
                                }
                                // `(var.x) = ...` style keys of other types are rare; skip.
                                None => continue,
                            }
                        }
                    };
                    map.insert(key, self.eval(v.expr(), sc));
                }
                Value::map(map).located(here)
            }
            Expression::StringTemplate(t) => self.template(t, sc, span),
            Expression::HeredocTemplate(h) => self.template(&h.template, sc, span),
            Expression::Parenthesis(p) => self.eval(p.inner(), sc),
            Expression::Variable(v) => self.variable(v.as_str(), sc, span),
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr, sc);
                match cond.as_bool() {
                    Some(true) => self.eval(&c.true_expr, sc),
                    Some(false) => self.eval(&c.false_expr, sc),
                    None if cond.is_error() => cond,
                    None => Value::unknown(format!(
                        "condition `{}` is unknown",
                        (self.text)(span_of(sc.file, &c.cond_expr))
                    )),
                }
            }
            Expression::FuncCall(f) => {
                let name = f.name.name.as_str();
                if !f.name.namespace.is_empty() {
                    return Value::unknown(format!("provider function {name} is not evaluated"));
                }
                // try/can must see errors of their arguments, so they get them unevaluated.
                match name {
                    "try" => {
                        for a in f.args.iter() {
                            let v = self.eval(a, sc);
                            if !v.is_error() {
                                return v;
                            }
                        }
                        return Value::error("no argument of try() succeeded");
                    }
                    "can" => {
                        let v = f.args.iter().next().map(|a| self.eval(a, sc));
                        return match v {
                            Some(v) if v.is_error() => Value::at(Kind::Bool(false), here),
                            Some(v) if v.is_unknown() => v,
                            _ => Value::at(Kind::Bool(true), here),
                        };
                    }
                    _ => {}
                }
                let mut args: Vec<Value> = f.args.iter().map(|a| self.eval(a, sc)).collect();
                if f.args.expand_final() {
                    if let Some(last) = args.pop() {
                        match last.as_list() {
                            Some(l) => args.extend(l.iter().cloned()),
                            None if last.is_unknown() => return last,
                            None => return Value::error("expanded argument is not a list"),
                        }
                    }
                }
                let args: Vec<Value> = args.into_iter().map(|a| self.materialize(a)).collect();
                functions::call(name, args, span)
            }
            Expression::Traversal(t) => {
                let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
                self.traverse(&t.expr, &ops, sc, span)
            }
            Expression::UnaryOp(u) => {
                let v = self.eval(&u.expr, sc);
                if v.is_unknown() {
                    return v;
                }
                match u.operator.value() {
                    UnaryOperator::Neg => match v.as_num() {
                        Some(n) => Value::at(Kind::Num(-n), here),
                        None => Value::error("cannot negate a non-number"),
                    },
                    UnaryOperator::Not => match v.as_bool() {
                        Some(b) => Value::at(Kind::Bool(!b), here),
                        None => Value::error("cannot negate a non-bool"),
                    },
                }
            }
            Expression::BinaryOp(b) => self.binary(b, sc, span),
            Expression::ForExpr(f) => self.for_expr(f, sc, span),
        }
    }

    fn template(&self, t: &Template, sc: &Scope, span: Span) -> Value {
        let elems: Vec<&Element> = t.iter().collect();
        // "${x}" alone yields x itself, unconverted (Terraform semantics): keeps ids linkable.
        if let [Element::Interpolation(i)] = elems.as_slice() {
            return self.eval(&i.expr, sc);
        }
        // `out` is the string with ids as link tokens (`ref:<address>`), so built ids link;
        // `text` is the string Azure will see, ids by their shape and unknowns as holes.
        let mut out = Some(String::new());
        let mut text = Partial::new();
        let mut links = false;
        for el in elems {
            match el {
                Element::Literal(l) => {
                    text.push_text(l.value());
                    if let Some(o) = &mut out {
                        o.push_str(l.value());
                    }
                }
                Element::Interpolation(i) => {
                    let v = self.eval(&i.expr, sc);
                    if v.is_error() {
                        return v;
                    }
                    links |= v.is_link();
                    let Some(t) = v
                        .to_tf_string()
                        .map_or_else(|| v.as_partial(), |_| v.text_of())
                    else {
                        return Value::unknown(match v.reason() {
                            Some(r) => r.to_string(),
                            None => "string template includes a non-string value".into(),
                        });
                    };
                    text.push(&t);
                    out = out.zip(v.to_tf_string()).map(|(o, s)| o + &s);
                }
                Element::Directive(_) => {
                    return Value::unknown("template directives are not evaluated")
                }
            }
            if text.text_len() > functions::MAX_STRING
                || out
                    .as_ref()
                    .is_some_and(|o| o.len() > functions::MAX_STRING)
            {
                return Value::unknown("string too long");
            }
        }
        match out {
            Some(o) if links => Value::at(Kind::Str(Arc::from(o)), Some(span)).with_shape(text),
            Some(o) => Value::at(Kind::Str(Arc::from(o)), Some(span)),
            None => Value::text(text, Some(span)),
        }
    }

    fn binary(&self, b: &hcl_edit::expr::BinaryOp, sc: &Scope, span: Span) -> Value {
        use BinaryOperator as Op;
        let op = *b.operator.value();
        let l = self.eval(&b.lhs_expr, sc);
        // && and || short-circuit on a known deciding side, even when the other is unknown.
        if matches!(op, Op::And | Op::Or) {
            let r = self.eval(&b.rhs_expr, sc);
            let (lb, rb) = (l.as_bool(), r.as_bool());
            let res = match op {
                Op::And if lb == Some(false) || rb == Some(false) => Some(false),
                Op::Or if lb == Some(true) || rb == Some(true) => Some(true),
                _ => match (lb, rb) {
                    (Some(x), Some(y)) => Some(if op == Op::And { x && y } else { x || y }),
                    _ => None,
                },
            };
            return match res {
                Some(v) => Value::at(Kind::Bool(v), Some(span)),
                None => Value::unknown("boolean operand is unknown"),
            };
        }
        let r = self.eval(&b.rhs_expr, sc);
        if l.is_error() {
            return l;
        }
        if r.is_error() {
            return r;
        }
        if l.is_unknown() {
            return l;
        }
        if r.is_unknown() {
            return r;
        }
        let here = Some(span);
        match op {
            Op::Eq => Value::at(Kind::Bool(functions::equal(&l, &r)), here),
            Op::NotEq => Value::at(Kind::Bool(!functions::equal(&l, &r)), here),
            _ => {
                let (Some(x), Some(y)) = (l.as_num(), r.as_num()) else {
                    return Value::error("arithmetic on a non-number");
                };
                let k = match op {
                    Op::Plus => Kind::Num(x + y),
                    Op::Minus => Kind::Num(x - y),
                    Op::Mul => Kind::Num(x * y),
                    Op::Div if y != 0.0 => Kind::Num(x / y),
                    Op::Mod if y != 0.0 => Kind::Num(x % y),
                    Op::Div | Op::Mod => return Value::error("division by zero"),
                    Op::Less => Kind::Bool(x < y),
                    Op::LessEq => Kind::Bool(x <= y),
                    Op::Greater => Kind::Bool(x > y),
                    Op::GreaterEq => Kind::Bool(x >= y),
                    Op::Eq | Op::NotEq | Op::And | Op::Or => return Value::error("unreachable"),
                };
                Value::at(k, here)
            }
        }
    }

    fn for_expr(&self, f: &hcl_edit::expr::ForExpr, sc: &Scope, span: Span) -> Value {
        let coll = self.materialize(self.eval(&f.intro.collection_expr, sc));
        let pairs = match (&coll.kind, key_value_pairs(&coll)) {
            (_, Some(p)) => p,
            (Kind::Null, None) => return Value::error("for expression over null"),
            (Kind::Unknown(_) | Kind::Error(_), None) => return coll,
            _ => return Value::error("for expression over a non-collection"),
        };
        let key_var = f.intro.key_var.as_ref().map(|k| k.as_str());
        let val_var = f.intro.value_var.as_str();
        let mut list = Vec::new();
        let mut map: BTreeMap<String, Value> = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (k, v) in pairs {
            let mut s2 = sc.with(val_var, v);
            if let Some(kv) = key_var {
                s2 = s2.with(kv, k);
            }
            // An undecidable filter keeps the element as unknown rather than losing the whole
            // collection: the rest stays usable and nothing unknown can fire a rule.
            let mut keep_unknown = false;
            if let Some(c) = &f.cond {
                let cv = self.eval(&c.expr, &s2);
                match cv.as_bool() {
                    Some(true) => {}
                    Some(false) => continue,
                    None => keep_unknown = true,
                }
            }
            let val = if keep_unknown {
                Value::unknown("for expression filter is unknown for this element")
            } else {
                self.eval(&f.value_expr, &s2)
            };
            match &f.key_expr {
                None => list.push(val),
                Some(ke) => {
                    let kv = self.eval(ke, &s2);
                    let Some(key) = kv.to_tf_string() else {
                        return Value::unknown("for expression key is unknown");
                    };
                    if f.grouping {
                        groups.entry(key).or_default().push(val);
                    } else {
                        map.insert(key, val);
                    }
                }
            }
        }
        if f.key_expr.is_none() {
            Value::list(list).located(Some(span))
        } else if f.grouping {
            let m = groups
                .into_iter()
                .map(|(k, v)| (k, Value::list(v)))
                .collect();
            Value::map(m).located(Some(span))
        } else {
            Value::map(map).located(Some(span))
        }
    }

    fn variable(&self, name: &str, sc: &Scope, span: Span) -> Value {
        if let Some(v) = sc.lookup(name) {
            return v.clone();
        }
        match name {
            "var" | "local" | "module" | "data" | "path" | "terraform" | "self" | "count"
            | "each" => Value::unknown(format!("`{name}` used without an attribute")),
            _ => {
                let _ = span;
                Value::unknown(format!("`{name}` is not defined here"))
            }
        }
    }

    /// Evaluates `head op op ...`, resolving Terraform's symbol namespaces first.
    fn traverse(
        &self,
        head: &Expression,
        ops: &[&TraversalOperator],
        sc: &Scope,
        span: Span,
    ) -> Value {
        let attr = |i: usize| match ops.get(i) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.as_str()),
            _ => None,
        };
        if let Expression::Variable(v) = head {
            let root = v.as_str();
            if sc.lookup(root).is_none() {
                match root {
                    "var" => {
                        if let Some(name) = attr(0) {
                            let val = self
                                .var(sc.inst, name)
                                .via(&self.qualified(sc.inst, "var", name));
                            return self.apply(val, ops.get(1..).unwrap_or(&[]), sc);
                        }
                    }
                    "local" => {
                        if let Some(name) = attr(0) {
                            let val = self
                                .local(sc.inst, name, span)
                                .via(&self.qualified(sc.inst, "local", name));
                            return self.apply(val, ops.get(1..).unwrap_or(&[]), sc);
                        }
                    }
                    "module" => {
                        if let Some(name) = attr(0) {
                            return self.module_ref(sc, name, ops.get(1..).unwrap_or(&[]), span);
                        }
                    }
                    "data" => {
                        let what = match (attr(0), attr(1)) {
                            (Some(t), Some(n)) => format!("data.{t}.{n}"),
                            _ => "a data source".into(),
                        };
                        return Value::unknown(format!("{what} is read from Azure at plan time"));
                    }
                    "path" | "terraform" => {
                        return Value::unknown(format!("`{root}` values are not evaluated"))
                    }
                    _ => {
                        if let (Some(name), Some(m)) = (attr(0), self.module_of(sc.inst)) {
                            if let Some(&idx) =
                                m.res_index
                                    .get(&(false, root.to_string(), name.to_string()))
                            {
                                let h = Value::new(Kind::Res(ResHandle {
                                    inst: sc.inst,
                                    res: idx,
                                    key: None,
                                }));
                                return self.apply(h, ops.get(1..).unwrap_or(&[]), sc);
                            }
                            return Value::unknown(format!(
                                "{root}.{name} is not declared in this module"
                            ));
                        }
                    }
                }
            }
        }
        let base = self.eval(head, sc);
        self.apply(base, ops, sc)
    }

    /// Applies traversal operators to a value.
    fn apply(&self, mut v: Value, ops: &[&TraversalOperator], sc: &Scope) -> Value {
        for (i, op) in ops.iter().enumerate() {
            if v.is_unknown() {
                return v;
            }
            match op {
                TraversalOperator::GetAttr(a) => v = self.get_attr(v, a.as_str()),
                TraversalOperator::Index(e) => {
                    let k = self.eval(e, sc);
                    v = self.index(v, &k);
                }
                TraversalOperator::LegacyIndex(n) => {
                    v = self.index(v, &Value::num(*n.value() as f64));
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let rest = ops.get(i + 1..).unwrap_or(&[]);
                    let coll = self.materialize(v);
                    let items: Vec<Value> = match &coll.kind {
                        Kind::List(l) => l.to_vec(),
                        Kind::Map(m) => m.values().cloned().collect(),
                        Kind::Null => Vec::new(),
                        Kind::Unknown(_) | Kind::Error(_) => return coll,
                        _ => vec![coll.clone()],
                    };
                    let out = items.into_iter().map(|x| self.apply(x, rest, sc)).collect();
                    return Value::list(out);
                }
            }
        }
        v
    }

    fn get_attr(&self, v: Value, name: &str) -> Value {
        match &v.kind {
            Kind::Map(m) => match m.get(name) {
                Some(x) => x.clone(),
                None => Value::error(format!("object has no attribute `{name}`")),
            },
            Kind::Res(h) => self.res_attr_value(h, name),
            Kind::Null => Value::error(format!("attribute `{name}` of null")),
            Kind::List(l) => {
                // Blocks read as lists; `block.attr` on a single-element list is common in
                // older code (`identity.principal_id` is an error, but a lone element is
                // what the author meant). Only resolve when unambiguous.
                match l.as_slice() {
                    [one] => self.get_attr(one.clone(), name),
                    _ => Value::error(format!("attribute `{name}` of a list")),
                }
            }
            Kind::Unknown(_) | Kind::Error(_) => v,
            _ => Value::error(format!("attribute `{name}` of a primitive value")),
        }
    }

    fn index(&self, v: Value, k: &Value) -> Value {
        if k.is_unknown() {
            return Value::unknown("index is unknown");
        }
        match &v.kind {
            Kind::List(l) => match k.as_num() {
                Some(n) if n >= 0.0 && n.fract() == 0.0 => match l.get(n as usize) {
                    Some(x) => x.clone(),
                    None => Value::error("index out of range"),
                },
                _ => Value::error("list index must be a whole number"),
            },
            Kind::Map(m) => match k.to_tf_string().and_then(|s| m.get(&s).cloned()) {
                Some(x) => x,
                None => Value::error("key not found"),
            },
            Kind::Res(h) if h.key.is_none() => {
                let exp = self.res_expansion(h.inst, h.res);
                let want = match k.as_num() {
                    Some(n) if k.as_str().is_none() => InstKey::Index(n as usize),
                    _ => match k.to_tf_string() {
                        Some(s) => InstKey::Name(Arc::from(s)),
                        None => return Value::error("bad resource key"),
                    },
                };
                if exp.unknown_condition.is_some() {
                    return Value::new(Kind::Res(ResHandle {
                        key: Some(InstKey::Unknown),
                        ..h.clone()
                    }));
                }
                if exp.keys.iter().any(|(key, _)| *key == want) {
                    Value::new(Kind::Res(ResHandle {
                        key: Some(want),
                        ..h.clone()
                    }))
                } else {
                    Value::error("resource instance does not exist")
                }
            }
            Kind::Unknown(_) | Kind::Error(_) => v,
            Kind::Null => Value::error("index of null"),
            _ => Value::error("index of a primitive value"),
        }
    }

    /// Turns resource handles into plain collections (for functions and for-expressions).
    pub fn materialize(&self, v: Value) -> Value {
        match &v.kind {
            Kind::Res(h) if h.key.is_none() => {
                let exp = self.res_expansion(h.inst, h.res);
                if !exp.collection {
                    return v;
                }
                if exp.unknown_condition.is_some() {
                    return Value::unknown("resource count/for_each is unknown");
                }
                let handle = |k: &InstKey| {
                    Value::new(Kind::Res(ResHandle {
                        key: Some(k.clone()),
                        ..h.clone()
                    }))
                };
                if exp.keys.iter().all(|(k, _)| matches!(k, InstKey::Index(_))) {
                    Value::list(exp.keys.iter().map(|(k, _)| handle(k)).collect())
                } else {
                    Value::map(
                        exp.keys
                            .iter()
                            .map(|(k, _)| {
                                let name = match k {
                                    InstKey::Name(n) => n.to_string(),
                                    other => other.to_string(),
                                };
                                (name, handle(k))
                            })
                            .collect(),
                    )
                }
            }
            _ => v,
        }
    }

    // ----- symbols -----------------------------------------------------------------------

    /// Value of `var.name` in an instance: its input, else its default, converted to the
    /// declared type (which fills `optional()` attributes).
    pub fn var(&self, inst: usize, name: &str) -> Value {
        let key = (inst, format!("var.{name}"));
        if let Some(v) = self.memo.borrow().get(&key) {
            return v.clone();
        }
        let raw = self.var_raw(inst, name);
        let v = match self
            .module_of(inst)
            .and_then(|m| m.variables.get(name))
            .and_then(|d| d.ty.map(|t| (t, d.file)))
        {
            Some((ty, file)) => convert(self, raw, ty, file, 0),
            None => raw,
        };
        self.memo.borrow_mut().insert(key, v.clone());
        v
    }

    fn var_raw(&self, inst: usize, name: &str) -> Value {
        let input = self
            .instances
            .borrow()
            .get(inst)
            .and_then(|i| i.inputs.get(name).cloned());
        if let Some(v) = input {
            return v;
        }
        let Some(m) = self.module_of(inst) else {
            return Value::unknown("no module");
        };
        match m.variables.get(name) {
            Some(decl) => match decl.default {
                Some(d) => self.eval(
                    d,
                    &Scope {
                        inst,
                        file: decl.file,
                        binds: None,
                    },
                ),
                None => Value::unknown(format!("var.{name} has no value in the scanned files")),
            },
            None => Value::error(format!("var.{name} is not declared")),
        }
    }

    fn guarded<F: FnOnce() -> Value>(&self, key: (usize, String), span: Span, f: F) -> Value {
        if !self.in_progress.borrow_mut().insert(key.clone()) {
            self.issue(span, format!("reference cycle through `{}`", key.1));
            return Value::unknown(format!("reference cycle through `{}`", key.1));
        }
        let v = f();
        self.in_progress.borrow_mut().remove(&key);
        v
    }

    fn local(&self, inst: usize, name: &str, span: Span) -> Value {
        let Some(m) = self.module_of(inst) else {
            return Value::unknown("no module");
        };
        let decl = m.locals.get(name).copied();
        self.memo(inst, "local", name, span, decl, || {
            Value::error(format!("local.{name} is not declared"))
        })
    }

    /// A named module-level expression (`local.x`, `output.x`), evaluated once per instance
    /// and guarded against cycles.
    fn memo(
        &self,
        inst: usize,
        kind: &str,
        name: &str,
        span: Span,
        decl: Option<(FileId, &'a Expression)>,
        absent: impl FnOnce() -> Value,
    ) -> Value {
        let key = (inst, format!("{kind}.{name}"));
        if let Some(v) = self.memo.borrow().get(&key) {
            return v.clone();
        }
        let Some((file, expr)) = decl else {
            return absent();
        };
        let scope = Scope {
            inst,
            file,
            binds: None,
        };
        let v = self.guarded(key.clone(), span, || self.eval(expr, &scope));
        self.memo.borrow_mut().insert(key, v.clone());
        v
    }

    fn module_ref(&self, sc: &Scope, name: &str, ops: &[&TraversalOperator], span: Span) -> Value {
        let Some(m) = self.module_of(sc.inst) else {
            return Value::unknown("no module");
        };
        let Some(&call) = m.call_index.get(name) else {
            return Value::error(format!("module.{name} is not declared"));
        };
        let children = self.children(sc.inst, call);
        let exp_collection = self.call_is_collection(sc.inst, call);
        let (child, rest) = if exp_collection {
            let Some(TraversalOperator::Index(e)) = ops.first() else {
                // `module.x[*].out` or whole-collection use: build the collection of outputs.
                let all: Vec<Value> = children
                    .iter()
                    .map(|(_, c)| self.all_outputs(*c, span))
                    .collect();
                return self.apply(Value::list(all), ops, sc);
            };
            let k = self.eval(e, sc);
            let found = children.iter().find(|(key, _)| match key {
                InstKey::Index(i) => k.as_num() == Some(*i as f64),
                InstKey::Name(n) => k.as_str() == Some(n),
                InstKey::Unknown => true,
            });
            match found {
                Some((_, c)) => (*c, ops.get(1..).unwrap_or(&[])),
                None if k.is_unknown() => return Value::unknown("module key is unknown"),
                None => return Value::error("module instance does not exist"),
            }
        } else {
            match children.first() {
                Some((_, c)) => (*c, ops),
                None => return Value::unknown(format!("module.{name} is not evaluated")),
            }
        };
        match rest.first() {
            Some(TraversalOperator::GetAttr(out)) => {
                let v = self
                    .output(child, out.as_str(), span)
                    .via(&format!("module.{name}.{}", out.as_str()));
                self.apply(v, rest.get(1..).unwrap_or(&[]), sc)
            }
            _ => {
                let all = self.all_outputs(child, span);
                self.apply(all, rest, sc)
            }
        }
    }

    /// Why a module instance has no module: its source was not read.
    fn unavailable(&self, inst: usize) -> Value {
        let insts = self.instances.borrow();
        let (addr, source) = insts
            .get(inst)
            .map_or(("", ""), |i| (i.addr.as_str(), i.source.as_str()));
        let why = if is_local_source(source) {
            "is not in the scan (missing, or outside the repository root)"
        } else {
            "is not available locally (run `terraform init` to download it)"
        };
        Value::unknown(format!("{addr} source \"{source}\" {why}"))
    }

    fn all_outputs(&self, inst: usize, span: Span) -> Value {
        let Some(m) = self.module_of(inst) else {
            return self.unavailable(inst);
        };
        let mut names: Vec<&String> = m.outputs.keys().collect();
        names.sort();
        let map = names
            .into_iter()
            .map(|n| (n.clone(), self.output(inst, n, span)))
            .collect();
        Value::map(map)
    }

    fn output(&self, inst: usize, name: &str, span: Span) -> Value {
        let Some(m) = self.module_of(inst) else {
            return self.unavailable(inst);
        };
        let decl = m.outputs.get(name).copied();
        self.memo(inst, "output", name, span, decl, || {
            Value::error(format!("output {name} is not declared"))
        })
    }

    // ----- expansion ---------------------------------------------------------------------

    /// Evaluates `count`/`for_each` of a body into instance keys.
    fn expand(&self, body: &Body, sc: &Scope) -> Expansion {
        let unknown = |expr: &Expression, file: FileId| Expansion {
            collection: true,
            keys: vec![(InstKey::Unknown, Value::unknown("instance key is unknown"))],
            unknown_condition: Some((self.text)(span_of(file, expr))),
        };
        if let Some(c) = body.get_attribute("count") {
            let v = self.eval(&c.value, sc);
            return match v.as_num() {
                Some(n) if n >= 0.0 && (n as usize) <= MAX_INSTANCES => Expansion {
                    collection: true,
                    keys: (0..n as usize)
                        .map(|i| (InstKey::Index(i), Value::num(i as f64)))
                        .collect(),
                    unknown_condition: None,
                },
                Some(_) => {
                    self.issue(
                        span_of(sc.file, &c.value),
                        format!("count is over the limit of {MAX_INSTANCES}"),
                    );
                    unknown(&c.value, sc.file)
                }
                None => unknown(&c.value, sc.file),
            };
        }
        if let Some(fe) = body.get_attribute("for_each") {
            let v = self.materialize(self.eval(&fe.value, sc));
            let keys: Option<Vec<(InstKey, Value)>> = match &v.kind {
                Kind::Map(m) => Some(
                    m.iter()
                        .map(|(k, v)| (InstKey::Name(Arc::from(k.as_str())), v.clone()))
                        .collect(),
                ),
                Kind::List(l) => l
                    .iter()
                    .map(|x| {
                        x.to_tf_string()
                            .map(|s| (InstKey::Name(Arc::from(s.as_str())), x.clone()))
                    })
                    .collect(),
                Kind::Null => Some(Vec::new()),
                _ => None,
            };
            return match keys {
                Some(k) if k.len() <= MAX_INSTANCES => Expansion {
                    collection: true,
                    keys: k,
                    unknown_condition: None,
                },
                _ => unknown(&fe.value, sc.file),
            };
        }
        Expansion {
            collection: false,
            keys: vec![(InstKey::Index(0), Value::null())],
            unknown_condition: None,
        }
    }

    pub fn res_expansion(&self, inst: usize, res: usize) -> Rc<Expansion> {
        if let Some(e) = self.res_exp.borrow().get(&(inst, res)) {
            return e.clone();
        }
        let Some(r) = self.module_of(inst).and_then(|m| m.resources.get(res)) else {
            return Rc::new(Expansion {
                collection: false,
                keys: Vec::new(),
                unknown_condition: None,
            });
        };
        let key = (inst, format!("{}.{}#expand", r.ty, r.name));
        let sc = Scope {
            inst,
            file: r.file,
            binds: None,
        };
        let mut exp = None;
        let _ = self.guarded(key, r.header, || {
            exp = Some(self.expand(r.body, &sc));
            Value::null()
        });
        let exp = Rc::new(exp.unwrap_or(Expansion {
            collection: true,
            keys: vec![(InstKey::Unknown, Value::unknown("cycle"))],
            unknown_condition: Some("a reference cycle".into()),
        }));
        self.res_exp.borrow_mut().insert((inst, res), exp.clone());
        exp
    }

    /// The scope of one resource instance: `count.index` / `each.key` / `each.value` bound.
    pub fn res_scope(&self, h: &ResHandle) -> Option<Scope> {
        let r = self.module_of(h.inst)?.resources.get(h.res)?;
        let exp = self.res_expansion(h.inst, h.res);
        let sc = Scope {
            inst: h.inst,
            file: r.file,
            binds: None,
        };
        let key = h.key.clone().unwrap_or(InstKey::Index(0));
        let val = exp
            .keys
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| Value::unknown("instance key is unknown"));
        Some(sc.for_instance(&key, val))
    }

    /// The address of a resource instance, e.g. `module.aks.azurerm_subnet.nodes["a"]`.
    pub fn res_addr(&self, h: &ResHandle) -> String {
        let Some(r) = self.module_of(h.inst).and_then(|m| m.resources.get(h.res)) else {
            return String::new();
        };
        let prefix = self.inst_addr(h.inst);
        let key = match &h.key {
            Some(k) if self.res_expansion(h.inst, h.res).collection => k.to_string(),
            _ => String::new(),
        };
        let dot = if prefix.is_empty() { "" } else { "." };
        let data = if r.data { "data." } else { "" };
        format!("{prefix}{dot}{data}{}.{}{key}", r.ty, r.name)
    }

    fn res_attr_value(&self, h: &ResHandle, name: &str) -> Value {
        let exp = self.res_expansion(h.inst, h.res);
        if h.key.is_none() && exp.collection {
            return Value::error("a resource with count/for_each needs an index");
        }
        if name == "id" {
            let id = Value::new(Kind::Id(ResId(Arc::from(self.res_addr(h)))));
            return match self.id_shape(h) {
                Some(shape) => id.with_shape(shape),
                None => id,
            };
        }
        let Some(r) = self.module_of(h.inst).and_then(|m| m.resources.get(h.res)) else {
            return Value::unknown("resource not found");
        };
        let Some(sc) = self.res_scope(h) else {
            return Value::unknown("resource not found");
        };
        let block = BlockRef {
            body: r.body,
            scope: sc,
            header: r.header,
        };
        if let Some((v, _)) = self.attr(&block, name) {
            return v;
        }
        let blocks = self.blocks(&block, name);
        if !blocks.is_empty() {
            let addr = self.res_addr(h);
            return Value::list(
                blocks
                    .iter()
                    .map(|b| {
                        let v = self.block_value(b);
                        // A managed identity's principal is created by Azure, but it is still
                        // *this* identity: keep it linkable for role-assignment checks.
                        match (&v.kind, name) {
                            (Kind::Map(m), "identity") if !m.contains_key("principal_id") => {
                                let mut m = (**m).clone();
                                let id = ResId(Arc::from(format!("{addr}.identity.principal_id")));
                                m.insert("principal_id".into(), Value::new(Kind::Id(id)));
                                Value::map(m)
                            }
                            _ => v,
                        }
                    })
                    .collect(),
            );
        }
        if name == "principal_id" {
            let id = ResId(Arc::from(format!("{}.principal_id", self.res_addr(h))));
            return Value::new(Kind::Id(id));
        }
        if name == "kubelet_identity" && r.ty == "azurerm_kubernetes_cluster" {
            // Without a `kubelet_identity` block AKS creates one of its own: unknown, but not
            // the cluster identity, which a role assignment check must tell apart.
            let mut m = BTreeMap::new();
            let id = ResId(Arc::from(format!(
                "{}.kubelet_identity.object_id",
                self.res_addr(h)
            )));
            m.insert("object_id".to_string(), Value::new(Kind::Id(id)));
            for k in ["client_id", "user_assigned_identity_id"] {
                m.insert(
                    k.to_string(),
                    Value::unknown(format!(
                        "{}.kubelet_identity is known only after apply",
                        self.res_addr(h)
                    )),
                );
            }
            return Value::list(vec![Value::map(m)]);
        }
        Value::unknown(format!(
            "{}.{name} is known only after apply",
            self.res_addr(h)
        ))
    }

    /// The text Azure gives the id of a resource (or data source) of a known kind, from its
    /// name attributes; holes for the subscription and for names that are not known.
    fn id_shape(&self, h: &ResHandle) -> Option<Partial> {
        let r = self.module_of(h.inst)?.resources.get(h.res)?;
        // The `azurerm_subscription` resource is an alias, not the subscription.
        if r.ty == "azurerm_subscription" && !r.data {
            return None;
        }
        let (provider, path) = super::id_shapes::of(&r.ty)?;
        let block = BlockRef {
            body: r.body,
            scope: self.res_scope(h)?,
            header: r.header,
        };
        let name = |attr: &str| {
            let v = self.attr(&block, attr).map(|(v, _)| v);
            let text = v
                .as_ref()
                .filter(|v| !v.is_link())
                .and_then(Value::as_partial);
            // Azure names hold no `/`, so an unknown name cannot shift the segments.
            text.unwrap_or_else(|| Partial::hole(super::id_shapes::name_hole(attr)))
        };
        Some(super::id_shapes::build(provider, path, name))
    }

    /// A block as an object of its attributes and nested blocks.
    pub fn block_value(&self, b: &BlockRef<'a>) -> Value {
        let mut map = BTreeMap::new();
        for a in b.body.attributes() {
            map.insert(a.key.as_str().to_string(), self.eval(&a.value, &b.scope));
        }
        let mut names: Vec<&str> = Vec::new();
        for blk in b.body.blocks() {
            let n = if blk.ident.as_str() == "dynamic" {
                blk.labels.first().map(|l| l.as_str())
            } else {
                Some(blk.ident.as_str())
            };
            if let Some(n) = n {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
        for n in names {
            let items = self
                .blocks(b, n)
                .iter()
                .map(|x| self.block_value(x))
                .collect();
            map.insert(n.to_string(), Value::list(items));
        }
        Value::map(map)
    }

    /// An attribute of a block: its value and the span of its expression; `None` if absent.
    pub fn attr(&self, b: &BlockRef<'a>, name: &str) -> Option<(Value, Span)> {
        let a = b.body.get_attribute(name)?;
        let v = self.eval(&a.value, &b.scope);
        Some((v, span_of(b.scope.file, &a.value)))
    }

    /// When an attribute is written as `<resource>.<name>...name` (e.g. a subnet's
    /// `virtual_network_name = azurerm_virtual_network.x.name`), the id of that resource: it links
    /// the two even when the name itself is unknown.
    pub fn referenced_id(&self, b: &BlockRef<'a>, attr: &str) -> Option<Value> {
        let a = b.body.get_attribute(attr)?;
        let Expression::Traversal(t) = &a.value else {
            return None;
        };
        let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
        let (last, rest) = ops.split_last()?;
        if !matches!(last, TraversalOperator::GetAttr(n) if n.as_str() == "name") {
            return None;
        }
        let span = span_of(b.scope.file, &a.value);
        let target = self.traverse(&t.expr, rest, &b.scope, span);
        let id = self.get_attr(target, "id");
        matches!(id.kind, Kind::Id(_)).then_some(id)
    }

    /// Nested blocks of a given type, with `dynamic` blocks expanded.
    pub fn blocks(&self, b: &BlockRef<'a>, name: &str) -> Vec<BlockRef<'a>> {
        let mut out = Vec::new();
        for blk in b.body.blocks() {
            if blk.ident.as_str() == name {
                out.push(BlockRef {
                    body: &blk.body,
                    scope: b.scope.clone(),
                    header: header_span(b.scope.file, blk),
                });
            } else if blk.ident.as_str() == "dynamic"
                && blk.labels.first().is_some_and(|l| l.as_str() == name)
            {
                let Some(content) = blk.body.blocks().find(|c| c.ident.as_str() == "content")
                else {
                    continue;
                };
                let iter_name = match blk.body.get_attribute("iterator").map(|a| &a.value) {
                    Some(Expression::Variable(v)) => v.as_str().to_string(),
                    _ => name.to_string(),
                };
                let header = header_span(b.scope.file, blk);
                let coll = blk
                    .body
                    .get_attribute("for_each")
                    .map(|a| self.materialize(self.eval(&a.value, &b.scope)))
                    .unwrap_or_else(Value::null);
                let items: Vec<(Value, Value)> = match (&coll.kind, key_value_pairs(&coll)) {
                    (_, Some(p)) => p,
                    (Kind::Null, None) => Vec::new(),
                    _ => vec![(
                        Value::unknown("dynamic block key is unknown"),
                        Value::unknown("dynamic block value is unknown"),
                    )],
                };
                for (k, v) in items.into_iter().take(MAX_INSTANCES) {
                    let mut it = BTreeMap::new();
                    it.insert("key".to_string(), k);
                    it.insert("value".to_string(), v);
                    out.push(BlockRef {
                        body: &content.body,
                        scope: b.scope.with(&iter_name, Value::map(it)),
                        header,
                    });
                }
            }
        }
        out
    }

    // ----- module calls ------------------------------------------------------------------

    fn call_is_collection(&self, inst: usize, call: usize) -> bool {
        self.module_of(inst)
            .and_then(|m| m.calls.get(call))
            .is_some_and(|c| c.body.has_attribute("count") || c.body.has_attribute("for_each"))
    }

    /// Directory of a module call's source, if it is available locally.
    fn call_dir(&self, inst: usize, call: usize) -> Option<usize> {
        let m = self.module_of(inst)?;
        let c = m.calls.get(call)?;
        let source = c.source.as_deref()?;
        if is_local_source(source) {
            let dir = join_normalized(&m.dir, source);
            return self.project.by_dir.get(&dir).copied();
        }
        // Downloaded by `terraform init`: look up the module key in the root's modules.json.
        let key = self.module_key(inst, &c.name);
        let root_dir = self
            .project
            .modules
            .get(self.instances.borrow().first()?.module)?
            .dir
            .clone();
        let dir = self.project.downloaded.get(&root_dir)?.get(&key)?;
        self.project.by_dir.get(dir).copied()
    }

    /// `a.b.c` key of a call as written in modules.json.
    fn module_key(&self, inst: usize, name: &str) -> String {
        let addr = self.inst_addr(inst);
        let mut parts: Vec<String> = addr
            .split("module.")
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.trim_end_matches('.')
                    .split('[')
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        parts.push(name.to_string());
        parts.join(".")
    }

    /// Instances of a module call (created on first use).
    pub fn children(&self, inst: usize, call: usize) -> Rc<Vec<(InstKey, usize)>> {
        if let Some(c) = self.children.borrow().get(&(inst, call)) {
            return c.clone();
        }
        let created = self.create_children(inst, call);
        let rc = Rc::new(created);
        self.children.borrow_mut().insert((inst, call), rc.clone());
        rc
    }

    fn create_children(&self, inst: usize, call: usize) -> Vec<(InstKey, usize)> {
        let Some(m) = self.module_of(inst) else {
            return Vec::new();
        };
        let Some(c) = m.calls.get(call) else {
            return Vec::new();
        };
        let (depth, parent_addr, parent_cond) = {
            let insts = self.instances.borrow();
            match insts.get(inst) {
                Some(i) => (i.depth, i.addr.clone(), i.condition.clone()),
                None => return Vec::new(),
            }
        };
        if depth >= MAX_MODULE_DEPTH || self.instances.borrow().len() >= MAX_INSTANCES {
            self.issue(c.header, "module nesting or instance limit reached".into());
            return Vec::new();
        }
        let module = self.call_dir(inst, call);
        if module.is_none() {
            let source = c.source.clone().unwrap_or_default();
            let mut unread = self.unread_modules.borrow_mut();
            if !unread.iter().any(|(s, h)| *s == source && *h == c.header) {
                unread.push((source, c.header));
            }
        }
        if let Some(target) = module {
            // A module that calls itself (directly or through others) would recurse forever.
            let mut ancestors = 0;
            for i in self.instances.borrow().iter() {
                if i.module == target && parent_addr.starts_with(&i.addr) {
                    ancestors += 1;
                }
            }
            if ancestors > 0
                && self
                    .project
                    .modules
                    .get(target)
                    .is_some_and(|t| t.dir == m.dir)
            {
                self.issue(
                    c.header,
                    format!("module.{} calls its own directory", c.name),
                );
                return Vec::new();
            }
        }
        let sc = Scope {
            inst,
            file: c.file,
            binds: None,
        };
        let key = (inst, format!("module.{}#expand", c.name));
        let mut exp = None;
        let _ = self.guarded(key, c.header, || {
            exp = Some(self.expand(c.body, &sc));
            Value::null()
        });
        let Some(exp) = exp else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, kv) in &exp.keys {
            let sc_k = sc.for_instance(k, kv.clone());
            let key_txt = if exp.collection {
                k.to_string()
            } else {
                String::new()
            };
            let dot = if parent_addr.is_empty() { "" } else { "." };
            let addr = format!("{parent_addr}{dot}module.{}{key_txt}", c.name);
            let mut inputs = HashMap::new();
            if module.is_some() {
                for a in c.body.attributes() {
                    let n = a.key.as_str();
                    if matches!(
                        n,
                        "source" | "version" | "count" | "for_each" | "providers" | "depends_on"
                    ) {
                        continue;
                    }
                    inputs.insert(n.to_string(), self.eval(&a.value, &sc_k));
                }
            }
            let condition = parent_cond
                .clone()
                .or_else(|| exp.unknown_condition.clone());
            let id = {
                let mut insts = self.instances.borrow_mut();
                insts.push(Instance {
                    // An unavailable source gets an instance with no module: all outputs unknown.
                    module: module.unwrap_or(usize::MAX),
                    addr,
                    key: key_txt,
                    inputs,
                    depth: depth + 1,
                    condition,
                    source: c.source.clone().unwrap_or_default(),
                });
                insts.len() - 1
            };
            out.push((k.clone(), id));
        }
        out
    }

    /// Depth-first list of all instances reachable from the root (creating them).
    pub fn all_instances(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = vec![0usize];
        let mut seen = HashSet::new();
        while let Some(i) = stack.pop() {
            if !seen.insert(i) {
                continue;
            }
            out.push(i);
            let ncalls = self.module_of(i).map_or(0, |m| m.calls.len());
            for call in (0..ncalls).rev() {
                for (_, child) in self.children(i, call).iter().rev() {
                    stack.push(*child);
                }
            }
        }
        out
    }
}

/// Applies a type constraint to a value: object attributes declared `optional(T, default)` that
/// are missing get their default (or null), recursively through `map`, `list`, `set` and
/// `object`. Anything else passes through unchanged.
fn convert(ev: &Evaluator<'_, '_>, v: Value, ty: &Expression, file: FileId, depth: u32) -> Value {
    if depth > 32 || v.is_unknown() || v.is_null() {
        return v;
    }
    let Expression::FuncCall(call) = ty else {
        return v;
    };
    let arg = call.args.iter().next();
    match (call.name.name.as_str(), arg) {
        ("optional", Some(t)) => convert(ev, v, t, file, depth + 1),
        ("map", Some(t)) => match &v.kind {
            Kind::Map(m) => {
                let out = m
                    .iter()
                    .map(|(k, x)| (k.clone(), convert(ev, x.clone(), t, file, depth + 1)))
                    .collect();
                Value {
                    kind: Kind::Map(Arc::new(out)),
                    prov: v.prov.clone(),
                    shape: None,
                }
            }
            _ => v,
        },
        ("list" | "set", Some(t)) => match &v.kind {
            Kind::List(l) => {
                let out = l
                    .iter()
                    .map(|x| convert(ev, x.clone(), t, file, depth + 1))
                    .collect();
                Value {
                    kind: Kind::List(Arc::new(out)),
                    prov: v.prov.clone(),
                    shape: None,
                }
            }
            _ => v,
        },
        ("object", Some(Expression::Object(spec))) => {
            let Kind::Map(m) = &v.kind else { return v };
            let mut out = (**m).clone();
            for (k, attr_ty) in spec.iter() {
                let key = match k {
                    hcl_edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
                    hcl_edit::expr::ObjectKey::Expression(Expression::String(s)) => {
                        s.as_str().to_string()
                    }
                    _ => continue,
                };
                let attr_ty = attr_ty.expr();
                let current = out.get(&key).cloned();
                let filled = match current {
                    Some(x) if !x.is_null() => convert(ev, x, attr_ty, file, depth + 1),
                    _ => match attr_ty {
                        Expression::FuncCall(o) if o.name.name.as_str() == "optional" => {
                            match (o.args.iter().next(), o.args.iter().nth(1)) {
                                (Some(inner), Some(default)) => {
                                    let d = ev.eval(
                                        default,
                                        &Scope {
                                            inst: 0,
                                            file,
                                            binds: None,
                                        },
                                    );
                                    convert(ev, d, inner, file, depth + 1)
                                }
                                _ => Value::null(),
                            }
                        }
                        _ => match out.get(&key) {
                            Some(x) => x.clone(),
                            None => continue,
                        },
                    },
                };
                out.insert(key, filled);
            }
            Value {
                kind: Kind::Map(Arc::new(out)),
                prov: v.prov.clone(),
                shape: None,
            }
        }
        _ => v,
    }
}

/// The (key, value) pairs of a list (index keys) or a map; `None` for anything else.
fn key_value_pairs(coll: &Value) -> Option<Vec<(Value, Value)>> {
    match &coll.kind {
        Kind::List(l) => Some(
            l.iter()
                .enumerate()
                .map(|(i, v)| (Value::num(i as f64), v.clone()))
                .collect(),
        ),
        Kind::Map(m) => Some(
            m.iter()
                .map(|(k, v)| (Value::str(k.as_str()), v.clone()))
                .collect(),
        ),
        _ => None,
    }
}

/// Converts a `-var` style string to a value the way Terraform does for its declared type.
pub fn cli_value(raw: &str, is_string: bool) -> Value {
    if is_string {
        return Value::str(raw);
    }
    match hcl_edit::parser::parse_expr(raw) {
        Ok(e) => const_value(&e),
        Err(_) => Value::str(raw),
    }
}

/// Evaluates a constant expression (tfvars values): no references allowed.
pub fn const_value(e: &Expression) -> Value {
    const_value_in(e, usize::MAX)
}

/// Evaluates a tfvars value with spans pointing into its file.
pub fn const_value_in(e: &Expression, file: FileId) -> Value {
    let project = Project {
        modules: Vec::new(),
        by_dir: HashMap::new(),
        downloaded: HashMap::new(),
    };
    let text = |_s: Span| String::new();
    let ev = Evaluator::new(&project, usize::MAX, HashMap::new(), &text);
    let v = ev.eval(
        e,
        &Scope {
            inst: 0,
            file,
            binds: None,
        },
    );
    if file == usize::MAX {
        strip_prov(v)
    } else {
        v
    }
}

fn strip_prov(v: Value) -> Value {
    let kind = match v.kind {
        Kind::List(l) => Kind::List(Arc::new(l.iter().cloned().map(strip_prov).collect())),
        Kind::Map(m) => Kind::Map(Arc::new(
            m.iter()
                .map(|(k, v)| (k.clone(), strip_prov(v.clone())))
                .collect(),
        )),
        k => k,
    };
    Value::new(kind)
}
