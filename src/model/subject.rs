//! Per-cluster documents for the rules: the cluster's effective network settings (documented
//! platform defaults applied and marked as defaults), its pools with their resolved node subnet
//! and derived sizes (max nodes, surge), the VNets of those subnets, and the connected networks.
//!
//! Defaults where sources disagree stay unknown (the network plugin without a network profile;
//! see RULES.md). Max surge unset counts as 1 node, the smallest documented default.

use ipnet::IpNet;
use serde_json::Value as Json;

use super::link::{Attachment, Links, Resolved};
use super::node::Located;
use super::{AgicAddon, Cluster, Model, Node, Pool, Ref, RouteTable, Subnet, V};
use crate::cidr;
use crate::source::Span;

/// One thing rules run over.
pub struct Subject {
    pub kind: &'static str,
    pub address: String,
    pub header: Span,
    /// Set when the resource exists only if an unknown condition holds.
    pub condition: Option<String>,
    /// Context every finding on this subject carries (e.g. how an AGC was linked).
    pub notes: Vec<String>,
    pub node: Node,
    pub json: Json,
    pub located: Located,
}

/// Every subject of a model: its clusters, then its AGC subnet associations.
pub fn all(m: &mut Model) -> Vec<Subject> {
    let links = Links::build(m);
    let helm_agic = super::agic_helm::addons(m, &links);
    let mut out: Vec<Subject> = m
        .clusters
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let node = cluster_node(m, &links, c, helm_agic.get(i).and_then(Option::as_ref));
            let (json, located) = node.project();
            Subject {
                kind: "cluster",
                address: c.addr.clone(),
                header: c.header,
                condition: c.condition.clone(),
                notes: Vec::new(),
                node,
                json,
                located,
            }
        })
        .collect();
    let agc = super::agc::subjects(m, &links, &out);
    out.extend(agc);
    out
}

fn lower(n: &Option<Node>) -> Option<String> {
    n.as_ref()
        .and_then(Node::as_str)
        .map(str::to_ascii_lowercase)
}

fn or_null(n: &Option<Node>) -> Node {
    n.clone().unwrap_or_else(Node::null)
}

fn or_default(n: &Option<Node>, v: V, at: Option<Span>) -> Node {
    match n {
        Some(x) => x.clone(),
        None => Node::default_at(v, at),
    }
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
fn cluster_node(m: &Model, links: &Links, c: &Cluster, helm_agic: Option<&AgicAddon>) -> Node {
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
        None => Err("the network plugin is unknown".to_string()),
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
    let network = Node::obj(vec![
        ("plugin", plugin.clone()),
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
        ("dns_service_ip", dns),
        ("ip_families", or_null(&n.ip_families)),
        ("dual_stack", dual_stack),
        ("pod_cidr_families", pod_families),
        ("service_cidr_families", service_families),
        ("service_cidr_v6", family_cidr(&service_cidrs_for_v6, false)),
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
    for p in &c.pools {
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
                        super::identity::network_role(m, c.principal.as_ref(), &kubelet, s),
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
        pools.push(pool_node(p, c, subnet, default_max_pods, flat_node_subnet));
    }
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
    Node::obj(vec![
        ("address", Node::str(c.addr.clone())),
        ("name", or_null(&c.name)),
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

/// The AGIC add-on (or AGIC installed by Helm): its `subnet_cidr`, the Application Gateway it
/// uses and that gateway's subnet (the gateway's own, or the add-on's `subnet_id` where AKS
/// creates the gateway).
fn agic_node(m: &Model, links: &Links, a: Option<&AgicAddon>, cluster_vnets: &[usize]) -> Node {
    let Some(a) = a else {
        return Node::null();
    };
    let gateway = match &a.gateway {
        Ref::Absent => None,
        Ref::Id(id) => m.app_gateways.iter().position(|g| &g.id == id).map(Ok),
        Ref::Unknown(r) => Some(Err(r.clone())),
        _ => Some(Err("the Application Gateway is not in the scan".to_string())),
    };
    let gateway_doc = match &gateway {
        None => Node::null(),
        Some(Err(r)) => Node::unknown(r.clone()),
        Some(Ok(g)) => match m.app_gateways.get(*g) {
            Some(g) => {
                let mut n = Node::obj(vec![
                    ("address", Node::str(g.addr.clone())),
                    ("sku_name", or_null(&g.sku_name)),
                    ("sku_tier", or_null(&g.sku_tier)),
                ]);
                n.loc.at = Some(g.header);
                n
            }
            None => Node::unknown("gateway index"),
        },
    };
    let subnet_ref = match &gateway {
        Some(Ok(g)) => m
            .app_gateways
            .get(*g)
            .map(|g| g.subnet.clone())
            .unwrap_or(Ref::Absent),
        Some(Err(r)) => Ref::Unknown(r.clone()),
        None => a.subnet.clone(),
    };
    let gateway_subnet = match links.subnet(&subnet_ref) {
        Resolved::None => Node::null(),
        Resolved::Unknown(r) => Node::unknown(r),
        Resolved::Found(i) => match m.subnets.get(i) {
            Some(s) => {
                let prefix_v4 = s.first_v4_prefix();
                let delegated = s.delegated_to("Microsoft.Network/applicationGateways");
                let same_vnet = match s.vnet {
                    Some(v) if !cluster_vnets.is_empty() => {
                        Node::derived_at(V::Bool(cluster_vnets.contains(&v)), Some(s.header))
                    }
                    _ => {
                        Node::unknown("the VNet of the gateway subnet or of the cluster is unknown")
                    }
                };
                // Gateways on this subnet, in source order: the second one is the one to move.
                let mut on_subnet = Vec::new();
                let mut undecided = false;
                for g in &m.app_gateways {
                    match links.subnet(&g.subnet) {
                        Resolved::Found(j) if j == i => on_subnet.push(g.header),
                        Resolved::Unknown(_) => undecided = true,
                        _ => {}
                    }
                }
                let second = match (on_subnet.get(1), undecided) {
                    (Some(h), _) => Node::derived_at(V::Bool(true), Some(*h)),
                    (None, false) => Node::new(V::Bool(false)),
                    (None, true) => Node::unknown("a gateway's subnet is unknown"),
                };
                let mut n = Node::obj(vec![
                    ("address", Node::str(s.addr.clone())),
                    ("name", or_null(&s.name)),
                    ("prefix_v4", prefix_v4.unwrap_or_else(Node::null)),
                    ("delegated_to_appgw", delegated),
                    ("same_vnet", same_vnet),
                    ("second_gateway", second),
                ]);
                n.loc.at = Some(s.header);
                n
            }
            None => Node::unknown("subnet index"),
        },
    };
    let mut n = Node::obj(vec![
        ("subnet_cidr", or_null(&a.subnet_cidr)),
        ("gateway", gateway_doc),
        ("gateway_subnet", gateway_subnet),
    ]);
    n.loc.at = Some(a.header);
    n
}

/// Parsed CIDRs of a list node; `Err` when any is unknown.
fn nets(list: Option<&Node>) -> Result<Vec<IpNet>, String> {
    match list.map(|l| &l.v) {
        Some(V::List(items)) => items
            .iter()
            .map(|i| match (&i.v, i.as_str().and_then(cidr::parse)) {
                (_, Some(n)) => Ok(n),
                (V::Unknown(why), _) => Err(why.clone()),
                _ => Err("not a CIDR".to_string()),
            })
            .collect(),
        Some(V::Unknown(why)) => Err(why.clone()),
        _ => Err("prefixes are not set".to_string()),
    }
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

/// NET009's facts for one node subnet: where its NSG denies cluster traffic (the `Deny`
/// value) and a description; null when it passes or there is no NSG.
fn nsg_denial(
    m: &Model,
    links: &Links,
    idx: usize,
    s: &Subnet,
    node_nets: &[IpNet],
    pod_nets: &Result<Vec<IpNet>, String>,
) -> (Node, Node) {
    let undecided = |why: String, at: Span| {
        let mut n = Node::unknown(why);
        n.loc.at = Some(at);
        (n, Node::null())
    };
    let nsg = match links.nsg(idx) {
        Attachment::None => return (Node::null(), Node::null()),
        Attachment::Unknown(why) => return undecided(why, s.header),
        Attachment::Found(n) => match m.nsgs.get(n) {
            Some(n) => n,
            None => return (Node::unknown("NSG index"), Node::null()),
        },
    };
    // With the pod range unknown the node flows are still checked; only a pass is undecided.
    let pods = pod_nets.as_deref().unwrap_or_default();
    let flows =
        nets(s.prefixes.as_ref()).map(|own| super::nsg::cluster_flows(&own, node_nets, pods));
    let name = s.name.as_ref().and_then(Node::as_str).unwrap_or("?");
    match super::nsg::denial(nsg, name, flows) {
        Ok(None) => match pod_nets {
            Ok(_) => (Node::null(), Node::null()),
            Err(why) => undecided(format!("pod traffic: {why}"), nsg.header),
        },
        Ok(Some((at, text))) => (at, Node::str(text)),
        Err(why) => undecided(why, nsg.header),
    }
}

/// A `false` that means "none found in the scan" is unknown when a module of this evaluation
/// was not read: it may create `what`. The location stays, so `--show-unknown` points there.
fn unless_unread(m: &Model, n: Node, what: &str) -> Node {
    match (&n.v, m.unread_may_create(what)) {
        (V::Bool(false), Some(why)) => Node {
            v: V::Unknown(why),
            loc: n.loc,
        },
        _ => n,
    }
}

/// A denial holds only if no rule allows the flow first; an unread module may add such a rule
/// to the NSG (a standalone security rule), so the denial is then unknown.
fn denial_unless_unread(m: &Model, n: Node) -> Node {
    match (
        &n.v,
        m.unread_may_create("a security rule that allows this traffic"),
    ) {
        (V::Null | V::Unknown(_), _) | (_, None) => n,
        (_, Some(why)) => Node {
            v: V::Unknown(why),
            loc: n.loc,
        },
    }
}

fn push_cidrs(out: &mut Vec<Node>, space: &Node) {
    match &space.v {
        V::List(items) => out.extend(items.iter().cloned()),
        V::Str(_) | V::Unknown(_) => out.push(space.clone()),
        _ => {}
    }
}

fn subnet_node(m: &Model, links: &Links, idx: usize, s: &Subnet) -> Node {
    let mut n = Node::obj(vec![
        ("address", Node::str(s.addr.clone())),
        ("name", or_null(&s.name)),
        ("vnet_name", or_null(&s.vnet_name)),
        ("resource_group", or_null(&s.resource_group)),
        (
            "prefixes",
            s.prefixes
                .clone()
                .unwrap_or_else(|| Node::unknown("subnet prefixes are not set")),
        ),
        (
            "delegations",
            s.delegations
                .clone()
                .unwrap_or_else(|| Node::list(Vec::new())),
        ),
        ("has_ipv6", has_ipv6(s.prefixes.as_ref())),
    ]);
    let (has_table, table) = match links.route_table(idx) {
        Attachment::None => (
            Node::derived_at(V::Bool(false), Some(s.header)),
            Node::null(),
        ),
        Attachment::Unknown(why) => (
            Node::derived_at(V::Unknown(why.clone()), Some(s.header)),
            Node::derived_at(V::Unknown(why), Some(s.header)),
        ),
        Attachment::Found(t) => match m.route_tables.get(t) {
            Some(rt) => (Node::new(V::Bool(true)), route_table_node(m, rt)),
            None => (
                Node::unknown("route table index"),
                Node::unknown("route table index"),
            ),
        },
    };
    let has_table = unless_unread(m, has_table, "a route table association");
    if let V::Obj(fields) = &mut n.v {
        fields.push(("has_route_table".into(), has_table));
        fields.push(("route_table".into(), table));
    }
    n.loc.at = Some(s.header);
    n
}

fn route_table_node(m: &Model, t: &RouteTable) -> Node {
    let default_route = if t.prefixes.iter().any(Node::is_unknown) {
        Node::unknown("a route prefix is unknown")
    } else {
        let any = t
            .prefixes
            .iter()
            .any(|p| p.as_str().is_some_and(|x| x.trim() == "0.0.0.0/0"));
        unless_unread(
            m,
            Node::derived_at(V::Bool(any), Some(t.header)),
            "a route in this table",
        )
    };
    let mut n = Node::obj(vec![
        ("address", Node::str(t.addr.clone())),
        ("name", or_null(&t.name)),
        ("prefixes", Node::list(t.prefixes.clone())),
        ("has_default_route", default_route),
    ]);
    n.loc.at = Some(t.header);
    n
}

/// Whether any prefix of a subnet is IPv6; unknown if a prefix is.
fn has_ipv6(prefixes: Option<&Node>) -> Node {
    let Some(p) = prefixes else {
        return Node::unknown("subnet prefixes are not set");
    };
    match &p.v {
        V::List(items) => {
            let mut any = false;
            for i in items {
                match i.as_str().and_then(cidr::parse) {
                    Some(n) => any |= !cidr::is_v4(&n),
                    None => return Node::unknown("a subnet prefix is unknown"),
                }
            }
            let mut n = Node::new(V::Bool(any));
            n.loc = p.loc.clone();
            n
        }
        V::Unknown(r) => Node::unknown(r.clone()),
        _ => Node::unknown("subnet prefixes are not a list"),
    }
}

/// Version `1.x[.y]` as (minor, patch).
pub fn parse_version(s: &str) -> Option<(u64, u64, Option<u64>)> {
    let s = s.trim().trim_start_matches('v');
    let mut it = s.split('.');
    let major = it.next()?.parse().ok()?;
    let minor = it.next()?.parse().ok()?;
    let patch = it.next().and_then(|p| p.parse().ok());
    Some((major, minor, patch))
}

fn pool_node(
    p: &Pool,
    c: &Cluster,
    subnet: Node,
    default_max_pods: Option<f64>,
    flat: bool,
) -> Node {
    let at = Some(p.header);
    let os_type = or_default(&p.os_type, V::Str("Linux".into()), at);
    let windows = os_type.as_str().map(|s| s.eq_ignore_ascii_case("windows"));
    // Windows pools without an OS SKU: 2019 below Kubernetes 1.33, 2022 from 1.33 (RULES.md).
    let os_sku = match (&p.os_sku, windows) {
        (Some(s), _) => s.clone(),
        (None, Some(true)) => {
            let version = p.version.as_ref().or(c.version.as_ref());
            match version.and_then(Node::as_str).and_then(parse_version) {
                Some((1, minor, _)) if minor < 33 => {
                    Node::default_at(V::Str("Windows2019".into()), at)
                }
                Some(_) => Node::default_at(V::Str("Windows2022".into()), at),
                None => Node::unknown("Windows OS SKU depends on the unknown Kubernetes version"),
            }
        }
        (None, Some(false)) => Node::default_at(V::Str("Ubuntu".into()), at),
        (None, None) => Node::unknown("OS type is unknown"),
    };
    let max_pods = match (&p.max_pods, default_max_pods) {
        (Some(m), _) => m.clone(),
        (None, Some(d)) => Node::default_at(V::Num(d), at),
        (None, None) => Node::unknown("default max pods depends on the unknown network plugin"),
    };
    let auto = or_default(&p.auto_scaling, V::Bool(false), at);
    let node_count = or_default(&p.node_count, V::Num(1.0), at);
    let max_nodes = match auto.as_bool() {
        Some(true) => p
            .max_count
            .clone()
            .unwrap_or_else(|| Node::unknown("autoscaling without max_count")),
        Some(false) => node_count.clone(),
        None => Node::unknown("whether the pool autoscales is unknown"),
    };
    let surge = surge_nodes(p.max_surge.as_ref(), &max_nodes, at);
    // IPs this pool takes from its node subnet at full scale (flat CNI pre-allocates pod IPs).
    let ips = match (max_nodes.as_num(), surge.as_num()) {
        (Some(n), Some(s)) if flat => {
            let pod_subnet = p.pod_subnet.as_ref().is_some_and(|x| !x.is_null());
            if pod_subnet {
                Node::num(n + s)
            } else {
                match max_pods.as_num() {
                    Some(mp) => Node::num((n + s) * (mp + 1.0)),
                    None => Node::unknown("max pods is unknown"),
                }
            }
        }
        (Some(n), Some(s)) => Node::num(n + s),
        _ => Node::unknown("pool size is unknown"),
    };
    Node::obj(vec![
        ("address", Node::str(p.addr.clone())),
        ("name", or_null(&p.name)),
        ("mode", or_default(&p.mode, V::Str("User".into()), at)),
        ("os_type", os_type),
        ("os_sku", os_sku),
        ("vm_size", or_null(&p.vm_size)),
        (
            "type",
            or_default(&p.pool_type, V::Str("VirtualMachineScaleSets".into()), at),
        ),
        ("max_pods", max_pods),
        ("auto_scaling", auto),
        ("node_count", node_count),
        ("min_count", or_null(&p.min_count)),
        ("max_count", or_null(&p.max_count)),
        ("max_nodes", max_nodes),
        ("surge_nodes", surge),
        ("subnet_ips_needed", ips),
        ("pod_subnet_id", or_null(&p.pod_subnet)),
        // The pool's own version, else the control plane's.
        (
            "kubernetes_version",
            or_null(p.version.as_ref().map_or(&c.version, |_| &p.version)),
        ),
        ("subnet", subnet),
        (
            "condition",
            p.condition.clone().map_or_else(Node::null, Node::str),
        ),
    ])
}

/// Max surge in nodes: explicit value wins; a percentage is of the pool's max nodes, rounded
/// up; unset counts as 1 node.
fn surge_nodes(surge: Option<&Node>, max_nodes: &Node, at: Option<Span>) -> Node {
    let Some(s) = surge else {
        return Node::default_at(V::Num(1.0), at);
    };
    if s.is_unknown() {
        return s.clone();
    }
    let text = s
        .as_str()
        .map(str::trim)
        .map(str::to_string)
        .or_else(|| s.as_num().map(|n| n.to_string()));
    let Some(text) = text else {
        return Node::unknown("max surge is not a number");
    };
    let mut out = if let Some(pct) = text.strip_suffix('%') {
        match (pct.trim().parse::<f64>(), max_nodes.as_num()) {
            (Ok(p), Some(n)) => Node::num((n * p / 100.0).ceil()),
            _ => return Node::unknown("percentage surge of an unknown pool size"),
        }
    } else {
        match text.parse::<f64>() {
            Ok(n) => Node::num(n),
            Err(_) => return Node::unknown("max surge is not a number"),
        }
    };
    out.loc = s.loc.clone();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_surge_rounds_up_of_max_nodes() {
        let s = Node::str("33%");
        assert_eq!(
            surge_nodes(Some(&s), &Node::num(10.0), None).as_num(),
            Some(4.0)
        );
        assert_eq!(
            surge_nodes(None, &Node::num(10.0), None).as_num(),
            Some(1.0)
        );
        assert!(surge_nodes(Some(&s), &Node::unknown("x"), None).is_unknown());
    }

    #[test]
    fn versions_parse() {
        assert_eq!(parse_version("1.26.3"), Some((1, 26, Some(3))));
        assert_eq!(parse_version("1.29"), Some((1, 29, None)));
        assert_eq!(parse_version("latest"), None);
    }
}
