//! `Microsoft.ContainerService/managedClusters` (ARM, Bicep and azapi bodies): network profile,
//! inline agent pools, API server access, identity, add-ons. ARM property names are
//! case-insensitive, so every lookup here is too.

use super::{ApiAccess, Cluster, LoadBalancerProfile, Network};
use crate::model::kinds::pool::arm_pool;
use crate::model::{Node, Ref, V};
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
    let twin = |plural: &str, single: &str| {
        net(plural)
            .filter(|n| n.as_list().is_some_and(|l| !l.is_empty()))
            .and(net(single).filter(|n| !n.is_null()))
    };
    let lb = |keys: &[&str]| match &hidden {
        Some(u) => Some(u.clone()),
        None => np
            .and_then(|n| n.get_ci("loadBalancerProfile"))
            .and_then(|p| p.path_ci(keys))
            .cloned(),
    };
    // AKS Automatic (`sku.name: 'Automatic'`) fixes the network: Azure CNI Overlay with Cilium.
    let automatic = body
        .path_ci(&["sku", "name"])
        .and_then(Node::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case("automatic"));
    let fixed = |k: &str, v: &str| {
        net(k).or_else(|| automatic.then(|| Node::default_at(V::Str(v.into()), Some(header))))
    };
    let network = Network {
        plugin: fixed("networkPlugin", "azure"),
        plugin_mode: fixed("networkPluginMode", "overlay"),
        policy: net("networkPolicy"),
        data_plane: fixed("networkDataplane", "cilium"),
        pod_cidrs: list_or_single("podCidrs", "podCidr"),
        service_cidrs: list_or_single("serviceCidrs", "serviceCidr"),
        pod_cidr_twin: twin("podCidrs", "podCidr"),
        service_cidr_twin: twin("serviceCidrs", "serviceCidr"),
        dns_service_ip: net("dnsServiceIP"),
        ip_families: net("ipFamilies"),
        outbound_type: net("outboundType"),
        load_balancer_sku: net("loadBalancerSku"),
        nat_gateway_sku: match &hidden {
            Some(u) => Some(u.clone()),
            None => np
                .and_then(|n| n.path_ci(&["natGatewayProfile", "sku"]))
                .cloned(),
        },
        load_balancer: LoadBalancerProfile {
            ports: lb(&["allocatedOutboundPorts"]),
            managed_ip_count: lb(&["managedOutboundIPs", "count"]),
            ip_ids: lb(&["outboundIPs", "publicIPs"]).map(ids_of),
            prefix_ids: lb(&["outboundIPPrefixes", "publicIPPrefixes"]).map(ids_of),
        },
    };
    let mut pools = Vec::new();
    if let Some(list) = props.get_ci("agentPoolProfiles").and_then(Node::as_list) {
        for p in list {
            pools.push(arm_pool(
                format!("{addr}.agentPoolProfiles"),
                header,
                Ref::Absent,
                p,
                condition.clone(),
            ));
        }
    }
    let api = api_access(body, &props, header);
    let identity_block = body.get_ci("identity");
    Cluster {
        addr,
        id,
        header,
        name: body.get_ci("name").cloned(),
        location: body.get_ci("location").cloned(),
        version: pick(&props, &["kubernetesVersion"]),
        network_written: automatic || hidden.is_some() || np.is_some_and(|n| !n.is_null()),
        network_at: np.and_then(Node::primary_span),
        network,
        pools,
        principal: None,
        // An unknown identity (a conditional object) hides its type.
        identity: match identity_block {
            Some(b) if b.is_unknown() => Some(b.clone()),
            _ => body.path_ci(&["identity", "type"]).cloned(),
        },
        identity_at: identity_block.and_then(Node::primary_span),
        service_principal: identity_block.is_none()
            && props
                .path_ci(&["servicePrincipalProfile", "clientId"])
                .is_some_and(|c| c.as_str() != Some("msi")),
        api,
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

/// `[{ id: ... }]` -> `[id, ...]`, each id located; anything else as is.
fn ids_of(list: Node) -> Node {
    match &list.v {
        V::List(items) => Node {
            v: V::List(
                items
                    .iter()
                    .map(|i| i.get_ci("id").cloned().unwrap_or_else(|| i.clone()))
                    .collect(),
            ),
            loc: list.loc.clone(),
        },
        _ => list,
    }
}

/// `apiServerAccessProfile` and the private cluster's subdomain. An unknown profile hides all.
fn api_access(body: &Node, props: &Node, header: Span) -> ApiAccess {
    let profile = props.get_ci("apiServerAccessProfile");
    let hidden = [body, props]
        .into_iter()
        .chain(profile)
        .find(|n| n.is_unknown())
        .cloned();
    let get = |k: &str| match &hidden {
        Some(u) => Some(u.clone()),
        None => profile.and_then(|p| p.get_ci(k)).cloned(),
    };
    let at = profile.and_then(Node::primary_span).or(Some(header));
    ApiAccess {
        private: get("enablePrivateCluster"),
        dns_zone: get("privateDNSZone"),
        // Absent: AKS creates the public FQDN.
        public_fqdn: Some(
            get("enablePrivateClusterPublicFQDN")
                .unwrap_or_else(|| Node::default_at(V::Bool(true), at)),
        ),
        subdomain: hidden
            .clone()
            .or_else(|| props.get_ci("fqdnSubdomain").cloned()),
        vnet_integration: get("enableVnetIntegration"),
        subnet: get("subnetId"),
        authorized_ranges: get("authorizedIPRanges"),
    }
}

/// The principal a managed identity block (`identity: { type, userAssignedIdentities }`) gives.
pub fn identity_principal(id: &str, body: &Node) -> Option<Node> {
    let identity = body.get_ci("identity")?;
    if identity.is_unknown() {
        return Some(Node::unknown("the identity is unknown"));
    }
    let ty = identity.get_ci("type")?;
    let Some(t) = ty.as_str() else {
        return Some(Node::unknown("identity type is unknown"));
    };
    if t.to_ascii_lowercase().contains("systemassigned") {
        return Some(Node::str(format!("{id}.identity.principal_id")));
    }
    if t.eq_ignore_ascii_case("UserAssigned") {
        let first = identity
            .get_ci("userAssignedIdentities")
            .and_then(|u| match &u.v {
                V::Obj(o) => o.first().map(|(k, _)| k.clone()),
                _ => None,
            });
        return Some(match first {
            Some(k) if k.starts_with("ref:") => Node::str(format!("{k}.principal_id")),
            _ => Node::unknown("the user-assigned identity is not in the scan"),
        });
    }
    if t.eq_ignore_ascii_case("None") {
        return None;
    }
    Some(Node::unknown("identity type is not recognized"))
}
