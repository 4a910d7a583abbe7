//! Terraform resources into the model: azurerm (3.x and 4.x/5.x attribute names) and azapi
//! (ARM bodies, HCL objects in azapi 2.x or `jsonencode()` in 1.x).

use super::{
    arm, kinds, Agc, AgcAssociation, AppGateway, LocalGateway, LooseNsgRule, Model, Node, Nsg,
    Peering, Ref, RoleAssignment, Route, RouteEntry, RouteTable, Subnet, SubnetLink, Vnet, V,
};
use crate::eval::common::from_json;
use crate::eval::terraform::{BlockRef, Evaluator};
use crate::eval::value::{InstKey, ResHandle};
use crate::eval::Value;
use crate::source::Span;

mod cluster;

/// A resource block (or a nested block) as the mapper reads it: HCL through the evaluator, or
/// the values of a Terraform plan.
pub trait Block: Sized {
    /// An attribute's value and the span of its expression.
    fn attr(&self, name: &str) -> Option<(Value, Span)>;
    /// The id of the resource an attribute is written as a reference to (see
    /// `Evaluator::referenced_id`).
    fn referenced_id(&self, name: &str) -> Option<Value>;
    /// Nested blocks of a type.
    fn blocks(&self, name: &str) -> Vec<Self>;
    fn header(&self) -> Span;
    /// Whether `lifecycle.ignore_changes` lists the attribute (plans have no lifecycle).
    fn ignores_changes(&self, _name: &str) -> bool {
        false
    }
}

/// An HCL block evaluated in its scope.
#[derive(Clone)]
pub struct Hcl<'e, 'p, 'a> {
    pub ev: &'e Evaluator<'p, 'a>,
    pub b: BlockRef<'a>,
}

impl Block for Hcl<'_, '_, '_> {
    fn attr(&self, name: &str) -> Option<(Value, Span)> {
        self.ev.attr(&self.b, name)
    }

    fn referenced_id(&self, name: &str) -> Option<Value> {
        self.ev.referenced_id(&self.b, name)
    }

    fn blocks(&self, name: &str) -> Vec<Self> {
        self.ev
            .blocks(&self.b, name)
            .into_iter()
            .map(|b| Hcl { ev: self.ev, b })
            .collect()
    }

    fn header(&self) -> Span {
        self.b.header
    }

    fn ignores_changes(&self, name: &str) -> bool {
        self.ev.ignores_changes(&self.b, name)
    }
}

/// A resource of a root to map: its address, type, block and the unknown condition it
/// exists under.
pub struct Declared<'e, 'p, 'a> {
    pub addr: String,
    pub ty: &'p str,
    pub block: Hcl<'e, 'p, 'a>,
    pub cond: Option<String>,
}

/// Resource types the model reads; everything else is skipped without evaluation.
const TYPES: &[&str] = &[
    "azurerm_kubernetes_cluster",
    "azurerm_kubernetes_automatic_cluster",
    "azurerm_kubernetes_cluster_node_pool",
    "azurerm_virtual_network",
    "azurerm_subnet",
    "azurerm_virtual_network_peering",
    "azurerm_local_network_gateway",
    "azurerm_route_table",
    "azurerm_route",
    "azurerm_subnet_route_table_association",
    "azurerm_network_security_group",
    "azurerm_network_security_rule",
    "azurerm_subnet_network_security_group_association",
    "azurerm_application_load_balancer",
    "azurerm_application_load_balancer_subnet_association",
    "helm_release",
    "azurerm_application_gateway",
    "azurerm_role_assignment",
    "azurerm_resource_group",
    "azapi_resource",
    "kubernetes_config_map",
    "kubernetes_config_map_v1",
    "kubernetes_manifest",
];

/// Builds the model of one evaluated root and the module instances it calls.
pub fn build(ev: &Evaluator<'_, '_>) -> Model {
    let mut m = Model::default();
    for d in declared(ev, &mut m.resources) {
        add(&mut m, d.ty, &d.block, d.addr, d.cond);
    }
    m
}

/// Maps one resource into the model.
pub fn add<B: Block>(m: &mut Model, ty: &str, b: &B, addr: String, cond: Option<String>) {
    Resource { b, addr, cond }.extract(ty, m);
}

/// Every managed resource instance of the types the model reads (others are only counted).
pub fn declared<'e, 'p, 'a>(
    ev: &'e Evaluator<'p, 'a>,
    count: &mut usize,
) -> Vec<Declared<'e, 'p, 'a>> {
    let mut out = Vec::new();
    for inst in ev.all_instances() {
        let Some(module) = ev.module_of(inst) else {
            continue;
        };
        let inst_cond = ev.inst_condition(inst);
        for (ri, r) in module.resources.iter().enumerate() {
            if r.data {
                continue;
            }
            *count += 1;
            if !TYPES.contains(&r.ty.as_str()) && !kinds::reads_terraform(&r.ty) {
                continue;
            }
            let exp = ev.res_expansion(inst, ri);
            for (key, _) in &exp.keys {
                let h = ResHandle {
                    inst,
                    res: ri,
                    key: Some(key.clone()),
                };
                let Some(scope) = ev.res_scope(&h) else {
                    continue;
                };
                let b = BlockRef {
                    body: r.body,
                    scope,
                    header: r.header,
                };
                let cond = inst_cond.clone().or_else(|| {
                    matches!(key, InstKey::Unknown)
                        .then(|| exp.unknown_condition.clone())
                        .flatten()
                });
                out.push(Declared {
                    addr: ev.res_addr(&h),
                    ty: r.ty.as_str(),
                    block: Hcl { ev, b },
                    cond,
                });
            }
        }
    }
    out
}

/// One resource being mapped: its block, address and the unknown condition it exists under.
pub struct Resource<'b, B> {
    b: &'b B,
    pub addr: String,
    cond: Option<String>,
}

/// First present attribute of several names (provider renames, e.g. 3.x vs 4.x).
pub(super) fn field<B: Block>(b: &B, names: &[&str]) -> Option<Node> {
    names
        .iter()
        .find_map(|n| b.attr(n))
        .map(|(v, at)| Node::from_value(&v, Some(at)))
        .filter(|n| !n.is_null())
}

impl<B: Block> Resource<'_, B> {
    /// First present attribute of several names, located.
    pub fn f(&self, names: &[&str]) -> Option<Node> {
        field(self.b, names)
    }

    pub fn header(&self) -> Span {
        self.b.header()
    }

    /// The resource an attribute names by reference (see `Evaluator::referenced_id`).
    fn referenced(&self, names: &[&str]) -> Ref {
        names
            .iter()
            .find_map(|n| self.b.referenced_id(n))
            .map_or(Ref::Absent, |v| {
                Ref::from_node(Some(&Node::from_value(&v, None)))
            })
    }

    /// The token other resources' references to this one evaluate to.
    pub fn id(&self) -> String {
        format!("ref:{}", self.addr)
    }

    /// Inline `security_rule` blocks (or `dynamic` blocks), else the attribute form
    /// (`security_rule = [{...}]`); an unknown list hides every rule.
    fn security_rules(&self) -> Result<Vec<super::NsgRule>, String> {
        let blocks = self.b.blocks("security_rule");
        if !blocks.is_empty() {
            return Ok(blocks
                .iter()
                .map(|r| super::nsg::terraform_rule(|n| field(r, &[n]), Some(r.header())))
                .collect());
        }
        match self.f(&["security_rule"]).map(|n| n.v) {
            None => Ok(Vec::new()),
            Some(V::List(items)) => Ok(items
                .iter()
                .map(|o| super::nsg::terraform_rule(|n| o.get(n).cloned(), o.loc.at))
                .collect()),
            Some(V::Unknown(r)) => Err(r),
            Some(_) => Err("security rules are not a list".into()),
        }
    }

    fn extract(&self, ty: &str, m: &mut Model) {
        match ty {
            "azurerm_kubernetes_cluster" => m.clusters.push(self.cluster()),
            "azurerm_kubernetes_automatic_cluster" => m.clusters.push(self.automatic_cluster()),
            "azurerm_kubernetes_cluster_node_pool" => {
                let cluster = Ref::from_node(self.f(&["kubernetes_cluster_id"]).as_ref());
                let p = cluster::pool(self.b, self.addr.clone(), cluster, self.cond.clone());
                m.loose_pools.push(p);
            }
            "azurerm_virtual_network" => {
                let rg = self.f(&["resource_group_name"]);
                let name = self.f(&["name"]);
                for sb in self.b.blocks("subnet") {
                    let prefixes = field(&sb, &["address_prefixes"])
                        .or_else(|| field(&sb, &["address_prefix"]).map(Node::into_list));
                    m.subnets.push(Subnet {
                        addr: format!("{}.subnet", self.addr),
                        id: None,
                        header: sb.header(),
                        name: field(&sb, &["name"]),
                        resource_group: rg.clone(),
                        vnet_name: name.clone(),
                        vnet_ref: Ref::Id(self.id()),
                        vnet: None,
                        prefixes,
                        delegations: Some(delegations(&sb)),
                        route_table: Ref::from_node(field(&sb, &["route_table_id"]).as_ref()),
                        nsg: field(&sb, &["security_group"]),
                        nat_gateway: Ref::Absent,
                    });
                }
                m.vnets.push(Vnet {
                    addr: self.addr.clone(),
                    id: Some(self.id()),
                    header: self.b.header(),
                    name,
                    resource_group: rg,
                    address_space: self.f(&["address_space"]),
                });
            }
            "azurerm_subnet" => m.subnets.push(Subnet {
                addr: self.addr.clone(),
                id: Some(self.id()),
                header: self.b.header(),
                name: self.f(&["name"]),
                resource_group: self.f(&["resource_group_name"]),
                vnet_name: self.f(&["virtual_network_name"]),
                vnet_ref: self.referenced(&["virtual_network_name"]),
                vnet: None,
                prefixes: self
                    .f(&["address_prefixes"])
                    .or_else(|| self.f(&["address_prefix"]).map(Node::into_list)),
                delegations: Some(if self.b.ignores_changes("delegation") {
                    Node::derived_at(
                        V::Unknown(
                            "the delegation is managed outside this code (lifecycle ignore_changes lists it)"
                                .into(),
                        ),
                        Some(self.b.header()),
                    )
                } else {
                    delegations(self.b)
                }),
                route_table: Ref::from_node(self.f(&["route_table_id_wo"]).as_ref()),
                nsg: self.f(&["network_security_group_id_wo"]),
                nat_gateway: Ref::Absent,
            }),
            "azurerm_virtual_network_peering" => m.peerings.push(Peering {
                vnet_name: self.f(&["virtual_network_name"]),
                resource_group: self.f(&["resource_group_name"]),
                vnet_ref: self.referenced(&["virtual_network_name"]),
                remote: Ref::from_node(self.f(&["remote_virtual_network_id"]).as_ref()),
            }),
            "azurerm_local_network_gateway" => m.local_gateways.push(LocalGateway {
                addr: self.addr.clone(),
                address_space: self.f(&["address_space"]),
            }),
            "azurerm_route_table" => {
                let routes = self
                    .b
                    .blocks("route")
                    .iter()
                    .map(|r| {
                        RouteEntry::new(field(r, &["address_prefix"]), field(r, &["next_hop_type"]))
                    })
                    .collect();
                m.route_tables.push(RouteTable {
                    addr: self.addr.clone(),
                    id: self.id(),
                    header: self.b.header(),
                    name: self.f(&["name"]),
                    resource_group: self.f(&["resource_group_name"]),
                    routes,
                });
            }
            "azurerm_route" => m.routes.push(Route {
                table_name: self.f(&["route_table_name"]),
                resource_group: self.f(&["resource_group_name"]),
                entry: RouteEntry::new(self.f(&["address_prefix"]), self.f(&["next_hop_type"])),
            }),
            "azurerm_subnet_route_table_association" => m.route_links.push(SubnetLink {
                subnet: Ref::from_node(self.f(&["subnet_id"]).as_ref()),
                target: Ref::from_node(self.f(&["route_table_id"]).as_ref()),
            }),
            "azurerm_network_security_group" => m.nsgs.push(Nsg {
                addr: self.addr.clone(),
                id: self.id(),
                header: self.b.header(),
                name: self.f(&["name"]),
                resource_group: self.f(&["resource_group_name"]),
                rules: self.security_rules(),
            }),
            "azurerm_network_security_rule" => m.nsg_rules.push(LooseNsgRule {
                nsg_name: self.f(&["network_security_group_name"]),
                resource_group: self.f(&["resource_group_name"]),
                nsg_ref: self.referenced(&["network_security_group_name"]),
                rule: super::nsg::terraform_rule(|n| self.f(&[n]), Some(self.b.header())),
            }),
            "azurerm_subnet_network_security_group_association" => {
                if let Some(nsg) = self.f(&["network_security_group_id"]) {
                    m.nsg_links
                        .push((Ref::from_node(self.f(&["subnet_id"]).as_ref()), nsg));
                }
            }
            "azurerm_application_load_balancer" => m.agcs.push(Agc {
                addr: self.addr.clone(),
                id: self.id(),
            }),
            "azurerm_application_load_balancer_subnet_association" => {
                m.agc_associations.push(AgcAssociation {
                    addr: self.addr.clone(),
                    header: self.b.header(),
                    agc: Ref::from_node(self.f(&["application_load_balancer_id"]).as_ref()),
                    subnet: Ref::from_node(self.f(&["subnet_id"]).as_ref()),
                    condition: self.cond.clone(),
                })
            }
            "helm_release" => {
                // `chart = "alb-controller"` with an OCI repository, or the full OCI reference.
                let chart = self.f(&["chart"]);
                let is_alb = chart
                    .as_ref()
                    .and_then(Node::as_str)
                    .is_some_and(|c| c == "alb-controller" || c.ends_with("/alb-controller"));
                if is_alb {
                    m.alb_controllers.push(self.f(&["version"]));
                }
                let is_agic = chart
                    .as_ref()
                    .and_then(Node::as_str)
                    .is_some_and(|c| c == "ingress-azure" || c.ends_with("/ingress-azure"));
                if is_agic {
                    m.agic_helm
                        .push(super::agic_helm::from_release(self.b, self.f(&["version"])));
                }
            }
            "azurerm_role_assignment" => m.role_assignments.push(RoleAssignment {
                scope: self.f(&["scope"]),
                role_name: self.f(&["role_definition_name"]),
                role_id: self.f(&["role_definition_id"]),
                principal: self.f(&["principal_id"]),
            }),
            "azurerm_resource_group" => m.resource_groups.push((self.id(), self.f(&["name"]))),
            "azurerm_application_gateway" => {
                let sku = self.b.blocks("sku");
                let gw_ip = self.b.blocks("gateway_ip_configuration");
                m.app_gateways.push(AppGateway {
                    addr: self.addr.clone(),
                    id: self.id(),
                    header: self.b.header(),
                    name: self.f(&["name"]),
                    resource_group: self.f(&["resource_group_name"]),
                    sku_name: sku.first().and_then(|s| field(s, &["name"])),
                    sku_tier: sku.first().and_then(|s| field(s, &["tier"])),
                    subnet: Ref::from_node(
                        gw_ip
                            .first()
                            .and_then(|g| field(g, &["subnet_id"]))
                            .as_ref(),
                    ),
                });
            }
            "azapi_resource" => self.azapi(m),
            "kubernetes_config_map" | "kubernetes_config_map_v1" => {
                let meta = self.b.blocks("metadata");
                let name = meta.first().and_then(|b| field(b, &["name"]));
                if name.as_ref().and_then(Node::as_str) == Some(arm::IP_MASQ_CONFIG) {
                    m.ip_masq_configs.push((self.addr.clone(), self.b.header()));
                }
            }
            "kubernetes_manifest" => {
                let manifest = self.f(&["manifest"]);
                let kind = manifest.as_ref().and_then(|n| n.get("kind"));
                let name = manifest
                    .as_ref()
                    .and_then(|n| n.path_ci(&["metadata", "name"]));
                if kind.and_then(Node::as_str) == Some("ConfigMap")
                    && name.and_then(Node::as_str) == Some(arm::IP_MASQ_CONFIG)
                {
                    m.ip_masq_configs.push((self.addr.clone(), self.b.header()));
                }
            }
            _ => {
                kinds::from_terraform(ty, self, m);
            }
        }
    }

    fn azapi(&self, m: &mut Model) {
        let Some(ty) = self.f(&["type"]) else { return };
        let Some(ty) = ty
            .as_str()
            .map(|t| t.split('@').next().unwrap_or("").to_ascii_lowercase())
        else {
            return;
        };
        let body = match self.b.attr("body") {
            Some((v, at)) => {
                // azapi 1.x takes a JSON string (usually from jsonencode, which the evaluator
                // keeps structured); a literal JSON string is parsed here.
                let v = match v.as_str().map(serde_json::from_str::<serde_json::Value>) {
                    Some(Ok(j)) => from_json(&j, v.prov.as_ref().map(|p| p.span)),
                    _ => v,
                };
                Node::from_value(&v, Some(at))
            }
            None => Node::null(),
        };
        let mut body = body;
        if let (V::Obj(fields), Some(name)) = (&mut body.v, self.f(&["name"])) {
            fields.push(("name".into(), name));
        }
        let parent = Ref::from_node(self.f(&["parent_id"]).as_ref());
        arm::add(
            m,
            arm::ArmResource {
                ty: &ty,
                addr: self.addr.clone(),
                id: self.id(),
                header: self.b.header(),
                body: &body,
                parent,
                condition: self.cond.clone(),
                // The `identity` block is an azapi argument, not part of the body.
                principal: Some(self.principal()),
            },
        );
        if ty == "microsoft.containerservice/managedclusters" {
            if let Some(c) = m.clusters.last_mut() {
                c.identity = self
                    .b
                    .blocks("identity")
                    .first()
                    .and_then(|b| field(b, &["type"]));
            }
        }
    }
}

/// Service names of a subnet's `delegation` blocks.
fn delegations<B: Block>(b: &B) -> Node {
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
