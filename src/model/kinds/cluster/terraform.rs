//! The azurerm cluster resources: `azurerm_kubernetes_cluster` and the 5.x
//! `azurerm_kubernetes_automatic_cluster`.

use super::{AgicAddon, ApiAccess, Cluster, LoadBalancerProfile, Network};
use crate::model::kinds::pool::{terraform_pool, Pool};
use crate::model::resource::{field, Block, Resource};
use crate::model::{Node, Ref, V};

/// The principal of the resource's managed identity (`identity` block): the cluster's own for
/// SystemAssigned, the user-assigned identity's for UserAssigned.
pub fn principal<B: Block>(r: &Resource<'_, B>) -> Option<Node> {
    let ids = r.b.blocks("identity");
    let b = ids.first()?;
    let ty = field(b, &["type"])?;
    let Some(t) = ty.as_str() else {
        return Some(Node::unknown("identity type is unknown"));
    };
    if t.eq_ignore_ascii_case("SystemAssigned") {
        return Some(Node::str(format!("ref:{}.identity.principal_id", r.addr)));
    }
    if t.eq_ignore_ascii_case("UserAssigned") {
        let first =
            field(b, &["identity_ids"]).and_then(|l| l.as_list().and_then(|l| l.first().cloned()));
        return Some(match first.as_ref().and_then(Node::as_str) {
            Some(id) if id.starts_with("ref:") => Node::str(format!("{id}.principal_id")),
            _ => Node::unknown("the user-assigned identity is not in the scan"),
        });
    }
    Some(Node::unknown("identity type is not recognized"))
}

/// The identity type and where the `identity` block is.
fn identity<B: Block>(r: &Resource<'_, B>) -> (Option<Node>, Option<crate::source::Span>) {
    let ids = r.b.blocks("identity");
    let b = ids.first();
    (b.and_then(|b| field(b, &["type"])), b.map(Block::header))
}

pub fn cluster<B: Block>(r: &Resource<'_, B>) -> Cluster {
    let nps = r.b.blocks("network_profile");
    let np = nps.first();
    let nf = |names: &[&str]| np.and_then(|b| field(b, names));
    let list_or_single = |plural: &str, single: &str| {
        nf(&[plural])
            .filter(|n| n.as_list().is_none_or(|l| !l.is_empty()))
            .or_else(|| nf(&[single]).map(Node::into_list))
    };
    let twin = |plural: &str, single: &str| {
        nf(&[plural])
            .filter(|n| n.as_list().is_some_and(|l| !l.is_empty()))
            .and(nf(&[single]))
    };
    let lbs = np
        .map(|b| b.blocks("load_balancer_profile"))
        .unwrap_or_default();
    let lb = lbs.first();
    let lf = |names: &[&str]| lb.and_then(|b| field(b, names));
    let network = Network {
        plugin: nf(&["network_plugin"]),
        plugin_mode: nf(&["network_plugin_mode"]),
        policy: nf(&["network_policy"]),
        data_plane: nf(&["network_data_plane"]).or_else(|| {
            // 3.x: `ebpf_data_plane = "cilium"`
            nf(&["ebpf_data_plane"])
        }),
        pod_cidrs: list_or_single("pod_cidrs", "pod_cidr"),
        service_cidrs: list_or_single("service_cidrs", "service_cidr"),
        pod_cidr_twin: twin("pod_cidrs", "pod_cidr"),
        service_cidr_twin: twin("service_cidrs", "service_cidr"),
        dns_service_ip: nf(&["dns_service_ip"]),
        ip_families: nf(&["ip_versions"]),
        outbound_type: nf(&["outbound_type"]),
        load_balancer_sku: nf(&["load_balancer_sku"]),
        // azurerm's `nat_gateway_profile` has no SKU: the managed gateway is Standard.
        nat_gateway_sku: None,
        load_balancer: LoadBalancerProfile {
            ports: lf(&["outbound_ports_allocated"]),
            managed_ip_count: lf(&["managed_outbound_ip_count"]),
            ip_ids: lf(&["outbound_ip_address_ids"]),
            prefix_ids: lf(&["outbound_ip_prefix_ids"]),
        },
    };
    let mut pools = Vec::new();
    for dp in r.b.blocks("default_node_pool") {
        let mut p = terraform_pool(
            &dp,
            format!("{}.default_node_pool", r.addr),
            Ref::Absent,
            r.cond.clone(),
        );
        // The provider always sends the default pool as a Linux system pool.
        p.mode = Some(Node::str("System"));
        p.os_type = Some(Node::str("Linux"));
        p.header = dp.header();
        pools.push(p);
    }
    let access = r.b.blocks("api_server_access_profile");
    let af = |names: &[&str]| access.first().and_then(|b| field(b, names));
    let api = ApiAccess {
        private: r.f(&["private_cluster_enabled"]),
        dns_zone: r.f(&["private_dns_zone_id"]),
        public_fqdn: Some(
            r.f(&["private_cluster_public_fqdn_enabled"])
                .unwrap_or_else(|| Node::default_at(V::Bool(false), Some(r.header()))),
        ),
        subdomain: r.f(&["dns_prefix_private_cluster"]),
        vnet_integration: af(&[
            "virtual_network_integration_enabled",
            "vnet_integration_enabled",
        ]),
        subnet: af(&["subnet_id"]),
        // 3.x wrote the ranges on the cluster.
        authorized_ranges: af(&["authorized_ip_ranges"])
            .or_else(|| r.f(&["api_server_authorized_ip_ranges"])),
    };
    let (identity, identity_at) = identity(r);
    Cluster {
        addr: r.addr.clone(),
        id: r.id(),
        header: r.b.header(),
        name: r.f(&["name"]),
        location: r.f(&["location"]),
        version: r.f(&["kubernetes_version"]),
        network_written: np.is_some(),
        network_at: np.map(|b| b.header()),
        network,
        pools,
        principal: principal(r),
        identity,
        identity_at,
        service_principal: !r.b.blocks("service_principal").is_empty(),
        api,
        agic: r
            .b
            .blocks("ingress_application_gateway")
            .first()
            .map(|b| AgicAddon {
                header: b.header(),
                gateway: Ref::from_node(field(b, &["gateway_id"]).as_ref()),
                subnet_cidr: field(b, &["subnet_cidr"]),
                subnet: Ref::from_node(field(b, &["subnet_id"]).as_ref()),
            }),
        virtual_nodes: r
            .b
            .blocks("aci_connector_linux")
            .first()
            .map(|b| Node::default_at(V::Bool(true), Some(b.header()))),
        condition: r.cond.clone(),
    }
}

/// azurerm 5.x AKS Automatic: the network is fixed by the SKU (Azure CNI Overlay powered by
/// Cilium, API server VNet integration), nodes are autoprovisioned into the `hosted_system`
/// subnets, and the private cluster settings sit in a `private_cluster` block.
pub fn automatic_cluster<B: Block>(r: &Resource<'_, B>) -> Cluster {
    let at = Some(r.header());
    let fixed = |v: &str| Some(Node::default_at(V::Str(v.into()), at));
    let network = Network {
        plugin: fixed("azure"),
        plugin_mode: fixed("overlay"),
        data_plane: fixed("cilium"),
        outbound_type: Some(Node::unknown(
            "AKS Automatic chooses the outbound type; the resource does not set it",
        )),
        ..Network::default()
    };
    let mut pools = Vec::new();
    if let Some(hs) = r.b.blocks("hosted_system").first() {
        for (name, attr, mode) in [
            ("system", "system_node_subnet_id", "System"),
            ("user", "node_subnet_id", "User"),
        ] {
            let subnet = field(hs, &[attr]);
            let autoprovisioned = || Some(Node::unknown("nodes are autoprovisioned"));
            pools.push(Pool {
                addr: format!("{}.hosted_system.{name}", r.addr),
                header: hs.header(),
                cluster: Ref::Absent,
                name: Some(Node::str(name)),
                mode: Some(Node::str(mode)),
                os_type: Some(Node::str("Linux")),
                os_sku: None,
                vm_size: None,
                pool_type: None,
                max_pods: None,
                node_count: autoprovisioned(),
                min_count: None,
                max_count: autoprovisioned(),
                auto_scaling: autoprovisioned(),
                max_surge: None,
                version: None,
                subnet: Ref::from_node(subnet.as_ref()),
                subnet_at: subnet.as_ref().and_then(|n| n.loc.at),
                pod_subnet: None,
                pod_ip_allocation: None,
                condition: r.cond.clone(),
            });
        }
    }
    let access = r.b.blocks("api_server_access");
    let af = |names: &[&str]| access.first().and_then(|b| field(b, names));
    let private = r.b.blocks("private_cluster");
    let pc = private.first();
    let api = ApiAccess {
        private: Some(Node::default_at(
            V::Bool(pc.is_some()),
            pc.map_or(at, |b| Some(b.header())),
        )),
        dns_zone: pc.and_then(|b| field(b, &["private_dns_zone_id"])),
        public_fqdn: pc.map(|b| {
            field(b, &["public_fully_qualified_domain_name_enabled"])
                .unwrap_or_else(|| Node::default_at(V::Bool(false), Some(b.header())))
        }),
        subdomain: None,
        vnet_integration: Some(Node::default_at(V::Bool(true), at)),
        subnet: af(&["subnet_id"]),
        authorized_ranges: af(&["authorized_ip_ranges"]),
    };
    let (identity, identity_at) = identity(r);
    Cluster {
        addr: r.addr.clone(),
        id: r.id(),
        header: r.header(),
        name: r.f(&["name"]),
        location: r.f(&["location"]),
        version: r.f(&["kubernetes_version"]),
        network_written: true,
        network_at: None,
        network,
        pools,
        principal: principal(r),
        identity,
        identity_at,
        service_principal: false,
        api,
        agic: None,
        virtual_nodes: None,
        condition: r.cond.clone(),
    }
}
