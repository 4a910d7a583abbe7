//! NAT gateways (`azurerm_nat_gateway`, `Microsoft.Network/natGateways`) and their subnet
//! associations (`azurerm_subnet_nat_gateway_association`; ARM writes `natGateway.id` on the
//! subnet, read with the subnet).

use crate::model::resource::{ArmResource, Block, Resource};
use crate::model::{Model, Node, Ref, SubnetLink};
use crate::source::Span;

#[derive(Clone, Debug)]
pub struct NatGateway {
    pub addr: String,
    pub id: String,
    pub header: Span,
    pub name: Option<Node>,
    /// `Standard` or `StandardV2`; absent takes the platform default `Standard` (as a default
    /// located at the header, so findings point at the resource).
    pub sku: Node,
}

fn sku_or_default(sku: Option<Node>, header: Span) -> Node {
    sku.unwrap_or_else(|| Node::default_at(crate::model::V::Str("Standard".into()), Some(header)))
}

pub(super) fn from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    m.nat_gateways.push(NatGateway {
        addr: r.addr.clone(),
        id: r.id(),
        header: r.header(),
        name: r.f(&["name"]),
        sku: sku_or_default(r.f(&["sku_name"]), r.header()),
    });
}

pub(super) fn link_from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    m.nat_gateway_links.push(SubnetLink {
        subnet: Ref::from_node(r.f(&["subnet_id"]).as_ref()),
        target: Ref::from_node(r.f(&["nat_gateway_id"]).as_ref()),
    });
}

pub(super) fn from_arm(r: &ArmResource<'_>, m: &mut Model) {
    m.nat_gateways.push(NatGateway {
        addr: r.addr.clone(),
        id: r.id.clone(),
        header: r.header,
        name: r.body.get_ci("name").cloned(),
        sku: sku_or_default(r.body.path_ci(&["sku", "name"]).cloned(), r.header),
    });
}
