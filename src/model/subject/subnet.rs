//! The node subnet document: prefixes, delegations, the route table attached to it, and where
//! its NSG denies cluster traffic.

use crate::model::Undecided;
use ipnet::IpNet;

use super::{nets, or_null, unless_unread};
use crate::cidr;
use crate::model::link::{Attachment, Links};
use crate::model::{Model, Node, RouteTable, Subnet, V};
use crate::source::Span;

/// NET009's facts for one node subnet: where its NSG denies cluster traffic (the `Deny`
/// value) and a description; null when it passes or there is no NSG.
pub(super) fn nsg_denial(
    m: &Model,
    links: &Links,
    idx: usize,
    s: &Subnet,
    node_nets: &[IpNet],
    pod_nets: &Result<Vec<IpNet>, Undecided>,
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
    let flows = nets(s.prefixes.as_ref())
        .map(|own| crate::model::nsg::cluster_flows(&own, node_nets, pods));
    let name = s.name.as_ref().and_then(Node::as_str).unwrap_or("?");
    match crate::model::nsg::denial(nsg, name, flows) {
        Ok(None) => match pod_nets {
            Ok(_) => (Node::null(), Node::null()),
            Err(why) => undecided(format!("pod traffic: {why}"), nsg.header),
        },
        Ok(Some((at, text))) => (at, Node::str(text)),
        Err(why) => undecided(why.0, nsg.header),
    }
}

/// A denial holds only if no rule allows the flow first; an unread module may add such a rule
/// to the NSG (a standalone security rule), so the denial is then unknown.
pub(super) fn denial_unless_unread(m: &Model, n: Node) -> Node {
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

pub(super) fn subnet_node(m: &Model, links: &Links, idx: usize, s: &Subnet) -> Node {
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
    let (has_nat, nat) = super::egress::nat_gateway_fields(m, links, idx, s.header);
    if let V::Obj(fields) = &mut n.v {
        fields.push(("has_route_table".into(), has_table));
        fields.push(("route_table".into(), table));
        fields.push(("has_nat_gateway".into(), has_nat));
        fields.push(("nat_gateway".into(), nat));
    }
    n.loc.at = Some(s.header);
    n
}

fn route_table_node(m: &Model, t: &RouteTable) -> Node {
    let prefixes: Vec<Node> = t.routes.iter().map(|r| r.prefix.clone()).collect();
    let default_route = if prefixes.iter().any(Node::is_unknown) {
        Node::unknown("a route prefix is unknown")
    } else {
        let any = prefixes
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
        ("prefixes", Node::list(prefixes)),
        ("has_default_route", default_route),
        ("default_route_next_hop", default_next_hop(t)),
    ]);
    n.loc.at = Some(t.header);
    n
}

/// The next hop type of the table's `0.0.0.0/0` route (null without one); unknown when a
/// route's prefix is unknown, since that route may be the default one.
fn default_next_hop(t: &RouteTable) -> Node {
    if let Some(u) = t.routes.iter().find(|r| r.prefix.is_unknown()) {
        return u.prefix.clone();
    }
    t.routes
        .iter()
        .find(|r| r.prefix.as_str().is_some_and(|x| x.trim() == "0.0.0.0/0"))
        .map_or_else(Node::null, |r| {
            r.next_hop
                .clone()
                .unwrap_or_else(|| Node::unknown("the default route's next hop type is not set"))
        })
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
