//! Evaluates a deployment template (ARM JSON or Bicep, lowered to the IR) into resource
//! instances with known-or-unknown values and provenance, the way Azure Resource Manager would
//! at deployment time, minus everything only Azure knows (resource group, subscription,
//! `reference()` of runtime state), which stays unknown.
//!
//! Parameters, variables and resources are evaluated lazily and memoized, so a cycle is found
//! (and reported once) instead of recursing; a step budget bounds hostile templates.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::Arc;

use super::arm_functions::{
    self as af, get_ci, normalize_id, resource_token, symbolic_text, to_text,
};
use super::common::equal;
use super::partial::{Hole, Partial};
use super::value::{Kind, Value};
use crate::frontends::ir::{
    BinOp, Expr, ExprKind, Item, Loop, LoopSource, Parent, Resource, Template,
};
use crate::source::Span;

const MAX_STEPS: usize = 2_000_000;
const MAX_DEPTH: usize = 200;
const MAX_INSTANCES: usize = 10_000;
const MAX_NESTING: usize = 32;

/// One deployed resource instance.
#[derive(Clone, Debug)]
pub struct Instance {
    /// Full type, as written.
    pub ty: String,
    /// Linkable id token (`ref:arm:...`).
    pub id: String,
    /// Display address (`aks`, `managedClusters/aks`, `module.net/vnet`).
    pub addr: String,
    pub header: Span,
    pub body: Value,
    /// The parent's id token for child resources.
    pub parent: Option<String>,
    /// Set when the resource is deployed only if an unknown condition holds.
    pub condition: Option<String>,
}

/// State shared by a template and the templates it deploys.
#[derive(Default)]
pub struct Shared {
    steps: Cell<usize>,
    depth: Cell<usize>,
    pub issues: RefCell<Vec<(Span, String)>>,
    pub out: RefCell<Vec<Instance>>,
    /// Symbolic values by id token, for `reference()`.
    declared: RefCell<HashMap<String, Value>>,
}

impl Shared {
    fn issue(&self, span: Span, msg: String) {
        let mut i = self.issues.borrow_mut();
        if i.len() < 100 && !i.iter().any(|(s, _)| *s == span) {
            i.push((span, msg));
        }
    }
}

/// One evaluated instance of a resource declaration.
#[derive(Clone)]
struct Inst {
    value: Value,
}

/// Evaluation context of one template instance.
pub struct Ctx<'t, 's, 'o> {
    t: &'t Template,
    shared: &'s Shared,
    /// ARM nested templates with `outer` scope read the caller's parameters and variables.
    outer: Option<&'o Ctx<'t, 's, 'o>>,
    inputs: HashMap<String, Value>,
    params: RefCell<HashMap<String, Option<Value>>>,
    vars: RefCell<HashMap<String, Option<Value>>>,
    res: RefCell<HashMap<usize, Option<Rc<Vec<Inst>>>>>,
    prefix: String,
    condition: Option<String>,
    nesting: usize,
    /// Names this deployment's unknowns (its subscription, resource group, parameters) in
    /// symbolic keys: a nested deployment may target another scope, so its unknowns differ.
    scope: Arc<str>,
}

type Env<'a> = &'a [(String, Value)];
/// One loop iteration: its variables, and why it might not exist (an unknown filter/count).
type Iteration = (Vec<(String, Value)>, Option<String>);

impl<'t, 's, 'o> Ctx<'t, 's, 'o> {
    /// A root template with parameter values (from parameter files or module params).
    pub fn new(t: &'t Template, shared: &'s Shared, inputs: HashMap<String, Value>) -> Self {
        Ctx {
            t,
            shared,
            outer: None,
            inputs: inputs
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
            params: RefCell::default(),
            vars: RefCell::default(),
            res: RefCell::default(),
            prefix: String::new(),
            condition: None,
            nesting: 0,
            scope: Arc::from(""),
        }
    }

    /// Evaluates every resource (and every nested deployment) into `shared.out`.
    pub fn expand(&self) {
        for i in 0..self.t.resources.len() {
            let _ = self.instances(i);
        }
    }

    fn hop(&self, kind: &str, name: &str) -> String {
        if self.t.bicep {
            format!("{}{name}", self.prefix)
        } else {
            format!("{}{kind}('{name}')", self.prefix)
        }
    }

    fn budget(&self, span: Span) -> bool {
        let s = self.shared.steps.get() + 1;
        self.shared.steps.set(s);
        if s > MAX_STEPS {
            self.shared.issue(
                span,
                "evaluation stopped: the template needs too many steps".into(),
            );
            return false;
        }
        true
    }

    pub fn param(&self, name: &str, span: Span) -> Value {
        if let Some(o) = self.outer {
            return o.param(name, span);
        }
        let key = name.to_ascii_lowercase();
        if let Some(v) = self.inputs.get(&key) {
            return v.clone().via(&self.hop("parameters", name));
        }
        if let Some(slot) = self.params.borrow().get(&key) {
            return match slot {
                Some(v) => v.clone(),
                None => self.cycle(span, "parameter", name),
            };
        }
        let Some(p) = self
            .t
            .params
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
        else {
            return Value::unknown(format!("parameter `{name}` is not declared"));
        };
        self.params.borrow_mut().insert(key.clone(), None);
        let v = match &p.default {
            Some(d) => self.eval(d, &[]).via(&self.hop("parameters", name)),
            // A nullable parameter nobody sets is null.
            None if p.nullable => Value::null(),
            // Given at deployment: unknown, but the same wherever this deployment reads it.
            None => self.symbolic_hole(
                &format!("parameters('{}')", name.to_ascii_lowercase()),
                format!("parameter `{name}` has no value"),
                false,
            ),
        };
        self.params.borrow_mut().insert(key, Some(v.clone()));
        v
    }

    pub fn var(&self, name: &str, span: Span) -> Value {
        if let Some(o) = self.outer {
            return o.var(name, span);
        }
        let key = name.to_ascii_lowercase();
        if let Some(slot) = self.vars.borrow().get(&key) {
            return match slot {
                Some(v) => v.clone(),
                None => self.cycle(span, "variable", name),
            };
        }
        let Some((_, e)) = self
            .t
            .vars
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        else {
            return Value::unknown(format!("variable `{name}` is not declared"));
        };
        self.vars.borrow_mut().insert(key.clone(), None);
        let v = self.eval(e, &[]).via(&self.hop("variables", name));
        self.vars.borrow_mut().insert(key, Some(v.clone()));
        v
    }

    fn cycle(&self, span: Span, kind: &str, name: &str) -> Value {
        self.shared
            .issue(span, format!("{kind} `{name}` depends on itself"));
        Value::unknown(format!("{kind} `{name}` depends on itself"))
    }

    fn symbol_index(&self, name: &str) -> Option<usize> {
        self.t
            .resources
            .iter()
            .position(|r| r.symbol.as_deref() == Some(name))
    }

    /// The symbolic value of a resource declaration (a list for loops).
    fn symbol(&self, i: usize, span: Span) -> Value {
        let Some(r) = self.t.resources.get(i) else {
            return Value::unknown("no such resource");
        };
        match self.instances(i) {
            None => self.cycle(span, "resource", r.symbol.as_deref().unwrap_or(&r.ty)),
            Some(list) if r.copy.is_some() => {
                Value::list(list.iter().map(|x| x.value.clone()).collect())
            }
            Some(list) => list
                .first()
                .map(|x| x.value.clone())
                .unwrap_or_else(|| Value::unknown("the resource is not deployed")),
        }
    }

    /// Evaluates (once) every instance of resource `i`; `None` while it is being evaluated.
    fn instances(&self, i: usize) -> Option<Rc<Vec<Inst>>> {
        if let Some(slot) = self.res.borrow().get(&i) {
            return slot.clone();
        }
        let r = self.t.resources.get(i)?;
        self.res.borrow_mut().insert(i, None);
        let mut out = Vec::new();
        let envs: Vec<Iteration> = match &r.copy {
            None => vec![(Vec::new(), None)],
            Some(l) => self.loop_envs(l, &[]),
        };
        for (env, unknown_loop) in envs {
            if let Some(inst) = self.instance(r, env, unknown_loop) {
                out.push(inst);
            }
        }
        let rc = Rc::new(out);
        self.res.borrow_mut().insert(i, Some(rc.clone()));
        Some(rc)
    }

    fn instance(
        &self,
        r: &Resource,
        env: Vec<(String, Value)>,
        unknown_loop: Option<String>,
    ) -> Option<Inst> {
        let mut condition = self.condition.clone().or(unknown_loop);
        if let Some(c) = &r.condition {
            match self.eval(c, &env).as_bool() {
                Some(false) => return None,
                Some(true) => {}
                None => {
                    condition = condition.or_else(|| Some(self.snippet(r, "condition")));
                }
            }
        }
        let short = self.eval(&r.name, &env);
        let (parent_id, parent_name) = match &r.parent {
            None => (None, None),
            Some(Parent::Expr(e)) => {
                let p = self.eval(e, &env);
                let m = p.as_map();
                (
                    m.and_then(|m| m.get("id"))
                        .and_then(|v| v.as_str().map(String::from)),
                    m.and_then(|m| m.get("name")).cloned(),
                )
            }
            Some(Parent::Enclosing { ty, name }) => {
                let n = self.eval(name, &env);
                let id = n.as_str().and_then(|n| resource_token(ty, &split_name(n)));
                (id, Some(n))
            }
        };
        let full_name = match &parent_name {
            Some(p) => match (to_text(p), to_text(&short)) {
                (Some(a), Some(b)) if !p.is_unknown() && !short.is_unknown() => Value::at(
                    Kind::Str(Arc::from(format!("{a}/{b}"))),
                    short.prov.as_ref().map(|x| x.span),
                ),
                _ => Value::unknown("the resource name is unknown"),
            },
            None => short.clone(),
        };
        let name_text = full_name.as_str().map(str::to_string);
        // An unknown name built by the same expression as a `resourceId()` elsewhere in this
        // deployment names the same resource: the token uses its symbolic text.
        let link_name = name_text.clone().or_else(|| match &parent_name {
            Some(p) => Some(format!("{}/{}", symbolic_text(p)?, symbolic_text(&short)?)),
            None => symbolic_text(&short),
        });
        let id = match &link_name {
            Some(n) => resource_token(&r.ty, &split_name(n)),
            None => None,
        }
        .unwrap_or_else(|| {
            // Unknown name: a token unique to this declaration still links symbolic references.
            let base = match &parent_id {
                Some(p) => format!(
                    "{p}/{}",
                    r.ty.rsplit('/').next().unwrap_or("").to_ascii_lowercase()
                ),
                None => format!("ref:arm:{}", r.ty.to_ascii_lowercase()),
            };
            let key = env
                .iter()
                .map(|(_, v)| to_text(v).unwrap_or_default())
                .collect::<Vec<_>>()
                .join(",");
            format!(
                "{base}/#{}:{}:{}[{key}]",
                self.prefix, r.header.file, r.header.start
            )
        });
        let local = r.symbol.clone().unwrap_or_else(|| {
            let short_ty = r.ty.rsplit('/').next().unwrap_or(&r.ty);
            format!(
                "{short_ty}/{}",
                name_text.as_deref().unwrap_or("[unknown name]")
            )
        });
        let loop_key = if r.copy.is_some() {
            env.iter()
                .rev()
                .find(|(k, _)| k.starts_with("copy:") || !k.contains(':'))
                .map(|(_, v)| format!("[{}]", to_text(v).unwrap_or_else(|| "?".into())))
                .unwrap_or_default()
        } else {
            String::new()
        };
        let addr = format!("{}{local}{loop_key}", self.prefix);
        if self.shared.out.borrow().len() > MAX_INSTANCES {
            self.shared
                .issue(r.header, "too many resource instances".into());
            return None;
        }
        let mut body = self.eval(&r.body, &env);
        if let (Kind::Map(m), Some(_)) = (&mut body.kind, &name_text) {
            // The body's name is the short one; Bicep `parent` children carry the full one.
            Arc::make_mut(m).insert("name".into(), full_name.clone());
        }
        let mut value = symbolic(&r.ty, &id, &body, &full_name);
        // Its id also carries the text Azure gives it, for code that takes it apart.
        let shape = name_text
            .as_deref()
            .and_then(|n| af::declared_id_shape(&r.ty, n));
        if let Some(shape) = shape {
            shape_ids(&mut value, &shape);
        }
        if r.existing && link_name.is_none() {
            // An existing resource of unknown name may be any resource, in the scan or not: a
            // token of its own would make it a known, different one.
            if let Kind::Map(m) = &mut value.kind {
                Arc::make_mut(m).insert(
                    "id".into(),
                    Value::unknown(format!("the name of existing {} is unknown", r.ty)),
                );
            }
        }
        if let Some(n) = &r.nested {
            value = self.deploy(r, n, &env, &addr, condition.clone(), value);
        }
        self.shared
            .declared
            .borrow_mut()
            .insert(id.clone(), value.clone());
        if !r.existing && r.nested.is_none() {
            self.shared.out.borrow_mut().push(Instance {
                ty: r.ty.clone(),
                id: id.clone(),
                addr,
                header: r.header,
                body,
                parent: parent_id,
                condition: condition.clone(),
            });
        }
        Some(Inst { value })
    }

    /// Deploys a nested template or module; returns the symbolic value with its outputs.
    fn deploy(
        &self,
        r: &Resource,
        n: &crate::frontends::ir::Nested,
        env: Env<'_>,
        addr: &str,
        condition: Option<String>,
        mut value: Value,
    ) -> Value {
        if n.unresolved {
            return value;
        }
        if self.nesting >= MAX_NESTING {
            self.shared
                .issue(r.header, "deployments are nested too deeply".into());
            return value;
        }
        let mut inputs = HashMap::new();
        if let Some(p) = &n.params {
            let pv = self.eval(p, env);
            if let Some(m) = pv.as_map() {
                for (k, v) in m.iter() {
                    let v = if n.wrapped {
                        match &v.kind {
                            Kind::Map(w) => get_ci(w, "value")
                                .cloned()
                                .unwrap_or_else(|| Value::unknown("a Key Vault reference")),
                            _ => v.clone(),
                        }
                    } else {
                        v.clone()
                    };
                    inputs.insert(k.to_ascii_lowercase(), v);
                }
            }
        }
        let child = Ctx {
            t: &n.template,
            shared: self.shared,
            outer: if n.outer { Some(self) } else { None },
            inputs,
            params: RefCell::default(),
            vars: RefCell::default(),
            res: RefCell::default(),
            prefix: format!("{addr}/"),
            condition,
            nesting: self.nesting + 1,
            scope: if n.outer {
                self.scope.clone()
            } else {
                Arc::from(addr)
            },
        };
        child.expand();
        let mut outputs = BTreeMap::new();
        for (name, e) in &n.template.outputs {
            let v = child.eval(e, &[]);
            let v = if n.wrapped {
                let mut w = BTreeMap::new();
                w.insert("value".to_string(), v);
                Value::map(w)
            } else {
                v
            };
            outputs.insert(name.clone(), v);
        }
        if let Kind::Map(m) = &mut value.kind {
            Arc::make_mut(m).insert("outputs".into(), Value::map(outputs.clone()));
            if n.wrapped {
                // `reference(deployment).outputs` reads the same.
                let mut props = BTreeMap::new();
                props.insert("outputs".to_string(), Value::map(outputs));
                Arc::make_mut(m).insert("properties".into(), Value::map(props));
            }
        }
        value
    }

    fn snippet(&self, r: &Resource, what: &str) -> String {
        format!(
            "the {what} of {}",
            r.symbol.clone().unwrap_or_else(|| r.ty.clone())
        )
    }

    /// The environments of a loop's iterations; an unknown count or source gives one iteration
    /// standing for all, with its reason.
    fn loop_envs(&self, l: &Loop, env: Env<'_>) -> Vec<Iteration> {
        let items: Result<Vec<Value>, String> = match &l.source {
            LoopSource::Count(c) => {
                let n = self.eval(c, env);
                match n.as_num() {
                    Some(k) if k >= 0.0 && k <= MAX_INSTANCES as f64 => {
                        Ok((0..k as usize).map(|i| Value::num(i as f64)).collect())
                    }
                    Some(_) => Err("the loop count is out of range".into()),
                    None => Err("the loop count is unknown".into()),
                }
            }
            LoopSource::Items(e) => {
                let v = self.eval(e, env);
                match &v.kind {
                    Kind::List(items) if items.len() <= MAX_INSTANCES => Ok(items.to_vec()),
                    Kind::Map(m) => Ok(m
                        .iter()
                        .map(|(k, v)| {
                            let mut e = BTreeMap::new();
                            e.insert("key".to_string(), Value::str(k.as_str()));
                            e.insert("value".to_string(), v.clone());
                            Value::map(e)
                        })
                        .collect()),
                    _ => Err("the loop's collection is unknown".into()),
                }
            }
        };
        match items {
            Ok(items) => {
                let mut out = Vec::new();
                for (i, item) in items.into_iter().enumerate() {
                    let mut e = env.to_vec();
                    self.bind(l, &mut e, Value::num(i as f64), item);
                    let mut cond = None;
                    if let Some(f) = &l.filter {
                        match self.eval(f, &e).as_bool() {
                            Some(false) => continue,
                            Some(true) => {}
                            None => cond = Some("the loop filter".to_string()),
                        }
                    }
                    out.push((e, cond));
                }
                out
            }
            Err(why) => {
                let mut e = env.to_vec();
                self.bind(
                    l,
                    &mut e,
                    Value::unknown(why.clone()),
                    Value::unknown(why.clone()),
                );
                vec![(e, Some(why))]
            }
        }
    }

    fn bind(&self, l: &Loop, e: &mut Vec<(String, Value)>, index: Value, item: Value) {
        match &l.source {
            LoopSource::Count(_) => {
                let name = l.index.clone().unwrap_or_default();
                e.push((format!("copy:{}", name.to_ascii_lowercase()), index.clone()));
                if let Some(n) = &l.item {
                    e.push((n.clone(), index));
                }
            }
            LoopSource::Items(_) => {
                if let Some(n) = &l.item {
                    e.push((n.clone(), item));
                }
                if let Some(n) = &l.index {
                    e.push((n.clone(), index));
                }
            }
        }
    }

    /// Evaluates an expression.
    pub fn eval(&self, e: &Expr, env: Env<'_>) -> Value {
        if !self.budget(e.span) {
            return Value::unknown("evaluation budget exhausted");
        }
        let d = self.shared.depth.get();
        if d > MAX_DEPTH {
            self.shared
                .issue(e.span, "expression is nested too deeply".into());
            return Value::unknown("expression is nested too deeply");
        }
        self.shared.depth.set(d + 1);
        let v = self.eval_inner(e, env);
        self.shared.depth.set(d);
        v
    }

    fn eval_inner(&self, e: &Expr, env: Env<'_>) -> Value {
        let here = Some(e.span);
        match &e.kind {
            ExprKind::Null => Value::at(Kind::Null, here),
            ExprKind::Bool(b) => Value::at(Kind::Bool(*b), here),
            ExprKind::Num(n) => Value::at(Kind::Num(*n), here),
            ExprKind::Str(s) => Value::at(Kind::Str(s.clone()), here),
            ExprKind::Array(items) => {
                let mut out = Vec::new();
                for it in items {
                    match it {
                        Item::One(x) => out.push(self.eval(x, env)),
                        Item::Spread(x) => match self.eval(x, env).kind {
                            Kind::List(l) => out.extend(l.iter().cloned()),
                            Kind::Null => {}
                            _ => return Value::unknown("a spread array is unknown"),
                        },
                    }
                }
                Value::at(Kind::List(Arc::new(out)), here)
            }
            ExprKind::Object(fields) => {
                let mut m = BTreeMap::new();
                for (k, v) in fields {
                    match k {
                        Some(k) => {
                            let key = self.eval(k, env);
                            match to_text(&key) {
                                Some(t) if !key.is_unknown() && !key.is_error() => {
                                    m.insert(t, self.eval(v, env));
                                }
                                _ => return Value::unknown("an object key is unknown"),
                            }
                        }
                        None => match self.eval(v, env).kind {
                            Kind::Map(o) => m.extend(o.iter().map(|(k, v)| (k.clone(), v.clone()))),
                            Kind::Null => {}
                            _ => return Value::unknown("a spread object is unknown"),
                        },
                    }
                }
                Value::at(Kind::Map(Arc::new(m)), here)
            }
            ExprKind::Ident(name) => self.ident(name, env, e.span),
            ExprKind::Prop(base, name, safe) => {
                let b = self.eval(base, env);
                computed_at(prop(&b, name, *safe), e.span)
            }
            ExprKind::Index(base, idx, safe) => {
                let b = self.eval(base, env);
                let i = self.eval(idx, env);
                index(&b, &i, *safe)
            }
            ExprKind::Not(x) => match self.eval(x, env).kind {
                Kind::Bool(b) => Value::at(Kind::Bool(!b), here),
                Kind::Unknown(r) | Kind::Error(r) => Value::unknown(r),
                _ => Value::error("`!` needs a bool"),
            },
            ExprKind::Neg(x) => match self.eval(x, env).kind {
                Kind::Num(n) => Value::at(Kind::Num(-n), here),
                _ => Value::unknown("`-` of an unknown value"),
            },
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, env, e.span),
            ExprKind::Ternary(c, a, b) => {
                let cv = self.eval(c, env);
                match cv.as_bool() {
                    Some(true) => self.eval(a, env),
                    Some(false) => self.eval(b, env),
                    None => {
                        let (x, y) = (self.eval(a, env), self.eval(b, env));
                        if equal(&x, &y) {
                            x
                        } else {
                            Value::unknown(
                                cv.reason()
                                    .unwrap_or("the condition is unknown")
                                    .to_string(),
                            )
                        }
                    }
                }
            }
            ExprKind::Interp(parts) => {
                let vals: Vec<Value> = parts.iter().map(|p| self.eval(p, env)).collect();
                match af::concat_text(&vals) {
                    Ok(p) => af::with_id_text(Value::text(p, here), &vals, here, |a| {
                        af::concat_text(a).ok()
                    }),
                    Err(e) => e,
                }
            }
            ExprKind::Lambda(..) => Value::unknown("a lambda is not a value"),
            ExprKind::For(l) => {
                let mut out = Vec::new();
                for (e2, cond) in self.loop_envs(l, env) {
                    let v = self.eval(&l.body, &e2);
                    out.push(match cond {
                        Some(why) => Value::unknown(why),
                        None => v,
                    });
                }
                Value::at(Kind::List(Arc::new(out)), here)
            }
            ExprKind::Call(name, args) => self.call(name, args, env, e.span),
        }
    }

    fn ident(&self, name: &str, env: Env<'_>, span: Span) -> Value {
        if let Some((_, v)) = env.iter().rev().find(|(k, _)| k == name) {
            return v.clone();
        }
        if self.t.params.iter().any(|p| p.name == name) {
            return self.param(name, span);
        }
        if self.t.vars.iter().any(|(n, _)| n == name) {
            return self.var(name, span);
        }
        if let Some(i) = self.symbol_index(name) {
            return self.symbol(i, span);
        }
        Value::unknown(format!("`{name}` is not known here"))
    }

    fn binary(&self, op: BinOp, a: &Expr, b: &Expr, env: Env<'_>, span: Span) -> Value {
        let here = Some(span);
        let x = self.eval(a, env);
        // Short-circuit forms decide on the left side alone when they can.
        match (op, x.as_bool()) {
            (BinOp::And, Some(false)) | (BinOp::Or, Some(true)) => return x,
            (BinOp::Coalesce, _) if !x.is_null() => return x,
            _ => {}
        }
        let y = self.eval(b, env);
        if op == BinOp::Coalesce {
            return y;
        }
        if matches!(op, BinOp::And | BinOp::Or) {
            return match (x.as_bool(), y.as_bool()) {
                (Some(_), Some(q)) => Value::at(Kind::Bool(q), here),
                (None, Some(false)) if op == BinOp::And => Value::at(Kind::Bool(false), here),
                (None, Some(true)) if op == BinOp::Or => Value::at(Kind::Bool(true), here),
                _ => Value::unknown("a condition is unknown"),
            };
        }
        if let Some(u) = [&x, &y]
            .into_iter()
            .find(|v| v.is_unknown() || v.is_error())
        {
            return u.clone().opaque();
        }
        let b = |v: bool| Value::at(Kind::Bool(v), here);
        match op {
            BinOp::Eq => b(equal(&x, &y)),
            BinOp::Ne => b(!equal(&x, &y)),
            BinOp::EqI | BinOp::NeI => {
                let same = match (x.as_str(), y.as_str()) {
                    (Some(p), Some(q)) => p.eq_ignore_ascii_case(q),
                    _ => equal(&x, &y),
                };
                b(same == (op == BinOp::EqI))
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let name = match op {
                    BinOp::Lt => "less",
                    BinOp::Le => "lessorequals",
                    BinOp::Gt => "greater",
                    _ => "greaterorequals",
                };
                af::call(name, vec![x, y], span)
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => {
                let name = match op {
                    BinOp::Add => "add",
                    BinOp::Sub => "sub",
                    BinOp::Mul => "mul",
                    BinOp::Div => "div",
                    _ => "mod",
                };
                af::call(name, vec![x, y], span)
            }
            BinOp::And | BinOp::Or | BinOp::Coalesce => Value::unknown("unreachable"),
        }
    }

    fn call(&self, name: &str, args: &[Expr], env: Env<'_>, span: Span) -> Value {
        let arg_str = |i: usize| -> Option<String> {
            args.get(i)
                .map(|a| self.eval(a, env))
                .and_then(|v| v.as_str().map(str::to_string))
        };
        match name {
            "parameters" => match arg_str(0) {
                Some(n) => self.param(&n, span),
                None => Value::unknown("parameters() with an unknown name"),
            },
            "variables" => match arg_str(0) {
                Some(n) => self.var(&n, span),
                None => Value::unknown("variables() with an unknown name"),
            },
            "copyindex" => {
                let (loop_name, offset) = match args.first().map(|a| self.eval(a, env)) {
                    Some(v) if v.as_str().is_some() => (
                        v.as_str().map(str::to_ascii_lowercase),
                        args.get(1).map(|a| self.eval(a, env)),
                    ),
                    Some(v) => (None, Some(v)),
                    None => (None, None),
                };
                let found = env.iter().rev().find(|(k, _)| match &loop_name {
                    Some(n) => k == &format!("copy:{n}"),
                    None => k.starts_with("copy:"),
                });
                let Some((_, i)) = found else {
                    return Value::unknown("copyIndex() outside a copy loop");
                };
                match offset {
                    Some(o) => af::call("add", vec![i.clone(), o], span),
                    None => i.clone(),
                }
            }
            "if" => {
                let c = args.first().map(|a| self.eval(a, env));
                match c.as_ref().and_then(Value::as_bool) {
                    Some(true) => args.get(1).map_or_else(Value::null, |a| self.eval(a, env)),
                    Some(false) => args.get(2).map_or_else(Value::null, |a| self.eval(a, env)),
                    None => {
                        let x = args.get(1).map(|a| self.eval(a, env));
                        let y = args.get(2).map(|a| self.eval(a, env));
                        match (x, y) {
                            (Some(x), Some(y)) if equal(&x, &y) => x,
                            _ => Value::unknown("an if() condition is unknown"),
                        }
                    }
                }
            }
            "reference" => {
                let target = args.first().map(|a| self.eval(a, env));
                let full = args.iter().skip(1).any(|a| {
                    self.eval(a, env)
                        .as_str()
                        .is_some_and(|s| s.eq_ignore_ascii_case("full"))
                });
                match target.as_ref().and_then(Value::as_str) {
                    Some(s) => self.reference(s, full, span),
                    None => Value::unknown("reference() of an unknown resource"),
                }
            }
            "resourceinfo" => match arg_str(0).and_then(|s| self.symbol_index(&s)) {
                Some(i) => self.symbol(i, span),
                None => Value::unknown("resourceInfo() of an unknown resource"),
            },
            "map" | "filter" | "reduce" | "sort" | "toobject" | "groupby" | "mapvalues" => {
                self.lambda_call(name, args, env, span)
            }
            "subscription" | "resourcegroup" if args.is_empty() => self.deployment_scope(name),
            "resourcegroup" | "subscription" | "deployment" | "environment" | "tenant"
            | "managementgroup" | "deployer" => {
                Value::unknown(format!("{name}() is known only at deployment"))
            }
            "$invalid" => Value::unknown("the expression is invalid"),
            "any" => args.first().map_or_else(Value::null, |a| self.eval(a, env)),
            n if n.starts_with("list") || n == "pickzones" || n == "providers" => {
                Value::unknown(format!("{n}() reads runtime state"))
            }
            n if n.contains('.') || n.starts_with("load") => {
                Value::unknown(format!("{n}() is not evaluated"))
            }
            _ => {
                let vals: Vec<Value> = args.iter().map(|a| self.eval(a, env)).collect();
                computed_at(af::call(name, vals, span), span)
            }
        }
    }

    /// A hole for an unknown of this deployment that is the same wherever it is read.
    fn symbolic_hole(&self, expr: &str, reason: String, no_slash: bool) -> Value {
        Value::hole(Hole {
            reason: Arc::from(reason),
            no_slash,
            key: Some(Arc::from(format!("{expr}@{}", self.scope))),
        })
    }

    /// `subscription()` / `resourceGroup()` of this deployment: ids with the known shape
    /// `/subscriptions/<id>/resourceGroups/<name>` (neither part holds a `/`), names unknown.
    fn deployment_scope(&self, name: &str) -> Value {
        let why = |_: &str| format!("{name}() is known only at deployment");
        let sub = self.symbolic_hole("subscription().subscriptionid", why(""), true);
        let rg = self.symbolic_hole("resourcegroup().name", why(""), true);
        let mut id = Partial::new();
        id.push_text("/subscriptions/");
        id.push(&sub.as_partial().unwrap_or_default());
        let mut m = BTreeMap::new();
        if name == "resourcegroup" {
            id.push_text("/resourceGroups/");
            id.push(&rg.as_partial().unwrap_or_default());
            m.insert("name".to_string(), rg);
            for k in ["location", "tags", "properties", "managedBy", "type"] {
                m.insert(k.to_string(), Value::unknown(why("")));
            }
        } else {
            m.insert("subscriptionId".to_string(), sub);
            for k in ["displayName", "tenantId"] {
                m.insert(k.to_string(), Value::unknown(why("")));
            }
        }
        m.insert("id".to_string(), Value::text(id, None));
        Value::map(m)
    }

    /// `reference()` / `existing` lookups: the declared resource when it is in the scan, else an
    /// object whose identity principals are linkable tokens and whose other properties are
    /// unknown.
    fn reference(&self, target: &str, full: bool, span: Span) -> Value {
        let token = normalize_id(target);
        // A languageVersion 2.0 symbolic name.
        if !token.contains('/') {
            if let Some(i) = self.symbol_index(target) {
                let v = self.symbol(i, span);
                return if full {
                    v
                } else {
                    prop(&v, "properties", true)
                };
            }
        }
        let declared = self.shared.declared.borrow().get(&token).cloned();
        let v = declared
            .unwrap_or_else(|| symbolic("", &token, &Value::map(BTreeMap::new()), &Value::null()));
        if full {
            v
        } else {
            match prop(&v, "properties", true) {
                x if x.is_null() => Value::map(BTreeMap::new()),
                x => x,
            }
        }
    }

    fn lambda_call(&self, name: &str, args: &[Expr], env: Env<'_>, span: Span) -> Value {
        let source = args.first().map(|a| self.eval(a, env));
        let Some(source) = source else {
            return Value::unknown("missing argument");
        };
        let lambda = args.iter().find_map(|a| match &a.kind {
            ExprKind::Lambda(params, body) => Some((params, body)),
            _ => None,
        });
        let Some((params, body)) = lambda else {
            return Value::unknown(format!("{name}() without a lambda"));
        };
        let apply = |vals: Vec<Value>| -> Value {
            let mut e = env.to_vec();
            for (p, v) in params.iter().zip(vals) {
                e.push((p.clone(), v));
            }
            self.eval(body, &e)
        };
        let items: Vec<Value> = match &source.kind {
            Kind::List(l) => l.to_vec(),
            Kind::Map(m) if name == "mapvalues" => m.values().cloned().collect(),
            Kind::Unknown(_) | Kind::Error(_) => return source,
            _ => return Value::unknown(format!("{name}() of a non-array")),
        };
        let here = Some(span);
        match name {
            "map" => Value::at(
                Kind::List(Arc::new(
                    items
                        .into_iter()
                        .enumerate()
                        .map(|(i, x)| apply(vec![x, Value::num(i as f64)]))
                        .collect(),
                )),
                here,
            ),
            "filter" => {
                let mut out = Vec::new();
                for (i, x) in items.into_iter().enumerate() {
                    match apply(vec![x.clone(), Value::num(i as f64)]).as_bool() {
                        Some(true) => out.push(x),
                        Some(false) => {}
                        None => return Value::unknown("a filter() condition is unknown"),
                    }
                }
                Value::at(Kind::List(Arc::new(out)), here)
            }
            "reduce" => {
                let mut acc = args.get(1).map_or_else(Value::null, |a| self.eval(a, env));
                for (i, x) in items.into_iter().enumerate() {
                    acc = apply(vec![acc, x, Value::num(i as f64)]);
                }
                acc
            }
            "toobject" => {
                let mut m = BTreeMap::new();
                for x in items {
                    let k = apply(vec![x.clone()]);
                    let v = match args.get(2).map(|a| &a.kind) {
                        Some(ExprKind::Lambda(ps, b)) => {
                            let mut e = env.to_vec();
                            if let Some(p) = ps.first() {
                                e.push((p.clone(), x.clone()));
                            }
                            self.eval(b, &e)
                        }
                        _ => x,
                    };
                    match to_text(&k) {
                        Some(t) if !k.is_unknown() => {
                            m.insert(t, v);
                        }
                        _ => return Value::unknown("a toObject() key is unknown"),
                    }
                }
                Value::at(Kind::Map(Arc::new(m)), here)
            }
            _ => Value::unknown(format!("{name}() is not evaluated")),
        }
    }
}

/// A known value that no literal stands behind (a `resourceId()` result, a symbolic
/// resource's `.id`) is located at the expression that computed it: the place a user edits.
/// Gives a declared resource's id the text Azure gives it, and the ids of a VNet's inline
/// subnets theirs (`<vnet id>/subnets/<name>`), which code takes apart as it does any id.
fn shape_ids(value: &mut Value, shape: &Partial) {
    let Kind::Map(m) = &mut value.kind else {
        return;
    };
    let m = Arc::make_mut(m);
    if let Some(idv) = m.get_mut("id") {
        *idv = idv.clone().with_shape(shape.clone());
    }
    let Some(Kind::Map(props)) = m.get_mut("properties").map(|p| &mut p.kind) else {
        return;
    };
    let Some(Kind::List(subnets)) = Arc::make_mut(props).get_mut("subnets").map(|s| &mut s.kind)
    else {
        return;
    };
    for s in Arc::make_mut(subnets) {
        let Kind::Map(sm) = &mut s.kind else {
            continue;
        };
        let Some(name) = sm.get("name").and_then(Value::as_str).map(str::to_string) else {
            continue;
        };
        if let Some(idv) = Arc::make_mut(sm).get_mut("id") {
            let mut text = shape.clone();
            text.push_text(&format!("/subnets/{name}"));
            *idv = idv.clone().with_shape(text);
        }
    }
}

fn computed_at(v: Value, span: Span) -> Value {
    if v.prov.is_some() || v.is_unknown() {
        v
    } else {
        v.located(Some(span))
    }
}

fn split_name(n: &str) -> Vec<String> {
    n.split('/').map(str::to_string).collect()
}

/// `a.b`: objects by name (ignoring case), ARM's `[*]`-free world otherwise.
pub fn prop(b: &Value, name: &str, safe: bool) -> Value {
    match &b.kind {
        Kind::Map(m) => match get_ci(m, name) {
            Some(v) => v.clone(),
            None if safe => Value::null(),
            None => Value::unknown(format!("property `{name}` is not known statically")),
        },
        Kind::Null if safe => Value::null(),
        Kind::Unknown(_) | Kind::Partial(_) | Kind::Error(_) => b.clone().opaque(),
        _ if safe => Value::null(),
        _ => Value::unknown(format!("`.{name}` of a value that is not an object")),
    }
}

fn index(b: &Value, i: &Value, safe: bool) -> Value {
    if i.is_unknown() || i.is_error() {
        return i.clone().opaque();
    }
    match (&b.kind, &i.kind) {
        (Kind::List(l), Kind::Num(n)) if *n >= 0.0 => match l.get(*n as usize) {
            Some(v) => v.clone(),
            None if safe => Value::null(),
            None => Value::unknown("index out of range"),
        },
        (Kind::Map(_), _) => match to_text(i) {
            Some(k) => prop(b, &k, safe),
            None => Value::unknown("unknown key"),
        },
        (Kind::Unknown(_) | Kind::Partial(_) | Kind::Error(_), _) => b.clone().opaque(),
        _ if safe => Value::null(),
        _ => Value::unknown("cannot index this value"),
    }
}

/// The value a symbolic reference to a resource reads: its declared body, its id and name, and
/// linkable tokens for what only Azure knows but links need (identity principals, inline subnet
/// ids).
fn symbolic(ty: &str, id: &str, body: &Value, name: &Value) -> Value {
    let mut m: BTreeMap<String, Value> = body.as_map().cloned().unwrap_or_default();
    m.insert("id".into(), Value::str(id));
    if !name.is_null() {
        m.insert("name".into(), name.clone());
    }
    if !ty.is_empty() {
        m.insert("type".into(), Value::str(ty));
    }
    let lower = ty.to_ascii_lowercase();
    let is_uai =
        lower.ends_with("userassignedidentities") || id.contains("/userassignedidentities/");
    // Identity principal of a system-assigned identity.
    let mut identity = m
        .get("identity")
        .and_then(Value::as_map)
        .cloned()
        .unwrap_or_default();
    identity.insert(
        "principalId".into(),
        Value::str(format!("{id}.identity.principal_id")),
    );
    m.insert("identity".into(), Value::map(identity));
    let mut props = m
        .get("properties")
        .and_then(Value::as_map)
        .cloned()
        .unwrap_or_default();
    if is_uai {
        props.insert(
            "principalId".into(),
            Value::str(format!("{id}.principal_id")),
        );
        m.insert(
            "principalId".into(),
            Value::str(format!("{id}.principal_id")),
        );
    }
    if lower.ends_with("managedclusters") && !props.contains_key("identityProfile") {
        // AKS creates the kubelet identity when none is given: unknown, but not the cluster
        // identity, which a role assignment check must tell apart.
        let mut kubelet = BTreeMap::new();
        kubelet.insert(
            "objectId".to_string(),
            Value::str(format!("{id}.kubelet_identity.object_id")),
        );
        let mut profile = BTreeMap::new();
        profile.insert("kubeletidentity".to_string(), Value::map(kubelet));
        props.insert("identityProfile".into(), Value::map(profile));
    }
    if lower.ends_with("virtualnetworks") {
        if let Some(Kind::List(subnets)) = props.get("subnets").map(|s| &s.kind) {
            let with_ids: Vec<Value> = subnets
                .iter()
                .map(|s| {
                    match (
                        &s.kind,
                        s.as_map()
                            .and_then(|x| x.get("name"))
                            .and_then(Value::as_str),
                    ) {
                        (Kind::Map(sm), Some(n)) => {
                            let mut sm = (**sm).clone();
                            sm.insert(
                                "id".into(),
                                Value::str(format!("{id}/subnets/{}", n.to_ascii_lowercase())),
                            );
                            Value::map(sm)
                        }
                        _ => s.clone(),
                    }
                })
                .collect();
            props.insert("subnets".into(), Value::list(with_ids));
        }
    }
    if m.contains_key("properties") || is_uai {
        m.insert("properties".into(), Value::map(props));
    }
    Value::map(m)
}
