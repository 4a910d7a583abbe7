//! Lays a gathered plan out: top-level blocks per address family, ranges nested in their
//! parents (subnets in their VNet, everything else in its block), lanes to draw them in, the
//! free space left in every VNet and block, and the conflicts the findings name, placed where
//! the two ranges overlap. Pure arithmetic on integers, so it is unit-tested without a scan.

use std::collections::BTreeMap;

use ipnet::IpNet;
use serde::Serialize;

use super::plan::{ClusterUse, Gathered, Range, RangeKind, UnknownRange, RESERVED};
pub use super::space::{free_blocks, net_at, position};
use crate::cidr;
use crate::diagnostic::Finding;
use crate::source::{SourceMap, Span};

/// Free blocks labelled per parent.
pub const LABELLED_FREE: usize = 3;

/// One variant, laid out.
#[derive(Debug, Serialize)]
pub struct Laid {
    pub name: String,
    pub families: Vec<Family>,
    pub ranges: Vec<Range>,
    pub free: Vec<Free>,
    pub conflicts: Vec<Conflict>,
    /// Verified fixes that replace a range's literal, drawn as dashed outlines.
    pub proposals: Vec<Proposal>,
    pub unknowns: Vec<UnknownRange>,
    pub clusters: Vec<ClusterView>,
}

/// A computed fix's value for a range (`aks-netlint check --fix` would write it).
#[derive(Debug, Serialize, PartialEq)]
pub struct Proposal {
    pub id: String,
    /// The range whose literal the fix replaces.
    pub range: String,
    pub rule: String,
    #[serde(serialize_with = "as_text")]
    pub cidr: IpNet,
    pub description: String,
    /// `safe` or `unsafe` (see `--unsafe-fixes`).
    pub applicability: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Family {
    /// `ipv4` or `ipv6`.
    pub family: &'static str,
    pub blocks: Vec<BlockView>,
}

/// A top-level block and the lanes drawn for it, top to bottom.
#[derive(Debug, Serialize)]
pub struct BlockView {
    pub block: String,
    pub lanes: Vec<Lane>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LaneKind {
    /// The block with its VNets, on-premises and reserved ranges.
    Block,
    /// One VNet address space with its subnets.
    Vnet,
    /// One cluster's pod and service CIDRs, on the block's scale.
    Cluster,
}

/// One row of the picture: `members` drawn on the scale of range `scale`.
#[derive(Debug, Serialize)]
pub struct Lane {
    pub kind: LaneKind,
    pub label: String,
    pub scale: String,
    pub members: Vec<String>,
    /// The lane (its scale's id: a VNet, else the block) a cluster lane is listed under and
    /// collapses with.
    pub group: Option<String>,
}

/// A free CIDR block inside a parent (a VNet or a block).
#[derive(Debug, Serialize, PartialEq)]
pub struct Free {
    pub parent: String,
    #[serde(serialize_with = "as_text")]
    pub cidr: IpNet,
    pub addresses: String,
    /// Among the largest free blocks of its parent.
    pub labelled: bool,
}

/// Two ranges a finding says collide, and where.
#[derive(Debug, Serialize)]
pub struct Conflict {
    pub id: String,
    pub rule: String,
    pub severity: &'static str,
    pub message: String,
    pub location: String,
    pub ranges: [String; 2],
    #[serde(serialize_with = "as_text")]
    pub overlap: IpNet,
}

/// A cluster with the ranges it uses.
#[derive(Debug, Serialize)]
pub struct ClusterView {
    #[serde(flatten)]
    pub cluster: ClusterUse,
    pub ranges: Vec<String>,
    /// Rules of findings on its ranges.
    pub findings: Vec<String>,
}

fn as_text<S: serde::Serializer>(net: &IpNet, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&cidr::canonical(net))
}

const V4_BLOCKS: &[&str] = &[
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "169.254.0.0/16",
    "192.0.2.0/24",
];

/// The top-level block a range sits in: a private or special block, else its /8 (IPv4),
/// fc00::/7 for unique local IPv6, else its /16; a range larger than that is its own block.
pub fn block_of(net: &IpNet) -> IpNet {
    let v4 = cidr::is_v4(net);
    let known: Vec<IpNet> = if v4 {
        V4_BLOCKS.iter().filter_map(|b| cidr::parse(b)).collect()
    } else {
        cidr::parse("fc00::/7").into_iter().collect()
    };
    if let Some(b) = known.into_iter().find(|b| cidr::within(net, b)) {
        return b;
    }
    let prefix = if v4 { 8 } else { 16 };
    if net.prefix_len() <= prefix {
        return net.trunc();
    }
    let (start, _) = cidr::bounds(net);
    let host = if v4 { 32 - prefix } else { 128 - prefix };
    net_at(start >> host << host, prefix, v4).unwrap_or(*net)
}

/// Lays out one variant's gathered plan with the findings of the run.
pub fn lay_out(name: &str, g: Gathered, findings: &[Finding], sources: &SourceMap) -> Laid {
    let reported: Vec<Reported<'_>> = findings.iter().map(Reported::from).collect();
    lay_out_reported(name, g, &reported, sources)
}

/// What the layout reads of a finding: the rule, what it says and where its labels lie.
pub struct Reported<'a> {
    pub rule: &'a str,
    pub severity: &'static str,
    pub message: &'a str,
    pub primary: Span,
    /// The primary span, then every secondary one.
    pub spans: Vec<Span>,
    /// The finding's fix, when it has edits: description, applicability, and each edit's span
    /// with the text it writes.
    pub fix: Option<ReportedFix<'a>>,
}

/// A fix's description, applicability, and each edit's span with the text it writes.
pub type ReportedFix<'a> = (&'a str, &'static str, Vec<(Span, &'a str)>);

impl<'a> From<&'a Finding> for Reported<'a> {
    fn from(f: &'a Finding) -> Reported<'a> {
        Reported {
            rule: f.rule.as_str(),
            severity: f.severity.as_str(),
            message: &f.message,
            primary: f.primary.span,
            spans: std::iter::once(f.primary.span)
                .chain(f.secondary.iter().map(|l| l.span))
                .collect(),
            fix: f.fix.as_ref().filter(|x| !x.edits.is_empty()).map(|x| {
                (
                    x.description.as_str(),
                    x.applicability.as_str(),
                    x.edits
                        .iter()
                        .map(|e| (e.span, e.replacement.as_str()))
                        .collect(),
                )
            }),
        }
    }
}

/// [`lay_out`] on the findings' labels.
pub fn lay_out_reported(
    name: &str,
    g: Gathered,
    findings: &[Reported<'_>],
    sources: &SourceMap,
) -> Laid {
    let mut ranges = dedup(g.ranges);
    add_reserved(&mut ranges);
    // Address order, wider first, so parents come before their children.
    ranges.sort_by(|a, b| {
        (
            !cidr::is_v4(&a.cidr),
            cidr::bounds(&a.cidr).0,
            a.cidr.prefix_len(),
            a.kind,
            &a.name,
        )
            .cmp(&(
                !cidr::is_v4(&b.cidr),
                cidr::bounds(&b.cidr).0,
                b.cidr.prefix_len(),
                b.kind,
                &b.name,
            ))
    });
    let mut blocks: Vec<IpNet> = ranges.iter().map(|r| block_of(&r.cidr)).collect();
    blocks.sort_by_key(|b| (!cidr::is_v4(b), cidr::bounds(b).0, b.prefix_len()));
    blocks.dedup();
    let blocks: Vec<IpNet> = blocks
        .iter()
        .filter(|b| !blocks.iter().any(|o| o != *b && cidr::within(b, o)))
        .copied()
        .collect();
    let mut all: Vec<Range> = blocks
        .iter()
        .map(|b| Range::bare(RangeKind::Block, block_name(b), *b))
        .collect();
    all.extend(ranges);
    for (i, r) in all.iter_mut().enumerate() {
        r.id = format!("r{i}");
    }
    parents(&mut all);
    let conflicts = conflicts(&all, findings, sources);
    let proposals = proposals(&all, findings);
    let free = free_space(&all);
    let families = lanes(&all);
    let clusters = g
        .clusters
        .into_iter()
        .map(|c| {
            let ranges: Vec<String> = all
                .iter()
                .filter(|r| r.clusters.contains(&c.name))
                .map(|r| r.id.clone())
                .collect();
            let mut rules: Vec<String> = conflicts
                .iter()
                .filter(|k| k.ranges.iter().any(|id| ranges.contains(id)))
                .map(|k| k.rule.clone())
                .collect();
            rules.sort();
            rules.dedup();
            ClusterView {
                cluster: c,
                ranges,
                findings: rules,
            }
        })
        .collect();
    let mut unknowns = g.unknowns;
    unknowns.sort();
    unknowns.dedup();
    Laid {
        name: name.to_string(),
        families,
        ranges: all,
        free,
        conflicts,
        proposals,
        unknowns,
        clusters,
    }
}

/// The fixes whose edit writes a CIDR into a range's literal: the value the range would have.
fn proposals(all: &[Range], findings: &[Reported<'_>]) -> Vec<Proposal> {
    let mut out: Vec<Proposal> = Vec::new();
    for f in findings {
        let Some((description, applicability, edits)) = &f.fix else {
            continue;
        };
        for (span, text) in edits {
            let Some(net) = cidr::parse(text) else {
                continue;
            };
            let inside =
                |s: Span| s.file == span.file && s.start <= span.start && span.end <= s.end;
            for r in all.iter().filter(|r| r.span.is_some_and(inside)) {
                if r.cidr == net || out.iter().any(|p| p.range == r.id && p.cidr == net) {
                    continue;
                }
                out.push(Proposal {
                    id: format!("p{}", out.len()),
                    range: r.id.clone(),
                    rule: f.rule.to_string(),
                    cidr: net,
                    description: description.to_string(),
                    applicability,
                });
            }
        }
    }
    out
}

fn block_name(b: &IpNet) -> String {
    let s = cidr::canonical(b);
    let what = match s.as_str() {
        "10.0.0.0/8" | "172.16.0.0/12" | "192.168.0.0/16" => "private (RFC 1918)",
        "100.64.0.0/10" => "shared address space (RFC 6598)",
        "169.254.0.0/16" => "link-local",
        "192.0.2.0/24" => "documentation (TEST-NET-1)",
        "fc00::/7" => "unique local IPv6",
        _ => "public",
    };
    what.to_string()
}

/// The same range declared by two roots (a module called twice, a shared hub) is one range
/// with the clusters of both.
fn dedup(ranges: Vec<Range>) -> Vec<Range> {
    let mut by: BTreeMap<(RangeKind, String, String, Option<String>), Range> = BTreeMap::new();
    for r in ranges {
        let key = (
            r.kind,
            cidr::canonical(&r.cidr),
            r.name.clone(),
            r.source.clone(),
        );
        match by.get_mut(&key) {
            Some(have) => {
                for c in r.clusters {
                    if !have.clusters.contains(&c) {
                        have.clusters.push(c);
                    }
                }
            }
            None => {
                by.insert(key, r);
            }
        }
    }
    by.into_values().collect()
}

/// The reserved ranges that touch the plan: inside a block in use, or overlapping a range.
fn add_reserved(ranges: &mut Vec<Range>) {
    let blocks: Vec<IpNet> = ranges.iter().map(|r| block_of(&r.cidr)).collect();
    for text in RESERVED {
        let Some(net) = cidr::parse(text) else {
            continue;
        };
        let near = blocks
            .iter()
            .any(|b| cidr::within(&net, b) && block_of(&net) == *b)
            || ranges.iter().any(|r| cidr::overlaps(&r.cidr, &net));
        if near {
            ranges.push(Range::bare(
                RangeKind::Reserved,
                "reserved by AKS".to_string(),
                net,
            ));
        }
    }
}

/// A subnet's parent is its VNet's address space that holds it (else any VNet range holding
/// it); every other range's parent is its block.
fn parents(all: &mut [Range]) {
    let snapshot: Vec<(String, RangeKind, IpNet, Option<String>)> = all
        .iter()
        .map(|r| (r.id.clone(), r.kind, r.cidr, r.resource.clone()))
        .collect();
    for r in all.iter_mut() {
        if r.kind == RangeKind::Block {
            continue;
        }
        let in_vnet = |own: bool| {
            snapshot.iter().find(|(_, k, c, res)| {
                *k == RangeKind::Vnet
                    && cidr::within(&r.cidr, c)
                    && (!own || (res.is_some() && *res == r.vnet))
            })
        };
        let vnet = if r.kind == RangeKind::Subnet {
            in_vnet(true).or_else(|| in_vnet(false))
        } else {
            None
        };
        let block = block_of(&r.cidr);
        let parent = vnet.or_else(|| {
            snapshot
                .iter()
                .find(|(_, k, c, _)| *k == RangeKind::Block && cidr::within(&block, c))
        });
        r.parent = parent.map(|p| p.0.clone());
    }
}

/// Free space in every VNet (unused by its subnets) and block (unused by VNets, connected
/// networks, pod and service CIDRs, and the ranges AKS reserves: none of it can be planned),
/// the largest few labelled.
fn free_space(all: &[Range]) -> Vec<Free> {
    let mut out = Vec::new();
    for p in all
        .iter()
        .filter(|r| matches!(r.kind, RangeKind::Block | RangeKind::Vnet))
    {
        let used: Vec<IpNet> = all
            .iter()
            .filter(|r| r.parent.as_deref() == Some(p.id.as_str()))
            .map(|r| r.cidr)
            .collect();
        let mut free = free_blocks(&p.cidr, &used);
        let mut by_size: Vec<IpNet> = free.clone();
        by_size.sort_by_key(|n| (n.prefix_len(), cidr::bounds(n).0));
        by_size.truncate(LABELLED_FREE);
        for net in free.drain(..) {
            out.push(Free {
                parent: p.id.clone(),
                addresses: cidr::size(&net).to_string(),
                labelled: by_size.contains(&net),
                cidr: net,
            });
        }
    }
    out
}

/// Whether `a` contains `b` through the drawing's nesting (a subnet in its VNet is no
/// conflict).
fn nested(all: &[Range], a: &Range, b: &Range) -> bool {
    let mut p = b.parent.as_deref();
    while let Some(id) = p {
        if id == a.id {
            return true;
        }
        p = all
            .iter()
            .find(|r| r.id == id)
            .and_then(|r| r.parent.as_deref());
    }
    false
}

/// The overlaps findings name: each label that lies on a range's value picks it; every pair
/// of picked ranges (or a picked range and a reserved one) that overlaps is a conflict at the
/// smaller of the two, which is their overlap since CIDRs nest or are disjoint.
fn conflicts(all: &[Range], findings: &[Reported<'_>], sources: &SourceMap) -> Vec<Conflict> {
    let mut out: Vec<Conflict> = Vec::new();
    for f in findings {
        let spans = &f.spans;
        let picked: Vec<&Range> = all
            .iter()
            .filter(|r| r.span.is_some_and(|s| spans.contains(&s)))
            .collect();
        let reserved = all.iter().filter(|r| r.kind == RangeKind::Reserved);
        let mut pairs: Vec<(&Range, &Range)> = Vec::new();
        for (i, a) in picked.iter().enumerate() {
            for b in picked.iter().skip(i + 1) {
                pairs.push((a, b));
            }
            if f.rule == "NET001" {
                pairs.extend(reserved.clone().map(|r| (*a, r)));
            }
        }
        for (a, b) in pairs {
            if a.id == b.id
                || a.kind == b.kind && a.cidr == b.cidr
                || !cidr::overlaps(&a.cidr, &b.cidr)
                || nested(all, a, b)
                || nested(all, b, a)
            {
                continue;
            }
            let overlap = if a.cidr.prefix_len() >= b.cidr.prefix_len() {
                a.cidr
            } else {
                b.cidr
            };
            let ids = [a.id.clone(), b.id.clone()];
            if out.iter().any(|c| c.rule == f.rule && c.ranges == ids) {
                continue;
            }
            out.push(Conflict {
                id: format!("c{}", out.len()),
                rule: f.rule.to_string(),
                severity: f.severity,
                message: f.message.to_string(),
                location: sources.location(f.primary),
                ranges: ids,
                overlap,
            });
        }
    }
    out
}

/// Lanes per block: the block row, then each VNet with the clusters whose node subnets are in
/// it, then the clusters not listed under a VNet.
fn lanes(all: &[Range]) -> Vec<Family> {
    let mut fams: Vec<Family> = Vec::new();
    for (fam, v4) in [("ipv4", true), ("ipv6", false)] {
        let mut blocks = Vec::new();
        for b in all
            .iter()
            .filter(|r| r.kind == RangeKind::Block && cidr::is_v4(&r.cidr) == v4)
        {
            let children: Vec<&Range> = all
                .iter()
                .filter(|r| r.parent.as_deref() == Some(b.id.as_str()))
                .collect();
            let mut lanes = vec![Lane {
                kind: LaneKind::Block,
                label: format!("{} {}", cidr::canonical(&b.cidr), b.name),
                scale: b.id.clone(),
                members: children
                    .iter()
                    .filter(|r| {
                        matches!(
                            r.kind,
                            RangeKind::Vnet | RangeKind::OnPrem | RangeKind::Reserved
                        )
                    })
                    .map(|r| r.id.clone())
                    .collect(),
                group: None,
            }];
            let mut cluster_names: Vec<&String> = children
                .iter()
                .filter(|r| matches!(r.kind, RangeKind::Pod | RangeKind::Service))
                .flat_map(|r| r.clusters.iter())
                .collect();
            cluster_names.sort();
            cluster_names.dedup();
            let mut placed: Vec<&String> = Vec::new();
            let cluster_lane = |c: &String, group: Option<String>| Lane {
                kind: LaneKind::Cluster,
                label: c.clone(),
                scale: b.id.clone(),
                members: children
                    .iter()
                    .filter(|r| matches!(r.kind, RangeKind::Pod | RangeKind::Service))
                    .filter(|r| r.clusters.contains(c))
                    .map(|r| r.id.clone())
                    .collect(),
                group,
            };
            for v in children.iter().filter(|r| r.kind == RangeKind::Vnet) {
                lanes.push(Lane {
                    kind: LaneKind::Vnet,
                    label: format!("{} {}", v.name, cidr::canonical(&v.cidr)),
                    scale: v.id.clone(),
                    members: all
                        .iter()
                        .filter(|r| r.parent.as_deref() == Some(v.id.as_str()))
                        .map(|r| r.id.clone())
                        .collect(),
                    group: None,
                });
                for c in cluster_names.iter().filter(|c| v.clusters.contains(c)) {
                    if !placed.contains(c) {
                        placed.push(c);
                        lanes.push(cluster_lane(c, Some(v.id.clone())));
                    }
                }
            }
            // Clusters whose VNet is elsewhere collapse under the block itself.
            for c in cluster_names.iter().filter(|c| !placed.contains(c)) {
                lanes.push(cluster_lane(c, Some(b.id.clone())));
            }
            blocks.push(BlockView {
                block: b.id.clone(),
                lanes,
            });
        }
        if !blocks.is_empty() {
            fams.push(Family {
                family: fam,
                blocks,
            });
        }
    }
    fams
}

#[cfg(test)]
#[path = "layout_tests.rs"]
mod tests;
