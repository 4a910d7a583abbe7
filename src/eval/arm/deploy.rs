//! Nested deployments (`Microsoft.Resources/deployments`, Bicep modules): a child context with
//! its own parameters and scope, whose resources join the caller's output.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt};

use super::{Env, TemplateEval, MAX_NESTING};
use crate::eval::arm_functions::get_ci;
use crate::eval::value::{Kind, Value};
use crate::frontends::ir::Resource;

impl<'t, 's, 'o> TemplateEval<'t, 's, 'o> {
    /// Deploys a nested template or module; returns the symbolic value with its outputs.
    pub(super) fn deploy(
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
        let child = TemplateEval {
            t: &n.template,
            shared: self.shared,
            outer: if n.outer { Some(self) } else { None },
            caller: Some(self),
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
            ctx: self.shared.next_context(),
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
}
