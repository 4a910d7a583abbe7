//! Terraform resources into the model: azurerm (3.x and 4.x/5.x attribute names) and azapi
//! (ARM bodies, HCL objects in azapi 2.x or `jsonencode()` in 1.x).

use super::kinds;
use super::resource::{field, ArmResource, Block, Hcl, Resource};
use super::{arm, Model, Node, Ref, V};
use crate::eval::common::from_json;
use crate::eval::terraform::{BlockRef, Evaluator};
use crate::eval::value::{InstKey, ResHandle};

/// A resource of a root to map: its address, type, block and the unknown condition it
/// exists under.
pub struct Declared<'e, 'p, 'a> {
    pub addr: String,
    pub ty: &'p str,
    pub block: Hcl<'e, 'p, 'a>,
    pub cond: Option<String>,
}

/// Whether the model reads a resource type (the kinds' table, plus azapi resources, whose
/// ARM body is mapped by type); everything else is skipped without evaluation.
fn reads(ty: &str) -> bool {
    ty == "azapi_resource" || kinds::reads_terraform(ty)
}

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
            if !reads(&r.ty) {
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

/// The Terraform-side mapping of one resource: azapi resources go through the ARM mapper, the
/// rest through the kinds' table.
trait Extract {
    fn extract(&self, ty: &str, m: &mut Model);
    fn azapi(&self, m: &mut Model);
}

impl<B: Block> Extract for Resource<'_, B> {
    fn extract(&self, ty: &str, m: &mut Model) {
        if ty == "azapi_resource" {
            self.azapi(m);
        } else {
            kinds::from_terraform(ty, self, m);
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
            ArmResource {
                ty: &ty,
                addr: self.addr.clone(),
                id: self.id(),
                header: self.b.header(),
                body: &body,
                parent,
                condition: self.cond.clone(),
                // The `identity` block is an azapi argument, not part of the body.
                principal: Some(kinds::cluster::principal(self)),
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
