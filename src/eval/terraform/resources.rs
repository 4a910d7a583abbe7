//! Resources and blocks: attribute values of a resource instance (including what Azure fills
//! in after apply), the id it will have, and nested (also `dynamic`) blocks.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::frontends::hcl::{Expr, Expression, TraversalOperator};

use super::expr::key_value_pairs;
use super::{BlockRef, Evaluator, MAX_INSTANCES};
use crate::eval::id_shapes;
use crate::eval::partial::Partial;
use crate::eval::value::{Kind, ResHandle, ResId, Value};
use crate::frontends::terraform::{header_span, span_of};
use crate::source::Span;

impl<'p, 'a> Evaluator<'p, 'a> {
    /// `<resource>.<name>` of one resource instance: the attribute or blocks as written, the id
    /// by its shape, and what Azure fills in after apply as unknown, or as a linkable id where a
    /// role assignment check must know which identity is meant.
    pub(super) fn res_attr_value(&self, h: &ResHandle, name: &str) -> Value {
        let exp = self.res_expansion(h.inst, h.res);
        if h.key.is_none() && exp.collection {
            return Value::error("a resource with count/for_each needs an index");
        }
        if name == "id" {
            let id = Value::new(Kind::Id(ResId(Arc::from(self.res_addr(h)))));
            return match self.id_shape(h) {
                Some(shape) => id.with_shape(shape),
                None => id,
            };
        }
        let Some(r) = self.module_of(h.inst).and_then(|m| m.resources.get(h.res)) else {
            return Value::unknown("resource not found");
        };
        let Some(sc) = self.res_scope(h) else {
            return Value::unknown("resource not found");
        };
        let block = BlockRef {
            body: r.body,
            scope: sc,
            header: r.header,
        };
        if let Some((v, _)) = self.attr(&block, name) {
            return v;
        }
        let blocks = self.blocks(&block, name);
        if !blocks.is_empty() {
            let addr = self.res_addr(h);
            return Value::list(
                blocks
                    .iter()
                    .map(|b| {
                        let v = self.block_value(b);
                        // A managed identity's principal is created by Azure, but it is still
                        // *this* identity: keep it linkable for role-assignment checks.
                        match (&v.kind, name) {
                            // An inline subnet's id is `<vnet id>/subnets/<name>`, which links
                            // to the subnet as the interpolated form does.
                            (Kind::Map(m), "subnet")
                                if r.ty == "azurerm_virtual_network" && !m.contains_key("id") =>
                            {
                                let mut m = (**m).clone();
                                let id = match m.get("name").and_then(Value::as_str) {
                                    Some(n) => Value::new(Kind::Id(ResId(Arc::from(format!(
                                        "{addr}/subnets/{n}"
                                    ))))),
                                    None => Value::unknown(format!(
                                        "the name of a subnet of {addr} is unknown"
                                    )),
                                };
                                m.insert("id".into(), id);
                                Value::map(m)
                            }
                            (Kind::Map(m), "identity") if !m.contains_key("principal_id") => {
                                let mut m = (**m).clone();
                                let id = ResId(Arc::from(format!("{addr}.identity.principal_id")));
                                m.insert("principal_id".into(), Value::new(Kind::Id(id)));
                                Value::map(m)
                            }
                            _ => v,
                        }
                    })
                    .collect(),
            );
        }
        if name == "principal_id" {
            let id = ResId(Arc::from(format!("{}.principal_id", self.res_addr(h))));
            return Value::new(Kind::Id(id));
        }
        if name == "kubelet_identity" && r.ty == "azurerm_kubernetes_cluster" {
            // Without a `kubelet_identity` block AKS creates one of its own: unknown, but not
            // the cluster identity, which a role assignment check must tell apart.
            let mut m = BTreeMap::new();
            let id = ResId(Arc::from(format!(
                "{}.kubelet_identity.object_id",
                self.res_addr(h)
            )));
            m.insert("object_id".to_string(), Value::new(Kind::Id(id)));
            for k in ["client_id", "user_assigned_identity_id"] {
                m.insert(
                    k.to_string(),
                    Value::unknown(format!(
                        "{}.kubelet_identity is known only after apply",
                        self.res_addr(h)
                    )),
                );
            }
            return Value::list(vec![Value::map(m)]);
        }
        Value::unknown(format!(
            "{}.{name} is known only after apply",
            self.res_addr(h)
        ))
    }

    /// The text Azure gives the id of a resource (or data source) of a known kind, from its
    /// name attributes; holes for the subscription and for names that are not known.
    fn id_shape(&self, h: &ResHandle) -> Option<Partial> {
        let r = self.module_of(h.inst)?.resources.get(h.res)?;
        // The `azurerm_subscription` resource is an alias, not the subscription.
        if r.ty == "azurerm_subscription" && !r.data {
            return None;
        }
        let (provider, path) = id_shapes::of(&r.ty)?;
        let block = BlockRef {
            body: r.body,
            scope: self.res_scope(h)?,
            header: r.header,
        };
        let name = |attr: &str| {
            let v = self.attr(&block, attr).map(|(v, _)| v);
            let text = v
                .as_ref()
                .filter(|v| !v.is_link())
                .and_then(Value::as_partial);
            // Azure names hold no `/`, so an unknown name cannot shift the segments.
            text.unwrap_or_else(|| Partial::hole(id_shapes::name_hole(attr)))
        };
        Some(id_shapes::build(provider, path, name))
    }

    /// A block as an object of its attributes and nested blocks.
    pub fn block_value(&self, b: &BlockRef<'a>) -> Value {
        let mut map = BTreeMap::new();
        for a in b.body.attributes() {
            map.insert(a.key.as_str().to_string(), self.eval(&a.value, &b.scope));
        }
        let mut names: Vec<&str> = Vec::new();
        for blk in b.body.blocks() {
            let n = if blk.ident.as_str() == "dynamic" {
                blk.labels.first().map(|l| l.as_str())
            } else {
                Some(blk.ident.as_str())
            };
            if let Some(n) = n {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
        for n in names {
            let items = self
                .blocks(b, n)
                .iter()
                .map(|x| self.block_value(x))
                .collect();
            map.insert(n.to_string(), Value::list(items));
        }
        Value::map(map)
    }

    /// An attribute of a block: its value and the span of its expression; `None` if absent.
    pub fn attr(&self, b: &BlockRef<'a>, name: &str) -> Option<(Value, Span)> {
        let a = b.body.get_attribute(name)?;
        let v = self.eval(&a.value, &b.scope);
        Some((v, span_of(b.scope.file, &a.value)))
    }

    /// Whether the block's `lifecycle { ignore_changes = [...] }` lists `name` (or is `all`):
    /// the real value of that attribute is then set outside this code.
    pub fn ignores_changes(&self, b: &BlockRef<'a>, name: &str) -> bool {
        let Some(lifecycle) = b.body.blocks().find(|x| x.ident.as_str() == "lifecycle") else {
            return false;
        };
        let first_name = |e: &Expression| match &e.kind {
            Expr::Variable(v) => Some(v.to_string()),
            Expr::Traversal(t) => match &t.expr.kind {
                Expr::Variable(v) => Some(v.to_string()),
                _ => None,
            },
            Expr::String(s) => Some(s.to_string()),
            _ => None,
        };
        match lifecycle
            .body
            .get_attribute("ignore_changes")
            .map(|a| &a.value)
        {
            Some(Expression {
                kind: Expr::Array(items),
                ..
            }) => items.iter().filter_map(first_name).any(|n| n == name),
            Some(e) => first_name(e).is_some_and(|n| n == "all"),
            None => false,
        }
    }

    /// When an attribute is written as `<resource>.<name>...name` (e.g. a subnet's
    /// `virtual_network_name = azurerm_virtual_network.x.name`), the id of that resource: it links
    /// the two even when the name itself is unknown.
    pub fn referenced_id(&self, b: &BlockRef<'a>, attr: &str) -> Option<Value> {
        let a = b.body.get_attribute(attr)?;
        let Expr::Traversal(t) = &a.value.kind else {
            return None;
        };
        let ops: Vec<&TraversalOperator> = t.operators.iter().collect();
        let (last, rest) = ops.split_last()?;
        if !matches!(last, TraversalOperator::GetAttr(n) if &**n == "name") {
            return None;
        }
        let span = span_of(b.scope.file, &a.value);
        let target = self.traverse(&t.expr, rest, &b.scope, span);
        let id = self.get_attr(target, "id");
        matches!(id.kind, Kind::Id(_)).then_some(id)
    }

    /// Nested blocks of a given type, with `dynamic` blocks expanded.
    pub fn blocks(&self, b: &BlockRef<'a>, name: &str) -> Vec<BlockRef<'a>> {
        let mut out = Vec::new();
        for blk in b.body.blocks() {
            if blk.ident.as_str() == name {
                out.push(BlockRef {
                    body: &blk.body,
                    scope: b.scope.clone(),
                    header: header_span(b.scope.file, blk),
                });
            } else if blk.ident.as_str() == "dynamic"
                && blk.labels.first().is_some_and(|l| l.as_str() == name)
            {
                let Some(content) = blk.body.blocks().find(|c| c.ident.as_str() == "content")
                else {
                    continue;
                };
                let iter_name = match blk.body.get_attribute("iterator").map(|a| &a.value.kind) {
                    Some(Expr::Variable(v)) => v.to_string(),
                    _ => name.to_string(),
                };
                let header = header_span(b.scope.file, blk);
                let coll = blk
                    .body
                    .get_attribute("for_each")
                    .map(|a| self.materialize(self.eval(&a.value, &b.scope)))
                    .unwrap_or_else(Value::null);
                let items: Vec<(Value, Value)> = match (&coll.kind, key_value_pairs(&coll)) {
                    (_, Some(p)) => p,
                    (Kind::Null, None) => Vec::new(),
                    _ => vec![(
                        Value::unknown("dynamic block key is unknown"),
                        Value::unknown("dynamic block value is unknown"),
                    )],
                };
                for (k, v) in items.into_iter().take(MAX_INSTANCES) {
                    let mut it = BTreeMap::new();
                    it.insert("key".to_string(), k);
                    it.insert("value".to_string(), v);
                    out.push(BlockRef {
                        body: &content.body,
                        scope: b.scope.with(&iter_name, Value::map(it)),
                        header,
                    });
                }
            }
        }
        out
    }
}
