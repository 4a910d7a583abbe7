//! CIDR operators: prefix lengths, overlap with constants or other paths, containment, and
//! where an IP falls in a network.

use ipnet::IpNet;

use super::{unknown, Probe};
use crate::cidr;
use crate::model::node::json_unknown;
use crate::rules::outcome::Outcome;
use crate::rules::path::Path;

pub enum Op {
    PrefixAtMost(u8),
    PrefixGreaterThan(u8),
    PrefixLessThan(u8),
    /// Constants with their text as the rule wrote them.
    Overlaps(Vec<(IpNet, String)>),
    OverlapsPath(Vec<Path>),
    NotWithin(Vec<IpNet>),
    NotWithinPath(Vec<Path>),
    IpOutsidePath(Path),
    IpOffsetIn(Path, Vec<u64>),
}

impl Op {
    pub fn test(&self, p: &Probe<'_>, out: &mut Outcome) -> bool {
        let net = || p.value.as_str().and_then(cidr::parse);
        match self {
            Op::PrefixAtMost(x) => net().is_some_and(|n| n.prefix_len() <= *x),
            Op::PrefixGreaterThan(x) => net().is_some_and(|n| n.prefix_len() > *x),
            Op::PrefixLessThan(x) => net().is_some_and(|n| n.prefix_len() < *x),
            Op::Overlaps(consts) => {
                if let Some(n) = net() {
                    for (c, src) in consts {
                        if cidr::overlaps(&n, c) {
                            out.hits.push(p.hit(Some((None, src.clone()))));
                        }
                    }
                }
                false
            }
            Op::OverlapsPath(others) => {
                if let Some(n) = net() {
                    overlaps_path(p, n, others, out);
                }
                false
            }
            Op::NotWithin(consts) => {
                net().is_some_and(|n| !consts.iter().any(|c| cidr::within(&n, c)))
            }
            Op::NotWithinPath(others) => {
                let mut outers = Vec::new();
                for op in others {
                    for (opath, ov) in op.select_or_unknown(p.doc) {
                        if let Some(reason) = json_unknown(ov) {
                            unknown(out, opath, reason);
                            return false;
                        }
                        if let Some(o) = ov.as_str().and_then(cidr::parse) {
                            outers.push(o);
                        }
                    }
                }
                !outers.is_empty()
                    && net().is_some_and(|n| !outers.iter().any(|o| cidr::within(&n, o)))
            }
            Op::IpOutsidePath(path) => {
                ip_in(p, path, out, |off, n, ip| {
                    off.is_none() && cidr::is_v4(n) == ip.is_ipv4()
                });
                false
            }
            Op::IpOffsetIn(path, offs) => {
                ip_in(p, path, out, |off, _, _| {
                    off.is_some_and(|o| offs.iter().any(|x| u128::from(*x) == o))
                });
                false
            }
        }
    }
}

/// One finding per value: a subnet inside an overlapping VNet adds nothing.
fn overlaps_path(p: &Probe<'_>, n: IpNet, others: &[Path], out: &mut Outcome) {
    for op in others {
        for (opath, ov) in op.select_or_unknown(p.doc) {
            if opath == p.path {
                continue;
            }
            if let Some(reason) = json_unknown(ov) {
                unknown(out, opath, reason);
                continue;
            }
            if let Some(o) = ov.as_str().and_then(cidr::parse) {
                if cidr::overlaps(&n, &o) {
                    out.hits.push(p.hit_with(opath, ov));
                    return;
                }
            }
        }
    }
}

/// Hits on each network at `path` where `fire(offset of the IP in it, network, IP)` holds.
fn ip_in(
    p: &Probe<'_>,
    path: &Path,
    out: &mut Outcome,
    fire: impl Fn(Option<u128>, &IpNet, std::net::IpAddr) -> bool,
) {
    let ip = p.value.as_str().and_then(cidr::parse_ip);
    for (opath, ov) in path.select_or_unknown(p.doc) {
        if let Some(reason) = json_unknown(ov) {
            unknown(out, opath, reason);
            continue;
        }
        let (Some(ip), Some(n)) = (ip, ov.as_str().and_then(cidr::parse)) else {
            continue;
        };
        if fire(cidr::offset_in(&n, ip), &n, ip) {
            out.hits.push(p.hit_with(opath, ov));
        }
    }
}
