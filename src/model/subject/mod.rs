//! Per-cluster documents for the rules: the cluster's effective network settings (documented
//! platform defaults applied and marked as defaults), its pools with their resolved node subnet
//! and derived sizes (max nodes, surge), the VNets of those subnets, and the connected networks.
//!
//! Defaults where sources disagree stay unknown (the network plugin without a network profile;
//! see RULES.md). Max surge unset counts as 1 node, the smallest documented default.
//!
//! One file per document: `cluster` (network settings, VNets, connected networks), `pool`,
//! `subnet` (route table, NSG denial) and `agic` (the AGIC add-on and its gateway); `agc` builds
//! the AGC association subjects from the cluster subjects.

mod agc;
mod agic;
mod api;
mod cluster;
mod egress;
mod pool;
mod pool_links;
pub mod schema;
mod subnet;

use crate::model::Undecided;
use ipnet::IpNet;
use serde_json::Value as Json;

pub use pool::parse_version;

use super::link::Links;
use super::node::Located;
use super::{Model, Node, V};
use crate::cidr;
use crate::source::Span;
use cluster::cluster_node;

/// What a subject is; rules name the kind they apply to (`applies_to.kind`).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Cluster,
    AgcAssociation,
    /// The same cluster before and after a change (MIG rules).
    Migration,
}

impl SubjectKind {
    pub const ALL: &'static [SubjectKind] = &[
        SubjectKind::Cluster,
        SubjectKind::AgcAssociation,
        SubjectKind::Migration,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Cluster => "cluster",
            SubjectKind::AgcAssociation => "agc_association",
            SubjectKind::Migration => "migration",
        }
    }
}

/// One thing rules run over.
pub struct Subject {
    pub kind: SubjectKind,
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
                kind: SubjectKind::Cluster,
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
    let agc = agc::subjects(m, &links, &out);
    out.extend(agc);
    out
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

/// Parsed CIDRs of a list node; `Err` when any is unknown.
fn nets(list: Option<&Node>) -> Result<Vec<IpNet>, Undecided> {
    match list.map(|l| &l.v) {
        Some(V::List(items)) => items
            .iter()
            .map(|i| match (&i.v, i.as_str().and_then(cidr::parse)) {
                (_, Some(n)) => Ok(n),
                (V::Unknown(why), _) => Err(why.clone().into()),
                _ => Err("not a CIDR".into()),
            })
            .collect(),
        Some(V::Unknown(why)) => Err(why.clone().into()),
        _ => Err("prefixes are not set".into()),
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
