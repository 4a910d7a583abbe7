//! ARM-shaped resource bodies (`properties.networkProfile...`) into the model. Used for azapi
//! resources today and by the ARM/Bicep frontends: ARM property names are case-insensitive, so
//! every lookup here is too.

use super::{
    kinds, Agc, AgcAssociation, ApiAccess, AppGateway, Cluster, LoadBalancerProfile, LocalGateway,
    Model, Network, Node, Peering, Pool, Ref, RoleAssignment, RouteEntry, RouteTable, Subnet, Vnet,
    V,
};
use crate::source::Span;

fn pick(props: &Node, keys: &[&str]) -> Option<Node> {
    props.path_ci(keys).cloned()
}

/// `Microsoft.ContainerService/managedClusters` properties.
pub fn cluster(
    addr: String,
    id: String,
    header: Span,
    body: &Node,
    condition: Option<String>,
) -> Cluster {
    let props = body
        .get_ci("properties")
        .cloned()
        .unwrap_or_else(Node::null);
    // An unknown body or profile hides every setting: nothing may default.
    let hidden = [body, &props]
        .into_iter()
        .chain(props.get_ci("networkProfile"))
        .find(|n| n.is_unknown())
        .cloned();
    let np = props.get_ci("networkProfile");
    let net = |k: &str| match &hidden {
        Some(u) => Some(u.clone()),
        None => np.and_then(|n| n.get_ci(k)).cloned(),
    };
    let list_or_single = |plural: &str, single: &str| {
        net(plural)
            .filter(|n| !n.is_null())
            .or_else(|| net(single).filter(|n| !n.is_null()).map(Node::into_list))
    };
    let lb = |keys: &[&str]| match &hidden {
        Some(u) => Some(u.clone()),
        None => np
            .and_then(|n| n.get_ci("loadBalancerProfile"))
            .and_then(|p| p.path_ci(keys))
            .cloned(),
    };
    // AKS Automatic (`sku.name: 'Automatic'`) fixes the network: Azure CNI Overlay with Cilium.
    let automatic = body
        .path_ci(&["sku", "name"])
        .and_then(Node::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case("automatic"));
    let fixed = |k: &str, v: &str| {
        net(k).or_else(|| automatic.then(|| Node::default_at(V::Str(v.into()), Some(header))))
    };
    let network = Network {
        plugin: fixed("networkPlugin", "azure"),
        plugin_mode: fixed("networkPluginMode", "overlay"),
        policy: net("networkPolicy"),
        data_plane: fixed("networkDataplane", "cilium"),
        pod_cidrs: list_or_single("podCidrs", "podCidr"),
        service_cidrs: list_or_single("serviceCidrs", "serviceCidr"),
        dns_service_ip: net("dnsServiceIP"),
        ip_families: net("ipFamilies"),
        outbound_type: net("outboundType"),
        load_balancer_sku: net("loadBalancerSku"),
        nat_gateway_sku: match &hidden {
            Some(u) => Some(u.clone()),
            None => np
                .and_then(|n| n.path_ci(&["natGatewayProfile", "sku"]))
                .cloned(),
        },
        load_balancer: LoadBalancerProfile {
            ports: lb(&["allocatedOutboundPorts"]),
            managed_ip_count: lb(&["managedOutboundIPs", "count"]),
            ip_ids: lb(&["outboundIPs", "publicIPs"]).map(ids_of),
            prefix_ids: lb(&["outboundIPPrefixes", "publicIPPrefixes"]).map(ids_of),
        },
    };
    let mut pools = Vec::new();
    if let Some(list) = props.get_ci("agentPoolProfiles").and_then(Node::as_list) {
        for p in list {
            pools.push(pool(
                format!("{addr}.agentPoolProfiles"),
                header,
                Ref::Absent,
                p,
                condition.clone(),
            ));
        }
    }
    let api = api_access(body, &props, header);
    let identity_block = body.get_ci("identity");
    Cluster {
        addr,
        id,
        header,
        name: body.get_ci("name").cloned(),
        location: body.get_ci("location").cloned(),
        version: pick(&props, &["kubernetesVersion"]),
        network_written: automatic || hidden.is_some() || np.is_some_and(|n| !n.is_null()),
        network_at: np.and_then(Node::primary_span),
        network,
        pools,
        principal: None,
        // An unknown identity (a conditional object) hides its type.
        identity: match identity_block {
            Some(b) if b.is_unknown() => Some(b.clone()),
            _ => body.path_ci(&["identity", "type"]).cloned(),
        },
        identity_at: identity_block.and_then(Node::primary_span),
        service_principal: identity_block.is_none()
            && props
                .path_ci(&["servicePrincipalProfile", "clientId"])
                .is_some_and(|c| c.as_str() != Some("msi")),
        api,
        agic: props
            .path_ci(&["addonProfiles", "ingressApplicationGateway"])
            .filter(|a| a.get_ci("enabled").and_then(Node::as_bool) != Some(false))
            .map(|a| super::AgicAddon {
                header: a.primary_span().unwrap_or(header),
                gateway: Ref::from_node(a.path_ci(&["config", "applicationGatewayId"])),
                subnet_cidr: a.path_ci(&["config", "subnetCIDR"]).cloned(),
                subnet: Ref::from_node(a.path_ci(&["config", "subnetId"])),
            }),
        virtual_nodes: props
            .path_ci(&["addonProfiles", "aciConnectorLinux", "enabled"])
            .cloned(),
        condition,
    }
}

/// `[{ id: ... }]` -> `[id, ...]`, each id located; anything else as is.
fn ids_of(list: Node) -> Node {
    match &list.v {
        V::List(items) => Node {
            v: V::List(
                items
                    .iter()
                    .map(|i| i.get_ci("id").cloned().unwrap_or_else(|| i.clone()))
                    .collect(),
            ),
            loc: list.loc.clone(),
        },
        _ => list,
    }
}

/// `apiServerAccessProfile` and the private cluster's subdomain. An unknown profile hides all.
fn api_access(body: &Node, props: &Node, header: Span) -> ApiAccess {
    let profile = props.get_ci("apiServerAccessProfile");
    let hidden = [body, props]
        .into_iter()
        .chain(profile)
        .find(|n| n.is_unknown())
        .cloned();
    let get = |k: &str| match &hidden {
        Some(u) => Some(u.clone()),
        None => profile.and_then(|p| p.get_ci(k)).cloned(),
    };
    let at = profile.and_then(Node::primary_span).or(Some(header));
    ApiAccess {
        private: get("enablePrivateCluster"),
        dns_zone: get("privateDNSZone"),
        // Absent: AKS creates the public FQDN.
        public_fqdn: Some(
            get("enablePrivateClusterPublicFQDN")
                .unwrap_or_else(|| Node::default_at(V::Bool(true), at)),
        ),
        subdomain: hidden
            .clone()
            .or_else(|| props.get_ci("fqdnSubdomain").cloned()),
        vnet_integration: get("enableVnetIntegration"),
        subnet: get("subnetId"),
        authorized_ranges: get("authorizedIPRanges"),
    }
}

/// One agent pool profile (inline or the properties of a child `agentPools` resource).
pub fn pool(addr: String, header: Span, cluster: Ref, p: &Node, condition: Option<String>) -> Pool {
    let g = |k: &str| p.get_ci(k).cloned();
    let subnet_node = g("vnetSubnetID");
    Pool {
        addr,
        header: p.primary_span().unwrap_or(header),
        cluster,
        name: g("name"),
        mode: g("mode"),
        os_type: g("osType"),
        os_sku: g("osSKU"),
        vm_size: g("vmSize"),
        pool_type: g("type"),
        max_pods: g("maxPods"),
        node_count: g("count"),
        min_count: g("minCount"),
        max_count: g("maxCount"),
        auto_scaling: g("enableAutoScaling"),
        max_surge: p.path_ci(&["upgradeSettings", "maxSurge"]).cloned(),
        version: g("orchestratorVersion"),
        subnet: Ref::from_node(subnet_node.as_ref()),
        subnet_at: subnet_node
            .as_ref()
            .and_then(|n| n.loc.at.or(n.primary_span())),
        pod_subnet: g("podSubnetID"),
        pod_ip_allocation: g("podIPAllocationMode"),
        condition,
    }
}

/// `Microsoft.Network/virtualNetworks` with inline subnets.
pub fn vnet(
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
            subnets.push(subnet(
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

/// A subnet (inline in a VNet or a child resource).
pub fn subnet(
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

/// One ARM resource, whatever wrote it (an ARM template, Bicep, an azapi resource).
pub struct ArmResource<'a> {
    /// Lower-cased full type without API version.
    pub ty: &'a str,
    pub addr: String,
    pub id: String,
    pub header: Span,
    pub body: &'a Node,
    /// The parent resource (child types such as `agentPools`, `subnets`, `associations`).
    pub parent: Ref,
    pub condition: Option<String>,
    /// The cluster identity's principal token, when the caller knows it better than the body.
    pub principal: Option<Option<Node>>,
}

/// The principal a managed identity block (`identity: { type, userAssignedIdentities }`) gives.
pub fn identity_principal(id: &str, body: &Node) -> Option<Node> {
    let identity = body.get_ci("identity")?;
    if identity.is_unknown() {
        return Some(Node::unknown("the identity is unknown"));
    }
    let ty = identity.get_ci("type")?;
    let Some(t) = ty.as_str() else {
        return Some(Node::unknown("identity type is unknown"));
    };
    if t.to_ascii_lowercase().contains("systemassigned") {
        return Some(Node::str(format!("{id}.identity.principal_id")));
    }
    if t.eq_ignore_ascii_case("UserAssigned") {
        let first = identity
            .get_ci("userAssignedIdentities")
            .and_then(|u| match &u.v {
                V::Obj(o) => o.first().map(|(k, _)| k.clone()),
                _ => None,
            });
        return Some(match first {
            Some(k) if k.starts_with("ref:") => Node::str(format!("{k}.principal_id")),
            _ => Node::unknown("the user-assigned identity is not in the scan"),
        });
    }
    if t.eq_ignore_ascii_case("None") {
        return None;
    }
    Some(Node::unknown("identity type is not recognized"))
}

/// Adds one ARM resource to the model.
pub fn add(m: &mut Model, r: ArmResource<'_>) {
    let props = r.body.get_ci("properties");
    let prop = |k: &str| props.and_then(|p| p.get_ci(k));
    match r.ty {
        "microsoft.containerservice/managedclusters" => {
            let mut c = cluster(r.addr, r.id.clone(), r.header, r.body, r.condition);
            c.principal = r
                .principal
                .unwrap_or_else(|| identity_principal(&r.id, r.body));
            m.clusters.push(c);
        }
        "microsoft.containerservice/managedclusters/agentpools" => {
            let p = props.cloned().unwrap_or_else(Node::null);
            let mut pool = pool(r.addr, r.header, r.parent, &p, r.condition);
            pool.name = r.body.get_ci("name").cloned().map(last_segment);
            pool.header = r.header;
            m.loose_pools.push(pool);
        }
        "microsoft.network/virtualnetworks" => {
            let (v, subnets) = vnet(r.addr, r.id, r.header, r.body, None);
            m.vnets.push(v);
            m.subnets.extend(subnets);
        }
        "microsoft.network/virtualnetworks/subnets" => {
            let mut s = subnet(r.addr, Some(r.id), r.header, r.body, r.parent, None);
            s.name = s.name.map(last_segment);
            m.subnets.push(s);
        }
        "microsoft.network/virtualnetworks/virtualnetworkpeerings" => m.peerings.push(Peering {
            vnet_name: None,
            resource_group: None,
            vnet_ref: r.parent,
            remote: Ref::from_node(props.and_then(|p| p.path_ci(&["remoteVirtualNetwork", "id"]))),
        }),
        "microsoft.network/localnetworkgateways" => m.local_gateways.push(LocalGateway {
            addr: r.addr,
            address_space: props
                .and_then(|p| p.path_ci(&["localNetworkAddressSpace", "addressPrefixes"]))
                .cloned(),
        }),
        "microsoft.network/routetables" => {
            let routes = prop("routes")
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
                addr: r.addr,
                id: r.id,
                header: r.header,
                name: r.body.get_ci("name").cloned(),
                resource_group: None,
                routes,
            });
        }
        "microsoft.network/networksecuritygroups" => m.nsgs.push(super::Nsg {
            addr: r.addr,
            id: r.id,
            header: r.header,
            name: r.body.get_ci("name").cloned(),
            resource_group: None,
            rules: match prop("securityRules").map(|l| &l.v) {
                None | Some(V::Null) => Ok(Vec::new()),
                Some(V::List(items)) => Ok(items
                    .iter()
                    .map(|x| {
                        let name = x.get_ci("name").cloned();
                        super::nsg::arm_rule(name, x.get_ci("properties"), x.primary_span())
                    })
                    .collect()),
                Some(V::Unknown(why)) => Err(why.clone()),
                Some(_) => Err("security rules are not a list".into()),
            },
        }),
        "microsoft.network/networksecuritygroups/securityrules" => {
            if let Ref::Id(nsg) = &r.parent {
                let name = r.body.get_ci("name").cloned().map(last_segment);
                let rule = super::nsg::arm_rule(name, props, Some(r.header));
                m.arm_nsg_rules.push((nsg.clone(), rule));
            }
        }
        "microsoft.network/routetables/routes" => {
            // Joined to its table by id: the table's token is the parent.
            if let Ref::Id(table) = &r.parent {
                let entry =
                    RouteEntry::new(prop("addressPrefix").cloned(), prop("nextHopType").cloned());
                m.arm_routes.push((table.clone(), entry));
            }
        }
        "microsoft.network/applicationgateways" => {
            let sku = prop("sku");
            let subnet = prop("gatewayIPConfigurations")
                .and_then(Node::as_list)
                .and_then(|l| l.first())
                .and_then(|g| g.path_ci(&["properties", "subnet", "id"]));
            m.app_gateways.push(AppGateway {
                addr: r.addr,
                id: r.id,
                header: r.header,
                name: r.body.get_ci("name").cloned(),
                resource_group: None,
                sku_name: sku.and_then(|s| s.get_ci("name")).cloned(),
                sku_tier: sku.and_then(|s| s.get_ci("tier")).cloned(),
                subnet: Ref::from_node(subnet),
            });
        }
        "microsoft.servicenetworking/trafficcontrollers" => m.agcs.push(Agc {
            addr: r.addr,
            id: r.id,
        }),
        "microsoft.servicenetworking/trafficcontrollers/associations" => {
            m.agc_associations.push(AgcAssociation {
                addr: r.addr,
                header: r.header,
                agc: r.parent,
                subnet: Ref::from_node(props.and_then(|p| p.path_ci(&["subnet", "id"]))),
                condition: r.condition,
            })
        }
        "microsoft.authorization/roleassignments" => m.role_assignments.push(RoleAssignment {
            // Bicep `scope: vnet` is the resource itself; its id is the scope. An `existing`
            // resource of unknown name may be any VNet, though its id token is unique.
            scope: r.body.get_ci("scope").map(|s| match s.get_ci("name") {
                Some(n) if n.is_unknown() => n.clone(),
                _ => relative_scope(s.get_ci("id").unwrap_or(s).clone()),
            }),
            role_name: None,
            role_id: prop("roleDefinitionId").cloned(),
            principal: prop("principalId").cloned(),
        }),
        "microsoft.resources/resourcegroups" => m
            .resource_groups
            .push((r.id, r.body.get_ci("name").cloned())),
        // Bicep's Kubernetes extension (`core/ConfigMap@v1`).
        "core/configmap" => {
            let name = r.body.path_ci(&["metadata", "name"]).and_then(Node::as_str);
            if name == Some(IP_MASQ_CONFIG) {
                m.ip_masq_configs.push((r.addr, r.header));
            }
        }
        _ => {
            kinds::from_arm(&r, m);
        }
    }
}

/// The ConfigMap that customizes `ip-masq-agent` on AKS.
pub const IP_MASQ_CONFIG: &str = "azure-ip-masq-agent-config";

/// ARM writes an extension resource's scope relative to its deployment
/// (`Microsoft.Network/virtualNetworks/v/subnets/s`): the same token a `resourceId()` gives.
fn relative_scope(mut n: Node) -> Node {
    if let V::Str(s) = &n.v {
        n.v = V::Str(crate::eval::arm_functions::normalize_id(s));
    }
    n
}

/// `vnet/subnet` -> `subnet`: child names are written in full in ARM.
fn last_segment(mut n: Node) -> Node {
    if let V::Str(s) = &n.v {
        if let Some((_, last)) = s.rsplit_once('/') {
            n.v = V::Str(last.to_string());
        }
    }
    n
}
