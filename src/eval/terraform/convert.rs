//! Values that enter a module from outside: inputs converted to the variable's declared type,
//! `-var` strings and tfvars constants.

use std::sync::Arc;

use foldhash::{HashMap, HashMapExt};

use crate::frontends::hcl::{Expr, Expression, ObjectItem, ObjectKey};

use super::{Evaluator, Project, Scope};
use crate::eval::value::{Kind, Value};
use crate::source::{FileId, Span};

/// Applies a type constraint to a value: object attributes declared `optional(T, default)` that
/// are missing get their default (or null), recursively through `map`, `list`, `set` and
/// `object`. Anything else passes through unchanged.
pub(super) fn convert(
    ev: &Evaluator<'_, '_>,
    v: Value,
    ty: &Expression,
    file: FileId,
    depth: u32,
) -> Value {
    if depth > 32 || v.is_unknown() || v.is_null() {
        return v;
    }
    let Expr::FuncCall(call) = &ty.kind else {
        return v;
    };
    let arg = call.args.first();
    match (call.name.as_str(), arg) {
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
        (
            "object",
            Some(Expression {
                kind: Expr::Object(spec),
                ..
            }),
        ) => {
            let Kind::Map(m) = &v.kind else { return v };
            let mut out = (**m).clone();
            for ObjectItem {
                key: k,
                value: attr_ty,
            } in spec
            {
                let key = match k {
                    ObjectKey::Ident(i) => i.as_str().to_string(),
                    ObjectKey::Expression(Expression {
                        kind: Expr::String(s),
                        ..
                    }) => s.to_string(),
                    _ => continue,
                };
                let current = out.get(&key).cloned();
                let filled = match current {
                    Some(x) if !x.is_null() => convert(ev, x, attr_ty, file, depth + 1),
                    _ => match &attr_ty.kind {
                        Expr::FuncCall(o) if o.name.as_str() == "optional" => {
                            match (o.args.first(), o.args.get(1)) {
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

/// Converts a `-var` style string to a value the way Terraform does for its declared type.
pub fn cli_value(raw: &str, is_string: bool) -> Value {
    if is_string {
        return Value::str(raw);
    }
    match crate::frontends::hcl::parse_expr(raw) {
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
