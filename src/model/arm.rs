//! ARM-shaped resource bodies (`properties.networkProfile...`) into the model. Used for azapi
//! resources today and by the ARM/Bicep frontends: ARM property names are case-insensitive, so
//! every lookup here is too.

use super::{Cluster, Network, Node, Pool, Ref, Subnet, Vnet, V};
use crate::source::Span;

fn pick(props: &Node, keys: &[&str]) -> Option<Node> {
    props.path_ci(keys).cloned()
}

/// `Microsoft.ContainerService/managedClusters` properties.
pub fn cluster(
    addr: String,
    id: String,
    header: Span,
    body: &Node,
    condition: Option<String>,
) -> Cluster {
    let props = body
        .get_ci("properties")
        .cloned()
        .unwrap_or_else(Node::null);
    // An unknown body or profile hides every setting: nothing may default.
    let hidden = [body, &props]
        .into_iter()
        .chain(props.get_ci("networkProfile"))
        .find(|n| n.is_unknown())
        .cloned();
    let np = props.get_ci("networkProfile");
    let net = |k: &str| match &hidden {
        Some(u) => Some(u.clone()),
        None => np.and_then(|n| n.get_ci(k)).cloned(),
    };
    let list_or_single = |plural: &str, single: &str| {
        net(plural)
            .filter(|n| !n.is_null())
            .or_else(|| net(single).filter(|n| !n.is_null()).map(Node::into_list))
    };
    let network = Network {
        plugin: net("networkPlugin"),
        plugin_mode: net("networkPluginMode"),
        policy: net("networkPolicy"),
        data_plane: net("networkDataplane"),
        pod_cidrs: list_or_single("podCidrs", "podCidr"),
        service_cidrs: list_or_single("serviceCidrs", "serviceCidr"),
        dns_service_ip: net("dnsServiceIP"),
        ip_families: net("ipFamilies"),
        outbound_type: net("outboundType"),
        load_balancer_sku: net("loadBalancerSku"),
    };
    let mut pools = Vec::new();
    if let Some(list) = props.get_ci("agentPoolProfiles").and_then(Node::as_list) {
        for p in list {
            pools.push(pool(
                format!("{addr}.agentPoolProfiles"),
                header,
                Ref::Absent,
                p,
                condition.clone(),
            ));
        }
    }
    Cluster {
        addr,
        id,
        header,
        name: body.get_ci("name").cloned(),
        version: pick(&props, &["kubernetesVersion"]),
        network_written: hidden.is_some() || np.is_some_and(|n| !n.is_null()),
        network_at: np.and_then(Node::primary_span),
        network,
        pools,
        principal: None,
        agic: props
            .path_ci(&["addonProfiles", "ingressApplicationGateway"])
            .filter(|a| a.get_ci("enabled").and_then(Node::as_bool) != Some(false))
            .map(|a| super::AgicAddon {
                header: a.primary_span().unwrap_or(header),
                gateway: Ref::from_node(a.path_ci(&["config", "applicationGatewayId"])),
                subnet_cidr: a.path_ci(&["config", "subnetCIDR"]).cloned(),
                subnet: Ref::from_node(a.path_ci(&["config", "subnetId"])),
            }),
        virtual_nodes: props
            .path_ci(&["addonProfiles", "aciConnectorLinux", "enabled"])
            .cloned(),
        condition,
    }
}

/// One agent pool profile (inline or the properties of a child `agentPools` resource).
pub fn pool(addr: String, header: Span, cluster: Ref, p: &Node, condition: Option<String>) -> Pool {
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
        condition,
    }
}

/// `Microsoft.Network/virtualNetworks` with inline subnets.
pub fn vnet(
    addr: String,
    id: String,
    header: Span,
    body: &Node,
    rg: Option<Node>,
) -> (Vnet, Vec<Subnet>) {
    let props = body
        .get_ci("properties")
        .cloned()
        .unwrap_or_else(Node::null);
    let v = Vnet {
        addr: addr.clone(),
        id: Some(id.clone()),
        header,
        name: body.get_ci("name").cloned(),
        resource_group: rg.clone(),
        address_space: props.path_ci(&["addressSpace", "addressPrefixes"]).cloned(),
    };
    let mut subnets = Vec::new();
    if let Some(list) = props.get_ci("subnets").and_then(Node::as_list) {
        for s in list {
            subnets.push(subnet(
                format!("{addr}.subnets"),
                None,
                s.primary_span().unwrap_or(header),
                s,
                Ref::Id(id.clone()),
                rg.clone(),
            ));
        }
    }
    (v, subnets)
}

/// A subnet (inline in a VNet or a child resource).
pub fn subnet(
    addr: String,
    id: Option<String>,
    header: Span,
    s: &Node,
    vnet_ref: Ref,
    rg: Option<Node>,
) -> Subnet {
    let props = s.get_ci("properties");
    let prefixes = props
        .and_then(|p| p.get_ci("addressPrefixes"))
        .filter(|n| !n.is_null())
        .cloned()
        .or_else(|| {
            props
                .and_then(|p| p.get_ci("addressPrefix"))
                .cloned()
                .map(Node::into_list)
        });
    let delegations = props
        .and_then(|p| p.get_ci("delegations"))
        .map(|d| match &d.v {
            V::List(items) => Node {
                v: V::List(
                    items
                        .iter()
                        .map(|i| {
                            i.path_ci(&["properties", "serviceName"])
                                .cloned()
                                .unwrap_or_else(|| Node::unknown("delegation service is unknown"))
                        })
                        .collect(),
                ),
                loc: d.loc.clone(),
            },
            _ => d.clone(),
        });
    Subnet {
        addr,
        id,
        header,
        name: s.get_ci("name").cloned(),
        resource_group: rg,
        vnet_name: None,
        vnet_ref,
        vnet: None,
        prefixes,
        delegations,
        route_table: Ref::from_node(props.and_then(|p| p.path_ci(&["routeTable", "id"]))),
    }
}
