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
pub mod subject;
pub mod terraform;

use crate::source::Span;
pub use node::{Loc, Node, V};

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

#[derive(Clone, Debug, Default)]
pub struct Network {
    pub plugin: Option<Node>,
    pub plugin_mode: Option<Node>,
    pub policy: Option<Node>,
    pub data_plane: Option<Node>,
    pub pod_cidrs: Option<Node>,
    pub service_cidrs: Option<Node>,
    pub dns_service_ip: Option<Node>,
    pub ip_families: Option<Node>,
    pub outbound_type: Option<Node>,
    pub load_balancer_sku: Option<Node>,
    /// The managed NAT gateway's SKU (ARM `natGatewayProfile.sku`; azurerm has none).
    pub nat_gateway_sku: Option<Node>,
    pub load_balancer: LoadBalancerProfile,
}

/// The cluster load balancer's outbound settings (`load_balancer_profile`,
/// `loadBalancerProfile`): SNAT ports per node and where the outbound IPs come from.
#[derive(Clone, Debug, Default)]
pub struct LoadBalancerProfile {
    pub ports: Option<Node>,
    pub managed_ip_count: Option<Node>,
    /// Public IP ids (`outbound_ip_address_ids`, `outboundIPs.publicIPs[].id`).
    pub ip_ids: Option<Node>,
    /// Public IP prefix ids (`outbound_ip_prefix_ids`, `outboundIPPrefixes.publicIPPrefixes[].id`).
    pub prefix_ids: Option<Node>,
}

/// How the API server is reached: private cluster and its DNS zone, the public FQDN, API
/// server VNet integration and authorized ranges (`api_server_access_profile` and the
/// private cluster attributes; ARM `apiServerAccessProfile`).
#[derive(Clone, Debug, Default)]
pub struct ApiAccess {
    pub private: Option<Node>,
    /// `System`, `None` or a private DNS zone id, as written.
    pub dns_zone: Option<Node>,
    /// Whether a public FQDN is added to a private cluster; `None` takes the dialect's default
    /// (azurerm `false`, ARM: AKS creates one), which the mapper writes as a default.
    pub public_fqdn: Option<Node>,
    /// `dns_prefix_private_cluster` / `fqdnSubdomain`.
    pub subdomain: Option<Node>,
    pub vnet_integration: Option<Node>,
    pub subnet: Option<Node>,
    pub authorized_ranges: Option<Node>,
}

#[derive(Clone, Debug)]
pub struct Pool {
    pub addr: String,
    pub header: Span,
    /// For pools declared apart from their cluster.
    pub cluster: Ref,
    pub name: Option<Node>,
    pub mode: Option<Node>,
    pub os_type: Option<Node>,
    pub os_sku: Option<Node>,
    pub vm_size: Option<Node>,
    pub pool_type: Option<Node>,
    pub max_pods: Option<Node>,
    pub node_count: Option<Node>,
    pub min_count: Option<Node>,
    pub max_count: Option<Node>,
    pub auto_scaling: Option<Node>,
    pub max_surge: Option<Node>,
    pub version: Option<Node>,
    pub subnet: Ref,
    pub subnet_at: Option<Span>,
    pub pod_subnet: Option<Node>,
    /// ARM `podIPAllocationMode` (`DynamicIndividual`, the default, or `StaticBlock`).
    pub pod_ip_allocation: Option<Node>,
    pub condition: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Cluster {
    pub addr: String,
    pub id: String,
    pub header: Span,
    pub name: Option<Node>,
    pub location: Option<Node>,
    pub version: Option<Node>,
    /// Whether a network profile is written at all (absent: the API default decides).
    pub network_written: bool,
    pub network_at: Option<Span>,
    pub network: Network,
    pub pools: Vec<Pool>,
    /// Virtual nodes (ACI connector) add-on: enabled flag, located at its block or setting.
    pub virtual_nodes: Option<Node>,
    /// The control-plane identity's principal as a linkable token (`ref:<address>`), unknown,
    /// or `None` when there is no managed identity (service principal clusters).
    pub principal: Option<Node>,
    /// The managed identity type as written (`SystemAssigned`, `UserAssigned`), if any.
    pub identity: Option<Node>,
    /// Where the identity is declared (the `identity` block), for findings about its absence.
    pub identity_at: Option<Span>,
    /// Whether a service principal is written (no managed identity then).
    pub service_principal: bool,
    pub api: ApiAccess,
    /// The AGIC add-on (`ingress_application_gateway` / `addonProfiles.ingressApplicationGateway`).
    pub agic: Option<AgicAddon>,
    pub condition: Option<String>,
}

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

#[derive(Clone, Debug)]
pub struct Vnet {
    pub addr: String,
    pub id: Option<String>,
    pub header: Span,
    pub name: Option<Node>,
    pub resource_group: Option<Node>,
    pub address_space: Option<Node>,
}

#[derive(Clone, Debug)]
pub struct Peering {
    pub vnet_name: Option<Node>,
    pub resource_group: Option<Node>,
    pub vnet_ref: Ref,
    pub remote: Ref,
}

#[derive(Clone, Debug)]
pub struct LocalGateway {
    pub addr: String,
    pub address_space: Option<Node>,
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
    /// `azurerm_resource_group`: id and name, to match role assignments scoped to a group.
    pub resource_groups: Vec<(String, Option<Node>)>,
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

#[derive(Clone, Debug)]
pub struct AgicAddon {
    pub header: Span,
    pub gateway: Ref,
    pub subnet_cidr: Option<Node>,
    pub subnet: Ref,
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

#[derive(Clone, Debug)]
pub struct RoleAssignment {
    pub scope: Option<Node>,
    pub role_name: Option<Node>,
    pub role_id: Option<Node>,
    pub principal: Option<Node>,
}

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

#[derive(Clone, Debug)]
pub struct Agc {
    pub addr: String,
    pub id: String,
}

#[derive(Clone, Debug)]
pub struct AgcAssociation {
    pub addr: String,
    pub header: Span,
    pub agc: Ref,
    pub subnet: Ref,
    /// Set when it exists only if an unknown condition (or loop) allows.
    pub condition: Option<String>,
}

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

/// A subnet's association with a route table or a NAT gateway (the association resources).
#[derive(Clone, Debug)]
pub struct SubnetLink {
    pub subnet: Ref,
    pub target: Ref,
}

#[derive(Clone, Debug)]
pub struct Route {
    pub table_name: Option<Node>,
    pub resource_group: Option<Node>,
    pub entry: RouteEntry,
}

#[derive(Clone, Debug)]
pub struct Nsg {
    pub addr: String,
    pub id: String,
    pub header: Span,
    pub name: Option<Node>,
    pub resource_group: Option<Node>,
    /// Its rules, or why they cannot be known (an unknown rule list).
    pub rules: Result<Vec<NsgRule>, String>,
}

/// One security rule as written: every field located, plural and singular forms merged into
/// lists.
#[derive(Clone, Debug, Default)]
pub struct NsgRule {
    pub header: Option<Span>,
    pub name: Option<Node>,
    pub priority: Option<Node>,
    pub direction: Option<Node>,
    pub access: Option<Node>,
    pub protocol: Option<Node>,
    pub sources: Option<Node>,
    pub destinations: Option<Node>,
    pub source_ports: Option<Node>,
    pub destination_ports: Option<Node>,
    /// Application security groups on either side (membership is not static).
    pub source_asgs: Option<Node>,
    pub destination_asgs: Option<Node>,
    /// Set when the rule may belong to another NSG (its NSG's name is unknown): why.
    pub maybe_elsewhere: Option<String>,
}

#[derive(Clone, Debug)]
pub struct LooseNsgRule {
    pub nsg_name: Option<Node>,
    pub resource_group: Option<Node>,
    pub nsg_ref: Ref,
    pub rule: NsgRule,
}
