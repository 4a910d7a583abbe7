//! VNet peerings (`azurerm_virtual_network_peering`, `virtualNetworks/virtualNetworkPeerings`):
//! which VNets are connected networks of a cluster's VNet.

use crate::model::resource::{ArmResource, Block, Resource};
use crate::model::{Model, Node, Ref};

#[derive(Clone, Debug)]
pub struct Peering {
    pub vnet_name: Option<Node>,
    pub resource_group: Option<Node>,
    pub vnet_ref: Ref,
    pub remote: Ref,
}

pub(super) fn from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    m.peerings.push(Peering {
        vnet_name: r.f(&["virtual_network_name"]),
        resource_group: r.f(&["resource_group_name"]),
        vnet_ref: r.referenced(&["virtual_network_name"]),
        remote: r.reference("remote_virtual_network_id"),
    });
}

pub(super) fn from_arm(r: &ArmResource<'_>, m: &mut Model) {
    m.peerings.push(Peering {
        vnet_name: None,
        resource_group: None,
        vnet_ref: r.parent.clone(),
        remote: Ref::from_node(r.prop("remoteVirtualNetwork").and_then(|n| n.get_ci("id"))),
    });
}
