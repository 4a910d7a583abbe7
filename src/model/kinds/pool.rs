//! Node pools: inline (`default_node_pool`, ARM `agentPoolProfiles[]`) and separate
//! (`azurerm_kubernetes_cluster_node_pool`, ARM `managedClusters/agentPools`), joined to their
//! cluster by the linker.

use crate::model::resource::{field, last_segment, ArmResource, Block, Resource};
use crate::model::{Model, Node, Ref};
use crate::source::Span;

#[derive(Clone, Debug)]
pub struct Pool {
    pub addr: String,
    pub header: Span,
    /// For pools declared apart from their cluster.
    pub cluster: Ref,
    pub name: Option<Node>,
    pub mode: Option<Node>,
    pub os_type: Option<Node>,
    pub os_sku: Option<Node>,
    pub vm_size: Option<Node>,
    pub pool_type: Option<Node>,
    pub max_pods: Option<Node>,
    pub node_count: Option<Node>,
    pub min_count: Option<Node>,
    pub max_count: Option<Node>,
    pub auto_scaling: Option<Node>,
    pub max_surge: Option<Node>,
    pub version: Option<Node>,
    pub subnet: Ref,
    pub subnet_at: Option<Span>,
    pub pod_subnet: Option<Node>,
    /// ARM `podIPAllocationMode` (`DynamicIndividual`, the default, or `StaticBlock`).
    pub pod_ip_allocation: Option<Node>,
    pub condition: Option<String>,
}

/// A node pool block: `default_node_pool` or an `azurerm_kubernetes_cluster_node_pool`.
pub fn terraform_pool<B: Block>(b: &B, addr: String, cluster: Ref, cond: Option<String>) -> Pool {
    let f = |names: &[&str]| field(b, names);
    let subnet_node = f(&["vnet_subnet_id"]);
    let surge = b
        .blocks("upgrade_settings")
        .first()
        .and_then(|u| field(u, &["max_surge"]));
    Pool {
        addr,
        header: b.header(),
        cluster,
        name: f(&["name"]),
        mode: f(&["mode"]),
        os_type: f(&["os_type"]),
        os_sku: f(&["os_sku"]),
        vm_size: f(&["vm_size"]),
        pool_type: f(&["type"]),
        max_pods: f(&["max_pods"]),
        node_count: f(&["node_count"]),
        min_count: f(&["min_count"]),
        max_count: f(&["max_count"]),
        auto_scaling: f(&["auto_scaling_enabled", "enable_auto_scaling"]),
        max_surge: surge,
        version: f(&["orchestrator_version"]),
        subnet: Ref::from_node(subnet_node.as_ref()),
        subnet_at: subnet_node.as_ref().and_then(|n| n.loc.at),
        pod_subnet: f(&["pod_subnet_id"]),
        // azurerm has no attribute for static block allocation: the default mode.
        pod_ip_allocation: None,
        condition: cond,
    }
}

/// One agent pool profile (inline or the properties of a child `agentPools` resource).
pub fn arm_pool(
    addr: String,
    header: Span,
    cluster: Ref,
    p: &Node,
    condition: Option<String>,
) -> Pool {
    let g = |k: &str| p.get_ci(k).cloned();
    let subnet_node = g("vnetSubnetID");
    Pool {
        addr,
        header: p.primary_span().unwrap_or(header),
        cluster,
        name: g("name"),
        mode: g("mode"),
        os_type: g("osType"),
        os_sku: g("osSKU"),
        vm_size: g("vmSize"),
        pool_type: g("type"),
        max_pods: g("maxPods"),
        node_count: g("count"),
        min_count: g("minCount"),
        max_count: g("maxCount"),
        auto_scaling: g("enableAutoScaling"),
        max_surge: p.path_ci(&["upgradeSettings", "maxSurge"]).cloned(),
        version: g("orchestratorVersion"),
        subnet: Ref::from_node(subnet_node.as_ref()),
        subnet_at: subnet_node
            .as_ref()
            .and_then(|n| n.loc.at.or(n.primary_span())),
        pod_subnet: g("podSubnetID"),
        pod_ip_allocation: g("podIPAllocationMode"),
        condition,
    }
}

pub(super) fn from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    let cluster = r.reference("kubernetes_cluster_id");
    m.loose_pools
        .push(terraform_pool(r.b, r.addr.clone(), cluster, r.cond.clone()));
}

pub(super) fn from_arm(r: &ArmResource<'_>, m: &mut Model) {
    let p = r
        .body
        .get_ci("properties")
        .cloned()
        .unwrap_or_else(Node::null);
    let mut pool = arm_pool(
        r.addr.clone(),
        r.header,
        r.parent.clone(),
        &p,
        r.condition.clone(),
    );
    pool.name = r.name().map(last_segment);
    pool.header = r.header;
    m.loose_pools.push(pool);
}
