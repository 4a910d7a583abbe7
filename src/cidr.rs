//! CIDR arithmetic shared by the evaluator (`cidrsubnet()` and friends) and the rule predicates
//! (overlap, containment, prefix length). Parsing and representation come from `ipnet`; the few
//! operations Terraform defines on top of it are done here in u128 so IPv4 and IPv6 share code.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// Why a Terraform CIDR function has no result; the evaluator turns it into an error value
/// prefixed with the function's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    #[error("newbits must be non-negative")]
    NegativeNewbits,
    #[error("netnum must be non-negative")]
    NegativeNetnum,
    #[error("insufficient address space to extend prefix of {prefix_len} by {newbits}")]
    NoRoom { prefix_len: u8, newbits: u32 },
    #[error("prefix extension of {newbits} does not accommodate a subnet numbered {netnum}")]
    NetnumTooLarge { newbits: u32, netnum: u128 },
    #[error("host number {0} is out of range")]
    HostOutOfRange(i64),
    #[error("host number {hostnum} does not fit in {base}")]
    HostDoesNotFit { hostnum: i64, base: IpNet },
    #[error("only IPv4 networks have a netmask")]
    NoNetmask,
    #[error("address out of range")]
    AddressOutOfRange,
    #[error("prefix out of range")]
    PrefixOutOfRange,
    #[error("invalid result")]
    InvalidResult,
}

/// Parses `a.b.c.d/p` or an IPv6 CIDR; host bits may be set (they are ignored for comparisons).
pub fn parse(s: &str) -> Option<IpNet> {
    s.trim().parse::<IpNet>().ok()
}

pub fn parse_ip(s: &str) -> Option<IpAddr> {
    s.trim().parse::<IpAddr>().ok()
}

/// Whether a network is IPv4 (ipnet has no such method on `IpNet`).
pub fn is_v4(net: &IpNet) -> bool {
    matches!(net, IpNet::V4(_))
}

fn bits(net: &IpNet) -> u32 {
    match net {
        IpNet::V4(_) => 32,
        IpNet::V6(_) => 128,
    }
}

fn to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v) => u128::from(u32::from(v)),
        IpAddr::V6(v) => u128::from(v),
    }
}

fn from_u128(v: u128, v4: bool) -> Option<IpAddr> {
    if v4 {
        u32::try_from(v).ok().map(|x| IpAddr::V4(Ipv4Addr::from(x)))
    } else {
        Some(IpAddr::V6(Ipv6Addr::from(v)))
    }
}

fn make(ip: IpAddr, prefix: u8) -> Option<IpNet> {
    match ip {
        IpAddr::V4(a) => Ipv4Net::new(a, prefix).ok().map(IpNet::V4),
        IpAddr::V6(a) => Ipv6Net::new(a, prefix).ok().map(IpNet::V6),
    }
}

/// First and last address as integers.
pub fn bounds(net: &IpNet) -> (u128, u128) {
    let n = net.trunc();
    (to_u128(n.network()), to_u128(n.broadcast()))
}

pub fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    if is_v4(a) != is_v4(b) {
        return false;
    }
    let (a0, a1) = bounds(a);
    let (b0, b1) = bounds(b);
    a0 <= b1 && b0 <= a1
}

/// Whether `inner` lies completely inside `outer`.
pub fn within(inner: &IpNet, outer: &IpNet) -> bool {
    if is_v4(inner) != is_v4(outer) {
        return false;
    }
    let (i0, i1) = bounds(inner);
    let (o0, o1) = bounds(outer);
    o0 <= i0 && i1 <= o1
}

/// Offset of `ip` from the network address of `net`, if inside it.
pub fn offset_in(net: &IpNet, ip: IpAddr) -> Option<u128> {
    if is_v4(net) != ip.is_ipv4() {
        return None;
    }
    let (lo, hi) = bounds(net);
    let v = to_u128(ip);
    (lo..=hi).contains(&v).then(|| v - lo)
}

/// Number of addresses in the network (saturating for huge IPv6 ranges).
pub fn size(net: &IpNet) -> u128 {
    let host_bits = bits(net) - u32::from(net.prefix_len());
    1u128.checked_shl(host_bits).unwrap_or(u128::MAX)
}

/// Usable addresses of an Azure subnet: Azure reserves 5 in every subnet.
pub fn azure_usable(net: &IpNet) -> u128 {
    size(net).saturating_sub(5)
}

/// Terraform's `cidrsubnet(prefix, newbits, netnum)`.
pub fn cidrsubnet(base: &IpNet, newbits: i64, netnum: i64) -> Result<IpNet, CidrError> {
    let total = bits(base);
    let newbits = u32::try_from(newbits).map_err(|_| CidrError::NegativeNewbits)?;
    let new_prefix = u32::from(base.prefix_len()) + newbits;
    if new_prefix > total {
        return Err(CidrError::NoRoom {
            prefix_len: base.prefix_len(),
            newbits,
        });
    }
    let netnum = u128::try_from(netnum).map_err(|_| CidrError::NegativeNetnum)?;
    if newbits < 128 && netnum >= (1u128 << newbits) {
        return Err(CidrError::NetnumTooLarge { newbits, netnum });
    }
    let (lo, _) = bounds(base);
    let shift = total - new_prefix;
    let addr = lo | netnum.checked_shl(shift).unwrap_or(0);
    let ip = from_u128(addr, is_v4(base)).ok_or(CidrError::AddressOutOfRange)?;
    let prefix = u8::try_from(new_prefix).map_err(|_| CidrError::PrefixOutOfRange)?;
    make(ip, prefix).ok_or(CidrError::InvalidResult)
}

/// Terraform's `cidrhost(prefix, hostnum)`; negative numbers count from the end.
pub fn cidrhost(base: &IpNet, hostnum: i64) -> Result<IpAddr, CidrError> {
    let (lo, hi) = bounds(base);
    let count = hi - lo + 1;
    let off: u128 = if hostnum >= 0 {
        u128::try_from(hostnum).unwrap_or(0)
    } else {
        let back = u128::try_from(-(hostnum as i128)).unwrap_or(u128::MAX);
        count
            .checked_sub(back)
            .ok_or(CidrError::HostOutOfRange(hostnum))?
    };
    if off >= count {
        return Err(CidrError::HostDoesNotFit {
            hostnum,
            base: *base,
        });
    }
    from_u128(lo + off, is_v4(base)).ok_or(CidrError::AddressOutOfRange)
}

/// Terraform's `cidrnetmask(prefix)` (IPv4 only).
pub fn netmask(base: &IpNet) -> Result<String, CidrError> {
    match base {
        IpNet::V4(n) => Ok(n.netmask().to_string()),
        IpNet::V6(_) => Err(CidrError::NoNetmask),
    }
}

/// Canonical text of a network (host bits cleared).
pub fn canonical(net: &IpNet) -> String {
    net.trunc().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> IpNet {
        parse(s).unwrap_or_else(|| IpNet::V4(Ipv4Net::default()))
    }

    #[test]
    fn cidrsubnet_matches_terraform_examples() {
        assert_eq!(
            cidrsubnet(&p("172.16.0.0/12"), 4, 2).map(|n| n.to_string()),
            Ok("172.18.0.0/16".into())
        );
        assert_eq!(
            cidrsubnet(&p("10.1.2.0/24"), 4, 15).map(|n| n.to_string()),
            Ok("10.1.2.240/28".into())
        );
        assert_eq!(
            cidrsubnet(&p("fd00:fd12:3456:7890::/56"), 16, 162).map(|n| n.to_string()),
            Ok("fd00:fd12:3456:7800:a200::/72".into())
        );
        assert!(cidrsubnet(&p("10.0.0.0/30"), 4, 0).is_err());
        assert!(cidrsubnet(&p("10.0.0.0/16"), 2, 4).is_err());
    }

    #[test]
    fn cidrhost_counts_from_both_ends() {
        assert_eq!(
            cidrhost(&p("10.12.112.0/20"), 16).map(|i| i.to_string()),
            Ok("10.12.112.16".into())
        );
        assert_eq!(
            cidrhost(&p("10.12.112.0/20"), 268).map(|i| i.to_string()),
            Ok("10.12.113.12".into())
        );
        assert_eq!(
            cidrhost(&p("10.0.0.0/24"), -1).map(|i| i.to_string()),
            Ok("10.0.0.255".into())
        );
        assert!(cidrhost(&p("10.0.0.0/24"), 256).is_err());
    }

    #[test]
    fn overlap_and_containment() {
        assert!(overlaps(&p("172.16.0.0/12"), &p("172.31.0.0/16")));
        assert!(!overlaps(&p("10.0.0.0/16"), &p("10.1.0.0/16")));
        assert!(!overlaps(&p("10.0.0.0/8"), &p("fd00::/8")));
        assert!(within(&p("10.0.1.0/24"), &p("10.0.0.0/16")));
        assert!(!within(&p("10.0.0.0/15"), &p("10.0.0.0/16")));
        assert_eq!(azure_usable(&p("10.0.0.0/24")), 251);
        assert_eq!(
            offset_in(
                &p("10.0.0.0/16"),
                "10.0.0.10"
                    .parse()
                    .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
            ),
            Some(10)
        );
    }

    #[test]
    fn netmask_v4_only() {
        assert_eq!(netmask(&p("172.16.0.0/12")), Ok("255.240.0.0".into()));
        assert!(netmask(&p("fd00::/8")).is_err());
    }
}
