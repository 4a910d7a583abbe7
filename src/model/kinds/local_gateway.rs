//! Local network gateways (the on-premises side of a VPN): their address space is a connected
//! network.

use crate::model::resource::{ArmResource, Block, Resource};
use crate::model::{Model, Node};

#[derive(Clone, Debug)]
pub struct LocalGateway {
    pub addr: String,
    /// Its name, for pictures of the address plan (`aks-netlint map`).
    pub name: Option<Node>,
    pub address_space: Option<Node>,
}

pub(super) fn from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    m.local_gateways.push(LocalGateway {
        addr: r.addr.clone(),
        name: r.f(&["name"]),
        address_space: r.f(&["address_space"]),
    });
}

pub(super) fn from_arm(r: &ArmResource<'_>, m: &mut Model) {
    m.local_gateways.push(LocalGateway {
        addr: r.addr.clone(),
        name: r.body.get_ci("name").cloned(),
        address_space: r
            .prop("localNetworkAddressSpace")
            .and_then(|n| n.get_ci("addressPrefixes"))
            .cloned(),
    });
}
