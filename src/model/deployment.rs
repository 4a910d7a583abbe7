//! Evaluated ARM/Bicep resource instances into the model.

use super::{arm, Model, Node, Ref};
use crate::eval::arm::Instance;

pub fn build(instances: &[Instance]) -> Model {
    let mut m = Model::default();
    let mut seen = foldhash::HashSet::default();
    for i in instances {
        // The same id is the same resource, however many times a template deploys it.
        if !seen.insert(i.id.as_str()) {
            continue;
        }
        m.resources += 1;
        let ty = i.ty.to_ascii_lowercase();
        // Most of a template's resources are of types no kind reads (alerts, identities, key
        // vaults): counted, not converted.
        if !super::kinds::reads_arm(&ty) {
            continue;
        }
        let body = Node::from_value(&i.body, None);
        let parent = match &i.parent {
            Some(p) => Ref::from_node(Some(&Node::str(p.clone()))),
            None => parent_of(&i.id),
        };
        arm::add(
            &mut m,
            arm::ArmResource {
                ty: &ty,
                addr: i.addr.clone(),
                id: i.id.clone(),
                header: i.header,
                body: &body,
                parent,
                condition: i.condition.clone(),
                principal: None,
            },
        );
    }
    m
}

/// The parent token of a child token (`.../virtualnetworks/v/subnets/s` -> `.../virtualnetworks/v`).
fn parent_of(id: &str) -> Ref {
    let mut parts: Vec<&str> = id.split('/').collect();
    if parts.len() >= 5 {
        parts.truncate(parts.len() - 2);
        return Ref::Id(parts.join("/"));
    }
    Ref::Absent
}
