//! Symbols: `var.x`, `local.x` and `module.x.out`, each evaluated once per module instance
//! and guarded against reference cycles.

use crate::frontends::hcl::{Expression, TraversalOperator};

use super::convert::convert;
use super::{Evaluator, Scope, Symbol};
use crate::eval::value::{InstKey, Value};
use crate::frontends::terraform::is_local_source;
use crate::source::{FileId, Span};

impl<'p, 'a> Evaluator<'p, 'a> {
    /// Value of `var.name` in an instance: its input, else its default, converted to the
    /// declared type (which fills `optional()` attributes).
    /// The value carries its hop (`var.x`, `module.m.var.x`) on its chain: it is memoized with
    /// it, so a module that reads a variable many times adds the hop once.
    pub fn var(&self, inst: usize, name: &str) -> Value {
        if let Some(v) = self.memoized(inst, Symbol::Var, name) {
            return v;
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
        let v = self.with_hop(v, inst, Symbol::Var, name);
        self.remember(inst, Symbol::Var, name, &v);
        v
    }

    /// `v` with the name it was read through on its chain; a value without provenance has
    /// nothing to extend, so no name is built.
    fn with_hop(&self, v: Value, inst: usize, kind: Symbol, name: &str) -> Value {
        if v.prov.is_none() {
            return v;
        }
        v.via(&self.qualified(inst, kind, name))
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

    pub(super) fn guarded<F: FnOnce() -> Value>(
        &self,
        key: (usize, String),
        span: Span,
        f: F,
    ) -> Value {
        if !self.in_progress.borrow_mut().insert(key.clone()) {
            self.issue(span, format!("reference cycle through `{}`", key.1));
            return Value::unknown(format!("reference cycle through `{}`", key.1));
        }
        let v = f();
        self.in_progress.borrow_mut().remove(&key);
        v
    }

    /// `local.name`, with its hop on its chain (see [`Evaluator::var`]).
    pub(super) fn local(&self, inst: usize, name: &str, span: Span) -> Value {
        let Some(m) = self.module_of(inst) else {
            return Value::unknown("no module");
        };
        let decl = m.locals.get(name).copied();
        self.memo(inst, Symbol::Local, name, span, decl, || {
            Value::error(format!("local.{name} is not declared"))
        })
    }

    /// A named module-level expression (`local.x`, `output.x`), evaluated once per instance
    /// and guarded against cycles. A local carries its hop; an output's reader adds its own.
    fn memo(
        &self,
        inst: usize,
        kind: Symbol,
        name: &str,
        span: Span,
        decl: Option<(FileId, &'a Expression)>,
        absent: impl FnOnce() -> Value,
    ) -> Value {
        if let Some(v) = self.memoized(inst, kind, name) {
            return v;
        }
        let Some((file, expr)) = decl else {
            return absent();
        };
        let scope = Scope {
            inst,
            file,
            binds: None,
        };
        let key = (inst, [kind.prefix(), ".", name].concat());
        let mut v = self.guarded(key, span, || self.eval(expr, &scope));
        if kind == Symbol::Local {
            v = self.with_hop(v, inst, kind, name);
        }
        self.remember(inst, kind, name, &v);
        v
    }

    pub(super) fn module_ref(
        &self,
        sc: &Scope,
        name: &str,
        ops: &[&TraversalOperator],
        span: Span,
    ) -> Value {
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
                    .output(child, out, span)
                    .via(&format!("module.{name}.{out}"));
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
        self.memo(inst, Symbol::Output, name, span, decl, || {
            Value::error(format!("output {name} is not declared"))
        })
    }
}
