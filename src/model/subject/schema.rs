//! The declared schema of the documents rules read: every field, its type and what it means.
//! Rule paths are checked against it when the rule files load (a typo fails at once, not only
//! when a fixture happens to miss it), `docs/subjects.md` is generated from it, and a test
//! holds it to what the builders actually emit, in both directions.
//!
//! Paths are dotted, without list indexes (`pools.subnet.prefixes` for
//! `$.pools[*].subnet.prefixes[*]`). A line `path @group` places a shared group of fields there.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use super::SubjectKind;

/// One declared field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub path: String,
    pub ty: &'static str,
    pub about: &'static str,
}

/// Fields of a subnet document (node subnets, pod subnets, the API server subnet).
const SUBNET: &str = "
address | string | the subnet's resource address in the scan
name | string | the subnet name
vnet_name | string | the name of its VNet
resource_group | string | its resource group
prefixes | list of CIDR | its address prefixes
delegations | list of string | services the subnet is delegated to
has_ipv6 | bool | whether a prefix is IPv6
has_route_table | bool | whether a route table is associated in the scan (false: none found; unknown when a module was not read)
route_table | object | the associated route table, or null
route_table.address | string | its resource address
route_table.name | string | its name
route_table.prefixes | list of CIDR | the address prefixes of its routes
route_table.has_default_route | bool | whether a route is 0.0.0.0/0
route_table.default_route_next_hop | string | the next hop type of its 0.0.0.0/0 route, or null
has_nat_gateway | bool | whether a NAT gateway is associated in the scan
nat_gateway | object | the associated NAT gateway, or null
nat_gateway.address | string | its resource address
nat_gateway.sku | string | `Standard` (the default) or `StandardV2`
";

/// Fields of a node pool document.
const POOL: &str = "
address | string | the pool's resource address
name | string | the pool name
mode | string | `System` or `User` (default User)
os_type | string | `Linux` (default) or `Windows`
os_sku | string | the OS SKU, with the Windows default by Kubernetes version
vm_size | string | the VM size
type | string | `VirtualMachineScaleSets` (default), `AvailabilitySet`, `VirtualMachines`
max_pods | number | max pods per node, with the plugin's default
auto_scaling | bool | whether the pool autoscales
node_count | number | the node count (default 1)
min_count | number | the autoscaler minimum
max_count | number | the autoscaler maximum
max_nodes | number | nodes at full scale: max_count when autoscaling, else node_count
surge_nodes | number | extra nodes during upgrades (max surge; unset counts as 1)
subnet_ips_needed | number | node subnet addresses the pool takes at full scale
pod_subnet_id | string | the pod subnet reference as written
kubernetes_version | string | the pool's version, else the control plane's
condition | string | the unknown condition the pool exists under, or null
vnet | object | the VNet of its node subnet, or null without one
vnet.name | string | the VNet name
vnet.resource_group | string | the VNet's resource group
route_table_shared_with | string | an earlier cluster whose node subnet uses the same route table, or null
pod_ip_allocation | string | `DynamicIndividual` (default with a pod subnet) or `StaticBlock`; null without a pod subnet
pod_subnet_mode_conflict | bool | whether an earlier pool uses the same pod subnet in the other allocation mode
subnet | @subnet | the node subnet (null: AKS creates the network)
subnet.has_network_role | bool | whether the cluster identity holds Network Contributor (or more) on the node subnet
subnet.network_role_gap | string | what is missing when it does not
subnet.nsg_denies | string | the NSG rule value that denies cluster traffic, or null
subnet.nsg_denial | string | which traffic it denies
pod_subnet | @subnet | the pod subnet, or null
pod_subnet.prefix_v4 | CIDR | its first IPv4 prefix
";

/// Fields of a cluster document.
const CLUSTER: &str = "
address | string | the cluster's resource address
name | string | the cluster name
location | string | the region as written
identity_type | string | `SystemAssigned` (the default), `UserAssigned` or `ServicePrincipal`
byo_node_subnet | bool | whether a pool brings its own node subnet
kubernetes_version | string | the control plane version
agic_helm_version | string | the AGIC Helm chart version, or null
vnet_subnet_prefixes | list of CIDR | every subnet prefix of the cluster's VNets
connected | list of CIDR | address spaces of peered VNets and local network gateways
network | object | effective network settings, documented defaults applied and marked
network.plugin | string | `azure`, `kubenet` or `none` (unknown without a network profile)
network.cni | string | `kubenet`, `Azure CNI Overlay`, `flat Azure CNI` or `none`
network.plugin_mode | string | `overlay` or null
network.overlay | bool | whether the cluster is Azure CNI Overlay
network.uses_pod_cidr | bool | whether pods take addresses from a pod CIDR (overlay, kubenet)
network.policy | string | the network policy
network.data_plane | string | `azure` or `cilium`
network.outbound_type | string | the outbound type (default `loadBalancer`)
network.load_balancer_sku | string | the load balancer SKU (default `standard`)
network.pod_cidr_v4 | CIDR | the IPv4 pod CIDR
network.service_cidr_v4 | CIDR | the IPv4 service CIDR
network.service_cidr_v6 | CIDR | the IPv6 service CIDR
network.pod_cidrs | list of CIDR | pod CIDRs (default 10.244.0.0/16 where used)
network.service_cidrs | list of CIDR | service CIDRs (default 10.0.0.0/16)
network.pod_cidr_twin | CIDR | the singular `pod_cidr`/`podCidr` when `pod_cidrs` is written too (fixes change both), or null
network.service_cidr_twin | CIDR | the singular `service_cidr`/`serviceCidr` when `service_cidrs` is written too, or null
network.dns_service_ip | IP | the DNS service IP (default 10.0.0.10)
network.ip_families | list of string | IP families as written
network.dual_stack | bool | whether the IP families contain IPv6
network.pod_cidr_families | list of string | the family of each written pod CIDR
network.service_cidr_families | list of string | the family of each written service CIDR
network.nat_gateway_sku | string | the managed NAT gateway's SKU (ARM `natGatewayProfile.sku`), or null
network.load_balancer | object | the load balancer's outbound settings
network.load_balancer.ports | number | allocated SNAT ports per node (default 0: dynamic)
network.load_balancer.outbound_ips | number | outbound IPs: public IPs, else the prefixes' addresses, else the managed count (default 1)
pools | list of @pool | every node pool, inline and separate
vnets | list of object | the VNets of the node subnets
vnets.address | string | the VNet's resource address
vnets.name | string | its name
vnets.resource_group | string | its resource group
vnets.address_space | list of CIDR | its address space
addons | object | add-ons that matter to networking
addons.virtual_nodes | bool | whether the virtual nodes (ACI connector) add-on is enabled
api | object | API server access
api.private | bool | whether the cluster is private (default false)
api.dns_zone | string | the private DNS zone: `System` (default for private clusters), `None` or a zone id
api.dns_zone_kind | string | `System`, `None`, `custom` or `unset`
api.dns_zone_name | string | the custom zone's name (from the zone in the scan or the id), or null
api.dns_zone_in_scan | bool | whether the custom zone is created in the scan
api.dns_zone_role | bool | whether the cluster's user-assigned identity may write the zone, or null
api.public_fqdn | bool | whether a private cluster gets a public FQDN (azurerm default false; ARM default true)
api.subdomain | string | `dns_prefix_private_cluster` / `fqdnSubdomain`
api.vnet_integration | bool | whether API server VNet integration is enabled (default false)
api.subnet | @subnet | the API server subnet, or null
api.subnet.prefix_v4 | CIDR | its first IPv4 prefix
api.subnet.delegated | bool | whether it is delegated to `Microsoft.ContainerService/managedClusters`
api.subnet.other_vnet | bool | whether it is in another VNet than the node subnets
api.subnet.shared | bool | whether it is also a node or pod subnet
api.authorized_ranges | list of CIDR | authorized IP ranges
api.authorized_range_count | number | how many
api.authorized_range_limit | number | 200, or 2,000 with VNet integration
agic | object | the AGIC add-on (or a Helm release linked to the cluster), or null
agic.subnet_cidr | CIDR | the add-on's `subnet_cidr`
agic.gateway | object | the Application Gateway it uses
agic.gateway.address | string | its resource address
agic.gateway.sku_name | string | its SKU name
agic.gateway.sku_tier | string | its SKU tier
agic.gateway_subnet | object | the gateway's subnet
agic.gateway_subnet.address | string | its resource address
agic.gateway_subnet.name | string | its name
agic.gateway_subnet.prefix_v4 | CIDR | its first IPv4 prefix
agic.gateway_subnet.delegated_to_appgw | bool | whether it is delegated to `Microsoft.Network/applicationGateways`
agic.gateway_subnet.same_vnet | bool | whether it is in the node subnets' VNet
agic.gateway_subnet.second_gateway | bool | whether another gateway shares the subnet
";

/// Fields of an AGC association document.
const AGC_ASSOCIATION: &str = "
address | string | the association's resource address
alb_controller_version | string | the ALB controller Helm chart version, or null
associations_on_subnet | number | associations that use the same subnet
second_on_subnet | bool | whether an earlier association uses the same subnet
second_of_agc | bool | whether the same AGC has an earlier association
cluster | object | the linked cluster, or null
cluster.address | string | its resource address
cluster.link | string | how the link was made (same VNet, peered, only cluster)
cluster.plugin | string | its network plugin
cluster.overlay | bool | whether it is overlay
subnet | object | the association's subnet
subnet.address | string | its resource address
subnet.name | string | its name
subnet.prefixes | list of CIDR | its prefixes
subnet.prefix_v4 | CIDR | its first IPv4 prefix
subnet.delegated_to_agc | bool | whether it is delegated to `Microsoft.ServiceNetworking/trafficControllers`
subnet.shared_capacity_short | bool | whether associations sharing it lack 256 addresses each
";

/// Fields of a migration document (the same cluster before and after a change).
const MIGRATION: &str = "
address | string | the cluster's resource address
before | @cluster | the cluster document of the before-state
after | @cluster | the cluster document of the after-state
moves_to_overlay | bool | whether the change moves the cluster to Azure CNI Overlay
before_data_plane | string | the data plane before
after_data_plane | string | the data plane after
after_pod_cidrs | list of CIDR | the pod CIDRs after
after_pod_cidr_written | bool | whether the after-state writes a pod CIDR
before_identity | string | the identity type before
before_windows_pools | list of @pool | the Windows pools before
before_agc_subnets | list of object | AGC subnets linked to the cluster before
before_agc_subnets.association | string | the association's resource address
before_agc_subnets.prefix_v4 | CIDR | the subnet's first IPv4 prefix
before_agc_subnets.address | string | the subnet's resource address
before_agc_subnets.name | string | the subnet name
before_agc_subnets.prefixes | list of CIDR | its prefixes
before_agc_subnets.delegated_to_agc | bool | whether it is delegated to AGC
before_agc_subnets.shared_capacity_short | bool | whether sharing associations lack capacity
ip_masq_configs | list of string | `azure-ip-masq-agent-config` ConfigMaps managed in the code
";

fn table(kind: SubjectKind) -> &'static str {
    match kind {
        SubjectKind::Cluster => CLUSTER,
        SubjectKind::AgcAssociation => AGC_ASSOCIATION,
        SubjectKind::Migration => MIGRATION,
    }
}

/// A group's fields by name.
fn group(name: &str) -> &'static str {
    match name {
        "subnet" => SUBNET,
        "pool" => POOL,
        "cluster" => CLUSTER,
        _ => "",
    }
}

/// The fields of a table, groups expanded under their path (`pools.subnet.prefixes`).
fn expand(text: &'static str, prefix: &str, out: &mut Vec<Field>) {
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut parts = line.splitn(3, '|').map(str::trim);
        let (Some(path), Some(ty), Some(about)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let full = if prefix.is_empty() {
            path.to_string()
        } else {
            format!("{prefix}.{path}")
        };
        match ty.rsplit_once('@') {
            Some((_, g)) => {
                out.push(Field {
                    path: full.clone(),
                    ty: if ty.starts_with("list") {
                        "list of object"
                    } else {
                        "object"
                    },
                    about,
                });
                expand(group(g), &full, out);
            }
            None => out.push(Field {
                path: full,
                ty,
                about,
            }),
        }
    }
}

/// Every declared field of a kind, groups expanded.
pub fn fields(kind: SubjectKind) -> &'static [Field] {
    static CACHE: OnceLock<Vec<Vec<Field>>> = OnceLock::new();
    let all = CACHE.get_or_init(|| {
        SubjectKind::ALL
            .iter()
            .map(|k| {
                let mut out = Vec::new();
                expand(table(*k), "", &mut out);
                out
            })
            .collect()
    });
    let i = SubjectKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(0);
    all.get(i).map_or(&[], Vec::as_slice)
}

/// `$.pools[*].subnet['prefixes'][0]` -> `pools.subnet.prefixes`.
pub fn normalize(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path.trim().trim_start_matches('$');
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            rest = r;
        } else if let Some(r) = rest.strip_prefix("['") {
            let end = r.find("']").unwrap_or(r.len());
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(r.get(..end).unwrap_or(""));
            rest = r.get(end + 2..).unwrap_or("");
        } else if let Some(r) = rest.strip_prefix('[') {
            rest = r
                .get(r.find(']').map_or(r.len(), |e| e + 1)..)
                .unwrap_or("");
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(rest.get(..end).unwrap_or(""));
            rest = rest.get(end..).unwrap_or("");
        }
    }
    out
}

/// Whether a rule's JSONPath names a declared field (the document root counts).
pub fn declares(kind: SubjectKind, path: &str) -> bool {
    let p = normalize(path);
    p.is_empty() || fields(kind).iter().any(|f| f.path == p)
}

/// The normalized paths of every field a document holds (unknown values end a branch).
pub fn emitted(doc: &serde_json::Value) -> BTreeSet<String> {
    fn walk(v: &serde_json::Value, prefix: &str, out: &mut BTreeSet<String>) {
        match v {
            serde_json::Value::Object(o) if crate::model::node::json_unknown(v).is_none() => {
                for (k, x) in o {
                    let p = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(x, &p, out);
                    out.insert(p);
                }
            }
            serde_json::Value::Array(items) => {
                for x in items {
                    walk(x, prefix, out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(doc, "", &mut out);
    out
}

/// `docs/subjects.md`: one table per kind, groups once each.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Subject documents\n\nGenerated from `src/model/subject/schema.rs`; do not edit. Rules \
         select values of these documents with JSONPath (`$.pools[*].subnet.prefixes[*]`); a \
         rule naming a field not listed here fails to load. Unknown values are objects \
         `{\"$unknown\": \"why\"}`, defaults are marked as such in findings.\n",
    );
    let section = |out: &mut String, title: &str, text: &str| {
        out.push_str(&format!(
            "\n## {title}\n\n| field | type | meaning |\n|---|---|---|\n"
        ));
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let parts: Vec<&str> = line.splitn(3, '|').map(str::trim).collect();
            if let [path, ty, about] = parts.as_slice() {
                let ty = match ty.rsplit_once('@') {
                    Some((list, g)) => format!("{list}[{g}](#{g}-fields)"),
                    None => ty.to_string(),
                };
                out.push_str(&format!("| `{path}` | {ty} | {about} |\n"));
            }
        }
    };
    for k in SubjectKind::ALL {
        section(&mut out, &format!("`{}` subjects", k.as_str()), table(*k));
    }
    section(&mut out, "subnet fields", SUBNET);
    section(&mut out, "pool fields", POOL);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalize() {
        assert_eq!(
            normalize("$.pools[*].subnet.prefixes[*]"),
            "pools.subnet.prefixes"
        );
        assert_eq!(normalize("$['pools'][0]['max_nodes']"), "pools.max_nodes");
        assert_eq!(normalize("$"), "");
    }

    #[test]
    fn groups_expand_under_their_path() {
        assert!(declares(
            SubjectKind::Cluster,
            "$.pools[*].subnet.route_table.has_default_route"
        ));
        assert!(declares(SubjectKind::Cluster, "$.api.subnet.prefix_v4"));
        assert!(declares(
            SubjectKind::Migration,
            "$.before.pools[*].pod_subnet_id"
        ));
        assert!(!declares(SubjectKind::Cluster, "$.network.pod_cidr_v5"));
    }
}
