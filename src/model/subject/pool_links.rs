//! What a pool shares with other pools and clusters of the model: the VNet of its node
//! subnet, a route table another cluster already uses (NET022), and its pod subnet with the
//! allocation mode other pools use on it (POD002).

use crate::model::link::{Links, Resolved};
use crate::model::{Cluster, Model, Node, Pool, Ref, V};

/// What pools of the clusters declared before this one use: (pod subnet, static block?) and
/// route tables of node subnets, with the cluster's address. "Before" is source order, so a
/// conflict is reported once, on the later one.
pub(super) struct Earlier {
    pod_subnets: Vec<(usize, Option<bool>)>,
    route_tables: Vec<(usize, String)>,
}

/// Whether a pool uses static block allocation; unknown mode is `None`.
fn static_block(p: &Pool) -> Option<bool> {
    match &p.pod_ip_allocation {
        None => Some(false),
        Some(n) => n.as_str().map(|s| s.eq_ignore_ascii_case("StaticBlock")),
    }
}

pub(super) fn earlier_uses(m: &Model, links: &Links, c: &Cluster) -> Earlier {
    let mut e = Earlier {
        pod_subnets: Vec::new(),
        route_tables: Vec::new(),
    };
    for other in m
        .clusters
        .iter()
        .take_while(|o| o.addr != c.addr || o.header != c.header)
    {
        for p in &other.pools {
            if let Some(i) = pod_subnet_index(links, p) {
                e.pod_subnets.push((i, static_block(p)));
            }
            if let Resolved::Found(s) = links.subnet(&p.subnet) {
                if let crate::model::link::Attachment::Found(t) = links.route_table(s) {
                    e.route_tables.push((t, other.addr.clone()));
                }
            }
        }
    }
    e
}

fn pod_subnet_index(links: &Links, p: &Pool) -> Option<usize> {
    let written = p.pod_subnet.as_ref().filter(|n| !n.is_null())?;
    match links.subnet(&Ref::from_node(Some(written))) {
        Resolved::Found(i) => Some(i),
        _ => None,
    }
}

/// NET022: the address of an earlier cluster whose node subnet uses this pool's route table,
/// located at the pool's subnet reference; null when none does.
pub(super) fn shared_route_table(links: &Links, p: &Pool, earlier: &Earlier) -> Node {
    let Resolved::Found(s) = links.subnet(&p.subnet) else {
        return Node::null();
    };
    let crate::model::link::Attachment::Found(t) = links.route_table(s) else {
        return Node::null();
    };
    earlier
        .route_tables
        .iter()
        .find(|(x, _)| *x == t)
        .map_or_else(Node::null, |(_, addr)| {
            Node::derived_at(V::Str(addr.clone()), p.subnet_at.or(Some(p.header)))
        })
}

/// The VNet of a pool's node subnet as `{name, resource_group}` (names compared ignoring case),
/// located at the pool's subnet reference; null without one.
pub(super) fn pool_vnet(m: &Model, links: &Links, p: &Pool) -> Node {
    let at = p.subnet_at.or(Some(p.header));
    let located = |v: V| Node::derived_at(v, at);
    let pair = |name: Option<Node>, rg: Option<Node>| {
        let mut n = Node::obj(vec![
            ("name", name.map_or_else(Node::null, |x| located(x.v))),
            (
                "resource_group",
                rg.map_or_else(Node::null, |x| located(x.v)),
            ),
        ]);
        n.loc.at = at;
        n
    };
    match (&p.subnet, links.subnet(&p.subnet)) {
        (Ref::Absent, _) => Node::null(),
        (_, Resolved::Found(i)) => match m.subnets.get(i) {
            Some(s) => pair(s.vnet_name.clone(), s.resource_group.clone()),
            None => Node::unknown("subnet index"),
        },
        (Ref::Arm { rg, vnet, .. }, _) => {
            pair(Some(Node::str(vnet.clone())), Some(Node::str(rg.clone())))
        }
        (_, Resolved::Unknown(why)) => located(V::Unknown(why)),
        (_, Resolved::None) => Node::null(),
    }
}

/// The pod subnet document and allocation mode of a pool, and POD002's mixed-mode fact.
pub(super) fn pod_subnet_fields(
    m: &Model,
    links: &Links,
    p: &Pool,
    earlier: &Earlier,
    pod_subnets: &mut Vec<usize>,
) -> Vec<(&'static str, Node)> {
    let Some(written) = p.pod_subnet.as_ref().filter(|n| !n.is_null()) else {
        return pod_fields(Node::null(), Node::null(), Node::null());
    };
    let mode = or_default_str(&p.pod_ip_allocation, "DynamicIndividual", p.header);
    let subnet = match links.subnet(&Ref::from_node(Some(written))) {
        Resolved::Found(i) => match m.subnets.get(i) {
            Some(s) => {
                let mut n = super::subnet::subnet_node(m, links, i, s);
                if let V::Obj(fields) = &mut n.v {
                    fields.push((
                        "prefix_v4".into(),
                        s.first_v4_prefix().unwrap_or_else(Node::null),
                    ));
                }
                Some((i, n))
            }
            None => None,
        },
        Resolved::Unknown(why) => {
            let mut n = Node::unknown(why);
            n.loc = written.loc.clone();
            return pod_fields(n, mode, Node::null());
        }
        Resolved::None => None,
    };
    let Some((i, doc)) = subnet else {
        return pod_fields(Node::null(), mode, Node::null());
    };
    // Pools of this cluster before this one, then earlier clusters.
    let mine = static_block(p);
    let before_here: Vec<(usize, Option<bool>)> = pod_subnets_so_far(links, p, m);
    let conflict = before_here
        .iter()
        .chain(&earlier.pod_subnets)
        .filter(|(x, _)| *x == i)
        .map(|(_, s)| match (s, mine) {
            (Some(a), Some(b)) => Some(*a != b),
            _ => None,
        })
        .collect::<Vec<_>>();
    // A known conflict wins over an unknown mode elsewhere.
    let conflict = if conflict.contains(&Some(true)) {
        Some(true)
    } else if conflict.contains(&None) {
        None
    } else {
        Some(false)
    };
    let conflict = match conflict {
        Some(b) => Node {
            v: V::Bool(b),
            loc: written.loc.clone(),
        },
        None => Node::unknown("a pod IP allocation mode on this pod subnet is unknown"),
    };
    pod_subnets.push(i);
    pod_fields(doc, mode, conflict)
}

/// The pool document's pod subnet fields, in their order.
fn pod_fields(subnet: Node, mode: Node, conflict: Node) -> Vec<(&'static str, Node)> {
    vec![
        ("pod_subnet", subnet),
        ("pod_ip_allocation", mode),
        ("pod_subnet_mode_conflict", conflict),
    ]
}

/// Pod subnets and modes of the pools declared before `p` in its own cluster.
fn pod_subnets_so_far(links: &Links, p: &Pool, m: &Model) -> Vec<(usize, Option<bool>)> {
    let Some(c) = m
        .clusters
        .iter()
        .find(|c| c.pools.iter().any(|x| std::ptr::eq(x, p)))
    else {
        return Vec::new();
    };
    c.pools
        .iter()
        .take_while(|x| !std::ptr::eq(*x, p))
        .filter_map(|x| pod_subnet_index(links, x).map(|i| (i, static_block(x))))
        .collect()
}

fn or_default_str(n: &Option<Node>, v: &str, at: crate::source::Span) -> Node {
    n.clone()
        .unwrap_or_else(|| Node::default_at(V::Str(v.into()), Some(at)))
}
