//! Application Gateway for Containers: traffic controllers and their subnet associations
//! (`azurerm_application_load_balancer*`, `Microsoft.ServiceNetworking/trafficControllers`).

use crate::model::resource::{ArmResource, Block, Resource};
use crate::model::{Model, Ref};
use crate::source::Span;

#[derive(Clone, Debug)]
pub struct Agc {
    pub addr: String,
    pub id: String,
}

#[derive(Clone, Debug)]
pub struct AgcAssociation {
    pub addr: String,
    pub header: Span,
    pub agc: Ref,
    pub subnet: Ref,
    /// Set when it exists only if an unknown condition (or loop) allows.
    pub condition: Option<String>,
}

pub(super) fn from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    m.agcs.push(Agc {
        addr: r.addr.clone(),
        id: r.id(),
    });
}

pub(super) fn association_from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    m.agc_associations.push(AgcAssociation {
        addr: r.addr.clone(),
        header: r.header(),
        agc: r.reference("application_load_balancer_id"),
        subnet: r.reference("subnet_id"),
        condition: r.cond.clone(),
    });
}

pub(super) fn from_arm(r: &ArmResource<'_>, m: &mut Model) {
    m.agcs.push(Agc {
        addr: r.addr.clone(),
        id: r.id.clone(),
    });
}

pub(super) fn association_from_arm(r: &ArmResource<'_>, m: &mut Model) {
    m.agc_associations.push(AgcAssociation {
        addr: r.addr.clone(),
        header: r.header,
        agc: r.parent.clone(),
        subnet: Ref::from_node(r.prop("subnet").and_then(|s| s.get_ci("id"))),
        condition: r.condition.clone(),
    });
}
