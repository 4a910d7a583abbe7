//! Route tables with their routes (inline, `azurerm_route`, ARM `routeTables/routes`) and their
//! subnet associations (`azurerm_subnet_route_table_association`; ARM writes `routeTable.id` on
//! the subnet).

use crate::model::resource::{ArmResource, Block, Resource};
use crate::model::{Model, Node, Ref, SubnetLink};
use crate::source::Span;

#[derive(Clone, Debug)]
pub struct RouteTable {
    pub addr: String,
    pub id: String,
    pub header: Span,
    pub name: Option<Node>,
    pub resource_group: Option<Node>,
    /// Its routes (inline, standalone and ARM children once linked).
    pub routes: Vec<RouteEntry>,
}

/// One route: its address prefix and next hop type, each located.
#[derive(Clone, Debug)]
pub struct RouteEntry {
    pub prefix: Node,
    pub next_hop: Option<Node>,
}

impl RouteEntry {
    /// A route from its fields as written; a missing prefix is unknown.
    pub fn new(prefix: Option<Node>, next_hop: Option<Node>) -> RouteEntry {
        RouteEntry {
            prefix: prefix.unwrap_or_else(|| Node::unknown("route prefix is not set")),
            next_hop,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Route {
    pub table_name: Option<Node>,
    pub resource_group: Option<Node>,
    pub entry: RouteEntry,
}

pub(super) fn from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    let routes =
        r.b.blocks("route")
            .iter()
            .map(|x| {
                RouteEntry::new(
                    crate::model::resource::field(x, &["address_prefix"]),
                    crate::model::resource::field(x, &["next_hop_type"]),
                )
            })
            .collect();
    m.route_tables.push(RouteTable {
        addr: r.addr.clone(),
        id: r.id(),
        header: r.header(),
        name: r.f(&["name"]),
        resource_group: r.f(&["resource_group_name"]),
        routes,
    });
}

pub(super) fn route_from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    m.routes.push(Route {
        table_name: r.f(&["route_table_name"]),
        resource_group: r.f(&["resource_group_name"]),
        entry: RouteEntry::new(r.f(&["address_prefix"]), r.f(&["next_hop_type"])),
    });
}

pub(super) fn link_from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    m.route_links.push(SubnetLink {
        subnet: r.reference("subnet_id"),
        target: r.reference("route_table_id"),
    });
}

pub(super) fn from_arm(r: &ArmResource<'_>, m: &mut Model) {
    let routes = r
        .prop("routes")
        .and_then(Node::as_list)
        .map(|routes| {
            routes
                .iter()
                .map(|x| {
                    let p = x.get_ci("properties");
                    RouteEntry::new(
                        p.and_then(|p| p.get_ci("addressPrefix")).cloned(),
                        p.and_then(|p| p.get_ci("nextHopType")).cloned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    m.route_tables.push(RouteTable {
        addr: r.addr.clone(),
        id: r.id.clone(),
        header: r.header,
        name: r.name(),
        resource_group: None,
        routes,
    });
}

/// A route child resource, joined to its table by the parent's id when the model is linked.
pub(super) fn route_from_arm(r: &ArmResource<'_>, m: &mut Model) {
    if let Ref::Id(table) = &r.parent {
        let entry = RouteEntry::new(
            r.prop("addressPrefix").cloned(),
            r.prop("nextHopType").cloned(),
        );
        m.arm_routes.push((table.clone(), entry));
    }
}
