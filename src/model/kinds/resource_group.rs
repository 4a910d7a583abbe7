//! Resource groups: their id and name, to match role assignments scoped to a group.

use crate::model::resource::{ArmResource, Block, Resource};
use crate::model::{Model, Node};

/// `azurerm_resource_group` / `Microsoft.Resources/resourceGroups`.
#[derive(Clone, Debug)]
pub struct ResourceGroup {
    pub id: String,
    pub name: Option<Node>,
}

pub(super) fn from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    m.resource_groups.push(ResourceGroup {
        id: r.id(),
        name: r.f(&["name"]),
    });
}

pub(super) fn from_arm(r: &ArmResource<'_>, m: &mut Model) {
    m.resource_groups.push(ResourceGroup {
        id: r.id.clone(),
        name: r.name(),
    });
}
