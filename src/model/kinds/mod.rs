//! Every resource kind the model reads, one file each: the struct, its Terraform mapping and its
//! ARM/Bicep mapping side by side, registered once in [`KINDS`]. Both mappers (and the plan
//! mapper, which reuses the Terraform one) dispatch through this table, so adding a kind is a new
//! file here plus one entry (and the document fields that expose it, in `model::subject`).

pub mod agc;
pub mod app_gateway;
pub mod cluster;
pub mod config_map;
pub mod helm_release;
pub mod local_gateway;
pub mod nat_gateway;
pub mod nsg;
pub mod peering;
pub mod pool;
pub mod private_dns_zone;
pub mod public_ip;
pub mod resource_group;
pub mod role_assignment;
pub mod route_table;
pub mod subnet;
pub mod vnet;

use super::resource::{ArmResource, Block, Resource};
use super::Model;

/// One resource kind: the type names it answers to and how each dialect maps into the model.
/// The Terraform mapper is generic over the block (HCL or plan values), so it is named by a
/// [`Tf`] and reached through [`Tf::map`] rather than stored as a function pointer.
pub struct Kind {
    /// azurerm/kubernetes/helm resource types, exact.
    pub terraform: &'static [&'static str],
    /// ARM types, lower-cased, without API version.
    pub arm: &'static [&'static str],
    tf: Tf,
    from_arm: fn(&ArmResource<'_>, &mut Model),
}

/// Which Terraform mapper a kind uses.
#[derive(Clone, Copy)]
enum Tf {
    Cluster,
    AutomaticCluster,
    Pool,
    Vnet,
    Subnet,
    Peering,
    LocalGateway,
    RouteTable,
    Route,
    RouteLink,
    Nsg,
    NsgRule,
    NsgLink,
    Agc,
    AgcAssociation,
    AppGateway,
    RoleAssignment,
    ResourceGroup,
    HelmRelease,
    ConfigMap,
    Manifest,
    NatGateway,
    NatGatewayLink,
    PrivateDnsZone,
    PublicIp,
    PublicIpPrefix,
}

impl Tf {
    fn map<B: Block>(self, r: &Resource<'_, B>, m: &mut Model) {
        match self {
            Tf::Cluster => cluster::from_terraform(r, m),
            Tf::AutomaticCluster => cluster::automatic_from_terraform(r, m),
            Tf::Pool => pool::from_terraform(r, m),
            Tf::Vnet => vnet::from_terraform(r, m),
            Tf::Subnet => subnet::from_terraform(r, m),
            Tf::Peering => peering::from_terraform(r, m),
            Tf::LocalGateway => local_gateway::from_terraform(r, m),
            Tf::RouteTable => route_table::from_terraform(r, m),
            Tf::Route => route_table::route_from_terraform(r, m),
            Tf::RouteLink => route_table::link_from_terraform(r, m),
            Tf::Nsg => nsg::from_terraform(r, m),
            Tf::NsgRule => nsg::rule_from_terraform(r, m),
            Tf::NsgLink => nsg::link_from_terraform(r, m),
            Tf::Agc => agc::from_terraform(r, m),
            Tf::AgcAssociation => agc::association_from_terraform(r, m),
            Tf::AppGateway => app_gateway::from_terraform(r, m),
            Tf::RoleAssignment => role_assignment::from_terraform(r, m),
            Tf::ResourceGroup => resource_group::from_terraform(r, m),
            Tf::HelmRelease => helm_release::from_terraform(r, m),
            Tf::ConfigMap => config_map::from_terraform(r, m),
            Tf::Manifest => config_map::manifest_from_terraform(r, m),
            Tf::NatGateway => nat_gateway::from_terraform(r, m),
            Tf::NatGatewayLink => nat_gateway::link_from_terraform(r, m),
            Tf::PrivateDnsZone => private_dns_zone::from_terraform(r, m),
            Tf::PublicIp => public_ip::ip_from_terraform(r, m),
            Tf::PublicIpPrefix => public_ip::prefix_from_terraform(r, m),
        }
    }
}

/// Terraform-only kinds (association resources, Helm releases) have no ARM mapper.
fn no_arm(_: &ArmResource<'_>, _: &mut Model) {}

const fn kind(
    terraform: &'static [&'static str],
    arm: &'static [&'static str],
    tf: Tf,
    from_arm: fn(&ArmResource<'_>, &mut Model),
) -> Kind {
    Kind {
        terraform,
        arm,
        tf,
        from_arm,
    }
}

/// The table of kinds.
pub const KINDS: &[Kind] = &[
    kind(
        &["azurerm_kubernetes_cluster"],
        &["microsoft.containerservice/managedclusters"],
        Tf::Cluster,
        cluster::from_arm,
    ),
    kind(
        &["azurerm_kubernetes_automatic_cluster"],
        &[],
        Tf::AutomaticCluster,
        no_arm,
    ),
    kind(
        &["azurerm_kubernetes_cluster_node_pool"],
        &["microsoft.containerservice/managedclusters/agentpools"],
        Tf::Pool,
        pool::from_arm,
    ),
    kind(
        &["azurerm_virtual_network"],
        &["microsoft.network/virtualnetworks"],
        Tf::Vnet,
        vnet::from_arm,
    ),
    kind(
        &["azurerm_subnet"],
        &["microsoft.network/virtualnetworks/subnets"],
        Tf::Subnet,
        subnet::from_arm,
    ),
    kind(
        &["azurerm_virtual_network_peering"],
        &["microsoft.network/virtualnetworks/virtualnetworkpeerings"],
        Tf::Peering,
        peering::from_arm,
    ),
    kind(
        &["azurerm_local_network_gateway"],
        &["microsoft.network/localnetworkgateways"],
        Tf::LocalGateway,
        local_gateway::from_arm,
    ),
    kind(
        &["azurerm_route_table"],
        &["microsoft.network/routetables"],
        Tf::RouteTable,
        route_table::from_arm,
    ),
    kind(
        &["azurerm_route"],
        &["microsoft.network/routetables/routes"],
        Tf::Route,
        route_table::route_from_arm,
    ),
    kind(
        &["azurerm_subnet_route_table_association"],
        &[],
        Tf::RouteLink,
        no_arm,
    ),
    kind(
        &["azurerm_network_security_group"],
        &["microsoft.network/networksecuritygroups"],
        Tf::Nsg,
        nsg::from_arm,
    ),
    kind(
        &["azurerm_network_security_rule"],
        &["microsoft.network/networksecuritygroups/securityrules"],
        Tf::NsgRule,
        nsg::rule_from_arm,
    ),
    kind(
        &["azurerm_subnet_network_security_group_association"],
        &[],
        Tf::NsgLink,
        no_arm,
    ),
    kind(
        &["azurerm_application_load_balancer"],
        &["microsoft.servicenetworking/trafficcontrollers"],
        Tf::Agc,
        agc::from_arm,
    ),
    kind(
        &["azurerm_application_load_balancer_subnet_association"],
        &["microsoft.servicenetworking/trafficcontrollers/associations"],
        Tf::AgcAssociation,
        agc::association_from_arm,
    ),
    kind(
        &["azurerm_application_gateway"],
        &["microsoft.network/applicationgateways"],
        Tf::AppGateway,
        app_gateway::from_arm,
    ),
    kind(
        &["azurerm_role_assignment"],
        &["microsoft.authorization/roleassignments"],
        Tf::RoleAssignment,
        role_assignment::from_arm,
    ),
    kind(
        &["azurerm_resource_group"],
        &["microsoft.resources/resourcegroups"],
        Tf::ResourceGroup,
        resource_group::from_arm,
    ),
    kind(&["helm_release"], &[], Tf::HelmRelease, no_arm),
    kind(
        &["kubernetes_config_map", "kubernetes_config_map_v1"],
        // Bicep's Kubernetes extension (`core/ConfigMap@v1`).
        &["core/configmap"],
        Tf::ConfigMap,
        config_map::from_arm,
    ),
    kind(&["kubernetes_manifest"], &[], Tf::Manifest, no_arm),
    kind(
        &["azurerm_nat_gateway"],
        &["microsoft.network/natgateways"],
        Tf::NatGateway,
        nat_gateway::from_arm,
    ),
    kind(
        &["azurerm_subnet_nat_gateway_association"],
        &[],
        Tf::NatGatewayLink,
        no_arm,
    ),
    kind(
        &["azurerm_private_dns_zone"],
        &["microsoft.network/privatednszones"],
        Tf::PrivateDnsZone,
        private_dns_zone::from_arm,
    ),
    kind(
        &["azurerm_public_ip"],
        &["microsoft.network/publicipaddresses"],
        Tf::PublicIp,
        public_ip::ip_from_arm,
    ),
    kind(
        &["azurerm_public_ip_prefix"],
        &["microsoft.network/publicipprefixes"],
        Tf::PublicIpPrefix,
        public_ip::prefix_from_arm,
    ),
];

/// Whether a Terraform resource type belongs to a kind of the table.
pub fn reads_terraform(ty: &str) -> bool {
    KINDS.iter().any(|k| k.terraform.contains(&ty))
}

/// Maps a Terraform resource of a table kind; false when no kind takes the type.
pub fn from_terraform<B: Block>(ty: &str, r: &Resource<'_, B>, m: &mut Model) -> bool {
    match KINDS.iter().find(|k| k.terraform.contains(&ty)) {
        Some(k) => {
            k.tf.map(r, m);
            true
        }
        None => false,
    }
}

/// Maps an ARM resource of a table kind; false when no kind takes the type.
/// Whether some kind reads resources of this (lower-cased) ARM type.
pub fn reads_arm(ty: &str) -> bool {
    KINDS.iter().any(|k| k.arm.contains(&ty))
}

pub fn from_arm(r: &ArmResource<'_>, m: &mut Model) -> bool {
    match KINDS.iter().find(|k| k.arm.contains(&r.ty)) {
        Some(k) => {
            (k.from_arm)(r, m);
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_has_one_kind() {
        let mut seen = foldhash::HashSet::default();
        for k in KINDS {
            for t in k.terraform.iter().chain(k.arm) {
                assert!(seen.insert(*t), "{t} is in two kinds");
                assert!(
                    !t.contains(char::is_uppercase) || k.terraform.contains(t),
                    "ARM type {t} must be lower-cased"
                );
            }
        }
    }
}
