//! Private DNS zones (`azurerm_private_dns_zone`, `Microsoft.Network/privateDnsZones`): a
//! private cluster's custom zone is checked by name and by who may write to it.

use crate::model::resource::{ArmResource, Block, Resource};
use crate::model::{Model, Node};
use crate::source::Span;

#[derive(Clone, Debug)]
pub struct PrivateDnsZone {
    pub addr: String,
    pub id: String,
    pub header: Span,
    pub name: Option<Node>,
    pub resource_group: Option<Node>,
}

pub(super) fn from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    m.private_dns_zones.push(PrivateDnsZone {
        addr: r.addr.clone(),
        id: r.id(),
        header: r.header(),
        name: r.f(&["name"]),
        resource_group: r.f(&["resource_group_name"]),
    });
}

pub(super) fn from_arm(r: &ArmResource<'_>, m: &mut Model) {
    m.private_dns_zones.push(PrivateDnsZone {
        addr: r.addr.clone(),
        id: r.id.clone(),
        header: r.header,
        name: r.body.get_ci("name").cloned(),
        resource_group: None,
    });
}
