//! A Terraform plan's before- and after-state as models, through the same azurerm/azapi mapper
//! as the HCL ([`super::terraform`]). Values come from `change.before` / `change.after`;
//! `after_unknown` marks what is known only after apply; the configuration's references link
//! resources whose ids are not known yet (`ref:<address>`, as for HCL).
//!
//! Resources are linked the way the plan writes them: by reference in `configuration` (followed
//! through module outputs), and by the literal ids of existing resources (a pool's
//! `kubernetes_cluster_id` equal to the cluster's `id`).
//!
//! When the Terraform configuration of the plan is in the scan, each value is located at the
//! `.tf` expression that writes it (where the plan agrees with the source, with its whole value
//! chain); otherwise at the value in the plan file.

use std::sync::Arc;

use foldhash::{HashMap, HashMapExt};

use super::resource::{Block, Hcl};
use super::terraform as tf;
use super::Model;
use crate::eval::value::ResId;
use crate::eval::{Kind, Value};
use crate::frontends::json::{Json, JsonValue};
use crate::frontends::plan::{Change, ModuleOutputs};
use crate::source::{FileId, Span};

/// A block of plan values, mirrored by its `after_unknown` flags, its configuration
/// expressions and (when the configuration is scanned) its HCL block.
struct PlanBlock<'j, 'e, 'p, 'a> {
    values: Option<&'j Json>,
    unknown: Option<&'j Json>,
    expressions: Option<&'j Json>,
    src: Option<Hcl<'e, 'p, 'a>>,
    /// Locate at the source only when the plan agrees with it (before-state values).
    only_if_same: bool,
    file: FileId,
    module: &'j str,
    /// Literal ids of the plan's resources (lower-cased) -> their addresses.
    ids: &'j Ids,
    outputs: &'j ModuleOutputs<'j>,
    span: Span,
}

/// Literal resource ids (lower-cased, as ARM compares them) -> resource addresses.
type Ids = HashMap<String, String>;

/// Module outputs followed before giving up (an output of an output of ...).
const MAX_OUTPUT_HOPS: usize = 16;

/// A plan value located in the plan file; `null` elements that `after_unknown` marks become
/// unknown, and the literal id of a resource in the plan links to it.
fn plan_value(j: &Json, unknown: Option<&Json>, file: FileId, ids: &Ids) -> Value {
    let span = Some(Span::new(file, j.span.clone()));
    let marked = |u: Option<&Json>| matches!(u.map(|u| &u.v), Some(JsonValue::Bool(true)));
    let kind = match &j.v {
        JsonValue::Null if marked(unknown) => Kind::Unknown(Arc::from("known only after apply")),
        JsonValue::Null => Kind::Null,
        JsonValue::Bool(b) => Kind::Bool(*b),
        JsonValue::Num(n) => Kind::Num(*n),
        JsonValue::Str(s) => match ids.get(&s.to_ascii_lowercase()) {
            Some(addr) => Kind::Id(ResId(Arc::from(addr.as_str()))),
            None => Kind::Str(Arc::from(s.as_str())),
        },
        JsonValue::Arr(items) => Kind::List(Arc::new(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| plan_value(x, unknown.and_then(|u| u.as_arr()?.get(i)), file, ids))
                .collect(),
        )),
        JsonValue::Obj(props) => Kind::Map(Arc::new(
            props
                .iter()
                .map(|(k, _, x)| {
                    (
                        k.clone(),
                        plan_value(x, unknown.and_then(|u| u.get(k)), file, ids),
                    )
                })
                .collect(),
        )),
    };
    Value::at(kind, span)
}

/// Whether two values are the same data (locations aside).
fn same(a: &Value, b: &Value) -> bool {
    match (&a.kind, &b.kind) {
        (Kind::Null, Kind::Null) => true,
        (Kind::Bool(x), Kind::Bool(y)) => x == y,
        (Kind::Num(x), Kind::Num(y)) => x == y,
        (Kind::Str(x), Kind::Str(y)) => x == y,
        (Kind::Id(x), Kind::Id(y)) => x == y,
        (Kind::Num(x), Kind::Str(y)) | (Kind::Str(y), Kind::Num(x)) => {
            y.parse::<f64>().is_ok_and(|y| y == *x)
        }
        (Kind::List(x), Kind::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| same(a, b))
        }
        (Kind::Map(x), Kind::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((k1, a), (k2, b))| k1 == k2 && same(a, b))
        }
        _ => false,
    }
}

/// The value, every part of it located at `span`.
fn relocate(v: Value, span: Span) -> Value {
    let kind = match v.kind {
        Kind::List(items) => Kind::List(Arc::new(
            items.iter().map(|x| relocate(x.clone(), span)).collect(),
        )),
        Kind::Map(m) => Kind::Map(Arc::new(
            m.iter()
                .map(|(k, x)| (k.clone(), relocate(x.clone(), span)))
                .collect(),
        )),
        k => k,
    };
    Value::at(kind, Some(span))
}

/// The resource a configuration reference names (`azurerm_subnet.nodes[0].id` ->
/// `azurerm_subnet.nodes[0]`), with the module prefix; not variables, locals, modules or data.
fn reference_target(module: &str, r: &str) -> Option<String> {
    let first = r.split(['.', '[']).next()?;
    if matches!(
        first,
        "var" | "local" | "module" | "data" | "each" | "count" | "path"
    ) || !first.contains('_')
    {
        return None;
    }
    let rest = r.get(first.len() + 1..)?;
    let name_len = rest.find(['.', '[']).unwrap_or(rest.len());
    let mut end = first.len() + 1 + name_len;
    if r.get(end..)?.starts_with('[') {
        end += r.get(end..)?.find(']')? + 1;
    }
    let target = r.get(..end)?;
    Some(if module.is_empty() {
        target.to_string()
    } else {
        format!("{module}.{target}")
    })
}

/// What a reference to a resource's id (or identity principal) stands for, as the HCL
/// evaluator gives it: a linkable id. Other attributes (`.name`) keep their planned value.
fn reference_id(module: &str, r: &str) -> Option<Value> {
    let target = reference_target(module, r)?;
    let local = target
        .strip_prefix(module)
        .map_or(target.as_str(), |t| t.strip_prefix('.').unwrap_or(t));
    let rest = r.get(local.len()..)?;
    let id = match rest {
        ".id" => target,
        ".principal_id" => format!("{target}.principal_id"),
        _ if rest.starts_with(".identity") && rest.ends_with(".principal_id") => {
            format!("{target}.identity.principal_id")
        }
        _ => return None,
    };
    Some(Value::new(Kind::Id(ResId(Arc::from(id)))))
}

/// Follows a reference to a module output (`module.aks.cluster_id`) to the reference its
/// expression makes inside that module instance, output after output; other references are
/// returned as they are. Gives `(module instance, reference)`.
fn follow_outputs(outputs: &ModuleOutputs<'_>, module: &str, r: &str) -> Option<(String, String)> {
    let mut module = module.to_string();
    let mut r = r.to_string();
    for _ in 0..MAX_OUTPUT_HOPS {
        let Some(rest) = r.strip_prefix("module.") else {
            return Some((module, r));
        };
        // `module.<name>[<key>].<output>`
        let mut call_len = "module.".len() + rest.find(['.', '[']).unwrap_or(rest.len());
        if r.get(call_len..)?.starts_with('[') {
            call_len += r.get(call_len..)?.find(']')? + 1;
        }
        let call = r.get(..call_len)?;
        let output = r
            .get(call_len..)?
            .strip_prefix('.')?
            .split(['.', '['])
            .next()?;
        let inner = if module.is_empty() {
            call.to_string()
        } else {
            format!("{module}.{call}")
        };
        let next = outputs.references(&inner, output).first()?.to_string();
        module = inner;
        r = next;
    }
    None
}

impl<'j> PlanBlock<'j, '_, '_, '_> {
    fn child(&self, key: &str) -> (Option<&'j Json>, Option<&'j Json>, Option<&'j Json>) {
        (
            self.values.and_then(|v| v.get(key)),
            self.unknown.and_then(|u| u.get(key)),
            self.expressions.and_then(|e| e.get(key)),
        )
    }

    /// A reference written for an id attribute: the id it links to (one value, or a list
    /// of one for `identity_ids = [x.id]`).
    fn linked_id(&self, name: &str, planned: &Value) -> Option<Value> {
        let (_, _, expr) = self.child(name);
        let first = expr?.get("references")?.as_arr()?.first()?.as_str()?;
        let (module, r) = follow_outputs(self.outputs, self.module, first)?;
        let id = reference_id(&module, &r)?;
        let span = planned.prov.as_ref().map(|p| p.span);
        Some(match &planned.kind {
            Kind::List(items) if items.len() == 1 => {
                Value::at(Kind::List(Arc::new(vec![Value::at(id.kind, span)])), span)
            }
            Kind::List(_) | Kind::Map(_) => return None,
            _ => Value::at(id.kind, span),
        })
    }

    fn reference(&self, name: &str) -> Option<Value> {
        let (_, _, expr) = self.child(name);
        let refs = expr?.get("references")?.as_arr()?;
        let target = refs.iter().filter_map(Json::as_str).find_map(|r| {
            let (module, r) = follow_outputs(self.outputs, self.module, r)?;
            reference_target(&module, &r)
        })?;
        Some(Value::new(Kind::Id(ResId(Arc::from(target)))))
    }
}

impl<'j, 'e, 'p, 'a> Block for PlanBlock<'j, 'e, 'p, 'a> {
    fn attr(&self, name: &str) -> Option<(Value, Span)> {
        let (value, unknown, _) = self.child(name);
        let src = self.src.as_ref().and_then(|s| s.attr(name));
        let value = match value {
            Some(j) if !matches!(j.v, JsonValue::Null) => {
                let v = plan_value(j, unknown, self.file, self.ids);
                self.linked_id(name, &v).unwrap_or(v)
            }
            _ if matches!(unknown.map(|u| &u.v), Some(JsonValue::Bool(true))) => self
                .reference(name)
                .unwrap_or_else(|| Value::unknown("known only after apply")),
            _ => return None,
        };
        Some(match src {
            Some((s, at)) if same(&s, &value) => (s, at),
            Some((_, at)) if !self.only_if_same => (relocate(value, at), at),
            _ => {
                let at = value.prov.as_ref().map_or(self.span, |p| p.span);
                (value, at)
            }
        })
    }

    fn referenced_id(&self, name: &str) -> Option<Value> {
        self.reference(name)
    }

    fn blocks(&self, name: &str) -> Vec<Self> {
        let (values, unknown, expr) = self.child(name);
        let src: Vec<Hcl<'e, 'p, 'a>> = self
            .src
            .as_ref()
            .map(|s| s.blocks(name))
            .unwrap_or_default();
        values
            .and_then(Json::as_arr)
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let src = src.get(i).cloned();
                PlanBlock {
                    values: Some(v),
                    unknown: unknown.and_then(|u| u.as_arr()?.get(i)),
                    expressions: expr.and_then(|e| e.as_arr()?.get(i)),
                    span: src
                        .as_ref()
                        .map_or(Span::new(self.file, v.span.clone()), |s| s.header()),
                    src,
                    only_if_same: self.only_if_same,
                    file: self.file,
                    module: self.module,
                    ids: self.ids,
                    outputs: self.outputs,
                }
            })
            .collect()
    }

    fn header(&self) -> Span {
        self.span
    }
}

/// The before- and after-state models of a plan. `src` holds the scanned HCL of the plan's
/// root by resource address, when the configuration is in the scan.
pub fn models(
    changes: &[Change<'_>],
    file: FileId,
    src: &HashMap<String, Hcl<'_, '_, '_>>,
) -> (Model, Model) {
    let mut before = Model::default();
    let mut after = Model::default();
    let ids = literal_ids(changes);
    for c in changes {
        let hcl = src.get(&c.address);
        let block = |values, unknown, only_if_same| PlanBlock {
            values: Some(values),
            unknown,
            expressions: c.expressions,
            src: hcl.cloned(),
            only_if_same,
            file,
            module: c.module.as_str(),
            ids: &ids,
            outputs: &c.outputs,
            span: hcl.map_or(Span::new(file, c.span.clone()), Block::header),
        };
        // A replaced cluster is a new cluster: nothing migrates.
        let replaced_cluster = c.replaces() && c.ty.ends_with("kubernetes_cluster");
        if let Some(b) = c.before.filter(|_| !replaced_cluster) {
            before.resources += 1;
            tf::add(
                &mut before,
                &c.ty,
                &block(b, None, true),
                c.address.clone(),
                None,
            );
        }
        if let Some(a) = c.after {
            after.resources += 1;
            let b = block(a, c.after_unknown, false);
            tf::add(&mut after, &c.ty, &b, c.address.clone(), None);
        }
    }
    (before, after)
}

/// The literal ids of the plan's resources in either state: existing resources are linked by
/// them (a pool's `kubernetes_cluster_id`, an add-on's `gateway_id`, subnet, NSG and route table
/// ids), whatever the configuration's expression was (a variable, a data source).
///
/// azurerm association resources (`azurerm_subnet_route_table_association`, ...) take the id
/// of their subnet: the id names the subnet. An id shared otherwise links to nothing.
fn literal_ids(changes: &[Change<'_>]) -> Ids {
    let mut owners: HashMap<String, Vec<&str>> = HashMap::new();
    for c in changes.iter().filter(|c| !c.ty.ends_with("_association")) {
        for state in [c.before, c.after].into_iter().flatten() {
            // Only Azure resource ids: other providers' ids are plain names (a Helm
            // release's id is its name, which its `chart` may equal).
            let azure_id = state
                .get("id")
                .and_then(Json::as_str)
                .filter(|id| id.starts_with('/'));
            if let Some(id) = azure_id {
                let addrs = owners.entry(id.to_ascii_lowercase()).or_default();
                if !addrs.contains(&c.address.as_str()) {
                    addrs.push(&c.address);
                }
            }
        }
    }
    owners
        .into_iter()
        .filter_map(|(id, addrs)| match addrs.as_slice() {
            [one] => Some((id, one.to_string())),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_resources_not_variables() {
        assert_eq!(
            reference_target("", "azurerm_subnet.nodes.id").as_deref(),
            Some("azurerm_subnet.nodes")
        );
        assert_eq!(
            reference_target("module.net", "azurerm_subnet.nodes[0].id").as_deref(),
            Some("module.net.azurerm_subnet.nodes[0]")
        );
        assert_eq!(reference_target("", "var.subnet_id"), None);
        assert_eq!(reference_target("", "module.net.subnet_id"), None);
    }

    const PLAN: &str = r#"{"format_version": "1.2",
      "resource_changes": [
        {"address": "azurerm_subnet.nodes", "mode": "managed", "type": "azurerm_subnet",
         "name": "nodes", "change": {"actions": ["no-op"], "before": {"id": "/S/nodes"},
         "after": {"id": "/S/nodes"}}},
        {"address": "azurerm_subnet_route_table_association.nodes", "mode": "managed",
         "type": "azurerm_subnet_route_table_association", "name": "nodes",
         "change": {"actions": ["no-op"], "after": {"id": "/s/NODES"}}},
        {"address": "helm_release.agic", "mode": "managed", "type": "helm_release",
         "name": "agic", "change": {"actions": ["no-op"], "after": {"id": "ingress-azure"}}}],
      "configuration": {"root_module": {"module_calls": {"aks": {"module": {
        "outputs": {"cluster_id": {"expression": {"references": ["module.inner[0].id"]}}},
        "module_calls": {"inner": {"module": {"outputs": {"id": {"expression":
          {"references": ["azurerm_kubernetes_cluster.this.id", "azurerm_kubernetes_cluster.this"]}}}}}}
      }}}}}}"#;

    #[test]
    fn module_outputs_are_followed_to_the_resource() {
        let doc = crate::frontends::json::parse(PLAN).expect("JSON");
        let changes = crate::frontends::plan::changes(&doc);
        let outputs = &changes.first().expect("a change").outputs;
        assert_eq!(
            follow_outputs(outputs, "", "module.aks.cluster_id"),
            Some((
                "module.aks.module.inner[0]".to_string(),
                "azurerm_kubernetes_cluster.this.id".to_string()
            ))
        );
        assert_eq!(follow_outputs(outputs, "", "module.aks"), None);
        assert_eq!(follow_outputs(outputs, "", "module.aks.missing"), None);
    }

    #[test]
    fn literal_ids_name_resources_not_their_associations() {
        let doc = crate::frontends::json::parse(PLAN).expect("JSON");
        let ids = literal_ids(&crate::frontends::plan::changes(&doc));
        assert_eq!(
            ids.get("/s/nodes").map(String::as_str),
            Some("azurerm_subnet.nodes")
        );
        assert_eq!(ids.get("ingress-azure"), None);
    }
}
