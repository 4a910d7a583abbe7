//! Role assignments (`azurerm_role_assignment`, `Microsoft.Authorization/roleAssignments`):
//! who holds which role where, for the identity checks (NET010, API004).

use crate::model::resource::{ArmResource, Block, Resource};
use crate::model::{Model, Node, V};

#[derive(Clone, Debug)]
pub struct RoleAssignment {
    pub scope: Option<Node>,
    pub role_name: Option<Node>,
    pub role_id: Option<Node>,
    pub principal: Option<Node>,
}

pub(super) fn from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    m.role_assignments.push(RoleAssignment {
        scope: r.f(&["scope"]),
        role_name: r.f(&["role_definition_name"]),
        role_id: r.f(&["role_definition_id"]),
        principal: r.f(&["principal_id"]),
    });
}

pub(super) fn from_arm(r: &ArmResource<'_>, m: &mut Model) {
    m.role_assignments.push(RoleAssignment {
        // Bicep `scope: vnet` is the resource itself; its id is the scope. An `existing`
        // resource of unknown name may be any VNet, though its id token is unique.
        scope: r.body.get_ci("scope").map(|s| match s.get_ci("name") {
            Some(n) if n.is_unknown() => n.clone(),
            _ => relative_scope(s.get_ci("id").unwrap_or(s).clone()),
        }),
        role_name: None,
        role_id: r.prop("roleDefinitionId").cloned(),
        principal: r.prop("principalId").cloned(),
    });
}

/// ARM writes an extension resource's scope relative to its deployment
/// (`Microsoft.Network/virtualNetworks/v/subnets/s`): the same token a `resourceId()` gives.
fn relative_scope(mut n: Node) -> Node {
    if let V::Str(s) = &n.v {
        n.v = V::Str(crate::eval::arm_functions::normalize_id(s));
    }
    n
}
