//! Resource declarations: every instance of a resource (copy loops and conditions), its id token
//! and the symbolic value other resources and `reference()` read.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use super::{
    Deferred, Env, Inst, Instance, Iteration, Registered, Slot, TemplateEval, MAX_INSTANCES,
};
use crate::eval::arm_functions::{self as af, resource_token, symbolic_text, to_text};
use crate::eval::partial::Partial;
use crate::eval::value::{Kind, Value};
use crate::frontends::ir::{Loop, LoopSource, Parent, Resource};

impl<'t, 's, 'o> TemplateEval<'t, 's, 'o> {
    /// Evaluates (once) every instance of resource `i`; `None` while it is being evaluated.
    pub(super) fn instances(&self, i: usize) -> Option<Rc<Vec<Inst>>> {
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
            if let Some(inst) = self.instance(i, out.len(), r, env, unknown_loop) {
                out.push(inst);
            }
        }
        let rc = Rc::new(out);
        self.res.borrow_mut().insert(i, Some(rc.clone()));
        Some(rc)
    }

    /// One instance of a resource under its loop variables: its condition, body, id token and
    /// the symbolic value references to it read; `None` when its condition is false or the
    /// instance limit is reached. `res` is the resource's index, `at` the instance's among
    /// those of that resource.
    fn instance(
        &self,
        res: usize,
        at: usize,
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
                .map(|(_, v)| ["[", to_text(v).as_deref().unwrap_or("?"), "]"].concat())
                .unwrap_or_default()
        } else {
            String::new()
        };
        let addr = [self.prefix.as_str(), &local, &loop_key].concat();
        if self.shared.out.borrow().len() > MAX_INSTANCES {
            self.shared
                .issue(r.header, "too many resource instances".into());
            return None;
        }
        if self.deferrable(r) {
            // Its body is evaluated only if something reads it: most resources of a template
            // are of types no rule reads (alerts, locks, diagnostic settings), and nothing
            // reads most of them.
            self.shared.declared.borrow_mut().insert(
                id.clone(),
                Registered::Deferred {
                    ctx: self.ctx,
                    res,
                    at,
                    ty: r.ty.clone(),
                    name: full_name.clone(),
                },
            );
            self.shared.out.borrow_mut().push(Instance {
                ty: r.ty.clone(),
                id: id.clone(),
                addr,
                header: r.header,
                body: Value::null(),
                parent: parent_id,
                condition,
            });
            let later = Deferred {
                env,
                id,
                full_name,
                name_text,
            };
            return Some(Inst {
                value: RefCell::new(Slot::Deferred(Box::new(later))),
            });
        }
        let (body, mut value) = self.body_and_value(r, &env, &id, &full_name, name_text.as_deref());
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
            .insert(id.clone(), Registered::Built(value.clone()));
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
        Some(Inst {
            value: RefCell::new(Slot::Ready(value)),
        })
    }

    /// Whether an instance's body may wait until something reads it: a resource deployed as
    /// is (not `existing`, not a module) of a type whose bodies the caller does not read.
    fn deferrable(&self, r: &Resource) -> bool {
        let Some(reads) = self.shared.reads else {
            return false;
        };
        !r.existing && r.nested.is_none() && !reads(&r.ty.to_ascii_lowercase())
    }

    /// An instance's body, and the symbolic value references to it read.
    fn body_and_value(
        &self,
        r: &Resource,
        env: Env<'_>,
        id: &str,
        full_name: &Value,
        name_text: Option<&str>,
    ) -> (Value, Value) {
        let mut body = self.eval(&r.body, env);
        if let (Kind::Map(m), Some(_)) = (&mut body.kind, name_text) {
            // The body's name is the short one; Bicep `parent` children carry the full one.
            Arc::make_mut(m).insert("name".into(), full_name.clone());
        }
        let mut value = symbolic(&r.ty, id, &body, full_name);
        // Its id also carries the text Azure gives it, for code that takes it apart.
        let shape = name_text.and_then(|n| af::declared_id_shape(&r.ty, n));
        if let Some(shape) = shape {
            shape_ids(&mut value, &shape);
        }
        (body, value)
    }

    /// The symbolic value of instance `inst` of resource `r`, built now if it was deferred;
    /// `None` while it is being built (a read from its own body: a cycle).
    pub(super) fn inst_value(&self, r: &Resource, inst: &Inst) -> Option<Value> {
        let later = {
            let mut slot = inst.value.borrow_mut();
            match &*slot {
                Slot::Ready(v) => return Some(v.clone()),
                Slot::Building => return None,
                Slot::Deferred(_) => std::mem::replace(&mut *slot, Slot::Building),
            }
        };
        let Slot::Deferred(d) = later else {
            return None;
        };
        let (_, value) =
            self.body_and_value(r, &d.env, &d.id, &d.full_name, d.name_text.as_deref());
        *inst.value.borrow_mut() = Slot::Ready(value.clone());
        Some(value)
    }

    /// The symbolic value `reference()` finds for a deferred resource: built by the context
    /// that declared it when that is this one or one of its callers (all still evaluating);
    /// else (a deployment that has finished, such as an earlier module) its id, name and type,
    /// with its properties unknown. `None` while it is being built.
    pub(super) fn deferred_value(
        &self,
        ctx: usize,
        res: usize,
        at: usize,
        ty: &str,
        token: &str,
        name: &Value,
    ) -> Option<Value> {
        let mut cx = Some(self);
        while let Some(c) = cx {
            if c.ctx == ctx {
                let r = c.t.resources.get(res)?;
                let list = c.instances(res)?;
                return c.inst_value(r, list.get(at)?);
            }
            cx = c.caller;
        }
        let mut body = BTreeMap::new();
        body.insert(
            "properties".to_string(),
            Value::unknown(format!(
                "the properties of {ty} are unknown outside the deployment that declares it"
            )),
        );
        Some(symbolic(ty, token, &Value::map(body), name))
    }

    /// How an unknown names what it came from (`the condition of vnet`).
    fn snippet(&self, r: &Resource, what: &str) -> String {
        format!(
            "the {what} of {}",
            r.symbol.clone().unwrap_or_else(|| r.ty.clone())
        )
    }

    /// The environments of a loop's iterations; an unknown count or source gives one iteration
    /// standing for all, with its reason.
    pub(super) fn loop_envs(&self, l: &Loop, env: Env<'_>) -> Vec<Iteration> {
        // Why the iterations cannot be known, when they cannot.
        let items: Result<Vec<Value>, &'static str> = match &l.source {
            LoopSource::Count(c) => {
                let n = self.eval(c, env);
                match n.as_num() {
                    Some(k) if k >= 0.0 && k <= MAX_INSTANCES as f64 => {
                        Ok((0..k as usize).map(|i| Value::num(i as f64)).collect())
                    }
                    Some(_) => Err("the loop count is out of range"),
                    None => Err("the loop count is unknown"),
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
                    _ => Err("the loop's collection is unknown"),
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
                self.bind(l, &mut e, Value::unknown(why), Value::unknown(why));
                vec![(e, Some(why.to_string()))]
            }
        }
    }

    /// Binds the loop variables of one iteration: ARM's `copyIndex()` slot, Bicep's item and index.
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
}

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

fn split_name(n: &str) -> Vec<String> {
    n.split('/').map(str::to_string).collect()
}

/// The value a symbolic reference to a resource reads: its declared body, its id and name, and
/// linkable tokens for what only Azure knows but links need (identity principals, inline subnet
/// ids).
pub(super) fn symbolic(ty: &str, id: &str, body: &Value, name: &Value) -> Value {
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
        Value::str([id, ".identity.principal_id"].concat()),
    );
    m.insert("identity".into(), Value::map(identity));
    // Shared with the body until a token is added to it (most resources add none).
    let mut props: Arc<BTreeMap<String, Value>> = match m.get("properties").map(|p| &p.kind) {
        Some(Kind::Map(p)) => p.clone(),
        _ => Arc::default(),
    };
    if is_uai {
        Arc::make_mut(&mut props).insert(
            "principalId".into(),
            Value::str([id, ".principal_id"].concat()),
        );
        m.insert(
            "principalId".into(),
            Value::str([id, ".principal_id"].concat()),
        );
    }
    if lower.ends_with("managedclusters") && !props.contains_key("identityProfile") {
        // AKS creates the kubelet identity when none is given: unknown, but not the cluster
        // identity, which a role assignment check must tell apart.
        let mut kubelet = BTreeMap::new();
        kubelet.insert(
            "objectId".to_string(),
            Value::str([id, ".kubelet_identity.object_id"].concat()),
        );
        let mut profile = BTreeMap::new();
        profile.insert("kubeletidentity".to_string(), Value::map(kubelet));
        Arc::make_mut(&mut props).insert("identityProfile".into(), Value::map(profile));
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
            Arc::make_mut(&mut props).insert("subnets".into(), Value::list(with_ids));
        }
    }
    if m.contains_key("properties") || is_uai {
        m.insert("properties".into(), Value::new(Kind::Map(props)));
    }
    Value::map(m)
}
