//! Application Gateway for Containers: one subject per subnet association, with its subnet,
//! the cluster it is linked to and how (same VNet, peered VNet, or the only cluster in scope when
//! the subnet's VNet is unknown), how many associations share its subnet or its AGC, and the ALB
//! controller version. Nothing links -> no cluster, so cluster-dependent rules do not fire.

use foldhash::{HashMap, HashMapExt};

use super::Subject;
use crate::cidr;
use crate::model::link::{cluster_vnets, link_cluster, Links, Resolved};
use crate::model::{Model, Node, Ref, Subnet, V};

fn subnet_key(r: &Ref, links: &Links) -> Option<String> {
    match links.subnet(r) {
        Resolved::Found(i) => Some(format!("#{i}")),
        _ => match r {
            Ref::Id(id) => Some(id.clone()),
            Ref::Arm {
                rg,
                vnet,
                subnet: Some(s),
            } => Some(format!("{rg}/{vnet}/{s}").to_ascii_lowercase()),
            _ => None,
        },
    }
}

/// AGC association subjects; `clusters` are the cluster subjects built from the same model.
pub fn subjects(m: &Model, links: &Links, clusters: &[Subject]) -> Vec<Subject> {
    let vnets = cluster_vnets(m, links);
    // Associations per subnet and per AGC, in source order, to find the second one.
    let any_unknown_subnet = m
        .agc_associations
        .iter()
        .any(|a| subnet_key(&a.subnet, links).is_none());
    let mut seen_subnet: HashMap<String, usize> = HashMap::new();
    let mut seen_agc: HashMap<String, usize> = HashMap::new();
    // AGCs with an association that may or may not exist: their count is undecidable.
    let uncertain_agc: foldhash::HashSet<&str> = m
        .agc_associations
        .iter()
        .filter(|a| a.condition.is_some())
        .filter_map(|a| match &a.agc {
            Ref::Id(id) => Some(id.as_str()),
            _ => None,
        })
        .collect();
    let mut order: Vec<(usize, usize)> = Vec::new();
    for a in &m.agc_associations {
        let s = subnet_key(&a.subnet, links).map(|k| {
            let n = seen_subnet.entry(k).or_insert(0);
            *n += 1;
            *n
        });
        let g = match &a.agc {
            Ref::Id(id) => {
                let n = seen_agc.entry(id.clone()).or_insert(0);
                *n += 1;
                *n
            }
            _ => 0,
        };
        order.push((s.unwrap_or(0), g));
    }
    let alb = match m.alb_controllers.as_slice() {
        [] => Node::null(),
        [one] => one
            .clone()
            .unwrap_or_else(|| Node::unknown("the ALB controller version is not pinned")),
        _ => Node::unknown("several ALB controller releases"),
    };
    let mut out = Vec::new();
    for (i, a) in m.agc_associations.iter().enumerate() {
        let (nth_subnet, nth_agc) = order.get(i).copied().unwrap_or((0, 0));
        let key = subnet_key(&a.subnet, links);
        let on_subnet = match &key {
            Some(k) if !any_unknown_subnet => {
                Node::num(seen_subnet.get(k).copied().unwrap_or(1) as f64)
            }
            _ => Node::unknown("an association's subnet is unknown"),
        };
        let second_on_subnet = match (&key, any_unknown_subnet) {
            (Some(_), _) if nth_subnet >= 2 => Node::derived_at(V::Bool(true), Some(a.header)),
            (Some(_), false) => Node::derived_at(V::Bool(false), Some(a.header)),
            _ => Node::unknown("an association's subnet is unknown"),
        };
        let second_of_agc = match &a.agc {
            Ref::Id(id) if nth_agc >= 2 && uncertain_agc.contains(id.as_str()) => {
                Node::unknown("an association of this AGC exists only under an unknown condition")
            }
            Ref::Id(_) => Node::derived_at(V::Bool(nth_agc >= 2), Some(a.header)),
            _ => Node::unknown("the association's AGC is unknown"),
        };
        let subnet_idx = match links.subnet(&a.subnet) {
            Resolved::Found(s) => Some(s),
            _ => None,
        };
        let subnet = match (
            links.subnet(&a.subnet),
            subnet_idx.and_then(|s| m.subnets.get(s)),
        ) {
            (Resolved::Found(_), Some(s)) => subnet_doc(s, on_subnet.as_num()),
            (Resolved::Unknown(why), _) => Node::unknown(why),
            _ => Node::unknown("the association's subnet is not set"),
        };
        let vnet = subnet_idx
            .and_then(|s| m.subnets.get(s))
            .and_then(|s| s.vnet);
        let link = link_cluster(m, links, &vnets, vnet);
        let linked = link.and_then(|(c, how)| clusters.get(c).map(|s| (s, how)));
        let notes = linked
            .map(|(s, how)| vec![format!("linked to cluster {} through {how}", s.address)])
            .unwrap_or_default();
        let cluster = match linked {
            Some((s, how)) => {
                let net = s.node.get("network");
                let pick = |k: &str| {
                    net.and_then(|n| n.get(k))
                        .cloned()
                        .unwrap_or_else(Node::null)
                };
                Node::obj(vec![
                    ("address", Node::str(s.address.clone())),
                    ("link", Node::str(how)),
                    ("plugin", pick("plugin")),
                    ("overlay", pick("overlay")),
                ])
            }
            None => Node::null(),
        };
        let mut header = Node::str(a.addr.clone());
        header.loc.at = Some(a.header);
        let doc = Node::obj(vec![
            ("address", header),
            ("subnet", subnet),
            ("cluster", cluster),
            ("associations_on_subnet", on_subnet),
            ("second_on_subnet", second_on_subnet),
            ("second_of_agc", second_of_agc),
            ("alb_controller_version", alb.clone()),
        ]);
        let (json, located) = doc.project();
        out.push(Subject {
            kind: super::SubjectKind::AgcAssociation,
            address: a.addr.clone(),
            header: a.header,
            condition: None,
            notes,
            node: doc,
            json,
            located,
        });
    }
    out
}

/// The association's subnet: prefixes, size, delegation to AGC, and capacity when shared.
fn subnet_doc(s: &Subnet, sharing: Option<f64>) -> Node {
    let prefixes = s
        .prefixes
        .clone()
        .unwrap_or_else(|| Node::unknown("subnet prefixes are not set"));
    let first_v4 = s.first_v4_prefix();
    let delegated = s.delegated_to("Microsoft.ServiceNetworking/trafficControllers");
    // n associations sharing a subnet need n x 256 addresses.
    let short = match (first_v4.as_ref(), sharing) {
        (Some(p), Some(n)) if n >= 2.0 => match p.as_str().and_then(cidr::parse) {
            Some(net) => {
                let mut x = Node::new(V::Bool((cidr::size(&net) as f64) < n * 256.0));
                x.loc = p.loc.clone();
                x
            }
            None => Node::unknown("subnet prefix is unknown"),
        },
        (_, Some(_)) => Node::new(V::Bool(false)),
        _ => Node::unknown("associations on this subnet are unknown"),
    };
    let mut n = Node::obj(vec![
        ("address", Node::str(s.addr.clone())),
        ("name", s.name.clone().unwrap_or_else(Node::null)),
        ("prefix_v4", first_v4.unwrap_or_else(Node::null)),
        ("prefixes", prefixes),
        ("delegated_to_agc", delegated),
        ("shared_capacity_short", short),
    ]);
    n.loc.at = Some(s.header);
    n
}
