//! Network security group evaluation: does an NSG on a node subnet deny traffic the cluster
//! needs (node to node, node to pod, pod to pod; AKS overlay docs)?
//!
//! Each rule is a union of boxes over (source, destination, source port, destination port,
//! protocol). Rules are applied in priority order, the Azure default rules last, to the set of
//! packets of a flow that no earlier rule decided. A deny that takes some of those packets denies
//! the flow. Unknown fields are three-valued: a rule that only *might* allow is subtracted from
//! the "certainly undecided" set alone, so a later deny fires only on packets nothing could have
//! allowed, and is "unknown" otherwise.

use crate::model::Undecided;
use ipnet::IpNet;

use super::defaults::{self, Tag};
use super::Flow;
use crate::cidr;
use crate::model::{Node, NsgRule, V};

/// What an NSG does to one flow; `Unknown` says why it cannot be decided.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    Allowed,
    /// Denied by the rule at this index of the NSG's rules.
    Denied(usize),
    Unknown(String),
}

type Range = (u128, u128);

/// Protocols as bits; `*` is all of them (including ones NSGs cannot name).
const TCP: u8 = 1;
const UDP: u8 = 2;
const ICMP: u8 = 4;
const ESP: u8 = 8;
const AH: u8 = 16;
const ALL_PROTOCOLS: u8 = 63;
const ALL_PORTS: Range = (0, 65535);

/// Packets of a flow (or of a rule): a product of ranges and a protocol set.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Cube {
    src: Range,
    dst: Range,
    sport: Range,
    dport: Range,
    proto: u8,
}

fn meet(a: Range, b: Range) -> Option<Range> {
    let r = (a.0.max(b.0), a.1.min(b.1));
    (r.0 <= r.1).then_some(r)
}

impl Cube {
    fn intersect(&self, o: &Cube) -> Option<Cube> {
        let proto = self.proto & o.proto;
        (proto != 0).then_some(())?;
        Some(Cube {
            src: meet(self.src, o.src)?,
            dst: meet(self.dst, o.dst)?,
            sport: meet(self.sport, o.sport)?,
            dport: meet(self.dport, o.dport)?,
            proto,
        })
    }

    /// `self` minus `o` as disjoint cubes.
    fn subtract(&self, o: &Cube, out: &mut Vec<Cube>) {
        let Some(cut) = self.intersect(o) else {
            out.push(*self);
            return;
        };
        let mut rest = *self;
        // Peel off what lies outside `cut` one dimension at a time.
        type Dim = fn(&mut Cube) -> &mut Range;
        let dims: [Dim; 4] = [
            |c| &mut c.src,
            |c| &mut c.dst,
            |c| &mut c.sport,
            |c| &mut c.dport,
        ];
        let cut_ranges = [cut.src, cut.dst, cut.sport, cut.dport];
        for (dim, keep) in dims.iter().zip(cut_ranges) {
            let have = *dim(&mut rest);
            if have.0 < keep.0 {
                let mut below = rest;
                *dim(&mut below) = (have.0, keep.0 - 1);
                out.push(below);
            }
            if keep.1 < have.1 {
                let mut above = rest;
                *dim(&mut above) = (keep.1 + 1, have.1);
                out.push(above);
            }
            *dim(&mut rest) = keep;
        }
        let other = rest.proto & !cut.proto;
        if other != 0 {
            out.push(Cube {
                proto: other,
                ..rest
            });
        }
    }
}

/// A set of packets as disjoint cubes, bounded so a pathological NSG cannot blow up.
#[derive(Clone, Debug, Default)]
struct Set(Vec<Cube>);

const MAX_CUBES: usize = 20_000;
/// Cube operations one flow may take (a few milliseconds), and cubes one rule may expand to.
const MAX_WORK: usize = 4_000_000;
const MAX_RULE_CUBES: usize = 512;

impl Set {
    fn minus(&mut self, rule: &[Cube]) -> Result<(), Undecided> {
        for r in rule {
            let mut next = Vec::with_capacity(self.0.len());
            for c in &self.0 {
                c.subtract(r, &mut next);
            }
            if next.len() > MAX_CUBES {
                return Err("the NSG's rules are too fragmented to evaluate".into());
            }
            self.0 = next;
        }
        Ok(())
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Remote administration ports (22 SSH, 3389 RDP, on any protocol, as such rules are usually
/// written): denying them is node hardening that no cluster traffic needs, so a deny that takes
/// nothing else does not count.
fn admin() -> [Cube; 2] {
    let port = |p: u128| Cube {
        src: (0, u128::MAX),
        dst: (0, u128::MAX),
        sport: ALL_PORTS,
        dport: (p, p),
        proto: ALL_PROTOCOLS,
    };
    [port(22), port(3389)]
}

/// Whether a deny takes packets of `set` other than remote administration.
fn denies_beyond_admin(set: &Set, deny: &[Cube]) -> bool {
    let mut hit = Set(set
        .0
        .iter()
        .flat_map(|c| deny.iter().filter_map(move |d| c.intersect(d)))
        .collect());
    // Too fragmented to tell: count it, the deny certainly takes the traffic.
    hit.minus(&admin()).map_or(true, |()| !hit.is_empty())
}

/// What a field allows: exact ranges, or unknown with an over-approximation.
enum Part<T> {
    Exact(T),
    Unsure(T, String),
}

impl<T> Part<T> {
    fn split(self) -> (T, Option<String>) {
        match self {
            Part::Exact(t) => (t, None),
            Part::Unsure(t, why) => (t, Some(why)),
        }
    }
}

fn full(v4: bool) -> Range {
    if v4 {
        (0, u128::from(u32::MAX))
    } else {
        (0, u128::MAX)
    }
}

/// The address ranges a prefix list covers, for a flow side within `side`.
fn addresses(list: Option<&Node>, asgs: Option<&Node>, side: &IpNet) -> Part<Vec<Range>> {
    let v4 = cidr::is_v4(side);
    let everything = vec![full(v4)];
    if asgs.is_some() {
        return Part::Unsure(
            everything,
            "an application security group's members are not known statically".into(),
        );
    }
    let Some(list) = list else {
        return Part::Unsure(everything, "a rule's address prefix is not set".into());
    };
    let items = match &list.v {
        V::List(items) => items.as_slice(),
        V::Unknown(why) => return Part::Unsure(everything, why.clone()),
        _ => std::slice::from_ref(list),
    };
    let mut out = Vec::new();
    for item in items {
        let Some(text) = item.as_str().map(str::trim) else {
            let why = match &item.v {
                V::Unknown(r) => r.clone(),
                _ => "an address prefix is not a string".into(),
            };
            return Part::Unsure(everything, why);
        };
        let lower = text.to_ascii_lowercase();
        match defaults::named_tag(&lower) {
            Some(Tag::Everything) => out.push(full(v4)),
            Some(Tag::Prefixes(prefixes)) => {
                for n in prefixes.iter().filter_map(|p| cidr::parse(p)) {
                    if cidr::is_v4(&n) == v4 {
                        out.push(cidr::bounds(&n));
                    }
                }
            }
            None => match cidr::parse(text).or_else(|| cidr::parse_ip(text).map(IpNet::from)) {
                Some(n) if cidr::is_v4(&n) == v4 => out.push(cidr::bounds(&n)),
                Some(_) => {}
                // A service tag: public Azure ranges, which private flows never use.
                None if defaults::service_tag_misses(side) => {}
                None => {
                    return Part::Unsure(everything, format!("service tag {text} may cover {side}"))
                }
            },
        }
    }
    Part::Exact(out)
}

fn ports(list: Option<&Node>) -> Part<Vec<Range>> {
    let all = vec![ALL_PORTS];
    let Some(list) = list else {
        return Part::Unsure(all, "a rule's port range is not set".into());
    };
    let items = match &list.v {
        V::List(items) => items.as_slice(),
        V::Unknown(why) => return Part::Unsure(all, why.clone()),
        _ => std::slice::from_ref(list),
    };
    let mut out = Vec::new();
    for item in items {
        let text = match &item.v {
            V::Str(s) => s.trim().to_string(),
            V::Num(n) => n.to_string(),
            V::Unknown(why) => return Part::Unsure(all, why.clone()),
            _ => return Part::Unsure(all, "a port range is not a string".into()),
        };
        if text == "*" {
            out.push(ALL_PORTS);
            continue;
        }
        let (lo, hi) = text.split_once('-').unwrap_or((&text, &text));
        match (lo.trim().parse::<u128>(), hi.trim().parse::<u128>()) {
            (Ok(a), Ok(b)) if a <= b && b <= 65535 => out.push((a, b)),
            _ => return Part::Unsure(all, format!("port range `{text}` is not understood")),
        }
    }
    Part::Exact(out)
}

fn protocol(n: Option<&Node>) -> Part<u8> {
    let Some(text) = n.and_then(Node::as_str) else {
        let why = match n.map(|x| &x.v) {
            Some(V::Unknown(r)) => r.clone(),
            _ => "a rule's protocol is not set".into(),
        };
        return Part::Unsure(ALL_PROTOCOLS, why);
    };
    match text.trim().to_ascii_lowercase().as_str() {
        "*" | "any" => Part::Exact(ALL_PROTOCOLS),
        "tcp" => Part::Exact(TCP),
        "udp" => Part::Exact(UDP),
        "icmp" => Part::Exact(ICMP),
        "esp" => Part::Exact(ESP),
        "ah" => Part::Exact(AH),
        other => Part::Unsure(
            ALL_PROTOCOLS,
            format!("protocol `{other}` is not understood"),
        ),
    }
}

/// Whether a text field is known to equal `want`: `Some(true/false)`, `None` when unknown.
fn is(n: Option<&Node>, want: &str) -> Option<bool> {
    n.and_then(Node::as_str)
        .map(|s| s.trim().eq_ignore_ascii_case(want))
}

/// A rule as it applies to one flow.
struct Applied {
    index: Option<usize>,
    /// `None`: the priority is unknown, so the rule may come first.
    priority: Option<f64>,
    allow: Option<bool>,
    cubes: Vec<Cube>,
    /// Why the rule's reach is only an over-approximation.
    unsure: Option<String>,
}

fn apply(index: Option<usize>, r: &NsgRule, flow: &Flow) -> Option<Applied> {
    let mut unsure = r.maybe_elsewhere.clone();
    match is(r.direction.as_ref(), flow.direction.as_str()) {
        Some(false) => return None,
        Some(true) => {}
        None => {
            unsure.get_or_insert_with(|| "a rule's direction is unknown".to_string());
        }
    }
    let (src, a) = addresses(r.sources.as_ref(), r.source_asgs.as_ref(), &flow.src).split();
    let (dst, b) = addresses(
        r.destinations.as_ref(),
        r.destination_asgs.as_ref(),
        &flow.dst,
    )
    .split();
    let (sport, c) = ports(r.source_ports.as_ref()).split();
    let (dport, d) = ports(r.destination_ports.as_ref()).split();
    let (proto, e) = protocol(r.protocol.as_ref()).split();
    unsure = unsure.or(a).or(b).or(c).or(d).or(e);
    let mut cubes = Vec::new();
    if src.len() * dst.len() * sport.len() * dport.len() > MAX_RULE_CUBES {
        // Too many combinations: reach everything, and say the reach is not exact.
        let v4 = cidr::is_v4(&flow.src);
        cubes.push(Cube {
            src: full(v4),
            dst: full(v4),
            sport: ALL_PORTS,
            dport: ALL_PORTS,
            proto,
        });
        unsure.get_or_insert_with(|| "a rule has too many prefixes and ports to evaluate".into());
        return finish(index, r, cubes, unsure);
    }
    for &s in &src {
        for &t in &dst {
            for &sp in &sport {
                for &dp in &dport {
                    cubes.push(Cube {
                        src: s,
                        dst: t,
                        sport: sp,
                        dport: dp,
                        proto,
                    });
                }
            }
        }
    }
    finish(index, r, cubes, unsure)
}

fn finish(
    index: Option<usize>,
    r: &NsgRule,
    cubes: Vec<Cube>,
    mut unsure: Option<String>,
) -> Option<Applied> {
    let priority = r.priority.as_ref().and_then(Node::as_num);
    if priority.is_none() {
        unsure.get_or_insert_with(|| "a rule's priority is unknown".into());
    }
    let allow = match (
        is(r.access.as_ref(), "Allow"),
        is(r.access.as_ref(), "Deny"),
    ) {
        (Some(true), _) => Some(true),
        (_, Some(true)) => Some(false),
        _ => {
            unsure.get_or_insert_with(|| "a rule's access is unknown".into());
            None
        }
    };
    Some(Applied {
        index,
        priority,
        allow,
        cubes,
        unsure,
    })
}

/// Evaluates one flow against an NSG's rules (the defaults are added here).
pub fn evaluate(rules: &[NsgRule], flow: &Flow) -> Verdict {
    let fallback = defaults::rules(flow.direction);
    let mut applied: Vec<Applied> = rules
        .iter()
        .enumerate()
        .filter_map(|(i, r)| apply(Some(i), r, flow))
        .chain(fallback.iter().filter_map(|r| apply(None, r, flow)))
        .collect();
    // Unknown priorities first: such a rule may precede any other.
    applied.sort_by(|a, b| {
        let key = |x: &Applied| x.priority.unwrap_or(f64::NEG_INFINITY);
        key(a).total_cmp(&key(b))
    });
    let start = Cube {
        src: cidr::bounds(&flow.src),
        dst: cidr::bounds(&flow.dst),
        sport: ALL_PORTS,
        dport: ALL_PORTS,
        proto: ALL_PROTOCOLS,
    };
    // `open`: packets no rule has certainly decided; `sure`: packets no rule could have allowed.
    let mut open = Set(vec![start]);
    let mut sure = Set(vec![start]);
    // Why an allow might have taken packets (`doubt`), and set once a deny hit only such
    // packets (`undecided`).
    let mut doubt: Option<String> = None;
    let mut undecided: Option<String> = None;
    let mut work = 0usize;
    for r in &applied {
        work += (open.0.len() + sure.0.len()) * r.cubes.len().max(1);
        if work > MAX_WORK {
            return Verdict::Unknown("the NSG is too large to evaluate".into());
        }
        let certain = r.unsure.is_none() && r.priority.is_some();
        let step = match (r.allow, certain) {
            (Some(true), true) => open.minus(&r.cubes).and_then(|()| sure.minus(&r.cubes)),
            (Some(false), true) => {
                if let (true, Some(i)) = (denies_beyond_admin(&sure, &r.cubes), r.index) {
                    return Verdict::Denied(i);
                }
                if denies_beyond_admin(&open, &r.cubes) && undecided.is_none() {
                    undecided = Some(doubt.clone().unwrap_or_default());
                }
                open.minus(&r.cubes).and_then(|()| sure.minus(&r.cubes))
            }
            // Might allow: whatever it could reach is no longer certainly undecided.
            (Some(true) | None, false) | (None, true) => {
                if let Some(why) = &r.unsure {
                    doubt.get_or_insert_with(|| why.clone());
                }
                sure.minus(&r.cubes)
            }
            // A deny of unknown reach denies or passes on; it never allows.
            (Some(false), false) => Ok(()),
        };
        if let Err(why) = step {
            return Verdict::Unknown(why.0);
        }
        if open.is_empty() {
            break;
        }
    }
    match undecided {
        Some(why) => Verdict::Unknown(format!("a deny may hit this traffic: {why}")),
        None => Verdict::Allowed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::nsg::Direction;

    fn rule(priority: f64, dir: &str, access: &str, src: &str, dst: &str, port: &str) -> NsgRule {
        NsgRule {
            name: Some(Node::str(format!("r{priority}"))),
            priority: Some(Node::num(priority)),
            direction: Some(Node::str(dir)),
            access: Some(Node::str(access)),
            protocol: Some(Node::str("*")),
            sources: Some(Node::str(src).into_list()),
            destinations: Some(Node::str(dst).into_list()),
            source_ports: Some(Node::str("*").into_list()),
            destination_ports: Some(Node::str(port).into_list()),
            ..NsgRule::default()
        }
    }

    fn flow(src: &str, dst: &str) -> Flow {
        Flow {
            name: "node-to-node",
            direction: Direction::Inbound,
            src: cidr::parse(src).unwrap_or_else(|| panic!("{src}")),
            dst: cidr::parse(dst).unwrap_or_else(|| panic!("{dst}")),
        }
    }

    const NODES: &str = "10.1.0.0/24";
    const PODS: &str = "10.244.0.0/16";

    #[test]
    fn defaults_alone_allow_cluster_traffic() {
        assert_eq!(evaluate(&[], &flow(NODES, NODES)), Verdict::Allowed);
        assert_eq!(evaluate(&[], &flow(PODS, PODS)), Verdict::Allowed);
    }

    #[test]
    fn deny_all_without_allow_fires() {
        let rules = [rule(4096.0, "Inbound", "Deny", "*", "*", "*")];
        assert_eq!(evaluate(&rules, &flow(NODES, NODES)), Verdict::Denied(0));
        // Outbound rules do not touch inbound flows.
        let rules = [rule(4096.0, "Outbound", "Deny", "*", "*", "*")];
        assert_eq!(evaluate(&rules, &flow(NODES, NODES)), Verdict::Allowed);
    }

    #[test]
    fn higher_priority_allow_covers_the_deny() {
        let rules = [
            rule(4096.0, "Inbound", "Deny", "*", "*", "*"),
            rule(100.0, "Inbound", "Allow", PODS, PODS, "*"),
        ];
        assert_eq!(evaluate(&rules, &flow(PODS, PODS)), Verdict::Allowed);
        assert_eq!(evaluate(&rules, &flow(NODES, PODS)), Verdict::Denied(0));
        // Lower priority (higher number) allows come too late.
        let rules = [
            rule(200.0, "Inbound", "Deny", "*", "*", "*"),
            rule(300.0, "Inbound", "Allow", PODS, PODS, "*"),
        ];
        assert_eq!(evaluate(&rules, &flow(PODS, PODS)), Verdict::Denied(0));
    }

    #[test]
    fn partial_allows_leave_the_rest_denied_and_unions_cover() {
        let only_443 = [
            rule(100.0, "Inbound", "Allow", "*", "*", "443"),
            rule(4096.0, "Inbound", "Deny", "*", "*", "*"),
        ];
        assert_eq!(evaluate(&only_443, &flow(NODES, NODES)), Verdict::Denied(1));
        let halves = [
            rule(100.0, "Inbound", "Allow", "*", "*", "0-32767"),
            rule(101.0, "Inbound", "Allow", "*", "*", "32768-65535"),
            rule(4096.0, "Inbound", "Deny", "*", "*", "*"),
        ];
        assert_eq!(evaluate(&halves, &flow(NODES, NODES)), Verdict::Allowed);
        let vnet = [
            rule(
                100.0,
                "Inbound",
                "Allow",
                "VirtualNetwork",
                "VirtualNetwork",
                "*",
            ),
            rule(4096.0, "Inbound", "Deny", "*", "*", "*"),
        ];
        assert_eq!(evaluate(&vnet, &flow(PODS, PODS)), Verdict::Allowed);
    }

    #[test]
    fn denies_that_miss_the_flow_do_not_fire() {
        let rules = [
            rule(100.0, "Inbound", "Deny", "Internet", "*", "*"),
            rule(110.0, "Inbound", "Deny", "10.9.0.0/16", "*", "*"),
            rule(120.0, "Inbound", "Deny", "AzureCloud", "*", "*"),
        ];
        assert_eq!(evaluate(&rules, &flow(NODES, NODES)), Verdict::Allowed);
        // A service tag may cover public ranges: unknown, not a finding.
        let public = flow("20.1.0.0/24", "20.1.0.0/24");
        let allow_tag = [
            rule(100.0, "Inbound", "Allow", "AzureCloud", "*", "*"),
            rule(4096.0, "Inbound", "Deny", "*", "*", "*"),
        ];
        assert!(matches!(evaluate(&allow_tag, &public), Verdict::Unknown(_)));
    }

    #[test]
    fn unknowns_never_fire_unless_nothing_could_allow() {
        let mut unknown_allow = rule(100.0, "Inbound", "Allow", "*", "*", "*");
        unknown_allow.sources = Some(Node::unknown("var.allowed"));
        let deny = rule(4096.0, "Inbound", "Deny", "*", "*", "*");
        let rules = [unknown_allow.clone(), deny.clone()];
        assert!(matches!(
            evaluate(&rules, &flow(NODES, NODES)),
            Verdict::Unknown(_)
        ));
        // The unknown allow only reaches port 443: everything else is certainly denied.
        let mut narrow = unknown_allow;
        narrow.destination_ports = Some(Node::str("443").into_list());
        assert_eq!(
            evaluate(&[narrow, deny.clone()], &flow(NODES, NODES)),
            Verdict::Denied(1)
        );
        let mut unknown_priority = rule(1.0, "Inbound", "Allow", "*", "*", "*");
        unknown_priority.priority = Some(Node::unknown("var.p"));
        assert!(matches!(
            evaluate(&[deny.clone(), unknown_priority], &flow(NODES, NODES)),
            Verdict::Unknown(_)
        ));
        let mut unknown_deny = deny;
        unknown_deny.destinations = Some(Node::unknown("var.d"));
        assert_eq!(
            evaluate(&[unknown_deny], &flow(NODES, NODES)),
            Verdict::Allowed
        );
    }

    #[test]
    fn denying_only_ssh_and_rdp_is_hardening() {
        let mut ssh = rule(100.0, "Inbound", "Deny", "*", "*", "22");
        ssh.destination_ports = Some(Node::list(vec![Node::str("22"), Node::str("3389")]));
        ssh.protocol = Some(Node::str("Tcp"));
        assert_eq!(
            evaluate(&[ssh.clone()], &flow(NODES, NODES)),
            Verdict::Allowed
        );
        ssh.protocol = Some(Node::str("*"));
        assert_eq!(evaluate(&[ssh], &flow(NODES, NODES)), Verdict::Allowed);
        let wider = rule(100.0, "Inbound", "Deny", "*", "*", "22-23");
        assert_eq!(evaluate(&[wider], &flow(NODES, NODES)), Verdict::Denied(0));
    }

    #[test]
    fn huge_rules_stay_bounded_and_undecided() {
        let many: Vec<Node> = (0..4000)
            .map(|i| Node::str(format!("10.{}.{}.0/24", i / 256, i % 256)))
            .collect();
        let mut allow = rule(100.0, "Inbound", "Allow", "*", "*", "*");
        allow.sources = Some(Node::list(many.clone()));
        allow.destinations = Some(Node::list(many));
        let deny = rule(4096.0, "Inbound", "Deny", "*", "*", "*");
        assert!(matches!(
            evaluate(&[allow, deny], &flow(NODES, NODES)),
            Verdict::Unknown(_)
        ));
        // Thousands of one-port allows fragment the set: the budget stops it, undecided.
        let mut rules: Vec<NsgRule> = (0..3000)
            .map(|p| {
                rule(
                    100.0 + f64::from(p),
                    "Inbound",
                    "Allow",
                    "*",
                    "*",
                    &format!("{}", p * 2),
                )
            })
            .collect();
        rules.push(rule(4096.0, "Inbound", "Deny", "*", "*", "*"));
        let v = evaluate(&rules, &flow(NODES, NODES));
        assert!(
            matches!(v, Verdict::Denied(3000) | Verdict::Unknown(_)),
            "{v:?}"
        );
    }

    #[test]
    fn protocols_split_cubes() {
        let mut tcp = rule(100.0, "Inbound", "Allow", "*", "*", "*");
        tcp.protocol = Some(Node::str("Tcp"));
        let deny = rule(4096.0, "Inbound", "Deny", "*", "*", "*");
        assert_eq!(
            evaluate(&[tcp.clone(), deny.clone()], &flow(NODES, NODES)),
            Verdict::Denied(1)
        );
        let mut any = tcp.clone();
        any.protocol = Some(Node::str("Any"));
        assert_eq!(
            evaluate(&[any, deny], &flow(NODES, NODES)),
            Verdict::Allowed
        );
    }

    #[test]
    fn ipv6_flows_ignore_ipv4_prefixes() {
        let rules = [rule(100.0, "Inbound", "Deny", "10.0.0.0/8", "*", "*")];
        assert_eq!(
            evaluate(&rules, &flow("fd00:1::/64", "fd00:1::/64")),
            Verdict::Allowed
        );
        let rules = [rule(100.0, "Inbound", "Deny", "fd00::/8", "*", "*")];
        assert_eq!(
            evaluate(&rules, &flow("fd00:1::/64", "fd00:1::/64")),
            Verdict::Denied(0)
        );
    }

    mod against_brute_force {
        use super::*;
        use proptest::prelude::*;

        const PREFIXES: &[&str] = &[
            "*",
            "10.0.0.0/29",
            "10.0.0.0/30",
            "10.0.0.4/30",
            "10.0.0.2/32",
            "VirtualNetwork",
            "Internet",
        ];
        const PORTS: &[&str] = &["*", "22", "80", "0-79", "81-65535", "22-80"];
        const PROTOCOLS: &[&str] = &["*", "Tcp", "Udp"];
        /// One port of every interval the port ranges above cut 0..65535 into.
        const PORT_SAMPLES: &[u32] = &[0, 21, 22, 23, 50, 79, 80, 81, 3389, 65535];

        fn covers_addr(prefix: &str, last_octet: u32) -> bool {
            match prefix {
                "*" | "VirtualNetwork" => true,
                "Internet" => false,
                p => {
                    let (base, len) = p.split_once('/').unwrap_or((p, "32"));
                    let base: u32 = base
                        .rsplit('.')
                        .next()
                        .and_then(|x| x.parse().ok())
                        .unwrap_or(0);
                    let size = 1u32 << (32 - len.parse::<u32>().unwrap_or(32));
                    (base..base + size).contains(&last_octet)
                }
            }
        }

        fn covers_port(range: &str, port: u32) -> bool {
            match range {
                "*" => true,
                r => {
                    let (a, b) = r.split_once('-').unwrap_or((r, r));
                    let (a, b): (u32, u32) = (a.parse().unwrap_or(0), b.parse().unwrap_or(0));
                    (a..=b).contains(&port)
                }
            }
        }

        fn covers_proto(p: &str, proto: &str) -> bool {
            p == "*" || p == proto
        }

        type Spec = (bool, usize, usize, usize, usize);

        /// The first-match verdict of every packet of the /29 to itself, by enumeration.
        fn oracle(specs: &[Spec], order: &[usize]) -> Option<usize> {
            let mut first_deny: Option<(usize, usize)> = None;
            for src in 0..8 {
                for dst in 0..8 {
                    for &port in PORT_SAMPLES {
                        for proto in ["Tcp", "Udp", "Icmp"] {
                            let hit = order.iter().copied().find(|&i| {
                                let (_, s, d, p, pr) = specs[i];
                                covers_addr(PREFIXES[s], src)
                                    && covers_addr(PREFIXES[d], dst)
                                    && covers_port(PORTS[p], port)
                                    && covers_proto(PROTOCOLS[pr], proto)
                            });
                            if let Some(i) = hit {
                                let admin = port == 22 || port == 3389;
                                if !specs[i].0 && !admin {
                                    let rank = order.iter().position(|&x| x == i).unwrap_or(0);
                                    if first_deny.is_none_or(|(r, _)| rank < r) {
                                        first_deny = Some((rank, i));
                                    }
                                }
                            }
                        }
                    }
                }
            }
            first_deny.map(|(_, i)| i)
        }

        proptest! {
            #[test]
            fn evaluate_matches_enumeration(
                specs in prop::collection::vec(
                    (any::<bool>(), 0..PREFIXES.len(), 0..PREFIXES.len(), 0..PORTS.len(), 0..PROTOCOLS.len()),
                    1..7,
                ),
                seed in any::<u64>(),
            ) {
                // Distinct priorities in a shuffled order.
                let mut order: Vec<usize> = (0..specs.len()).collect();
                let mut x = seed | 1;
                for i in (1..order.len()).rev() {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    order.swap(i, (x % (i as u64 + 1)) as usize);
                }
                let mut rules = vec![NsgRule::default(); specs.len()];
                for (rank, &i) in order.iter().enumerate() {
                    let (allow, s, d, p, pr) = specs[i];
                    let mut r = rule(
                        100.0 + rank as f64,
                        "Inbound",
                        if allow { "Allow" } else { "Deny" },
                        PREFIXES[s],
                        PREFIXES[d],
                        PORTS[p],
                    );
                    r.protocol = Some(Node::str(PROTOCOLS[pr]));
                    rules[i] = r;
                }
                let want = match oracle(&specs, &order) {
                    Some(i) => Verdict::Denied(i),
                    None => Verdict::Allowed,
                };
                prop_assert_eq!(evaluate(&rules, &flow("10.0.0.0/29", "10.0.0.0/29")), want);
            }
        }
    }
}
