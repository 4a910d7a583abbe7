//! The model: a source-independent view of clusters, node pools, subnets, VNets, peerings and
//! local network gateways, with every field's location kept. Frontends fill it (Terraform via
//! [`terraform`]); [`link`] resolves pool -> subnet -> VNet -> peerings once; [`subject`] builds
//! the per-cluster JSON documents the rules read, with platform defaults applied and marked.

pub mod agic_helm;
pub mod arm;
pub mod deployment;
pub mod identity;
pub mod kinds;
pub mod link;
pub mod migration;
pub mod node;
pub mod nsg;
pub mod plan;
pub mod resource;
pub mod subject;
pub mod terraform;

use crate::source::Span;
pub use kinds::agc::{Agc, AgcAssociation};
pub use kinds::app_gateway::AppGateway;
pub use kinds::cluster::{AgicAddon, ApiAccess, Cluster, LoadBalancerProfile, Network};
pub use kinds::local_gateway::LocalGateway;
pub use kinds::nsg::{LooseNsgRule, Nsg, NsgRule};
pub use kinds::peering::Peering;
pub use kinds::pool::Pool;
pub use kinds::resource_group::ResourceGroup;
pub use kinds::role_assignment::RoleAssignment;
pub use kinds::route_table::{Route, RouteEntry, RouteTable};
pub use kinds::subnet::Subnet;
pub use kinds::vnet::Vnet;
pub use node::{Loc, Node, Undecided, V};

/// How one resource refers to another.
#[derive(Clone, Debug, PartialEq)]
pub enum Ref {
    Absent,
    Unknown(String),
    /// A resource in the scan, by address (`ref:module.net.azurerm_subnet.nodes`).
    Id(String),
    /// A child of a scanned VNet by name (`"${azurerm_virtual_network.v.id}/subnets/x"`).
    VnetChild {
        vnet: String,
        subnet: String,
    },
    /// A literal ARM resource id.
    Arm {
        rg: String,
        vnet: String,
        subnet: Option<String>,
    },
}

impl Ref {
    /// Reads a reference from an id value.
    pub fn from_node(n: Option<&Node>) -> Ref {
        let Some(n) = n else { return Ref::Absent };
        match &n.v {
            V::Null => Ref::Absent,
            V::Unknown(r) => Ref::Unknown(r.clone()),
            V::Str(s) => parse_ref(s),
            _ => Ref::Unknown("not an id".into()),
        }
    }
}

/// The segment after `key` in an ARM resource id (`.../virtualNetworks/<this>/...`), the key
/// matched ignoring case.
pub fn arm_id_segment<'a>(id: &'a str, key: &str) -> Option<&'a str> {
    let mut parts = id.trim_matches('/').split('/');
    parts.by_ref().find(|p| p.eq_ignore_ascii_case(key))?;
    parts.next()
}

fn parse_ref(s: &str) -> Ref {
    if let Some(rest) = s.strip_prefix("ref:") {
        if let Some((vnet, sub)) = rest.split_once("/subnets/") {
            return Ref::VnetChild {
                vnet: format!("ref:{vnet}"),
                subnet: sub.to_string(),
            };
        }
        return Ref::Id(s.to_string());
    }
    let find = |key: &str| arm_id_segment(s, key).map(str::to_string);
    match (find("resourceGroups"), find("virtualNetworks")) {
        (Some(rg), Some(vnet)) => Ref::Arm {
            rg,
            vnet,
            subnet: find("subnets"),
        },
        _ => Ref::Unknown(format!("`{s}` is not a resource id in the scan")),
    }
}

/// Everything one root (and the modules it calls) declares.
#[derive(Default, Debug)]
pub struct Model {
    pub clusters: Vec<Cluster>,
    /// Pools declared as separate resources, linked to clusters by [`link`].
    pub loose_pools: Vec<Pool>,
    pub subnets: Vec<Subnet>,
    pub vnets: Vec<Vnet>,
    pub peerings: Vec<Peering>,
    pub local_gateways: Vec<LocalGateway>,
    pub route_tables: Vec<RouteTable>,
    /// Standalone routes (`azurerm_route`), joined to their table by name.
    pub routes: Vec<Route>,
    /// Subnet -> route table associations.
    pub route_links: Vec<SubnetLink>,
    pub nat_gateways: Vec<kinds::nat_gateway::NatGateway>,
    /// Subnet -> NAT gateway associations.
    pub nat_gateway_links: Vec<SubnetLink>,
    pub private_dns_zones: Vec<kinds::private_dns_zone::PrivateDnsZone>,
    pub public_ips: Vec<kinds::public_ip::PublicIp>,
    pub public_ip_prefixes: Vec<kinds::public_ip::PublicIpPrefix>,
    /// Application Gateway for Containers (traffic controllers) and their subnet associations.
    pub agcs: Vec<Agc>,
    pub agc_associations: Vec<AgcAssociation>,
    /// ALB controller Helm releases (chart `alb-controller`): their `version` values.
    pub alb_controllers: Vec<Option<Node>>,
    pub app_gateways: Vec<AppGateway>,
    pub role_assignments: Vec<RoleAssignment>,
    /// Resource groups, to match role assignments scoped to a group.
    pub resource_groups: Vec<ResourceGroup>,
    /// AGIC Helm releases (chart `ingress-azure`).
    pub agic_helm: Vec<AgicHelm>,
    /// ARM route child resources, joined to their table by its id.
    pub arm_routes: Vec<(String, RouteEntry)>,
    /// Network security groups with their inline rules.
    pub nsgs: Vec<Nsg>,
    /// Standalone rules (`azurerm_network_security_rule`), joined to their NSG by name.
    pub nsg_rules: Vec<LooseNsgRule>,
    /// ARM security rule child resources: (NSG id, rule).
    pub arm_nsg_rules: Vec<(String, NsgRule)>,
    /// Subnet -> NSG associations, the NSG reference located.
    pub nsg_links: Vec<(Ref, Node)>,
    /// ConfigMaps named `azure-ip-masq-agent-config` managed in the code: (address, header).
    pub ip_masq_configs: Vec<(String, Span)>,
    pub resources: usize,
    /// Module sources this evaluation called and could not read (registry modules without a
    /// copy, missing paths): they may create what the scan did not find, so "none found" is
    /// unknown while this is non-empty.
    pub unread_modules: Vec<String>,
}

impl Model {
    /// Why `what` (a role assignment, a route table association, ...) may exist although the
    /// scan found none: a module of this evaluation was not read. `None` when all were read.
    pub fn unread_may_create(&self, what: &str) -> Option<String> {
        let names: Vec<String> = self
            .unread_modules
            .iter()
            .map(|m| format!("`{m}`"))
            .collect();
        match names.as_slice() {
            [] => None,
            [one] => Some(format!("module {one} was not read and may create {what}")),
            _ => Some(format!(
                "modules {} were not read and may create {what}",
                names.join(", ")
            )),
        }
    }
}

/// AGIC installed by Helm: its chart version and the gateway its values name.
#[derive(Clone, Debug)]
pub struct AgicHelm {
    pub header: Span,
    pub version: Option<Node>,
    /// `appgw.name`, `appgw.resourceGroup` and `appgw.subscriptionId` of the values. The
    /// subscription is kept for reports only: gateways in the scan do not say theirs.
    pub gateway_name: Option<Node>,
    pub gateway_resource_group: Option<Node>,
    pub gateway_subscription: Option<Node>,
}

/// A subnet's association with a route table or a NAT gateway (the association resources).
#[derive(Clone, Debug)]
pub struct SubnetLink {
    pub subnet: Ref,
    pub target: Ref,
}
