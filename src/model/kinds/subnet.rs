//! Subnets (`azurerm_subnet`, `Microsoft.Network/virtualNetworks/subnets`; inline ones are read
//! with their VNet): prefixes, delegations and what is written on the subnet itself (route
//! table, NSG, NAT gateway).

use crate::model::resource::{field, last_segment, ArmResource, Block, Resource};
use crate::model::{Model, Node, Ref, V};
use crate::source::Span;

#[derive(Clone, Debug)]
pub struct Subnet {
    pub addr: String,
    pub id: Option<String>,
    pub header: Span,
    pub name: Option<Node>,
    pub resource_group: Option<Node>,
    pub vnet_name: Option<Node>,
    /// Set when the subnet is declared inside (or as a child of) a known VNet.
    pub vnet_ref: Ref,
    pub vnet: Option<usize>,
    pub prefixes: Option<Node>,
    pub delegations: Option<Node>,
    /// `route_table_id` written on the subnet itself (inline VNet subnets).
    pub route_table: Ref,
    /// The network security group written on the subnet itself (inline `security_group`,
    /// `network_security_group_id_wo`, ARM `networkSecurityGroup.id`), located.
    pub nsg: Option<Node>,
    /// The NAT gateway written on the subnet itself (ARM `natGateway.id`).
    pub nat_gateway: Ref,
}

impl Subnet {
    /// The first IPv4 prefix (or the unknown standing before it).
    pub fn first_v4_prefix(&self) -> Option<Node> {
        self.prefixes
            .as_ref()?
            .as_list()?
            .iter()
            .find(|p| {
                p.is_unknown()
                    || p.as_str()
                        .and_then(crate::cidr::parse)
                        .is_some_and(|n| crate::cidr::is_v4(&n))
            })
            .cloned()
    }

    /// Whether the subnet is delegated to `service`, anchored at the subnet; unknown when any
    /// delegation is.
    pub fn delegated_to(&self, service: &str) -> Node {
        match self.delegations.as_ref().map(|d| &d.v) {
            Some(V::List(items)) if items.iter().any(Node::is_unknown) => {
                Node::unknown("a delegation is unknown")
            }
            Some(V::List(items)) => Node::derived_at(
                V::Bool(
                    items
                        .iter()
                        .any(|i| i.as_str().is_some_and(|x| x.eq_ignore_ascii_case(service))),
                ),
                Some(self.header),
            ),
            Some(V::Unknown(r)) => Node::unknown(r.clone()),
            _ => Node::derived_at(V::Bool(false), Some(self.header)),
        }
    }
}

pub(super) fn from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    m.subnets.push(Subnet {
        addr: r.addr.clone(),
        id: Some(r.id()),
        header: r.header(),
        name: r.f(&["name"]),
        resource_group: r.f(&["resource_group_name"]),
        vnet_name: r.f(&["virtual_network_name"]),
        vnet_ref: r.referenced(&["virtual_network_name"]),
        vnet: None,
        prefixes: r
            .f(&["address_prefixes"])
            .or_else(|| r.f(&["address_prefix"]).map(Node::into_list)),
        delegations: Some(if r.b.ignores_changes("delegation") {
            Node::derived_at(
                V::Unknown(
                    "the delegation is managed outside this code (lifecycle ignore_changes lists it)"
                        .into(),
                ),
                Some(r.header()),
            )
        } else {
            terraform_delegations(r.b)
        }),
        route_table: Ref::from_node(r.f(&["route_table_id_wo"]).as_ref()),
        nsg: r.f(&["network_security_group_id_wo"]),
        nat_gateway: Ref::Absent,
    });
}

pub(super) fn from_arm(r: &ArmResource<'_>, m: &mut Model) {
    let mut s = arm_subnet(
        r.addr.clone(),
        Some(r.id.clone()),
        r.header,
        r.body,
        r.parent.clone(),
        None,
    );
    s.name = s.name.map(last_segment);
    m.subnets.push(s);
}

/// Service names of a subnet's `delegation` blocks.
pub fn terraform_delegations<B: Block>(b: &B) -> Node {
    let mut items = Vec::new();
    for d in b.blocks("delegation") {
        let sd = d.blocks("service_delegation");
        let name = sd.first().and_then(|s| field(s, &["name"]));
        let mut n = name.unwrap_or_else(|| Node::unknown("delegation service is unknown"));
        if n.loc.at.is_none() {
            n.loc.at = Some(d.header());
        }
        if n.loc.prov.is_none() && !n.is_unknown() {
            n.loc.at = Some(d.header());
        }
        items.push(n);
    }
    Node::list(items)
}

/// A subnet (inline in a VNet or a child resource).
pub fn arm_subnet(
    addr: String,
    id: Option<String>,
    header: Span,
    s: &Node,
    vnet_ref: Ref,
    rg: Option<Node>,
) -> Subnet {
    let props = s.get_ci("properties");
    let prefixes = props
        .and_then(|p| p.get_ci("addressPrefixes"))
        .filter(|n| !n.is_null())
        .cloned()
        .or_else(|| {
            props
                .and_then(|p| p.get_ci("addressPrefix"))
                .cloned()
                .map(Node::into_list)
        });
    let delegations = props
        .and_then(|p| p.get_ci("delegations"))
        .map(|d| match &d.v {
            V::List(items) => Node {
                v: V::List(
                    items
                        .iter()
                        .map(|i| {
                            i.path_ci(&["properties", "serviceName"])
                                .cloned()
                                .unwrap_or_else(|| Node::unknown("delegation service is unknown"))
                        })
                        .collect(),
                ),
                loc: d.loc.clone(),
            },
            _ => d.clone(),
        });
    Subnet {
        addr,
        id,
        header,
        name: s.get_ci("name").cloned(),
        resource_group: rg,
        vnet_name: None,
        vnet_ref,
        vnet: None,
        prefixes,
        delegations,
        route_table: Ref::from_node(props.and_then(|p| p.path_ci(&["routeTable", "id"]))),
        nsg: props
            .and_then(|p| p.path_ci(&["networkSecurityGroup", "id"]))
            .cloned(),
        nat_gateway: Ref::from_node(props.and_then(|p| p.path_ci(&["natGateway", "id"]))),
    }
}
