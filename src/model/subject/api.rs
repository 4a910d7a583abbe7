//! The API server access document: private cluster, its private DNS zone (kind, name, who may
//! write it), the public FQDN, API server VNet integration and its subnet, authorized ranges.

use super::subnet::subnet_node;
use super::{or_default, or_null, unless_unread};
use crate::model::link::{Links, Resolved};
use crate::model::{arm_id_segment, Cluster, Model, Node, Ref, V};

/// Delegation the API server subnet needs (api-server-vnet-integration).
const API_DELEGATION: &str = "Microsoft.ContainerService/managedClusters";

/// `System` / `None` / `custom` for a private DNS zone value, located where it was written.
fn zone_kind(zone: &Node) -> Node {
    let kind = match &zone.v {
        // Templates write `''` for "no zone" (e.g. `enablePrivateCluster ? zone : ''`).
        V::Str(s) if s.trim().is_empty() => "unset",
        V::Str(s) if s.eq_ignore_ascii_case("system") => "System",
        V::Str(s) if s.eq_ignore_ascii_case("none") => "None",
        V::Str(_) => "custom",
        V::Unknown(r) => return Node::unknown(r.clone()),
        // No zone written (and no private cluster to default one).
        _ => "unset",
    };
    Node {
        v: V::Str(kind.into()),
        loc: zone.loc.clone(),
    }
}

/// The identity type as the rules read it: written, else `SystemAssigned` (the AKS default)
/// unless a service principal is written.
pub(super) fn identity_type(c: &Cluster) -> Node {
    match (&c.identity, c.service_principal) {
        (Some(t), _) => t.clone(),
        (None, true) => Node::derived_at(V::Str("ServicePrincipal".into()), Some(c.header)),
        (None, false) => Node::default_at(
            V::Str("SystemAssigned".into()),
            c.identity_at.or(Some(c.header)),
        ),
    }
}

/// `node_subnets` / `pod_subnets`: indexes of the cluster's node and pod subnets in the scan.
pub(super) fn api_node(
    m: &Model,
    links: &Links,
    c: &Cluster,
    node_subnets: &[usize],
    pod_subnets: &[usize],
    node_vnets: &[usize],
) -> Node {
    let a = &c.api;
    let at = Some(c.header);
    let private = or_default(&a.private, V::Bool(false), at);
    let written = a
        .dns_zone
        .as_ref()
        .filter(|z| z.as_str().is_none_or(|s| !s.trim().is_empty()));
    let zone = match (written, private.as_bool()) {
        (Some(z), _) => z.clone(),
        (None, Some(true)) => Node::default_at(V::Str("System".into()), at),
        (None, _) => Node::null(),
    };
    let kind = zone_kind(&zone);
    let custom = kind.as_str() == Some("custom");
    // The zone in the scan (by reference), else the name in a literal zone id.
    let in_scan = zone
        .as_str()
        .filter(|s| s.starts_with("ref:"))
        .and_then(|id| links.private_dns_zone(id))
        .and_then(|i| m.private_dns_zones.get(i));
    let zone_name = match (in_scan, zone.as_str()) {
        (Some(z), _) => z
            .name
            .clone()
            .unwrap_or_else(|| Node::unknown("the private DNS zone's name is not set")),
        (None, Some(id)) if custom && id.starts_with("ref:") => Node::unknown(format!(
            "{} is not a private DNS zone in the scan",
            &id[4..]
        )),
        (None, Some(id)) if custom => match arm_id_segment(id, "privateDnsZones") {
            Some(name) => Node {
                v: V::Str(name.to_string()),
                loc: zone.loc.clone(),
            },
            None => Node::unknown(format!("`{id}` is not a private DNS zone id")),
        },
        _ => Node::null(),
    };
    let identity = identity_type(c);
    let user_assigned = identity
        .as_str()
        .is_some_and(|t| t.eq_ignore_ascii_case("UserAssigned"));
    let zone_role = match in_scan {
        Some(z) if user_assigned => unless_unread(
            m,
            crate::model::identity::dns_zone_role(m, c.principal.as_ref(), z),
            "a role assignment",
        ),
        _ => Node::null(),
    };
    let vnet_integration = or_default(&a.vnet_integration, V::Bool(false), at);
    let subnet = api_subnet(
        m,
        links,
        a.subnet.as_ref(),
        node_subnets,
        pod_subnets,
        node_vnets,
    );
    let (count, limit) = match a.authorized_ranges.as_ref().map(|r| &r.v) {
        Some(V::List(items)) => (
            Node {
                v: V::Num(items.len() as f64),
                loc: a
                    .authorized_ranges
                    .as_ref()
                    .map(|r| r.loc.clone())
                    .unwrap_or_default(),
            },
            Node::num(if vnet_integration.as_bool() == Some(true) {
                2000.0
            } else {
                200.0
            }),
        ),
        Some(V::Unknown(r)) => (Node::unknown(r.clone()), Node::null()),
        _ => (Node::num(0.0), Node::null()),
    };
    Node::obj(vec![
        ("private", private),
        ("dns_zone", zone),
        ("dns_zone_kind", kind),
        ("dns_zone_name", zone_name),
        ("dns_zone_in_scan", Node::new(V::Bool(in_scan.is_some()))),
        ("dns_zone_role", zone_role),
        ("public_fqdn", or_null(&a.public_fqdn)),
        ("subdomain", or_null(&a.subdomain)),
        ("vnet_integration", vnet_integration),
        ("subnet", subnet),
        ("authorized_ranges", or_null(&a.authorized_ranges)),
        ("authorized_range_count", count),
        ("authorized_range_limit", limit),
    ])
}

/// The API server subnet: its document with the facts API006 checks, each located at the value
/// to edit (the prefix, the subnet for a delegation, `subnet_id` for the VNet or sharing).
fn api_subnet(
    m: &Model,
    links: &Links,
    written: Option<&Node>,
    node_subnets: &[usize],
    pod_subnets: &[usize],
    node_vnets: &[usize],
) -> Node {
    let Some(w) = written.filter(|w| !w.is_null()) else {
        return Node::null();
    };
    let i = match links.subnet(&Ref::from_node(Some(w))) {
        Resolved::Found(i) => i,
        Resolved::Unknown(why) => {
            let mut n = Node::unknown(why);
            n.loc = w.loc.clone();
            return n;
        }
        Resolved::None => return Node::null(),
    };
    let Some(s) = m.subnets.get(i) else {
        return Node::unknown("subnet index");
    };
    let mut n = subnet_node(m, links, i, s);
    let at_ref = |b: bool| Node {
        v: V::Bool(b),
        loc: w.loc.clone(),
    };
    let other_vnet = match (s.vnet, node_vnets) {
        (_, []) => Node::new(V::Bool(false)),
        (Some(v), vs) => at_ref(!vs.contains(&v)),
        (None, _) => Node::unknown("the API server subnet's VNet is not in the scan"),
    };
    let shared = at_ref(node_subnets.contains(&i) || pod_subnets.contains(&i));
    if let V::Obj(fields) = &mut n.v {
        fields.push(("delegated".into(), s.delegated_to(API_DELEGATION)));
        fields.push((
            "prefix_v4".into(),
            s.first_v4_prefix().unwrap_or_else(Node::null),
        ));
        fields.push(("other_vnet".into(), other_vnet));
        fields.push(("shared".into(), shared));
    }
    n
}
