//! Public IP addresses and prefixes: the load balancer's outbound IPs, counted for SNAT port
//! capacity (a prefix of length L holds 2^(32-L) addresses).

use crate::model::resource::{ArmResource, Block, Resource};
use crate::model::{Model, Node};

#[derive(Clone, Debug)]
pub struct PublicIp {
    pub addr: String,
    pub id: String,
}

#[derive(Clone, Debug)]
pub struct PublicIpPrefix {
    pub addr: String,
    pub id: String,
    /// Prefix length; azurerm defaults to 28. ARM requires it.
    pub prefix_length: Option<Node>,
}

pub(super) fn ip_from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    m.public_ips.push(PublicIp {
        addr: r.addr.clone(),
        id: r.id(),
    });
}

pub(super) fn prefix_from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    let length = r
        .f(&["prefix_length"])
        .unwrap_or_else(|| Node::default_at(crate::model::V::Num(28.0), Some(r.header())));
    m.public_ip_prefixes.push(PublicIpPrefix {
        addr: r.addr.clone(),
        id: r.id(),
        prefix_length: Some(length),
    });
}

pub(super) fn ip_from_arm(r: &ArmResource<'_>, m: &mut Model) {
    m.public_ips.push(PublicIp {
        addr: r.addr.clone(),
        id: r.id.clone(),
    });
}

pub(super) fn prefix_from_arm(r: &ArmResource<'_>, m: &mut Model) {
    m.public_ip_prefixes.push(PublicIpPrefix {
        addr: r.addr.clone(),
        id: r.id.clone(),
        prefix_length: r.body.path_ci(&["properties", "prefixLength"]).cloned(),
    });
}
