//! Virtual networks with their inline subnets (`azurerm_virtual_network`,
//! `Microsoft.Network/virtualNetworks`).

use super::subnet::{arm_subnet, terraform_delegations, Subnet};
use crate::model::resource::{field, ArmResource, Block, Resource};
use crate::model::{Model, Node, Ref};
use crate::source::Span;

#[derive(Clone, Debug)]
pub struct Vnet {
    pub addr: String,
    pub id: Option<String>,
    pub header: Span,
    pub name: Option<Node>,
    pub resource_group: Option<Node>,
    pub address_space: Option<Node>,
}

pub(super) fn from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    let rg = r.f(&["resource_group_name"]);
    let name = r.f(&["name"]);
    for sb in r.b.blocks("subnet") {
        let prefixes = field(&sb, &["address_prefixes"])
            .or_else(|| field(&sb, &["address_prefix"]).map(Node::into_list));
        m.subnets.push(Subnet {
            addr: format!("{}.subnet", r.addr),
            id: None,
            header: sb.header(),
            name: field(&sb, &["name"]),
            resource_group: rg.clone(),
            vnet_name: name.clone(),
            vnet_ref: Ref::Id(r.id()),
            vnet: None,
            prefixes,
            delegations: Some(terraform_delegations(&sb)),
            route_table: Ref::from_node(field(&sb, &["route_table_id"]).as_ref()),
            nsg: field(&sb, &["security_group"]),
            nat_gateway: Ref::Absent,
        });
    }
    m.vnets.push(Vnet {
        addr: r.addr.clone(),
        id: Some(r.id()),
        header: r.header(),
        name,
        resource_group: rg,
        address_space: r.f(&["address_space"]),
    });
}

pub(super) fn from_arm(r: &ArmResource<'_>, m: &mut Model) {
    let (v, subnets) = arm_vnet(r.addr.clone(), r.id.clone(), r.header, r.body, None);
    m.vnets.push(v);
    m.subnets.extend(subnets);
}

/// `Microsoft.Network/virtualNetworks` with inline subnets.
fn arm_vnet(
    addr: String,
    id: String,
    header: Span,
    body: &Node,
    rg: Option<Node>,
) -> (Vnet, Vec<Subnet>) {
    let props = body
        .get_ci("properties")
        .cloned()
        .unwrap_or_else(Node::null);
    let v = Vnet {
        addr: addr.clone(),
        id: Some(id.clone()),
        header,
        name: body.get_ci("name").cloned(),
        resource_group: rg.clone(),
        address_space: props.path_ci(&["addressSpace", "addressPrefixes"]).cloned(),
    };
    let mut subnets = Vec::new();
    if let Some(list) = props.get_ci("subnets").and_then(Node::as_list) {
        for s in list {
            subnets.push(arm_subnet(
                format!("{addr}.subnets"),
                None,
                s.get_ci("name")
                    .and_then(Node::primary_span)
                    .or_else(|| s.primary_span())
                    .unwrap_or(header),
                s,
                Ref::Id(id.clone()),
                rg.clone(),
            ));
        }
    }
    (v, subnets)
}
