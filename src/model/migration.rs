//! Migration subjects: one per cluster present in both the before-state (a git revision, or a
//! plan's `before`) and the after-state, matched by address. The MIG rules read the document:
//! the two cluster documents side by side plus the facts a move to overlay depends on.
//!
//! A cluster only in the after-state is new, not migrated; a cluster whose before-state is
//! unknown moves nothing that can be decided.

use super::subject::{Subject, SubjectKind};
use super::{Cluster, Model, Node, V};
use crate::source::Span;

/// The migration subjects of one root: its clusters that exist in both states.
pub fn subjects(
    origin: &str,
    before_model: &Model,
    before: &[Subject],
    after_model: &Model,
    after: &[Subject],
) -> Vec<Subject> {
    let mut out = Vec::new();
    for a in after.iter().filter(|s| s.kind == SubjectKind::Cluster) {
        let Some(b) = before
            .iter()
            .find(|s| s.kind == SubjectKind::Cluster && s.address == a.address)
        else {
            continue;
        };
        let old = before_model.clusters.iter().find(|c| c.addr == b.address);
        let new = after_model.clusters.iter().find(|c| c.addr == a.address);
        let (Some(old), Some(new)) = (old, new) else {
            continue;
        };
        let node = migration_node(b, old, after_model, a, new, before);
        let (json, located) = node.project();
        out.push(Subject {
            kind: SubjectKind::Migration,
            address: a.address.clone(),
            header: a.header,
            condition: a.condition.clone(),
            notes: vec![format!("before-state: {origin}")],
            node,
            json,
            located,
        });
    }
    out
}

fn network_field<'n>(doc: &'n Node, key: &str) -> Option<&'n Node> {
    doc.get("network").and_then(|n| n.get(key))
}

/// Whether the cluster goes from not-overlay to overlay; unknown when either side is.
fn moves_to_overlay(before: &Node, after: &Node, at: Option<Span>) -> Node {
    let b = network_field(before, "overlay");
    let a = network_field(after, "overlay");
    match (b.and_then(Node::as_bool), a.and_then(Node::as_bool)) {
        (Some(b), Some(a)) => Node::derived_at(V::Bool(!b && a), at),
        (Some(true), None) | (None, Some(false)) => Node::derived_at(V::Bool(false), at),
        _ => Node::unknown("the network plugin before or after the change is unknown"),
    }
}

/// The data plane in effect: as written, else `azure` (the AKS default).
fn data_plane(doc: &Node, c: &Cluster) -> Node {
    match network_field(doc, "data_plane") {
        Some(n) if !n.is_null() => n.clone(),
        _ => Node::default_at(V::Str("azure".into()), c.network_at.or(Some(c.header))),
    }
}

/// Windows pools of a cluster document: address, version and OS SKU.
fn windows_pools(doc: &Node) -> Node {
    let pools = doc.get("pools").and_then(Node::as_list).unwrap_or(&[]);
    let mut out = Vec::new();
    for p in pools {
        let os = p.get("os_type");
        match os.and_then(Node::as_str) {
            Some(t) if t.eq_ignore_ascii_case("windows") => out.push(p.clone()),
            Some(_) => {}
            None if os.is_some_and(Node::is_unknown) => {
                return Node::unknown("a pool's OS type is unknown")
            }
            None => {}
        }
    }
    Node::list(out)
}

/// The AGC subnets linked to the cluster (the AGC association subjects' subnets).
fn agc_subnets(address: &str, subjects: &[Subject]) -> Node {
    let mut out = Vec::new();
    for s in subjects
        .iter()
        .filter(|s| s.kind == SubjectKind::AgcAssociation)
    {
        let cluster = s.node.get("cluster");
        let linked = cluster
            .and_then(|c| c.get("address"))
            .and_then(Node::as_str)
            .is_some_and(|a| a == address);
        if !linked {
            continue;
        }
        let mut subnet = s.node.get("subnet").cloned().unwrap_or_else(Node::null);
        if let V::Obj(fields) = &mut subnet.v {
            // Located at the association: the resource to add in a later change.
            let mut association = Node::str(s.address.clone());
            association.loc.at = Some(s.header);
            fields.push(("association".into(), association));
        }
        if subnet.loc.at.is_none() {
            subnet.loc.at = Some(s.header);
        }
        out.push(subnet);
    }
    Node::list(out)
}

fn migration_node(
    b: &Subject,
    old: &Cluster,
    after_model: &Model,
    a: &Subject,
    new: &Cluster,
    before_subjects: &[Subject],
) -> Node {
    let at = new
        .network
        .plugin_mode
        .as_ref()
        .and_then(|m| m.loc.prov.as_ref().map(|p| p.span).or(m.loc.at))
        .or(new.network_at)
        .or(Some(new.header));
    let moves = moves_to_overlay(&b.node, &a.node, at);
    // Pod CIDRs as written after the change (the subject fills in the AKS default).
    let written_pod_cidrs = new.network.pod_cidrs.clone().unwrap_or_else(Node::null);
    let pod_cidr_written = match &written_pod_cidrs.v {
        V::Null => Node::derived_at(V::Bool(false), at),
        V::Unknown(r) => Node::unknown(r.clone()),
        _ => Node::new(V::Bool(true)),
    };
    let ip_masq: Vec<Node> = after_model
        .ip_masq_configs
        .iter()
        .map(|(addr, header)| {
            let mut n = Node::str(addr.clone());
            n.loc.at = Some(*header);
            n
        })
        .collect();
    Node::obj(vec![
        ("address", Node::str(a.address.clone())),
        ("before", b.node.clone()),
        ("after", a.node.clone()),
        ("moves_to_overlay", moves),
        (
            "before_identity",
            old.identity.clone().unwrap_or_else(Node::null),
        ),
        ("before_data_plane", data_plane(&b.node, old)),
        ("after_data_plane", data_plane(&a.node, new)),
        ("after_pod_cidrs", written_pod_cidrs),
        ("after_pod_cidr_written", pod_cidr_written),
        ("before_windows_pools", windows_pools(&b.node)),
        (
            "before_agc_subnets",
            agc_subnets(&b.address, before_subjects),
        ),
        ("ip_masq_configs", Node::list(ip_masq)),
    ])
}
