use super::*;
use crate::map::plan::{Gathered, Range, RangeKind};

fn net(s: &str) -> IpNet {
    cidr::parse(s).unwrap()
}

fn range(kind: RangeKind, name: &str, c: &str) -> Range {
    Range::bare(kind, name.into(), net(c))
}

fn vnet(name: &str, c: &str) -> Range {
    let mut r = range(RangeKind::Vnet, name, c);
    r.resource = Some(name.into());
    r
}

fn subnet(vnet: &str, name: &str, c: &str) -> Range {
    let mut r = range(RangeKind::Subnet, name, c);
    r.vnet = Some(vnet.into());
    r
}

fn laid(ranges: Vec<Range>) -> Laid {
    let g = Gathered {
        ranges,
        ..Gathered::default()
    };
    lay_out("t", g, &[], &SourceMap::default())
}

fn by_name<'a>(l: &'a Laid, name: &str) -> &'a Range {
    l.ranges.iter().find(|r| r.name == name).unwrap()
}

fn texts(nets: &[IpNet]) -> Vec<String> {
    nets.iter().map(cidr::canonical).collect()
}

#[test]
fn blocks_are_the_private_ranges_else_the_covering_slash_8() {
    assert_eq!(
        cidr::canonical(&block_of(&net("10.1.2.0/24"))),
        "10.0.0.0/8"
    );
    assert_eq!(
        cidr::canonical(&block_of(&net("172.20.0.0/16"))),
        "172.16.0.0/12"
    );
    assert_eq!(
        cidr::canonical(&block_of(&net("100.64.0.0/16"))),
        "100.64.0.0/10"
    );
    assert_eq!(
        cidr::canonical(&block_of(&net("52.1.2.3/32"))),
        "52.0.0.0/8"
    );
    assert_eq!(cidr::canonical(&block_of(&net("fd00:1::/64"))), "fc00::/7");
    assert_eq!(
        cidr::canonical(&block_of(&net("2001:db8::/32"))),
        "2001::/16"
    );
    // Wider than its /8: its own block.
    assert_eq!(cidr::canonical(&block_of(&net("0.0.0.0/0"))), "0.0.0.0/0");
}

#[test]
fn subnets_nest_in_their_vnet_and_vnets_in_their_block() {
    let l = laid(vec![
        vnet("spoke", "10.0.0.0/16"),
        subnet("spoke", "nodes", "10.0.1.0/24"),
        vnet("hub", "10.100.0.0/16"),
        range(RangeKind::OnPrem, "onprem", "192.168.0.0/16"),
    ]);
    let block = |c: &str| {
        l.ranges
            .iter()
            .find(|r| r.kind == RangeKind::Block && cidr::canonical(&r.cidr) == c)
            .unwrap()
    };
    assert_eq!(
        by_name(&l, "nodes").parent.as_deref(),
        Some(by_name(&l, "spoke").id.as_str())
    );
    assert_eq!(
        by_name(&l, "spoke").parent.as_deref(),
        Some(block("10.0.0.0/8").id.as_str())
    );
    assert_eq!(
        by_name(&l, "onprem").parent.as_deref(),
        Some(block("192.168.0.0/16").id.as_str())
    );
    assert_eq!(l.families.len(), 1);
    assert_eq!(l.families[0].blocks.len(), 2);
}

#[test]
fn a_subnet_with_its_vnet_unknown_nests_in_a_vnet_holding_it() {
    let mut s = range(RangeKind::Subnet, "orphan", "10.0.2.0/24");
    s.vnet = None;
    let l = laid(vec![vnet("spoke", "10.0.0.0/16"), s]);
    assert_eq!(
        by_name(&l, "orphan").parent.as_deref(),
        Some(by_name(&l, "spoke").id.as_str())
    );
}

#[test]
fn scale_is_linear_in_the_parent() {
    let (x, w) = position(&net("10.0.128.0/17"), &net("10.0.0.0/16"));
    assert!((x - 0.5).abs() < 1e-12 && (w - 0.5).abs() < 1e-12);
    let (x, w) = position(&net("10.0.0.255/32"), &net("10.0.0.0/24"));
    assert!((x - 255.0 / 256.0).abs() < 1e-12 && (w - 1.0 / 256.0).abs() < 1e-12);
    let (x, w) = position(&net("fd00::8000:0:0:0/65"), &net("fd00::/64"));
    assert!((x - 0.5).abs() < 1e-12 && (w - 0.5).abs() < 1e-12);
}

#[test]
fn free_blocks_are_maximal_and_aligned() {
    let free = free_blocks(&net("10.0.0.0/16"), &[net("10.0.1.0/24")]);
    assert_eq!(
        texts(&free),
        [
            "10.0.0.0/24",
            "10.0.2.0/23",
            "10.0.4.0/22",
            "10.0.8.0/21",
            "10.0.16.0/20",
            "10.0.32.0/19",
            "10.0.64.0/18",
            "10.0.128.0/17"
        ]
    );
    // Fully used: nothing free; overlapping users count once.
    assert!(free_blocks(
        &net("10.0.0.0/24"),
        &[net("10.0.0.0/25"), net("10.0.0.0/24"), net("10.0.0.128/25")]
    )
    .is_empty());
    // /32s.
    let free = free_blocks(
        &net("10.0.0.0/30"),
        &[net("10.0.0.1/32"), net("10.0.0.2/32")],
    );
    assert_eq!(texts(&free), ["10.0.0.0/32", "10.0.0.3/32"]);
    // The whole IPv4 space and the top of IPv6 do not overflow.
    let free = free_blocks(&net("0.0.0.0/0"), &[net("255.255.255.255/32")]);
    assert_eq!(free.len(), 32);
    let free = free_blocks(
        &net("ffff::/16"),
        &[net("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127")],
    );
    assert_eq!(free.len(), 111);
    let free = free_blocks(&net("fd00::/48"), &[net("fd00::/64")]);
    assert_eq!(
        texts(&free).first().map(String::as_str),
        Some("fd00:0:0:1::/64")
    );
    assert_eq!(free.len(), 16);
}

#[test]
fn the_three_largest_free_blocks_per_parent_are_labelled() {
    let l = laid(vec![
        vnet("spoke", "10.0.0.0/16"),
        subnet("spoke", "nodes", "10.0.1.0/24"),
    ]);
    let spoke = by_name(&l, "spoke").id.clone();
    let labelled: Vec<String> = l
        .free
        .iter()
        .filter(|f| f.parent == spoke && f.labelled)
        .map(|f| cidr::canonical(&f.cidr))
        .collect();
    assert_eq!(labelled, ["10.0.32.0/19", "10.0.64.0/18", "10.0.128.0/17"]);
}

#[test]
fn block_free_space_counts_vnets_cluster_ranges_and_reserved_ones() {
    let mut pod = range(RangeKind::Pod, "pods", "172.20.0.0/16");
    pod.clusters = vec!["a".into()];
    let l = laid(vec![vnet("v", "172.16.0.0/16"), pod]);
    let block = l
        .ranges
        .iter()
        .find(|r| r.kind == RangeKind::Block)
        .unwrap();
    let free: Vec<String> = l
        .free
        .iter()
        .filter(|f| f.parent == block.id)
        .map(|f| cidr::canonical(&f.cidr))
        .collect();
    assert!(!free.contains(&"172.16.0.0/16".to_string()));
    assert!(!free.contains(&"172.20.0.0/16".to_string()));
    // 172.30/16 and 172.31/16 are reserved: drawn, and not free to plan.
    assert!(free.contains(&"172.24.0.0/14".to_string()));
    assert!(free.contains(&"172.28.0.0/15".to_string()));
    assert!(!free
        .iter()
        .any(|f| f.starts_with("172.30.") || f.starts_with("172.31.")));
    assert_eq!(
        l.ranges
            .iter()
            .filter(|r| r.kind == RangeKind::Reserved)
            .count(),
        2
    );
}

#[test]
fn ipv6_gets_its_own_family_after_ipv4() {
    let l = laid(vec![
        vnet("v6", "fd00:10::/48"),
        subnet("v6", "s6", "fd00:10::/64"),
        vnet("v4", "10.0.0.0/16"),
    ]);
    let fams: Vec<&str> = l.families.iter().map(|f| f.family).collect();
    assert_eq!(fams, ["ipv4", "ipv6"]);
    assert_eq!(
        by_name(&l, "s6").parent.as_deref(),
        Some(by_name(&l, "v6").id.as_str())
    );
}

#[test]
fn conflicts_are_the_overlap_of_the_ranges_a_finding_labels() {
    use crate::source::Span;
    let mut sources = SourceMap::default();
    let file = sources.add("main.tf".into(), "a\nb\nc\n".into());
    let at = |i: usize| Span::new(file, i..i + 1);
    let mut svc = range(RangeKind::Service, "svc", "10.0.0.0/16");
    svc.span = Some(at(0));
    svc.clusters = vec!["c1".into()];
    let mut sub = subnet("spoke", "nodes", "10.0.1.0/24");
    sub.span = Some(at(2));
    let v = vnet("spoke", "10.0.0.0/16");
    // Built as the layout reads it, so the test does not follow every field a finding gains.
    let finding = Reported {
        rule: "NET002",
        severity: "error",
        message: "overlap",
        primary: at(0),
        spans: vec![at(0), at(2)],
        fix: None,
    };
    let g = Gathered {
        ranges: vec![v, sub, svc],
        ..Gathered::default()
    };
    let l = lay_out_reported("t", g, &[finding], &sources);
    assert_eq!(l.conflicts.len(), 1);
    assert!(l.proposals.is_empty());
    let c = &l.conflicts[0];
    assert_eq!(cidr::canonical(&c.overlap), "10.0.1.0/24");
    assert_eq!(c.location, "main.tf:1");
    let ids: Vec<&str> = c.ranges.iter().map(String::as_str).collect();
    assert!(ids.contains(&by_name(&l, "svc").id.as_str()));
    assert!(ids.contains(&by_name(&l, "nodes").id.as_str()));
}

#[test]
fn the_same_range_from_two_roots_is_drawn_once_with_both_clusters() {
    let mut a = range(RangeKind::Vnet, "hub", "10.100.0.0/16");
    a.clusters = vec!["a".into()];
    let mut b = a.clone();
    b.clusters = vec!["b".into()];
    let l = laid(vec![a, b]);
    let hubs: Vec<&Range> = l.ranges.iter().filter(|r| r.name == "hub").collect();
    assert_eq!(hubs.len(), 1);
    assert_eq!(hubs[0].clusters, ["a", "b"]);
}

#[test]
fn a_fix_writing_a_cidr_into_a_ranges_literal_is_a_proposal_for_that_range() {
    use crate::source::Span;
    let mut sources = SourceMap::default();
    let text = "service_cidr = \"10.0.0.0/16\"\nname = \"x\"\n";
    let file = sources.add("main.tf".into(), text.into());
    // The range spans the quoted literal; the edit, its contents.
    let mut svc = range(RangeKind::Service, "svc", "10.0.0.0/16");
    svc.span = Some(Span::new(file, 15..28));
    let edit = Span::new(file, 16..27);
    let name = Span::new(file, 37..40);
    let sub = subnet("spoke", "nodes", "10.0.1.0/24");
    let finding = |edits: Vec<(Span, &'static str)>| Reported {
        rule: "NET002",
        severity: "error",
        message: "overlap",
        primary: edit,
        spans: vec![edit],
        fix: Some(("replace it", "unsafe", edits)),
    };
    let g = Gathered {
        ranges: vec![vnet("spoke", "10.0.0.0/16"), sub, svc],
        ..Gathered::default()
    };
    let findings = [
        finding(vec![(edit, "10.1.0.0/16")]),
        // Not a CIDR, or not in a range's literal: nothing to draw.
        finding(vec![(edit, "azure")]),
        finding(vec![(name, "10.9.0.0/16")]),
    ];
    let l = lay_out_reported("t", g, &findings, &sources);
    assert_eq!(l.proposals.len(), 1, "{:?}", l.proposals);
    let p = &l.proposals[0];
    assert_eq!(p.range, by_name(&l, "svc").id);
    assert_eq!(cidr::canonical(&p.cidr), "10.1.0.0/16");
    assert_eq!((p.rule.as_str(), p.applicability), ("NET002", "unsafe"));
}
