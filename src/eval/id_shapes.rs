//! The text Azure gives resource ids (`/subscriptions/<?>/resourceGroups/<rg>/providers/
//! Microsoft.Network/virtualNetworks/<name>/subnets/<name>`), for ids whose link token is all
//! the evaluator otherwise has. Code takes ids apart by position (`split(id, '/')[8]`), so the
//! segments must be where Azure puts them: only kinds listed here get a shape, everything else
//! stays opaque.

use std::sync::Arc;

use super::partial::{Hole, Partial};
use super::value::Value;

/// Where a Terraform resource type's id lives: `None` provider for a resource group (and the
/// subscription), else the provider namespace and `(type segment, name attribute)` pairs,
/// outermost first. The resource group comes from `resource_group_name`.
type Shape = (
    Option<&'static str>,
    &'static [(&'static str, &'static str)],
);

/// Terraform `azurerm_*` types (resources and data sources) by id shape.
pub fn of(ty: &str) -> Option<Shape> {
    let net = Some("Microsoft.Network");
    Some(match ty {
        "azurerm_subscription" => (None, &[]),
        "azurerm_resource_group" => (None, &[("resourceGroups", "name")]),
        "azurerm_virtual_network" => (net, &[("virtualNetworks", "name")]),
        "azurerm_subnet" => (
            net,
            &[
                ("virtualNetworks", "virtual_network_name"),
                ("subnets", "name"),
            ],
        ),
        "azurerm_network_security_group" => (net, &[("networkSecurityGroups", "name")]),
        "azurerm_route_table" => (net, &[("routeTables", "name")]),
        "azurerm_private_dns_zone" => (net, &[("privateDnsZones", "name")]),
        "azurerm_public_ip" => (net, &[("publicIPAddresses", "name")]),
        "azurerm_application_gateway" => (net, &[("applicationGateways", "name")]),
        "azurerm_kubernetes_cluster" => (
            Some("Microsoft.ContainerService"),
            &[("managedClusters", "name")],
        ),
        "azurerm_user_assigned_identity" => (
            Some("Microsoft.ManagedIdentity"),
            &[("userAssignedIdentities", "name")],
        ),
        _ => return None,
    })
}

/// The subscription of an id: known only at deployment, and a GUID (no `/`).
pub fn subscription_hole() -> Hole {
    Hole {
        reason: Arc::from("the subscription id is known only at deployment"),
        no_slash: true,
        key: None,
    }
}

/// A name that is not known: Azure resource names hold no `/`.
pub fn name_hole(attr: &str) -> Hole {
    Hole {
        reason: Arc::from(format!("`{attr}` in a resource id is unknown")),
        no_slash: true,
        key: None,
    }
}

/// Builds the id; `name(attr)` gives the text of a name attribute (or a hole).
pub fn build(
    provider: Option<&str>,
    path: &[(&str, &str)],
    mut name: impl FnMut(&str) -> Partial,
) -> Partial {
    let mut id = Partial::new();
    id.push_text("/subscriptions/");
    id.push_hole(subscription_hole());
    let Some(provider) = provider else {
        for (seg, attr) in path {
            id.push_text(&format!("/{seg}/"));
            id.push(&name(attr));
        }
        return id;
    };
    id.push_text("/resourceGroups/");
    id.push(&name("resource_group_name"));
    id.push_text(&format!("/providers/{provider}"));
    for (seg, attr) in path {
        id.push_text(&format!("/{seg}/"));
        id.push(&name(attr));
    }
    id
}

/// The parts of a string being built, with every resource id among them replaced by the text
/// Azure gives it (an opaque hole when its shape is not known); `None` when no part is an id.
/// A string built from an id (`'${vnet.id}/subnets/x'`) is then taken apart by position
/// (`split(x, '/')[8]`) where the id's known names are.
pub fn parts_as_azure_sees(parts: &[Value]) -> Option<Vec<Value>> {
    if !parts.iter().any(Value::is_link) {
        return None;
    }
    Some(
        parts
            .iter()
            .map(|v| match v.is_link().then(|| v.text_of()).flatten() {
                Some(text) => Value::text(text, None),
                None => v.clone(),
            })
            .collect(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail by panicking")]
mod tests {
    use super::*;
    use crate::eval::partial::Text;

    #[test]
    fn a_subnet_id_has_its_names_where_azure_puts_them() {
        let (provider, path) = of("azurerm_subnet").unwrap();
        let id = build(provider, path, |attr| {
            let mut p = Partial::new();
            match attr {
                "resource_group_name" => p.push_hole(name_hole(attr)),
                "virtual_network_name" => p.push_text("vnet1"),
                _ => p.push_text("nodes"),
            }
            p
        });
        let segs = id.split("/").unwrap();
        assert_eq!(segs.get(8), Some(&Text::Known("vnet1".into())));
        assert_eq!(segs.last(), Some(&Text::Known("nodes".into())));
        assert!(matches!(segs.get(4), Some(Text::Partial(_))));
    }
}
