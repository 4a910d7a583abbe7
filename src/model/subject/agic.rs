//! The AGIC document of a cluster: the add-on's (or Helm release's) settings, the Application
//! Gateway it uses and that gateway's subnet.

use super::or_null;
use crate::model::link::{Links, Resolved};
use crate::model::{AgicAddon, Model, Node, Ref, V};

/// The AGIC add-on (or AGIC installed by Helm): its `subnet_cidr`, the Application Gateway it
/// uses and that gateway's subnet (the gateway's own, or the add-on's `subnet_id` where AKS
/// creates the gateway).
pub(super) fn agic_node(
    m: &Model,
    links: &Links,
    a: Option<&AgicAddon>,
    cluster_vnets: &[usize],
) -> Node {
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
