//! Egress facts: the load balancer's outbound IP count (public IPs, else the addresses of the
//! public IP prefixes, else the managed count, default 1) and a subnet's NAT gateway.

use super::{or_default, unless_unread};
use crate::model::link::{Attachment, Links};
use crate::model::{Cluster, Model, Node, V};

/// `load_balancer` of the network document: SNAT ports per node and outbound IPs.
pub(super) fn load_balancer_node(m: &Model, c: &Cluster) -> Node {
    let lb = &c.network.load_balancer;
    let at = c.network_at.or(Some(c.header));
    Node::obj(vec![
        ("ports", or_default(&lb.ports, V::Num(0.0), at)),
        ("outbound_ips", outbound_ips(m, c)),
    ])
}

/// A list node written and not empty (azurerm unlinks with `[]`, which means "managed").
fn non_empty(n: Option<&Node>) -> Option<&Node> {
    n.filter(|l| l.as_list().is_none_or(|items| !items.is_empty()) && !l.is_null())
}

fn outbound_ips(m: &Model, c: &Cluster) -> Node {
    let lb = &c.network.load_balancer;
    if let Some(ids) = non_empty(lb.ip_ids.as_ref()) {
        return match &ids.v {
            V::List(items) => Node {
                v: V::Num(items.len() as f64),
                loc: ids.loc.clone(),
            },
            V::Unknown(r) => Node::unknown(r.clone()),
            _ => Node::unknown("outbound IP ids are not a list"),
        };
    }
    if let Some(ids) = non_empty(lb.prefix_ids.as_ref()) {
        let Some(items) = ids.as_list() else {
            return Node::unknown("outbound IP prefix ids are not a list");
        };
        let mut total = 0.0;
        for id in items {
            let prefix = id
                .as_str()
                .and_then(|s| m.public_ip_prefixes.iter().find(|p| p.id == s));
            let len = prefix
                .and_then(|p| p.prefix_length.as_ref())
                .and_then(Node::as_num);
            match len {
                Some(l) if (0.0..=32.0).contains(&l) => total += 2f64.powi(32 - l as i32),
                _ => {
                    return Node::unknown(match prefix {
                        Some(_) => "a public IP prefix's length is unknown".to_string(),
                        None => "an outbound public IP prefix is not in the scan".to_string(),
                    })
                }
            }
        }
        return Node {
            v: V::Num(total),
            loc: ids.loc.clone(),
        };
    }
    let at = c.network_at.or(Some(c.header));
    or_default(&lb.managed_ip_count, V::Num(1.0), at)
}

/// A subnet's NAT gateway in the scan: (`has_nat_gateway`, `nat_gateway`), the first located at
/// the subnet so a finding about a missing gateway points at it.
pub(super) fn nat_gateway_fields(
    m: &Model,
    links: &Links,
    idx: usize,
    header: crate::source::Span,
) -> (Node, Node) {
    let (has, gw) = match links.nat_gateway(idx) {
        Attachment::None => (Node::derived_at(V::Bool(false), Some(header)), Node::null()),
        Attachment::Unknown(why) => (
            Node::derived_at(V::Unknown(why.clone()), Some(header)),
            Node::derived_at(V::Unknown(why), Some(header)),
        ),
        Attachment::Found(g) => match m.nat_gateways.get(g) {
            Some(g) => (
                Node::derived_at(V::Bool(true), Some(header)),
                Node::obj(vec![
                    ("address", Node::str(g.addr.clone())),
                    ("sku", g.sku.clone()),
                ]),
            ),
            None => (Node::unknown("NAT gateway index"), Node::null()),
        },
    };
    (unless_unread(m, has, "a NAT gateway association"), gw)
}
