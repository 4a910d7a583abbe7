//! Expressions: literals, templates, operators, `for` expressions, function calls and
//! traversals (`a.b[0]`, splats) over evaluated values.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::frontends::hcl::{BinaryOperator, Expr, Expression, TraversalOperator, UnaryOperator};
use crate::frontends::hcl::{Element, Template};

use super::{functions, Evaluator, Scope, MAX_DEPTH};
use crate::eval::common::{equal, MAX_STRING};
use crate::eval::partial::Partial;
use crate::eval::value::{InstKey, Kind, ResHandle, Value};
use crate::frontends::terraform::span_of;
use crate::source::Span;

impl<'p, 'a> Evaluator<'p, 'a> {
    /// Evaluates an expression in a scope. Every call counts against the step budget and the
    /// nesting limit, so hostile input ends in an unknown value, not a hang or a stack overflow.
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

    /// An element of a list or object literal. A value that names no literal of its own (a
    /// resource id, a computed attribute) is written where the element is: a finding about it
    /// points at this element, not at the whole literal (e.g. an azapi body).
    fn element(&self, e: &Expression, sc: &Scope) -> Value {
        let v = self.eval(e, sc);
        if v.prov.is_some() {
            return v;
        }
        v.located(Some(span_of(sc.file, e)))
    }

    fn eval_inner(&self, e: &Expression, sc: &Scope, span: Span) -> Value {
        let here = Some(span);
        match &e.kind {
            Expr::Null => Value::at(Kind::Null, here),
            Expr::Bool(b) => Value::at(Kind::Bool(*b), here),
            Expr::Number(n) => Value::at(Kind::Num(*n), here),
            Expr::String(s) => Value::at(Kind::Str(Arc::from(&**s)), here),
            Expr::Array(a) => {
                let items = a.iter().map(|x| self.element(x, sc)).collect();
                Value::list(items).located(here)
            }
            Expr::Object(o) => {
                let mut map = BTreeMap::new();
                for crate::frontends::hcl::ObjectItem { key: k, value: v } in o {
                    let key = match k {
                        crate::frontends::hcl::ObjectKey::Ident(i) => i.as_str().to_string(),
                        crate::frontends::hcl::ObjectKey::Expression(ke) => {
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
                    map.insert(key, self.element(v, sc));
                }
                Value::map(map).located(here)
            }
            Expr::StringTemplate(t) | Expr::HeredocTemplate(t) => self.template(t, sc, span),
            Expr::Parenthesis(p) => self.eval(p, sc),
            Expr::Variable(v) => self.variable(v, sc, span),
            Expr::Conditional(c) => {
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
            Expr::FuncCall(f) => {
                let name = f.name.as_str();
                if !f.namespace.is_empty() {
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
                        let v = f.args.first().map(|a| self.eval(a, sc));
                        return match v {
                            Some(v) if v.is_error() => Value::at(Kind::Bool(false), here),
                            Some(v) if v.is_unknown() => v,
                            _ => Value::at(Kind::Bool(true), here),
                        };
                    }
                    _ => {}
                }
                let mut args: Vec<Value> = f.args.iter().map(|a| self.eval(a, sc)).collect();
                if f.expand_final {
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
            Expr::Traversal(t) => {
                let ops: Vec<&TraversalOperator> = t.operators.iter().collect();
                self.traverse(&t.expr, &ops, sc, span)
            }
            Expr::UnaryOp(u) => {
                let v = self.eval(&u.expr, sc);
                if v.is_unknown() {
                    return v;
                }
                match u.operator {
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
            Expr::BinaryOp(b) => self.binary(b, sc, span),
            Expr::ForExpr(f) => self.for_expr(f, sc, span),
        }
    }

    fn template(&self, t: &Template, sc: &Scope, span: Span) -> Value {
        let elems: Vec<&Element> = t.elements.iter().collect();
        // "${x}" alone yields x itself, unconverted (Terraform semantics): keeps ids linkable.
        if let [Element::Interpolation(i)] = elems.as_slice() {
            return self.eval(i, sc);
        }
        // `out` is the string with ids as link tokens (`ref:<address>`), so built ids link;
        // `text` is the string Azure will see, ids by their shape and unknowns as holes.
        let mut out = Some(String::new());
        let mut text = Partial::new();
        let mut links = false;
        for el in elems {
            match el {
                Element::Literal(l) => {
                    text.push_text(l);
                    if let Some(o) = &mut out {
                        o.push_str(l);
                    }
                }
                Element::Interpolation(i) => {
                    let v = self.eval(i, sc);
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
                Element::Directive => {
                    return Value::unknown("template directives are not evaluated")
                }
            }
            if text.text_len() > MAX_STRING || out.as_ref().is_some_and(|o| o.len() > MAX_STRING) {
                return Value::unknown("string too long");
            }
        }
        match out {
            Some(o) if links => Value::at(Kind::Str(Arc::from(o)), Some(span)).with_shape(text),
            Some(o) => Value::at(Kind::Str(Arc::from(o)), Some(span)),
            None => Value::text(text, Some(span)),
        }
    }

    fn binary(&self, b: &crate::frontends::hcl::BinaryOp, sc: &Scope, span: Span) -> Value {
        use BinaryOperator as Op;
        let op = b.operator;
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
            Op::Eq => Value::at(Kind::Bool(equal(&l, &r)), here),
            Op::NotEq => Value::at(Kind::Bool(!equal(&l, &r)), here),
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

    fn for_expr(&self, f: &crate::frontends::hcl::ForExpr, sc: &Scope, span: Span) -> Value {
        let coll = self.materialize(self.eval(&f.collection_expr, sc));
        let pairs = match (&coll.kind, key_value_pairs(&coll)) {
            (_, Some(p)) => p,
            (Kind::Null, None) => return Value::error("for expression over null"),
            (Kind::Unknown(_) | Kind::Error(_), None) => return coll,
            _ => return Value::error("for expression over a non-collection"),
        };
        let key_var = f.key_var.as_ref().map(|k| k.as_str());
        let val_var = f.value_var.as_str();
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
                let cv = self.eval(c, &s2);
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
    pub(super) fn traverse(
        &self,
        head: &Expression,
        ops: &[&TraversalOperator],
        sc: &Scope,
        span: Span,
    ) -> Value {
        let attr = |i: usize| match ops.get(i) {
            Some(TraversalOperator::GetAttr(a)) => Some(&**a),
            _ => None,
        };
        if let Expr::Variable(v) = &head.kind {
            let root: &str = v;
            if sc.lookup(root).is_none() {
                match root {
                    "var" => {
                        if let Some(name) = attr(0) {
                            let val = self.var(sc.inst, name);
                            return self.apply(val, ops.get(1..).unwrap_or(&[]), sc);
                        }
                    }
                    "local" => {
                        if let Some(name) = attr(0) {
                            let val = self.local(sc.inst, name, span);
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
    pub(super) fn apply(&self, mut v: Value, ops: &[&TraversalOperator], sc: &Scope) -> Value {
        for (i, op) in ops.iter().enumerate() {
            if v.is_unknown() {
                return v;
            }
            match op {
                TraversalOperator::GetAttr(a) => v = self.get_attr(v, a),
                TraversalOperator::Index(e) => {
                    let k = self.eval(e, sc);
                    v = self.index(v, &k);
                }
                TraversalOperator::LegacyIndex(n) => {
                    v = self.index(v, &Value::num(*n as f64));
                }
                TraversalOperator::AttrSplat | TraversalOperator::FullSplat => {
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

    pub(super) fn get_attr(&self, v: Value, name: &str) -> Value {
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
}

/// The (key, value) pairs of a list (index keys) or a map; `None` for anything else.
pub(super) fn key_value_pairs(coll: &Value) -> Option<Vec<(Value, Value)>> {
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
