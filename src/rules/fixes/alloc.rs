//! The address-plan allocator: the lowest free, aligned block of a given size inside a list of
//! parent ranges, avoiding every range in use. Deterministic (parents in the order given, lowest
//! address first) and linear in the ranges to avoid per block it skips.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::cidr;

/// Address family width and a range as integers, so IPv4 and IPv6 share one search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Range {
    bits: u8,
    start: u128,
    /// Inclusive.
    end: u128,
}

fn range(net: &IpNet) -> Range {
    let (start, end) = cidr::bounds(net);
    Range {
        bits: if cidr::is_v4(net) { 32 } else { 128 },
        start,
        end,
    }
}

fn block(bits: u8, start: u128, len: u8) -> Option<IpNet> {
    if bits == 32 {
        let addr = Ipv4Addr::from(u32::try_from(start).ok()?);
        Ipv4Net::new(addr, len).ok().map(IpNet::V4)
    } else {
        Ipv6Net::new(Ipv6Addr::from(start), len).ok().map(IpNet::V6)
    }
}

/// Size of a block of prefix length `len` in a family of `bits` bits, minus one (so a /0 of
/// IPv6 does not overflow).
fn span_of(bits: u8, len: u8) -> Option<u128> {
    let host = u32::from(bits.checked_sub(len)?);
    Some(if host >= 128 {
        u128::MAX
    } else {
        (1u128 << host) - 1
    })
}

/// The lowest block of prefix length `len`, aligned, inside one of `parents` (tried in order),
/// that overlaps nothing in `avoid`. `None` when no such block exists.
pub fn lowest_free(parents: &[IpNet], len: u8, avoid: &[IpNet]) -> Option<IpNet> {
    for parent in parents {
        let p = range(parent);
        if len < parent.prefix_len() || len > p.bits {
            continue;
        }
        let size = span_of(p.bits, len)?;
        let mut taken: Vec<Range> = avoid
            .iter()
            .map(range)
            .filter(|a| a.bits == p.bits && a.start <= p.end && a.end >= p.start)
            .collect();
        taken.sort_by_key(|a| a.start);
        let mut at = p.start;
        loop {
            let end = at.checked_add(size)?;
            if end > p.end {
                break;
            }
            // The first taken range that overlaps [at, end]: jump past it, to the next aligned
            // block. Ranges are sorted by start, so one pass over them suffices per jump.
            match taken.iter().find(|a| a.start <= end && a.end >= at) {
                None => return block(p.bits, at, len),
                Some(a) => {
                    let Some(next) = a.end.checked_add(1) else {
                        break;
                    };
                    // Round up to the block size.
                    let rem = next & size;
                    at = if rem == 0 {
                        next
                    } else {
                        match (next | size).checked_add(1) {
                            Some(n) => n,
                            None => break,
                        }
                    };
                }
            }
        }
    }
    None
}

/// The aligned block of prefix length `len` that contains `net` (its supernet, or `net`
/// itself narrowed when `len` is longer).
pub fn aligned_containing(net: &IpNet, len: u8) -> Option<IpNet> {
    IpNet::new(net.network(), len).ok().map(|n| n.trunc())
}

/// The private IPv4 ranges pod and service CIDRs are drawn from, in the order they are tried.
pub fn private_v4() -> Vec<IpNet> {
    [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
    ]
    .iter()
    .filter_map(|s| s.parse().ok())
    .collect()
}

/// Ranges AKS reserves (NET001).
pub fn reserved_v4() -> Vec<IpNet> {
    [
        "169.254.0.0/16",
        "172.30.0.0/16",
        "172.31.0.0/16",
        "192.0.2.0/24",
    ]
    .iter()
    .filter_map(|s| s.parse().ok())
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cidr::overlaps;
    use proptest::prelude::*;

    fn n(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn first_block_when_nothing_is_taken() {
        assert_eq!(
            lowest_free(&[n("10.0.0.0/8")], 16, &[]),
            Some(n("10.0.0.0/16"))
        );
    }

    #[test]
    fn skips_what_is_taken_and_stays_aligned() {
        let avoid = [n("10.0.0.0/16"), n("10.1.0.0/24"), n("10.3.5.0/24")];
        assert_eq!(
            lowest_free(&[n("10.0.0.0/8")], 16, &avoid),
            Some(n("10.2.0.0/16"))
        );
        assert_eq!(
            lowest_free(&[n("10.0.0.0/8")], 24, &avoid),
            Some(n("10.1.1.0/24"))
        );
        // A /16 that covers the whole first /8 pushes to the next parent.
        let all = [n("10.0.0.0/8")];
        assert_eq!(
            lowest_free(&private_v4(), 16, &all),
            Some(n("172.16.0.0/16"))
        );
    }

    #[test]
    fn a_block_larger_than_the_parent_does_not_fit() {
        assert_eq!(lowest_free(&[n("192.168.0.0/16")], 12, &[]), None);
        assert_eq!(
            lowest_free(&[n("10.0.0.0/24")], 24, &[n("10.0.0.128/25")]),
            None
        );
    }

    #[test]
    fn slash_32_and_ipv6() {
        let avoid = [n("10.0.0.0/32"), n("10.0.0.1/32")];
        assert_eq!(
            lowest_free(&[n("10.0.0.0/30")], 32, &avoid),
            Some(n("10.0.0.2/32"))
        );
        assert_eq!(
            lowest_free(&[n("fd00::/48")], 64, &[n("fd00::/64")]),
            Some(n("fd00:0:0:1::/64"))
        );
        assert_eq!(
            lowest_free(&[n("::/0")], 108, &[n("::/1")]),
            Some(n("8000::/108"))
        );
        // Families never mix.
        assert_eq!(
            lowest_free(&[n("10.0.0.0/8")], 16, &[n("::/0")]),
            Some(n("10.0.0.0/16"))
        );
    }

    #[test]
    fn aligned_supernet_of_a_subnet() {
        assert_eq!(
            aligned_containing(&n("10.0.1.0/24"), 22),
            Some(n("10.0.0.0/22"))
        );
        assert_eq!(
            aligned_containing(&n("10.0.4.0/24"), 22),
            Some(n("10.0.4.0/22"))
        );
    }

    fn v4_net() -> impl Strategy<Value = IpNet> {
        (any::<u32>(), 8u8..=30)
            .prop_map(|(a, l)| IpNet::V4(Ipv4Net::new(Ipv4Addr::from(a), l).unwrap().trunc()))
    }

    proptest! {
        /// What it returns is of the size asked, aligned, inside a parent, and free; and it is
        /// the same on every call.
        #[test]
        fn returned_block_is_free_aligned_and_inside(
            avoid in prop::collection::vec(v4_net(), 0..12),
            len in 12u8..=28,
        ) {
            let parents = private_v4();
            let got = lowest_free(&parents, len, &avoid);
            prop_assert_eq!(got, lowest_free(&parents, len, &avoid));
            if let Some(b) = got {
                prop_assert_eq!(b.prefix_len(), len);
                prop_assert_eq!(b.trunc(), b);
                prop_assert!(parents.iter().any(|p| p.contains(&b)));
                prop_assert!(avoid.iter().all(|a| !overlaps(a, &b)));
            }
        }

        /// When some free block exists (found by brute force over a small parent), the
        /// allocator finds the lowest one.
        #[test]
        fn finds_a_free_block_when_one_exists(
            taken in prop::collection::vec(0u32..64, 0..40),
            len in 26u8..=30,
        ) {
            let parent = n("10.9.0.0/24");
            let avoid: Vec<IpNet> = taken
                .iter()
                .map(|t| IpNet::V4(Ipv4Net::new(Ipv4Addr::from(0x0a09_0000 + t * 4), 30).unwrap()))
                .collect();
            let size = 1u32 << (32 - len);
            let brute = (0..256 / size)
                .map(|i| IpNet::V4(Ipv4Net::new(Ipv4Addr::from(0x0a09_0000 + i * size), len).unwrap()))
                .find(|b| avoid.iter().all(|a| !overlaps(a, b)));
            prop_assert_eq!(lowest_free(&[parent], len, &avoid), brute);
        }
    }
}
