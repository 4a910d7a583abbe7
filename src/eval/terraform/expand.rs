//! Expansion: `count`/`for_each` of resources into instance keys, and the scope and address
//! of each instance.

use std::rc::Rc;
use std::sync::Arc;

use crate::frontends::hcl::Body;
use crate::frontends::hcl::Expression;

use super::{Evaluator, Expansion, Scope, MAX_INSTANCES};
use crate::eval::value::{InstKey, Kind, ResHandle, Value};
use crate::frontends::terraform::span_of;
use crate::source::FileId;

impl<'p, 'a> Evaluator<'p, 'a> {
    /// Evaluates `count`/`for_each` of a body into instance keys.
    pub(super) fn expand(&self, body: &Body, sc: &Scope) -> Expansion {
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
}
