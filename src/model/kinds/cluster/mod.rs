//! Clusters: the AKS managed cluster with its network profile, API server access, identity and
//! add-ons (`azurerm_kubernetes_cluster`, `azurerm_kubernetes_automatic_cluster`, ARM/Bicep/azapi
//! `Microsoft.ContainerService/managedClusters`).

mod arm;
mod terraform;

use crate::model::kinds::pool::Pool;
use crate::model::resource::{ArmResource, Block, Resource};
use crate::model::{Model, Node, Ref};
use crate::source::Span;

pub use arm::identity_principal;
pub use terraform::principal;

#[derive(Clone, Debug, Default)]
pub struct Network {
    pub plugin: Option<Node>,
    pub plugin_mode: Option<Node>,
    pub policy: Option<Node>,
    pub data_plane: Option<Node>,
    pub pod_cidrs: Option<Node>,
    pub service_cidrs: Option<Node>,
    /// The singular `pod_cidr`/`podCidr` when the plural is written too: the plural wins, and a
    /// fix that changes it changes this one with it.
    pub pod_cidr_twin: Option<Node>,
    /// Likewise `service_cidr`/`serviceCidr`.
    pub service_cidr_twin: Option<Node>,
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
pub struct AgicAddon {
    pub header: Span,
    pub gateway: Ref,
    pub subnet_cidr: Option<Node>,
    pub subnet: Ref,
}

pub(super) fn from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    m.clusters.push(terraform::cluster(r));
}

pub(super) fn automatic_from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    m.clusters.push(terraform::automatic_cluster(r));
}

pub(super) fn from_arm(r: &ArmResource<'_>, m: &mut Model) {
    let mut c = arm::cluster(
        r.addr.clone(),
        r.id.clone(),
        r.header,
        r.body,
        r.condition.clone(),
    );
    c.principal = r
        .principal
        .clone()
        .unwrap_or_else(|| identity_principal(&r.id, r.body));
    m.clusters.push(c);
}
