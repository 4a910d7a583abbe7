//! The address plan of one root, as the allocator needs it: every range in use, by what uses
//! it, and whether anything in scope is unknown (then a computed value could collide with it,
//! so it is only suggested, never written).

use ipnet::IpNet;
use serde_json::Value as Json;

use crate::model::node::Node;
use crate::model::subject::{Subject, SubjectKind};
use crate::model::Model;

/// Ranges in use in one root.
#[derive(Default, Debug)]
pub struct AddressPlan {
    /// VNet address spaces.
    pub vnets: Vec<IpNet>,
    /// Subnet prefixes.
    pub subnets: Vec<IpNet>,
    /// On-premises ranges (local network gateways).
    pub connected: Vec<IpNet>,
    /// Every cluster's service CIDRs: (cluster address, range).
    pub service_cidrs: Vec<(String, IpNet)>,
    /// Every cluster's pod CIDRs: (cluster address, range).
    pub pod_cidrs: Vec<(String, IpNet)>,
    /// Why some range in scope is not known, if one is not.
    pub unknown: Option<String>,
}

impl AddressPlan {
    /// The plan of a model and the documents built from it.
    pub fn of(model: &Model, subjects: &[Subject]) -> AddressPlan {
        let mut plan = AddressPlan::default();
        for v in &model.vnets {
            plan.take(v.address_space.as_ref(), |p, n| p.vnets.push(n));
        }
        for s in &model.subnets {
            plan.take(s.prefixes.as_ref(), |p, n| p.subnets.push(n));
        }
        for g in &model.local_gateways {
            plan.take(g.address_space.as_ref(), |p, n| p.connected.push(n));
        }
        for s in subjects.iter().filter(|s| s.kind == SubjectKind::Cluster) {
            for (key, into_pods) in [("service_cidrs", false), ("pod_cidrs", true)] {
                let Some(list) = s.json.pointer(&format!("/network/{key}")) else {
                    continue;
                };
                for n in cidrs(list, &mut plan.unknown) {
                    let entry = (s.address.clone(), n);
                    if into_pods {
                        plan.pod_cidrs.push(entry);
                    } else {
                        plan.service_cidrs.push(entry);
                    }
                }
            }
            // Peered VNets outside the root and their ranges arrive as `connected`.
            if let Some(list) = s.json.get("connected") {
                let more = cidrs(list, &mut plan.unknown);
                plan.connected.extend(more);
            }
        }
        plan
    }

    fn take(&mut self, node: Option<&Node>, mut put: impl FnMut(&mut Self, IpNet)) {
        let Some(node) = node else { return };
        let items: Vec<&Node> = match node.as_list() {
            Some(l) => l.iter().collect(),
            None => vec![node],
        };
        for item in items {
            if item.is_unknown() {
                self.unknown.get_or_insert_with(|| {
                    "not edited: an address range in scope is unknown".into()
                });
                continue;
            }
            if let Some(n) = item.as_str().and_then(|s| s.parse::<IpNet>().ok()) {
                put(self, n.trunc());
            }
        }
    }
}

/// The CIDRs of a JSON list (or single value), noting an unknown one.
fn cidrs(v: &Json, unknown: &mut Option<String>) -> Vec<IpNet> {
    let items: Vec<&Json> = match v {
        Json::Array(a) => a.iter().collect(),
        Json::Null => Vec::new(),
        other => vec![other],
    };
    let mut out = Vec::new();
    for item in items {
        match item.as_str().and_then(|s| s.parse::<IpNet>().ok()) {
            Some(n) => out.push(n.trunc()),
            None if item.is_object() => {
                unknown.get_or_insert_with(|| {
                    "not edited: an address range in scope is unknown".into()
                });
            }
            None => {}
        }
    }
    out
}
