//! Function calls that need the evaluator (`parameters`, `variables`, `reference`, `resourceGroup`,
//! `subscription`, lambdas); everything else goes to [`crate::eval::arm_functions`].

use std::collections::BTreeMap;
use std::sync::Arc;

use super::expr::{computed_at, prop};
use super::resources::symbolic;
use super::{Env, Registered, TemplateEval};
use crate::eval::arm_functions::{self as af, normalize_id, to_text};
use crate::eval::common::equal;
use crate::eval::partial::{Hole, Partial};
use crate::eval::value::{Kind, Value};
use crate::frontends::ir::{Expr, ExprKind};
use crate::source::Span;

impl<'t, 's, 'o> TemplateEval<'t, 's, 'o> {
    /// A function call: the template functions that read this context, lambdas, and everything
    /// else evaluated by argument values in [`af::call`].
    pub(super) fn call(&self, name: &str, args: &[Expr], env: Env<'_>, span: Span) -> Value {
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
                    Some(n) => k.strip_prefix("copy:") == Some(n.as_str()),
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
    pub(super) fn symbolic_hole(&self, expr: &str, reason: String, no_slash: bool) -> Value {
        Value::hole(Hole {
            reason: Arc::from(reason),
            no_slash,
            key: Some(Arc::from([expr, "@", &self.scope].concat())),
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
        let found = match declared {
            Some(Registered::Built(v)) => Some(v),
            // While it is being built, as before it was declared.
            Some(Registered::Deferred {
                ctx,
                res,
                at,
                ty,
                name,
            }) => self.deferred_value(ctx, res, at, &ty, &token, &name),
            None => None,
        };
        let v = found
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

    /// `map`, `filter`, `reduce`, `sort`, `toObject`, `groupBy`, `mapValues`: the lambda is
    /// evaluated per element, so these need the context rather than argument values.
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
