//! Azure's side of every NSG: the default rules that end each rule list, and what address tags
//! cover of the flows a cluster needs.
//!
//! Address tags: `*` and `VirtualNetwork` cover every flow here (node subnets lie in the VNet;
//! the docs say only custom denies can break pod CIDR traffic, so the default `AllowVnet*`
//! rules carry it). `Internet` covers none of it. `AzureLoadBalancer` is 168.63.129.16. Other
//! service tags are public Azure ranges: they miss private flows and are unknown otherwise.

use ipnet::IpNet;

use super::Direction;
use crate::cidr;
use crate::model::{Node, NsgRule};

/// Azure's default rules (priority 65000 and up): allow within the VNet, allow the load
/// balancer in / the internet out, deny the rest.
pub(super) fn rules(direction: Direction) -> Vec<NsgRule> {
    let rule = |priority: f64, access: &str, src: &str, dst: &str| NsgRule {
        priority: Some(Node::num(priority)),
        direction: Some(Node::str(direction.as_str())),
        access: Some(Node::str(access)),
        protocol: Some(Node::str("*")),
        sources: Some(Node::list(vec![Node::str(src)])),
        destinations: Some(Node::list(vec![Node::str(dst)])),
        source_ports: Some(Node::str("*")),
        destination_ports: Some(Node::str("*")),
        ..NsgRule::default()
    };
    let second = match direction {
        Direction::Inbound => rule(65001.0, "Allow", "AzureLoadBalancer", "*"),
        Direction::Outbound => rule(65001.0, "Allow", "*", "Internet"),
    };
    vec![
        rule(65000.0, "Allow", "VirtualNetwork", "VirtualNetwork"),
        second,
        rule(65500.0, "Deny", "*", "*"),
    ]
}

/// What an address tag with a fixed meaning covers of a flow side.
pub(super) enum Tag {
    /// Every address (`*`, `Any`, `VirtualNetwork`).
    Everything,
    /// These prefixes only: none for `Internet`, the one load balancer address.
    Prefixes(&'static [&'static str]),
}

/// The tag a lowercased address prefix names, or `None` for a CIDR, an address or a service
/// tag.
pub(super) fn named_tag(lower: &str) -> Option<Tag> {
    match lower {
        "*" | "any" | "virtualnetwork" => Some(Tag::Everything),
        "internet" => Some(Tag::Prefixes(&[])),
        "azureloadbalancer" => Some(Tag::Prefixes(&["168.63.129.16/32"])),
        _ => None,
    }
}

/// Whether a service tag certainly misses a flow side: its public Azure ranges never cover a
/// private one.
pub(super) fn service_tag_misses(side: &IpNet) -> bool {
    is_private(side)
}

const PRIVATE: &[&str] = &[
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "fc00::/7",
];

fn is_private(net: &IpNet) -> bool {
    static NETS: std::sync::OnceLock<Vec<IpNet>> = std::sync::OnceLock::new();
    NETS.get_or_init(|| PRIVATE.iter().filter_map(|p| cidr::parse(p)).collect())
        .iter()
        .any(|p| cidr::within(net, p))
}
