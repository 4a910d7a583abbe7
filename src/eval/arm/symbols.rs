//! The names an expression reads: parameters and variables, each evaluated once per template
//! instance (a cycle is reported, not followed), and resource declarations by symbolic name.

use super::TemplateEval;
use crate::eval::value::Value;
use crate::source::Span;

impl<'t, 's, 'o> TemplateEval<'t, 's, 'o> {
    /// `parameters('name')`: the value given, else the default; a parameter nobody sets is a hole
    /// that is the same wherever this deployment reads it, so ids built from it still match.
    pub fn param(&self, name: &str, span: Span) -> Value {
        if let Some(o) = self.outer {
            return o.param(name, span);
        }
        // A name spelled as declared has its key already; only other spellings build one.
        let key = self.t.names().param_key(name);
        let key: &str = &key;
        if let Some(slot) = self.params.borrow().get(key) {
            return match slot {
                Some(v) => v.clone(),
                None => self.cycle(span, "parameter", name),
            };
        }
        if let Some(v) = self.inputs.get(key) {
            // Kept with its hop: a template reads its parameters many times.
            let v = self.via_hop(v.clone(), "parameters", name);
            self.params
                .borrow_mut()
                .insert(key.to_string(), Some(v.clone()));
            return v;
        }
        let Some(p) = self
            .t
            .params
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
        else {
            return Value::unknown(format!("parameter `{name}` is not declared"));
        };
        self.params.borrow_mut().insert(key.to_string(), None);
        let v = match &p.default {
            Some(d) => self.via_hop(self.eval(d, &[]), "parameters", name),
            // A nullable parameter nobody sets is null.
            None if p.nullable => Value::null(),
            // Given at deployment: unknown, but the same wherever this deployment reads it.
            None => self.symbolic_hole(
                &["parameters('", key, "')"].concat(),
                format!("parameter `{name}` has no value"),
                false,
            ),
        };
        self.params
            .borrow_mut()
            .insert(key.to_string(), Some(v.clone()));
        v
    }

    /// `variables('name')`, read through the caller for `outer`-scoped nested templates.
    pub fn var(&self, name: &str, span: Span) -> Value {
        if let Some(o) = self.outer {
            return o.var(name, span);
        }
        let key = self.t.names().var_key(name);
        let key: &str = &key;
        if let Some(slot) = self.vars.borrow().get(key) {
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
        self.vars.borrow_mut().insert(key.to_string(), None);
        let v = self.via_hop(self.eval(e, &[]), "variables", name);
        self.vars
            .borrow_mut()
            .insert(key.to_string(), Some(v.clone()));
        v
    }

    /// Reports a value that depends on itself (once per span) and makes it unknown.
    fn cycle(&self, span: Span, kind: &str, name: &str) -> Value {
        self.shared
            .issue(span, format!("{kind} `{name}` depends on itself"));
        Value::unknown(format!("{kind} `{name}` depends on itself"))
    }

    /// The resource declared under a Bicep symbolic name.
    pub(super) fn symbol_index(&self, name: &str) -> Option<usize> {
        self.t.names().get(name).resource
    }

    /// The symbolic value of a resource declaration (a list for loops).
    pub(super) fn symbol(&self, i: usize, span: Span) -> Value {
        let Some(r) = self.t.resources.get(i) else {
            return Value::unknown("no such resource");
        };
        let cycle = || self.cycle(span, "resource", r.symbol.as_deref().unwrap_or(&r.ty));
        let Some(list) = self.instances(i) else {
            return cycle();
        };
        if r.copy.is_some() {
            let values: Option<Vec<Value>> = list.iter().map(|x| self.inst_value(r, x)).collect();
            return values.map_or_else(cycle, Value::list);
        }
        match list.first() {
            Some(x) => self.inst_value(r, x).unwrap_or_else(cycle),
            None => Value::unknown("the resource is not deployed"),
        }
    }
}
