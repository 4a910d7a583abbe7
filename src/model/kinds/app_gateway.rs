//! Application Gateways (the AGIC target): SKU and the subnet of the gateway IP configuration.

use crate::model::resource::{field, ArmResource, Block, Resource};
use crate::model::{Model, Node, Ref};
use crate::source::Span;

#[derive(Clone, Debug)]
pub struct AppGateway {
    pub addr: String,
    pub id: String,
    pub header: Span,
    pub name: Option<Node>,
    pub resource_group: Option<Node>,
    pub sku_name: Option<Node>,
    pub sku_tier: Option<Node>,
    pub subnet: Ref,
}

pub(super) fn from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    let sku = r.b.blocks("sku");
    let gw_ip = r.b.blocks("gateway_ip_configuration");
    m.app_gateways.push(AppGateway {
        addr: r.addr.clone(),
        id: r.id(),
        header: r.header(),
        name: r.f(&["name"]),
        resource_group: r.f(&["resource_group_name"]),
        sku_name: sku.first().and_then(|s| field(s, &["name"])),
        sku_tier: sku.first().and_then(|s| field(s, &["tier"])),
        subnet: Ref::from_node(
            gw_ip
                .first()
                .and_then(|g| field(g, &["subnet_id"]))
                .as_ref(),
        ),
    });
}

pub(super) fn from_arm(r: &ArmResource<'_>, m: &mut Model) {
    let sku = r.prop("sku");
    let subnet = r
        .prop("gatewayIPConfigurations")
        .and_then(Node::as_list)
        .and_then(|l| l.first())
        .and_then(|g| g.path_ci(&["properties", "subnet", "id"]));
    m.app_gateways.push(AppGateway {
        addr: r.addr.clone(),
        id: r.id.clone(),
        header: r.header,
        name: r.name(),
        resource_group: None,
        sku_name: sku.and_then(|s| s.get_ci("name")).cloned(),
        sku_tier: sku.and_then(|s| s.get_ci("tier")).cloned(),
        subnet: Ref::from_node(subnet),
    });
}
