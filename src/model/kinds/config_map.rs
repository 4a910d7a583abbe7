//! ConfigMaps managed in the code that customize `ip-masq-agent` on AKS
//! (`kubernetes_config_map(_v1)`, `kubernetes_manifest`, Bicep's `core/ConfigMap`).

use crate::model::resource::{field, ArmResource, Block, Resource};
use crate::model::{Model, Node};

/// The ConfigMap that customizes `ip-masq-agent` on AKS.
pub const IP_MASQ_CONFIG: &str = "azure-ip-masq-agent-config";

pub(super) fn from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    let meta = r.b.blocks("metadata");
    let name = meta.first().and_then(|b| field(b, &["name"]));
    if name.as_ref().and_then(Node::as_str) == Some(IP_MASQ_CONFIG) {
        m.ip_masq_configs.push((r.addr.clone(), r.header()));
    }
}

pub(super) fn manifest_from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    let manifest = r.f(&["manifest"]);
    let kind = manifest.as_ref().and_then(|n| n.get("kind"));
    let name = manifest
        .as_ref()
        .and_then(|n| n.path_ci(&["metadata", "name"]));
    if kind.and_then(Node::as_str) == Some("ConfigMap")
        && name.and_then(Node::as_str) == Some(IP_MASQ_CONFIG)
    {
        m.ip_masq_configs.push((r.addr.clone(), r.header()));
    }
}

pub(super) fn from_arm(r: &ArmResource<'_>, m: &mut Model) {
    let name = r.body.path_ci(&["metadata", "name"]).and_then(Node::as_str);
    if name == Some(IP_MASQ_CONFIG) {
        m.ip_masq_configs.push((r.addr.clone(), r.header));
    }
}
