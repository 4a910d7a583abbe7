//! The address plan one variant draws, gathered from the models `check` built (never evaluated
//! again): VNet address spaces, subnets, peerings, on-premises ranges, each cluster's pod and
//! service CIDRs and node subnet capacity, every value with where it was written. Unknown
//! values become placeholders with their reason; nothing is guessed.

use std::collections::BTreeMap;

use ipnet::IpNet;
use serde::Serialize;
use serde_json::Value as Json;

use crate::cidr;
use crate::model::link::Links;
use crate::model::node::{json_unknown, Located};
use crate::model::subject::{self, SubjectKind};
use crate::model::{Model, Node, V};
use crate::source::{SourceMap, Span};

/// What a range is; the drawing and the JSON name it in snake case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RangeKind {
    /// A top-level block (10.0.0.0/8, a public /8, fc00::/7): made by the layout.
    Block,
    Vnet,
    Subnet,
    Pod,
    Service,
    /// A local network gateway's address space (on-premises).
    OnPrem,
    /// A range AKS reserves (NET001).
    Reserved,
}

/// One range as written in the code.
#[derive(Clone, Debug, Serialize)]
pub struct Range {
    /// Stable within one variant (`r0`, `r1`, ... in address order).
    pub id: String,
    pub kind: RangeKind,
    pub name: String,
    #[serde(serialize_with = "as_text")]
    pub cidr: IpNet,
    /// The enclosing range in the drawing (a subnet's VNet, a VNet's block); set by the layout.
    pub parent: Option<String>,
    /// Names of the clusters that use it (node subnet, its VNet, pod or service CIDR).
    pub clusters: Vec<String>,
    /// `file:line` where the value was written; `None` for documented defaults and reserved
    /// ranges.
    pub source: Option<String>,
    /// The value chain, as in a finding's note.
    pub chain: Option<String>,
    /// A documented AKS default, not written anywhere.
    pub default: bool,
    /// Overlay pod CIDRs are virtual: they never leave the cluster and may repeat across
    /// clusters.
    #[serde(rename = "virtual")]
    pub is_virtual: bool,
    /// Names of VNets peered with this one.
    pub peered_with: Vec<String>,
    /// Node subnet usable IPs against what its pools need at full scale (NET012's arithmetic).
    pub capacity: Option<Capacity>,
    #[serde(skip)]
    pub span: Option<Span>,
    /// The model address of the VNet or subnet that declares it.
    #[serde(skip)]
    pub resource: Option<String>,
    /// A subnet's VNet (model address), to nest it there.
    #[serde(skip)]
    pub vnet: Option<String>,
}

impl Range {
    /// A range with nothing but its kind, name and CIDR: blocks, reserved ranges, test ranges.
    pub fn bare(kind: RangeKind, name: String, cidr: IpNet) -> Range {
        Range {
            id: String::new(),
            kind,
            name,
            cidr,
            parent: None,
            clusters: Vec::new(),
            source: None,
            chain: None,
            default: false,
            is_virtual: false,
            peered_with: Vec::new(),
            capacity: None,
            span: None,
            resource: None,
            vnet: None,
        }
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Capacity {
    pub usable: u128,
    /// `None` with `unknown` set when a pool's size cannot be known.
    pub needed: Option<f64>,
    pub unknown: Option<String>,
}

/// A range the drawing cannot place: its value is unknown.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnknownRange {
    pub kind: RangeKind,
    pub name: String,
    pub reason: String,
    pub source: Option<String>,
    pub clusters: Vec<String>,
}

/// A cluster and the ranges it uses, for the click-to-highlight.
#[derive(Clone, Debug, Serialize)]
pub struct ClusterUse {
    pub name: String,
    pub address: String,
    pub source: String,
    pub overlay: Option<bool>,
}

/// Everything one variant declares, before layout.
#[derive(Default, Debug)]
pub struct Gathered {
    pub ranges: Vec<Range>,
    pub unknowns: Vec<UnknownRange>,
    pub clusters: Vec<ClusterUse>,
}

fn as_text<S: serde::Serializer>(net: &IpNet, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&cidr::canonical(net))
}

/// Ranges AKS reserves: NET001's `overlaps` list (a test keeps them equal).
pub const RESERVED: &[&str] = &[
    "169.254.0.0/16",
    "172.30.0.0/16",
    "172.31.0.0/16",
    "192.0.2.0/24",
];

/// Where a value came from, for hover and JSON.
struct Origin {
    span: Option<Span>,
    source: Option<String>,
    chain: Option<String>,
    default: bool,
}

fn origin(n: &Node, value: &str, sources: &SourceMap) -> Origin {
    origin_of(&n.loc, value, sources)
}

fn origin_of(loc: &crate::model::Loc, value: &str, sources: &SourceMap) -> Origin {
    match &loc.prov {
        Some(p) => {
            let mut chain = format!("\"{value}\"");
            for hop in p.hops.iter().rev() {
                chain.push_str(" <- ");
                chain.push_str(hop);
            }
            let at = sources.location(p.span);
            chain.push_str(" <- ");
            chain.push_str(&at);
            Origin {
                span: Some(p.span),
                source: Some(at),
                chain: Some(chain),
                default: loc.default,
            }
        }
        None => Origin {
            span: loc.at,
            source: loc.at.map(|s| sources.location(s)),
            chain: loc
                .default
                .then(|| format!("\"{value}\" is the documented AKS default (not set)")),
            default: loc.default,
        },
    }
}

/// The text of a known string node.
fn text(n: Option<&Node>) -> Option<String> {
    n.and_then(Node::as_str).map(str::to_string)
}

impl Gathered {
    fn push(&mut self, kind: RangeKind, name: &str, n: &Node, sources: &SourceMap) -> bool {
        let Some(s) = n.as_str() else {
            if let V::Unknown(why) = &n.v {
                self.unknowns.push(UnknownRange {
                    kind,
                    name: name.to_string(),
                    reason: why.clone(),
                    source: n.primary_span().map(|s| sources.location(s)),
                    clusters: Vec::new(),
                });
            }
            return false;
        };
        let Some(net) = cidr::parse(s) else {
            self.unknowns.push(UnknownRange {
                kind,
                name: name.to_string(),
                reason: format!("`{s}` is not a CIDR"),
                source: n.primary_span().map(|s| sources.location(s)),
                clusters: Vec::new(),
            });
            return false;
        };
        let o = origin(n, s, sources);
        self.ranges.push(Range {
            id: String::new(),
            kind,
            name: name.to_string(),
            cidr: net.trunc(),
            parent: None,
            clusters: Vec::new(),
            source: o.source,
            chain: o.chain,
            default: o.default,
            is_virtual: false,
            peered_with: Vec::new(),
            capacity: None,
            span: o.span,
            resource: None,
            vnet: None,
        });
        true
    }

    /// Each item of a list node (or the unknown standing for the list).
    fn push_list(
        &mut self,
        kind: RangeKind,
        name: &str,
        list: Option<&Node>,
        sources: &SourceMap,
    ) -> usize {
        let first = self.ranges.len();
        match list.map(|l| &l.v) {
            Some(V::List(items)) => {
                for it in items {
                    self.push(kind, name, it, sources);
                }
            }
            Some(V::Str(_)) | Some(V::Unknown(_)) => {
                if let Some(n) = list {
                    self.push(kind, name, n, sources);
                }
            }
            _ => {}
        }
        first
    }
}

/// Gathers one evaluated root (`root` names it, so two roots' resources with the same
/// address stay apart). Builds the cluster documents the rules saw (linking again is
/// idempotent for everything drawn here).
pub fn gather(root: &str, model: &mut Model, sources: &SourceMap, out: &mut Gathered) {
    let subjects = subject::all(model);
    let links = Links::build(model);
    let key = |addr: &str| format!("{root}\u{1f}{addr}");
    for (i, v) in model.vnets.iter().enumerate() {
        let name = text(v.name.as_ref()).unwrap_or_else(|| v.addr.clone());
        let first = out.push_list(RangeKind::Vnet, &name, v.address_space.as_ref(), sources);
        let peers: Vec<String> = links
            .peers(i)
            .iter()
            .filter_map(|p| model.vnets.get(*p))
            .map(|p| text(p.name.as_ref()).unwrap_or_else(|| p.addr.clone()))
            .collect();
        for r in out.ranges.iter_mut().skip(first) {
            r.resource = Some(key(&v.addr));
            r.peered_with.clone_from(&peers);
        }
    }
    for s in &model.subnets {
        let name = text(s.name.as_ref()).unwrap_or_else(|| s.addr.clone());
        let first = out.push_list(RangeKind::Subnet, &name, s.prefixes.as_ref(), sources);
        let owner = s
            .vnet
            .and_then(|v| model.vnets.get(v))
            .map(|v| key(&v.addr));
        for r in out.ranges.iter_mut().skip(first) {
            r.resource = Some(key(&s.addr));
            r.vnet.clone_from(&owner);
        }
    }
    for g in &model.local_gateways {
        let name = text(g.name.as_ref()).unwrap_or_else(|| g.addr.clone());
        out.push_list(RangeKind::OnPrem, &name, g.address_space.as_ref(), sources);
    }
    for s in subjects.iter().filter(|s| s.kind == SubjectKind::Cluster) {
        cluster(&s.json, &s.located, &s.address, s.header, sources, out);
        node_subnets(&s.json, &cluster_name(&s.json, &s.address), &key, out);
    }
}

/// A cluster's pod and service CIDRs, and the need its pools put on each node subnet.
fn cluster(
    doc: &Json,
    located: &Located,
    address: &str,
    header: Span,
    sources: &SourceMap,
    out: &mut Gathered,
) {
    let name = cluster_name(doc, address);
    let net = doc.get("network").unwrap_or(&Json::Null);
    let overlay = net.get("overlay").and_then(Json::as_bool);
    out.clusters.push(ClusterUse {
        name: name.clone(),
        address: address.to_string(),
        source: sources.location(header),
        overlay,
    });
    for (field, kind) in [
        ("pod_cidrs", RangeKind::Pod),
        ("service_cidrs", RangeKind::Service),
    ] {
        let label = if kind == RangeKind::Pod {
            format!("{name} pods")
        } else {
            format!("{name} services")
        };
        let items: Vec<(String, &Json)> = match net.get(field) {
            Some(Json::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("$['network']['{field}'][{i}]"), v))
                .collect(),
            Some(v) if json_unknown(v).is_some() => vec![(format!("$['network']['{field}']"), v)],
            _ => Vec::new(),
        };
        for (path, v) in items {
            let loc = located.find(&path).cloned().unwrap_or_default();
            if let Some(why) = json_unknown(v) {
                out.unknowns.push(UnknownRange {
                    kind,
                    name: label.clone(),
                    reason: why.to_string(),
                    source: loc
                        .prov
                        .as_ref()
                        .map(|p| p.span)
                        .or(loc.at)
                        .map(|s| sources.location(s)),
                    clusters: vec![name.clone()],
                });
                continue;
            }
            let Some(s) = v.as_str() else { continue };
            let node = Node {
                v: V::Str(s.to_string()),
                loc,
            };
            if out.push(kind, &label, &node, sources) {
                if let Some(r) = out.ranges.last_mut() {
                    r.clusters.push(name.clone());
                    r.is_virtual = kind == RangeKind::Pod && overlay == Some(true);
                }
            }
        }
    }
}

fn cluster_name(doc: &Json, address: &str) -> String {
    doc.get("name")
        .and_then(Json::as_str)
        .unwrap_or(address)
        .to_string()
}

/// Marks the node subnets (and their VNets) as used by the cluster and adds its pools' need
/// to each subnet's capacity, as NET012 adds it up.
fn node_subnets(doc: &Json, cluster: &str, key: &dyn Fn(&str) -> String, out: &mut Gathered) {
    let pools = doc.get("pools").and_then(Json::as_array);
    let mut need: BTreeMap<String, Result<f64, String>> = BTreeMap::new();
    for p in pools.into_iter().flatten() {
        let sub = p.get("subnet").unwrap_or(&Json::Null);
        if let Some(why) = json_unknown(sub) {
            out.unknowns.push(UnknownRange {
                kind: RangeKind::Subnet,
                name: format!(
                    "node subnet of pool {}",
                    p.get("name").and_then(Json::as_str).unwrap_or("?")
                ),
                reason: why.to_string(),
                source: None,
                clusters: vec![cluster.to_string()],
            });
            continue;
        }
        let Some(addr) = sub.get("address").and_then(Json::as_str) else {
            continue;
        };
        let n = match p.get("subnet_ips_needed") {
            Some(Json::Number(n)) => n.as_f64().ok_or_else(|| "not a number".to_string()),
            Some(v) => Err(json_unknown(v)
                .unwrap_or("the pool's size is unknown")
                .to_string()),
            None => Err("the pool's size is unknown".to_string()),
        };
        let e = need.entry(addr.to_string()).or_insert(Ok(0.0));
        *e = match (e.clone(), n) {
            (Ok(a), Ok(b)) => Ok(a + b),
            (Err(w), _) | (_, Err(w)) => Err(w),
        };
    }
    let vnets: Vec<String> = doc
        .get("vnets")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.get("address").and_then(Json::as_str))
        .map(key)
        .collect();
    for (addr, needed) in need {
        let addr = key(&addr);
        let on_subnet =
            |r: &Range| r.kind == RangeKind::Subnet && r.resource.as_deref() == Some(addr.as_str());
        let usable: u128 = out
            .ranges
            .iter()
            .filter(|r| on_subnet(r) && cidr::is_v4(&r.cidr))
            .map(|r| cidr::azure_usable(&r.cidr))
            .sum();
        for r in out.ranges.iter_mut().filter(|r| on_subnet(r)) {
            add_user(&mut r.clusters, cluster);
            if !cidr::is_v4(&r.cidr) {
                continue;
            }
            let cap = r.capacity.get_or_insert(Capacity {
                usable,
                needed: Some(0.0),
                unknown: None,
            });
            match &needed {
                Ok(n) => cap.needed = cap.needed.map(|c| c + n),
                Err(w) => {
                    cap.needed = None;
                    cap.unknown = Some(w.clone());
                }
            }
        }
    }
    for r in out
        .ranges
        .iter_mut()
        .filter(|r| r.kind == RangeKind::Vnet)
        .filter(|r| r.resource.as_ref().is_some_and(|o| vnets.contains(o)))
    {
        add_user(&mut r.clusters, cluster);
    }
}

fn add_user(list: &mut Vec<String>, cluster: &str) {
    if !list.iter().any(|c| c == cluster) {
        list.push(cluster.to_string());
    }
}

#[cfg(test)]
mod tests {
    /// The reserved ranges drawn are the ones NET001 checks.
    #[test]
    fn reserved_ranges_are_net001s() {
        let rule = include_str!("../../rules/NET001.toml");
        let line = rule
            .lines()
            .find(|l| l.starts_with("overlaps = "))
            .unwrap_or_default();
        let listed = line.matches('/').count();
        assert_eq!(listed, super::RESERVED.len());
        for r in super::RESERVED {
            assert!(line.contains(&format!("\"{r}\"")), "{r}");
        }
    }
}
