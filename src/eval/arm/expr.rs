//! Expressions: literals, symbols, operators, property access and indexing, `for` loops.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Env, TemplateEval, MAX_DEPTH};
use crate::eval::arm_functions::{self as af, get_ci, to_text};
use crate::eval::common::equal;
use crate::eval::value::{Kind, Value};
use crate::frontends::ir::{BinOp, Expr, ExprKind, Item};
use crate::source::Span;

impl<'t, 's, 'o> TemplateEval<'t, 's, 'o> {
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

    /// A bare name (Bicep): a loop or lambda variable, then a parameter, variable or resource.
    fn ident(&self, name: &str, env: Env<'_>, span: Span) -> Value {
        if let Some((_, v)) = env.iter().rev().find(|(k, _)| k == name) {
            return v.clone();
        }
        let declared = self.t.names().get(name);
        if declared.param.is_some() {
            return self.param(name, span);
        }
        if declared.var.is_some() {
            return self.var(name, span);
        }
        if let Some(i) = declared.resource {
            return self.symbol(i, span);
        }
        Value::unknown(format!("`{name}` is not known here"))
    }

    /// Operators; `&&`, `||` and `??` decide on the left side alone when they can.
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
}

/// A known value that no literal stands behind (a `resourceId()` result, a symbolic
/// resource's `.id`) is located at the expression that computed it: the place a user edits.
pub(super) fn computed_at(v: Value, span: Span) -> Value {
    if v.prov.is_some() || v.is_unknown() {
        v
    } else {
        v.located(Some(span))
    }
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
