//! Terraform plan JSON (`terraform show -json plan.out`, format_version 1.x): the resource
//! changes with their `before`, `after` and `after_unknown` values, and the configuration's
//! expressions (for the references that link resources whose ids are known only after apply).
//! Values keep their spans in the plan file.

use std::ops::Range;
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt};

use super::json::Json;

/// One entry of `resource_changes`.
pub struct Change<'j> {
    /// Full address, e.g. `module.aks.azurerm_kubernetes_cluster.this[0]`.
    pub address: String,
    /// The module instance prefix (`module.aks[0]`), empty for the root module.
    pub module: String,
    pub ty: String,
    pub actions: Vec<String>,
    pub before: Option<&'j Json>,
    pub after: Option<&'j Json>,
    pub after_unknown: Option<&'j Json>,
    /// The resource's `expressions` in `configuration` (references, constants).
    pub expressions: Option<&'j Json>,
    /// What every module output of the configuration references (shared by all changes).
    pub outputs: Arc<ModuleOutputs<'j>>,
    pub span: Range<usize>,
}

/// The references of each module output's expression in `configuration`
/// (`module_calls.<name>.module.outputs.<o>.expression.references`), so that a reference to
/// `module.aks.cluster_id` can be followed to the resource inside the module.
#[derive(Default)]
pub struct ModuleOutputs<'j> {
    /// By (module path without instance keys, output name).
    refs: HashMap<(String, String), Vec<&'j str>>,
}

impl ModuleOutputs<'_> {
    /// The references of output `output` of module instance `module` (`module.aks[0]`).
    pub fn references(&self, module: &str, output: &str) -> &[&str] {
        self.refs
            .get(&(config_path(module), output.to_string()))
            .map_or(&[], Vec::as_slice)
    }
}

impl Change<'_> {
    /// Destroyed and created again (`["delete","create"]` or the reverse): not an update.
    pub fn replaces(&self) -> bool {
        self.actions.iter().any(|a| a == "delete") && self.actions.iter().any(|a| a == "create")
    }
}

/// Whether a JSON document is a Terraform plan (or state) rendered by `terraform show -json`.
pub fn is_plan(doc: &Json) -> bool {
    doc.get("format_version").is_some()
        && (doc.get("resource_changes").is_some() || doc.get("planned_values").is_some())
}

fn non_null(j: Option<&Json>) -> Option<&Json> {
    j.filter(|x| !matches!(x.v, super::json::JsonValue::Null))
}

/// `module.a[0].module.b["x"]` -> `module.a.module.b`: how `configuration` nests modules.
fn config_path(module: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for ch in module.chars() {
        match ch {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(ch),
            _ => {}
        }
    }
    out
}

/// The configuration's resources by `(module path, type.name)`, and its module outputs.
fn config_resources<'j>(
    module: &'j Json,
    path: &str,
    out: &mut HashMap<(String, String), &'j Json>,
    outputs: &mut ModuleOutputs<'j>,
    depth: usize,
) {
    if depth > 32 {
        return;
    }
    for r in module
        .get("resources")
        .and_then(Json::as_arr)
        .unwrap_or(&[])
    {
        if let (Some(addr), Some(expr)) = (
            r.get("address").and_then(Json::as_str),
            r.get("expressions"),
        ) {
            out.insert((path.to_string(), addr.to_string()), expr);
        }
    }
    for (name, _, call) in module
        .get("module_calls")
        .and_then(Json::as_obj)
        .unwrap_or(&[])
    {
        if let Some(inner) = call.get("module") {
            let sub = if path.is_empty() {
                format!("module.{name}")
            } else {
                format!("{path}.module.{name}")
            };
            for (output, _, o) in inner.get("outputs").and_then(Json::as_obj).unwrap_or(&[]) {
                let refs = o
                    .get("expression")
                    .and_then(|e| e.get("references"))
                    .and_then(Json::as_arr)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(Json::as_str)
                    .collect();
                outputs.refs.insert((sub.clone(), output.clone()), refs);
            }
            config_resources(inner, &sub, out, outputs, depth + 1);
        }
    }
}

/// The managed resource changes of a plan.
pub fn changes(doc: &Json) -> Vec<Change<'_>> {
    let mut config = HashMap::new();
    let mut outputs = ModuleOutputs::default();
    if let Some(root) = doc.get("configuration").and_then(|c| c.get("root_module")) {
        config_resources(root, "", &mut config, &mut outputs, 0);
    }
    let outputs = Arc::new(outputs);
    let mut out = Vec::new();
    for rc in doc
        .get("resource_changes")
        .and_then(Json::as_arr)
        .unwrap_or(&[])
    {
        let s = |k: &str| rc.get(k).and_then(Json::as_str).unwrap_or("").to_string();
        if s("mode") != "managed" {
            continue;
        }
        let Some(change) = rc.get("change") else {
            continue;
        };
        let module = s("module_address");
        let key = (config_path(&module), format!("{}.{}", s("type"), s("name")));
        out.push(Change {
            address: s("address"),
            module,
            ty: s("type"),
            actions: change
                .get("actions")
                .and_then(Json::as_arr)
                .unwrap_or(&[])
                .iter()
                .filter_map(|a| a.as_str().map(str::to_string))
                .collect(),
            before: non_null(change.get("before")),
            after: non_null(change.get("after")),
            after_unknown: change.get("after_unknown"),
            expressions: config.get(&key).copied(),
            outputs: outputs.clone(),
            span: rc.span.clone(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_instance_keys_are_dropped_for_configuration() {
        assert_eq!(
            config_path("module.a[0].module.b[\"x.y\"]"),
            "module.a.module.b"
        );
        assert_eq!(config_path(""), "");
    }
}
