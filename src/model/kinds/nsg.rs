//! Network security groups and their rules as written: inline `security_rule` blocks or the
//! attribute form, `azurerm_network_security_rule`, ARM `securityRules` and child rules, and the
//! subnet associations. Whether the rules let cluster traffic through is `model::nsg`'s work.

use crate::model::resource::{field, last_segment, ArmResource, Block, Resource};
use crate::model::Undecided;
use crate::model::{Model, Node, Ref, V};
use crate::source::Span;

#[derive(Clone, Debug)]
pub struct Nsg {
    pub addr: String,
    pub id: String,
    pub header: Span,
    pub name: Option<Node>,
    pub resource_group: Option<Node>,
    /// Its rules, or why they cannot be known (an unknown rule list).
    pub rules: Result<Vec<NsgRule>, Undecided>,
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

/// Inline `security_rule` blocks (or `dynamic` blocks), else the attribute form
/// (`security_rule = [{...}]`); an unknown list hides every rule.
fn security_rules<B: Block>(r: &Resource<'_, B>) -> Result<Vec<NsgRule>, Undecided> {
    let blocks = r.b.blocks("security_rule");
    if !blocks.is_empty() {
        return Ok(blocks
            .iter()
            .map(|x| terraform_rule(|n| field(x, &[n]), Some(x.header())))
            .collect());
    }
    match r.f(&["security_rule"]).map(|n| n.v) {
        None => Ok(Vec::new()),
        Some(V::List(items)) => Ok(items
            .iter()
            .map(|o| terraform_rule(|n| o.get(n).cloned(), o.loc.at))
            .collect()),
        Some(V::Unknown(why)) => Err(why.into()),
        Some(_) => Err("security rules are not a list".into()),
    }
}

pub(super) fn from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    m.nsgs.push(Nsg {
        addr: r.addr.clone(),
        id: r.id(),
        header: r.header(),
        name: r.f(&["name"]),
        resource_group: r.f(&["resource_group_name"]),
        rules: security_rules(r),
    });
}

pub(super) fn rule_from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    m.nsg_rules.push(LooseNsgRule {
        nsg_name: r.f(&["network_security_group_name"]),
        resource_group: r.f(&["resource_group_name"]),
        nsg_ref: r.referenced(&["network_security_group_name"]),
        rule: terraform_rule(|n| r.f(&[n]), Some(r.header())),
    });
}

pub(super) fn link_from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    if let Some(nsg) = r.f(&["network_security_group_id"]) {
        m.nsg_links.push((r.reference("subnet_id"), nsg));
    }
}

pub(super) fn from_arm(r: &ArmResource<'_>, m: &mut Model) {
    m.nsgs.push(Nsg {
        addr: r.addr.clone(),
        id: r.id.clone(),
        header: r.header,
        name: r.name(),
        resource_group: None,
        rules: match r.prop("securityRules").map(|l| &l.v) {
            None | Some(V::Null) => Ok(Vec::new()),
            Some(V::List(items)) => Ok(items
                .iter()
                .map(|x| {
                    let name = x.get_ci("name").cloned();
                    arm_rule(name, x.get_ci("properties"), x.primary_span())
                })
                .collect()),
            Some(V::Unknown(why)) => Err(why.clone().into()),
            Some(_) => Err("security rules are not a list".into()),
        },
    });
}

/// A security rule child resource, joined to its NSG by the parent's id when linked.
pub(super) fn rule_from_arm(r: &ArmResource<'_>, m: &mut Model) {
    if let Ref::Id(nsg) = &r.parent {
        let name = r.name().map(last_segment);
        let rule = arm_rule(name, r.body.get_ci("properties"), Some(r.header));
        m.arm_nsg_rules.push((nsg.clone(), rule));
    }
}

/// Reads a rule from Terraform attribute names (`azurerm_network_security_rule`, inline
/// `security_rule`).
pub fn terraform_rule(get: impl Fn(&str) -> Option<Node>, header: Option<Span>) -> NsgRule {
    let one_of = |single: &str, plural: &str| merge(get(single), get(plural));
    NsgRule {
        header,
        name: get("name"),
        priority: get("priority"),
        direction: get("direction"),
        access: get("access"),
        protocol: get("protocol"),
        sources: one_of("source_address_prefix", "source_address_prefixes"),
        destinations: one_of("destination_address_prefix", "destination_address_prefixes"),
        source_ports: one_of("source_port_range", "source_port_ranges"),
        destination_ports: one_of("destination_port_range", "destination_port_ranges"),
        source_asgs: get("source_application_security_group_ids").filter(non_empty),
        destination_asgs: get("destination_application_security_group_ids").filter(non_empty),
        maybe_elsewhere: None,
    }
}

/// Reads a rule from its ARM name and `properties` (case-insensitive names).
pub fn arm_rule(name: Option<Node>, props: Option<&Node>, header: Option<Span>) -> NsgRule {
    let get = |k: &str| props.and_then(|p| p.get_ci(k)).cloned();
    let one_of = |single: &str, plural: &str| merge(get(single), get(plural));
    NsgRule {
        header,
        name,
        priority: get("priority"),
        direction: get("direction"),
        access: get("access"),
        protocol: get("protocol"),
        sources: one_of("sourceAddressPrefix", "sourceAddressPrefixes"),
        destinations: one_of("destinationAddressPrefix", "destinationAddressPrefixes"),
        source_ports: one_of("sourcePortRange", "sourcePortRanges"),
        destination_ports: one_of("destinationPortRange", "destinationPortRanges"),
        source_asgs: get("sourceApplicationSecurityGroups").filter(non_empty),
        destination_asgs: get("destinationApplicationSecurityGroups").filter(non_empty),
        maybe_elsewhere: None,
    }
}

fn non_empty(n: &Node) -> bool {
    match &n.v {
        V::Null => false,
        V::Str(s) => !s.trim().is_empty(),
        V::List(l) => !l.is_empty(),
        _ => true,
    }
}

/// The singular field when written (and not empty), else the plural list, as one list node.
fn merge(single: Option<Node>, plural: Option<Node>) -> Option<Node> {
    match single.filter(non_empty) {
        Some(s) => Some(s.into_list()),
        None => plural.filter(non_empty),
    }
}
