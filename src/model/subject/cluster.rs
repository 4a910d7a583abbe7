//! The cluster document: effective network settings with platform defaults applied, the
//! pools with their node subnets, the VNets of those subnets and the connected networks.

use ipnet::IpNet;

use super::agic::agic_node;
use super::api::{api_node, identity_type};
use super::egress::load_balancer_node;
use super::pool::pool_node;
use super::pool_links::{earlier_uses, pod_subnet_fields, pool_vnet, shared_route_table};
use super::subnet::{denial_unless_unread, nsg_denial, subnet_node};
use super::{nets, or_default, or_null, unless_unread};
use crate::cidr;
use crate::model::link::{Links, Resolved};
use crate::model::{AgicAddon, Cluster, Model, Node, Ref, Subnet, V};

fn lower(n: &Option<Node>) -> Option<String> {
    n.as_ref()
        .and_then(Node::as_str)
        .map(str::to_ascii_lowercase)
}

/// The IP family (`IPv4`/`IPv6`) of each CIDR in a list, in order; unknown if any is. The
/// families stand where the list was written: that is the literal to edit.
fn families(list: &Node) -> Node {
    match &list.v {
        V::List(items) => {
            let mut out = Vec::new();
            for i in items {
                match i.as_str().and_then(cidr::parse) {
                    Some(n) => out.push(Node::str(if cidr::is_v4(&n) { "IPv4" } else { "IPv6" })),
                    None if i.is_unknown() => return i.clone(),
                    None => return Node::unknown("not a CIDR"),
                }
            }
            Node {
                v: V::List(out),
                loc: list.loc.clone(),
            }
        }
        V::Unknown(_) => list.clone(),
        _ => Node::null(),
    }
}

/// First IPv4 (or IPv6) CIDR of a list node; unknown when it cannot be decided.
fn family_cidr(list: &Node, v4: bool) -> Node {
    match &list.v {
        V::List(items) => {
            for i in items {
                if let Some(net) = i.as_str().and_then(cidr::parse) {
                    if cidr::is_v4(&net) == v4 {
                        return i.clone();
                    }
                } else if i.is_unknown() {
                    return i.clone();
                }
            }
            Node::null()
        }
        V::Unknown(_) => list.clone(),
        _ => Node::null(),
    }
}

/// `helm_agic`: AGIC installed by Helm and linked to this cluster, read as its add-on.
pub(super) fn cluster_node(
    m: &Model,
    links: &Links,
    c: &Cluster,
    helm_agic: Option<&AgicAddon>,
) -> Node {
    let anchor = c.network_at.or(Some(c.header));
    let n = &c.network;
    let plugin = match &n.plugin {
        Some(p) => p.clone(),
        None if !c.network_written => Node::unknown(
            "no network profile: the default network plugin differs between sources (kubenet per azurerm docs, overlay per 2026 AKS docs)",
        ),
        None => Node::unknown("network plugin is not set"),
    };
    let plugin_s = plugin.as_str().map(str::to_ascii_lowercase);
    let mode_s = lower(&n.plugin_mode);
    let overlay = match (&plugin_s, &mode_s) {
        (Some(p), Some(m)) => Node::new(V::Bool(p == "azure" && m == "overlay")),
        (Some(_), None) if n.plugin_mode.is_none() => Node::new(V::Bool(false)),
        _ => Node::unknown("network plugin or mode is unknown"),
    };
    let kubenet = plugin_s.as_deref().map(|p| p == "kubenet");
    // Pod CIDRs: written, else 10.244.0.0/16 where AKS uses one (overlay, kubenet).
    let uses_pod_cidr = match (overlay.as_bool(), kubenet) {
        (Some(o), Some(k)) => Some(o || k),
        _ => None,
    };
    let pod_cidrs = match (&n.pod_cidrs, uses_pod_cidr) {
        (Some(p), _) => p.clone(),
        (None, Some(true)) => Node::default_at(
            V::List(vec![Node::default_at(
                V::Str("10.244.0.0/16".into()),
                anchor,
            )]),
            anchor,
        ),
        (None, Some(false)) => Node::new(V::List(Vec::new())),
        (None, None) => Node::unknown("pod CIDR depends on the unknown network plugin"),
    };
    let pod_nets = match uses_pod_cidr {
        Some(true) => nets(Some(&pod_cidrs)),
        // Flat Azure CNI: pods take node subnet addresses, covered by the node flows.
        Some(false) => Ok(Vec::new()),
        None => Err("the network plugin is unknown".into()),
    };
    let service_default = n.service_cidrs.is_none();
    let service_cidrs = match &n.service_cidrs {
        Some(s) => s.clone(),
        None => Node::default_at(
            V::List(vec![Node::default_at(V::Str("10.0.0.0/16".into()), anchor)]),
            anchor,
        ),
    };
    let service_cidrs_for_v6 = service_cidrs.clone();
    let dns = match &n.dns_service_ip {
        Some(d) => d.clone(),
        None if service_default => Node::default_at(V::Str("10.0.0.10".into()), anchor),
        None => Node::unknown("dns_service_ip is not set while service_cidr is"),
    };
    // Pods per node when unset depend on the plugin (AKS IP planning docs, 2026-04).
    let pod_subnet_any = c
        .pools
        .iter()
        .any(|p| p.pod_subnet.as_ref().is_some_and(|s| !s.is_null()));
    let default_max_pods = match (overlay.as_bool(), plugin_s.as_deref()) {
        (Some(true), _) => Some(250.0),
        (_, Some("kubenet")) => Some(110.0),
        (Some(false), Some("azure")) if pod_subnet_any => Some(110.0),
        (Some(false), Some("azure")) => Some(30.0),
        _ => None,
    };
    let flat_node_subnet = matches!(
        (overlay.as_bool(), plugin_s.as_deref()),
        (Some(false), Some("azure"))
    );

    let dual_stack = match n.ip_families.as_ref().map(|f| &f.v) {
        None | Some(V::Null) => Node::new(V::Bool(false)),
        Some(V::List(items)) => {
            if items.iter().any(Node::is_unknown) {
                Node::unknown("an IP family is unknown")
            } else {
                Node::new(V::Bool(items.iter().any(|i| {
                    i.as_str().is_some_and(|s| s.eq_ignore_ascii_case("ipv6"))
                })))
            }
        }
        Some(V::Unknown(r)) => Node::unknown(r.clone()),
        Some(_) => Node::unknown("IP families are not a list"),
    };
    // Only written CIDR lists are compared with the families (defaults match by construction).
    let pod_families = n.pod_cidrs.as_ref().map_or_else(Node::null, families);
    let service_families = n.service_cidrs.as_ref().map_or_else(Node::null, families);
    // Which CNI the cluster runs, at the plugin value (DS011 names it).
    let cni = match (plugin_s.as_deref(), overlay.as_bool()) {
        (Some("kubenet"), _) => Some("kubenet"),
        (Some("azure"), Some(true)) => Some("Azure CNI Overlay"),
        (Some("azure"), Some(false)) => Some("flat Azure CNI"),
        (Some("none"), _) => Some("none"),
        _ => None,
    };
    let cni = match cni {
        Some(k) => Node {
            v: V::Str(k.into()),
            loc: plugin.loc.clone(),
        },
        None => Node::unknown("the network plugin or its mode is unknown"),
    };
    let network = Node::obj(vec![
        ("plugin", plugin.clone()),
        ("cni", cni),
        ("plugin_mode", or_null(&n.plugin_mode)),
        ("overlay", overlay.clone()),
        (
            "uses_pod_cidr",
            uses_pod_cidr.map_or_else(
                || Node::unknown("network plugin is unknown"),
                |b| Node::new(V::Bool(b)),
            ),
        ),
        ("policy", or_null(&n.policy)),
        ("data_plane", or_null(&n.data_plane)),
        (
            "outbound_type",
            or_default(&n.outbound_type, V::Str("loadBalancer".into()), anchor),
        ),
        (
            "load_balancer_sku",
            or_default(&n.load_balancer_sku, V::Str("standard".into()), anchor),
        ),
        ("pod_cidr_v4", family_cidr(&pod_cidrs, true)),
        ("service_cidr_v4", family_cidr(&service_cidrs, true)),
        ("pod_cidrs", pod_cidrs),
        ("service_cidrs", service_cidrs),
        ("pod_cidr_twin", or_null(&n.pod_cidr_twin)),
        ("service_cidr_twin", or_null(&n.service_cidr_twin)),
        ("dns_service_ip", dns),
        ("ip_families", or_null(&n.ip_families)),
        ("dual_stack", dual_stack),
        ("pod_cidr_families", pod_families),
        ("service_cidr_families", service_families),
        ("service_cidr_v6", family_cidr(&service_cidrs_for_v6, false)),
        ("nat_gateway_sku", or_null(&n.nat_gateway_sku)),
        ("load_balancer", load_balancer_node(m, c)),
    ]);

    let node_nets: Vec<IpNet> = c
        .pools
        .iter()
        .filter_map(|p| match links.subnet(&p.subnet) {
            Resolved::Found(i) => m.subnets.get(i),
            _ => None,
        })
        .flat_map(|s| nets(s.prefixes.as_ref()).unwrap_or_default())
        .collect();
    let mut pools = Vec::new();
    let mut vnets: Vec<usize> = Vec::new();
    // Node subnets whose VNet is not in the scan: its address space, its other subnets and
    // its peerings are unknown, not empty.
    let mut unknown_vnets: Vec<Node> = Vec::new();
    let mut node_subnets: Vec<usize> = Vec::new();
    let mut pod_subnets: Vec<usize> = Vec::new();
    let earlier = earlier_uses(m, links, c);
    for p in &c.pools {
        let mut extra = vec![
            ("vnet", pool_vnet(m, links, p)),
            (
                "route_table_shared_with",
                shared_route_table(links, p, &earlier),
            ),
        ];
        extra.extend(pod_subnet_fields(m, links, p, &earlier, &mut pod_subnets));
        if let Resolved::Found(i) = links.subnet(&p.subnet) {
            node_subnets.push(i);
        }
        let (subnet, vnet) = match links.subnet(&p.subnet) {
            Resolved::None => (Node::null(), None),
            // Every rule about the node subnet is undecided, at the reference to it.
            Resolved::Unknown(why) => (Node::derived_at(V::Unknown(why), p.subnet_at), None),
            Resolved::Found(i) => match m.subnets.get(i) {
                Some(s) => {
                    let mut n = subnet_node(m, links, i, s);
                    let kubelet = format!("{}.kubelet_identity.object_id", c.id);
                    if let (V::Obj(fields), Some(role)) = (
                        &mut n.v,
                        crate::model::identity::network_role(m, c.principal.as_ref(), &kubelet, s),
                    ) {
                        let has = unless_unread(m, role.has, "a role assignment");
                        fields.push(("has_network_role".into(), has));
                        fields.push(("network_role_gap".into(), Node::str(role.gap)));
                    }
                    if let V::Obj(fields) = &mut n.v {
                        let (denies, text) = nsg_denial(m, links, i, s, &node_nets, &pod_nets);
                        let denies = denial_unless_unread(m, denies);
                        fields.push(("nsg_denies".into(), denies));
                        fields.push(("nsg_denial".into(), text));
                    }
                    if s.vnet.is_none() {
                        unknown_vnets.push(unknown_vnet(s));
                    }
                    (n, s.vnet)
                }
                None => (Node::unknown("subnet index"), None),
            },
        };
        if let Some(v) = vnet {
            if !vnets.contains(&v) {
                vnets.push(v);
            }
        }
        let mut pool = pool_node(p, c, subnet, default_max_pods, flat_node_subnet);
        if let V::Obj(fields) = &mut pool.v {
            fields.extend(extra.into_iter().map(|(k, v)| (k.to_string(), v)));
        }
        pools.push(pool);
    }
    let byo_node_subnet = c
        .pools
        .iter()
        .find(|p| p.subnet != Ref::Absent)
        .map_or_else(
            || Node::new(V::Bool(false)),
            |p| Node::derived_at(V::Bool(true), p.subnet_at.or(Some(p.header))),
        );
    let mut vnet_nodes: Vec<Node> = vnets
        .iter()
        .filter_map(|&i| m.vnets.get(i))
        .map(|v| {
            Node::obj(vec![
                ("address", Node::str(v.addr.clone())),
                ("name", or_null(&v.name)),
                ("resource_group", or_null(&v.resource_group)),
                (
                    "address_space",
                    v.address_space
                        .clone()
                        .unwrap_or_else(|| Node::list(Vec::new())),
                ),
            ])
        })
        .collect();
    vnet_nodes.extend(unknown_vnets.iter().cloned());
    // Connected networks: VNets peered with the cluster VNets, and every local network gateway.
    let mut connected = unknown_vnets.clone();
    for &v in &vnets {
        for &peer in links.peers(v) {
            if let Some(space) = m.vnets.get(peer).and_then(|pv| pv.address_space.as_ref()) {
                push_cidrs(&mut connected, space);
            }
        }
    }
    for g in &m.local_gateways {
        if let Some(space) = &g.address_space {
            push_cidrs(&mut connected, space);
        }
    }
    // Every subnet prefix of the cluster's VNets (AGIC's subnet_cidr must avoid them all).
    let mut vnet_subnet_prefixes: Vec<Node> = m
        .subnets
        .iter()
        .filter(|s| s.vnet.is_some_and(|v| vnets.contains(&v)))
        .flat_map(|s| match s.prefixes.as_ref().map(|p| &p.v) {
            Some(V::List(items)) => items.clone(),
            Some(V::Unknown(r)) => vec![Node::unknown(r.clone())],
            _ => Vec::new(),
        })
        .collect();
    vnet_subnet_prefixes.extend(unknown_vnets);
    let agic = agic_node(m, links, c.agic.as_ref().or(helm_agic), &vnets);
    let agic_helm = match m.agic_helm.as_slice() {
        [] => Node::null(),
        [one] => one
            .version
            .clone()
            .unwrap_or_else(|| Node::unknown("the AGIC chart version is not pinned")),
        _ => Node::unknown("several AGIC Helm releases"),
    };
    let api = api_node(m, links, c, &node_subnets, &pod_subnets, &vnets);
    Node::obj(vec![
        ("address", Node::str(c.addr.clone())),
        ("name", or_null(&c.name)),
        ("location", or_null(&c.location)),
        ("identity_type", identity_type(c)),
        ("byo_node_subnet", byo_node_subnet),
        ("api", api),
        ("agic", agic),
        ("agic_helm_version", agic_helm),
        ("vnet_subnet_prefixes", Node::list(vnet_subnet_prefixes)),
        ("kubernetes_version", or_null(&c.version)),
        ("network", network),
        ("pools", Node::list(pools)),
        ("vnets", Node::list(vnet_nodes)),
        (
            "addons",
            Node::obj(vec![(
                "virtual_nodes",
                c.virtual_nodes
                    .clone()
                    .unwrap_or_else(|| Node::new(V::Bool(false))),
            )]),
        ),
        ("connected", Node::list(connected)),
    ])
}

/// The VNet of a node subnet that is not linked to one in the scan, as an unknown located where
/// the subnet names it (its VNet name, else the subnet).
fn unknown_vnet(s: &Subnet) -> Node {
    let subnet = s.name.as_ref().and_then(Node::as_str).unwrap_or("?");
    let why = match s.vnet_name.as_ref().map(|n| &n.v) {
        Some(V::Unknown(r)) => format!("the VNet of node subnet {subnet} is unknown: {r}"),
        Some(V::Str(v)) => format!("VNet {v} of node subnet {subnet} is not in the scan"),
        _ => format!("the VNet of node subnet {subnet} is not in the scan"),
    };
    let mut n = Node::derived_at(V::Unknown(why), Some(s.header));
    if let Some(name) = &s.vnet_name {
        n.loc.prov = name.loc.prov.clone();
        n.loc.at = name.loc.at.or(Some(s.header));
    }
    n
}

fn push_cidrs(out: &mut Vec<Node>, space: &Node) {
    match &space.v {
        V::List(items) => out.extend(items.iter().cloned()),
        V::Str(_) | V::Unknown(_) => out.push(space.clone()),
        _ => {}
    }
}
