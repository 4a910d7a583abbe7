//! The value each fixable rule proposes, computed from the subject's document, the hit and the
//! root's address plan. Each returns the document paths to change and their new values; the
//! caller decides whether the code can be edited there.

use ipnet::IpNet;
use serde_json::Value as Json;

use super::alloc::{aligned_containing, lowest_free, private_v4, reserved_v4};
use super::plan::AddressPlan;
use super::{Change, Proposal};
use crate::cidr;
use crate::eval::value::fmt_num;
use crate::rules::outcome::Hit;

/// Attributes whose change replaces a deployed cluster or pool; the fix says so.
const CLUSTER_FORCE_NEW: &str = "changing it replaces an existing cluster (azurerm: ForceNew)";
const POOL_FORCE_NEW: &str =
    "max pods is fixed at node pool creation: changing it replaces an existing pool";
const SUBNET_IN_USE: &str = "a subnet in use cannot change its prefix while nodes hold addresses";

fn text(doc: &Json, pointer: &str) -> Option<String> {
    doc.pointer(pointer)
        .and_then(Json::as_str)
        .map(str::to_string)
}

fn strings(doc: &Json, pointer: &str) -> Vec<IpNet> {
    doc.pointer(pointer)
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().and_then(cidr::parse))
        .map(|n| n.trunc())
        .collect()
}

/// Everything a pod or service range of this cluster must not overlap: its VNets, their
/// subnets, connected networks, and the ranges AKS reserves.
fn network_ranges(doc: &Json, plan: &AddressPlan) -> Vec<IpNet> {
    let mut avoid = reserved_v4();
    avoid.extend(plan.vnets.iter().copied());
    avoid.extend(plan.subnets.iter().copied());
    avoid.extend(plan.connected.iter().copied());
    for vnet in doc
        .get("vnets")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        avoid.extend(strings(vnet, "/address_space"));
    }
    avoid.extend(strings(doc, "/vnet_subnet_prefixes"));
    avoid.extend(strings(doc, "/connected"));
    for pool in doc
        .get("pools")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        avoid.extend(strings(pool, "/subnet/prefixes"));
    }
    avoid
}

/// Nodes the pools reach at full scale with surge, when every pool's numbers are known.
fn nodes_at_full_scale(doc: &Json) -> Option<f64> {
    let pools = doc.get("pools")?.as_array()?;
    let mut total = 0.0;
    for p in pools {
        total += p.get("max_nodes")?.as_f64()? + p.get("surge_nodes")?.as_f64()?;
    }
    Some(total)
}

fn single(path: &str, value: String, summary: String, risk: Option<&str>) -> Proposal {
    Proposal {
        changes: vec![Change {
            path: path.to_string(),
            value,
            follows: false,
        }],
        summary,
        risk: risk.map(str::to_string),
        why_not: None,
        hold: None,
    }
}

fn none_fits(summary: String, why_not: String) -> Proposal {
    Proposal {
        changes: Vec::new(),
        summary,
        risk: None,
        why_not: Some(why_not),
        hold: None,
    }
}

/// The singular attribute written beside the plural one (`pod_cidr` beside `pod_cidrs`) holds
/// the same value and must change with it; when it cannot be edited, neither is.
fn with_twin(mut p: Proposal, doc: &Json, twin: &str, current: &str) -> Proposal {
    let same = text(doc, &format!("/network/{twin}"))
        .and_then(|t| cidr::parse(&t))
        .zip(cidr::parse(current))
        .is_some_and(|(a, b)| a == b);
    if same {
        if let Some(value) = p.changes.first().map(|c| c.value.clone()) {
            p.changes.push(Change {
                path: format!("$['network']['{twin}']"),
                value,
                follows: false,
            });
        }
    }
    p
}

/// OVL002, OVL009, OVL012, NET014, NET015, NET001 on a pod CIDR: the lowest free private range
/// of at least /16 (the recommendation) that holds a /24 for every node at full scale.
pub fn pod_cidr(doc: &Json, hit: &Hit, plan: &AddressPlan) -> Option<Proposal> {
    // MIG005 also fires when no pod CIDR is written (`false`): then the value is only shown.
    if hit.value != "false" {
        cidr::parse(&hit.value).filter(cidr::is_v4)?;
    }
    let nodes = nodes_at_full_scale(doc).unwrap_or(256.0).max(1.0);
    // One /24 per node: 2^(24 - len) >= nodes.
    let mut len: u8 = 24;
    while len > 8 && f64::from(1u32 << (24 - len)) < nodes {
        len -= 1;
    }
    let len = len.min(16);
    let mut avoid = network_ranges(doc, plan);
    // Service ranges of every cluster. Other overlay clusters' pod ranges are virtual and may
    // be reused (the AKS docs allow it), so they are not avoided.
    avoid.extend(plan.service_cidrs.iter().map(|(_, n)| *n));
    let summary = format!("a free /{len} for pods");
    match lowest_free(&private_v4(), len, &avoid) {
        Some(n) => Some(with_twin(
            single(&hit.path, cidr::canonical(&n), summary, Some(CLUSTER_FORCE_NEW)),
            doc,
            "pod_cidr_twin",
            &hit.value,
        )),
        None => Some(none_fits(
            summary,
            format!("no private /{len} is free of the VNets, connected networks and service ranges in scope"),
        )),
    }
}

/// NET002-NET005, NET001 on a service CIDR: the lowest free private range of the current size
/// (a /16 when the current one is /12 or larger), outside every VNet, connected network, the
/// cluster's pod ranges and the reserved ranges. The DNS service IP moves with it (network + 10,
/// as AKS's default 10.0.0.10 in 10.0.0.0/16).
pub fn service_cidr(doc: &Json, hit: &Hit, plan: &AddressPlan) -> Option<Proposal> {
    let current = cidr::parse(&hit.value).filter(cidr::is_v4)?;
    let len = if current.prefix_len() > 12 && current.prefix_len() <= 24 {
        current.prefix_len()
    } else {
        16
    };
    let mut avoid = network_ranges(doc, plan);
    avoid.extend(strings(doc, "/network/pod_cidrs"));
    let summary = format!("a free /{len} for services");
    let Some(n) = lowest_free(&private_v4(), len, &avoid) else {
        return Some(none_fits(
            summary,
            format!("no private /{len} is free of the VNets, connected networks and pod ranges in scope"),
        ));
    };
    let mut p = with_twin(
        single(
            &hit.path,
            cidr::canonical(&n),
            summary,
            Some(CLUSTER_FORCE_NEW),
        ),
        doc,
        "service_cidr_twin",
        &hit.value,
    );
    if text(doc, "/network/dns_service_ip").is_some() {
        if let Ok(dns) = cidr::cidrhost(&n, 10) {
            p.changes.push(Change {
                path: "$['network']['dns_service_ip']".into(),
                value: dns.to_string(),
                follows: true,
            });
        }
    }
    Some(p)
}

/// NET006, NET007: the DNS service IP AKS would pick, network + 10 of the service CIDR.
pub fn dns_service_ip(doc: &Json, hit: &Hit) -> Option<Proposal> {
    let service = text(doc, "/network/service_cidr_v4").and_then(|s| cidr::parse(&s))?;
    let dns = cidr::cidrhost(&service, 10).ok()?;
    Some(single(
        &hit.path,
        dns.to_string(),
        "the tenth address of the service CIDR".into(),
        Some(CLUSTER_FORCE_NEW),
    ))
}

/// NET012: the smallest prefix whose usable addresses hold the pools at full scale.
pub fn node_subnet(doc: &Json, hit: &Hit, plan: &AddressPlan) -> Option<Proposal> {
    let current = cidr::parse(&hit.value).filter(cidr::is_v4)?.trunc();
    let needed: f64 = hit
        .vars
        .iter()
        .find(|(k, _)| k == "needed")
        .and_then(|(_, v)| v.parse().ok())?;
    let mut len: u8 = 29;
    while len > 8 && (cidr::azure_usable(&IpNet::new(current.network(), len).ok()?) as f64) < needed
    {
        len -= 1;
    }
    let mut spaces: Vec<IpNet> = doc
        .get("vnets")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .flat_map(|v| strings(v, "/address_space"))
        .collect();
    spaces.extend(plan.vnets.iter().copied());
    let mut siblings = plan.subnets.clone();
    siblings.extend(strings(doc, "/vnet_subnet_prefixes"));
    let usable = cidr::azure_usable(&IpNet::new(current.network(), len).ok()?) as f64;
    let summary = format!("a /{len} ({} usable addresses)", fmt_num(usable));
    Some(place_subnet(hit, current, len, &spaces, &siblings, summary))
}

/// AGC002, AGC007: the association subnet as the /24 Application Gateway for Containers needs.
pub fn agc_subnet(hit: &Hit, plan: &AddressPlan) -> Option<Proposal> {
    let current = cidr::parse(&hit.value).filter(cidr::is_v4)?.trunc();
    Some(place_subnet(
        hit,
        current,
        24,
        &plan.vnets,
        &plan.subnets,
        "a /24, the size AGC needs".into(),
    ))
}

/// AGIC004: the gateway subnet (or the add-on's `subnet_cidr`) narrowed to the /24 at its start.
pub fn agic_subnet(hit: &Hit) -> Option<Proposal> {
    let current = cidr::parse(&hit.value).filter(cidr::is_v4)?.trunc();
    let n = IpNet::new(current.network(), 24).ok()?.trunc();
    Some(single(
        &hit.path,
        cidr::canonical(&n),
        "the /24 at its start, the largest AGIC on overlay accepts".into(),
        Some(SUBNET_IN_USE),
    ))
}

/// A subnet resized to `/len` inside its VNet: the aligned block of that size around it when it
/// is free (growing or shrinking in place), else the lowest free block of the VNet.
fn place_subnet(
    hit: &Hit,
    current: IpNet,
    len: u8,
    spaces: &[IpNet],
    subnets: &[IpNet],
    summary: String,
) -> Proposal {
    let spaces: Vec<IpNet> = spaces
        .iter()
        .filter(|s| cidr::within(&current, s))
        .copied()
        .collect();
    if spaces.is_empty() {
        return none_fits(
            summary,
            "the subnet's VNet address space is not known here".into(),
        );
    }
    let siblings: Vec<IpNet> = subnets.iter().filter(|s| **s != current).copied().collect();
    let free = |b: &IpNet| {
        spaces.iter().any(|s| cidr::within(b, s)) && siblings.iter().all(|o| !cidr::overlaps(o, b))
    };
    let in_place = aligned_containing(&current, len).filter(free);
    match in_place.or_else(|| lowest_free(&spaces, len, &siblings)) {
        Some(n) => single(&hit.path, cidr::canonical(&n), summary, Some(SUBNET_IN_USE)),
        None => none_fits(
            summary,
            format!(
                "the VNet ({}) has no free /{len}; grow its address space",
                spaces
                    .iter()
                    .map(cidr::canonical)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    }
}

fn number(hit: &Hit) -> Option<f64> {
    hit.value.parse().ok()
}

/// OVL001: max pods into 10..250.
pub fn max_pods_range(hit: &Hit) -> Option<Proposal> {
    let n = number(hit)?;
    let to = n.clamp(10.0, 250.0);
    (to != n).then(|| {
        single(
            &hit.path,
            fmt_num(to),
            "the nearest value overlay allows".into(),
            Some(POOL_FORCE_NEW),
        )
    })
}

/// POD003: max pods to the nearest 16N - 1 (15 to 239, inside overlay's 10..250).
pub fn max_pods_static_block(hit: &Hit) -> Option<Proposal> {
    let n = number(hit)?;
    let below = (((n + 1.0) / 16.0).floor() * 16.0 - 1.0).max(15.0);
    let above = (((n + 1.0) / 16.0).ceil() * 16.0 - 1.0).min(239.0);
    let to = if (n - below) <= (above - n) {
        below
    } else {
        above
    };
    Some(single(
        &hit.path,
        fmt_num(to),
        "the nearest 16N - 1, so every 16-address block is used".into(),
        Some(POOL_FORCE_NEW),
    ))
}

/// EGR004: the largest multiple of 8 that still gives every node its ports.
pub fn outbound_ports(doc: &Json, hit: &Hit) -> Option<Proposal> {
    let ips = doc
        .pointer("/network/load_balancer/outbound_ips")?
        .as_f64()?;
    let nodes = nodes_at_full_scale(doc)?;
    if ips <= 0.0 || nodes <= 0.0 {
        return None;
    }
    let per_ip_nodes = (nodes / ips).ceil();
    let ports = ((64000.0 / per_ip_nodes) / 8.0).floor() * 8.0;
    let summary = "the largest multiple of 8 that covers the nodes".to_string();
    if ports < 8.0 {
        return Some(none_fits(
            summary,
            format!(
                "{} nodes need more than {} outbound IP{}; add IPs or a NAT gateway",
                fmt_num(nodes),
                fmt_num(ips),
                if ips == 1.0 { "" } else { "s" }
            ),
        ));
    }
    Some(single(
        &hit.path,
        fmt_num(ports.min(64000.0)),
        summary,
        None,
    ))
}

/// DS004: the /108 at the start of the IPv6 service CIDR.
pub fn ipv6_service_cidr(hit: &Hit) -> Option<Proposal> {
    let current = cidr::parse(&hit.value).filter(|n| !cidr::is_v4(n))?;
    let n = IpNet::new(current.network(), 108).ok()?.trunc();
    Some(single(
        &hit.path,
        cidr::canonical(&n),
        "the largest IPv6 service range AKS accepts".into(),
        Some(CLUSTER_FORCE_NEW),
    ))
}

/// OVL010: overlay runs only on the azure plugin.
pub fn overlay_plugin(hit: &Hit) -> Option<Proposal> {
    Some(single(
        &hit.path,
        "azure".into(),
        "the plugin overlay runs on".into(),
        Some(CLUSTER_FORCE_NEW),
    ))
}

/// NET013: kubenet retires; the move is an in-place upgrade to overlay, keeping the pod CIDR.
/// Shown, never written: the upgrade is a cluster operation, not only a code change.
pub fn kubenet_to_overlay(doc: &Json) -> Option<Proposal> {
    let pod = text(doc, "/network/pod_cidr_v4").unwrap_or_else(|| "10.244.0.0/16".into());
    let mut p = single(
        "$['network']['plugin']",
        "azure".into(),
        format!("Azure CNI Overlay, keeping pod CIDR {pod}"),
        None,
    );
    p.changes.push(Change {
        path: "$['network']['plugin_mode']".into(),
        value: "overlay".into(),
        follows: false,
    });
    p.hold = Some(
        "moving off kubenet is an in-place cluster upgrade (az aks update --network-plugin-mode overlay); review MIG findings with --compare-to first"
            .into(),
    );
    Some(p)
}
