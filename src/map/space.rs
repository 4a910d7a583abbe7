//! The arithmetic of the drawing on integers: where a range sits on its parent's scale, and the
//! free space a parent has left as maximal aligned CIDR blocks. IPv4 and IPv6 share it (u128).

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::cidr;

/// The network `start/prefix` of a family.
pub fn net_at(start: u128, prefix: u8, v4: bool) -> Option<IpNet> {
    if v4 {
        let a = u32::try_from(start).ok()?;
        Ipv4Net::new(Ipv4Addr::from(a), prefix).ok().map(IpNet::V4)
    } else {
        Ipv6Net::new(Ipv6Addr::from(start), prefix)
            .ok()
            .map(IpNet::V6)
    }
}

/// Free CIDR blocks of `parent` not covered by `used`, each maximal and aligned, in address
/// order.
pub fn free_blocks(parent: &IpNet, used: &[IpNet]) -> Vec<IpNet> {
    let v4 = cidr::is_v4(parent);
    let (p0, p1) = cidr::bounds(parent);
    let mut spans: Vec<(u128, u128)> = used
        .iter()
        .filter(|u| cidr::overlaps(u, parent))
        .map(|u| {
            let (a, b) = cidr::bounds(u);
            (a.max(p0), b.min(p1))
        })
        .collect();
    spans.sort_unstable();
    let mut out = Vec::new();
    let mut next = Some(p0);
    for (a, b) in spans {
        if let Some(n) = next {
            if a > n {
                aligned(n, a - 1, v4, &mut out);
            }
            if b >= n {
                next = b.checked_add(1).filter(|x| *x <= p1);
            }
        }
    }
    if let Some(n) = next {
        aligned(n, p1, v4, &mut out);
    }
    out
}

/// The largest aligned blocks covering `[a, b]` exactly.
fn aligned(mut a: u128, b: u128, v4: bool, out: &mut Vec<IpNet>) {
    let bits: u32 = if v4 { 32 } else { 128 };
    while a <= b {
        // Largest power of two that `a` is aligned to and that fits before `b`.
        let mut host = a.trailing_zeros().min(bits);
        while host > 0 {
            let last = 1u128
                .checked_shl(host)
                .map_or(u128::MAX, |s| s - 1)
                .saturating_add(a);
            if last <= b && last >= a {
                break;
            }
            host -= 1;
        }
        let prefix = u8::try_from(bits - host).unwrap_or(0);
        let Some(net) = net_at(a, prefix, v4) else {
            return;
        };
        out.push(net);
        match 1u128.checked_shl(host).and_then(|s| a.checked_add(s)) {
            Some(n) => a = n,
            None => return,
        }
    }
}

/// Position of `inner` on the scale of `outer`: (offset, width) as fractions, clipped.
pub fn position(inner: &IpNet, outer: &IpNet) -> (f64, f64) {
    let (o0, o1) = cidr::bounds(outer);
    let (i0, i1) = cidr::bounds(inner);
    let span = (o1 - o0) as f64 + 1.0;
    let a = i0.clamp(o0, o1);
    let b = i1.clamp(o0, o1);
    let x = (a - o0) as f64 / span;
    let w = ((b - a) as f64 + 1.0) / span;
    (x, w)
}
