//! Computed fixes: the value a finding's literal should hold instead, from the address plan in
//! scope ([`alloc`], [`plan`]) and the rule's own arithmetic ([`values`]), turned into edits of
//! plain literals ([`literal`]). What is proposed here is a candidate; `crate::fix` verifies it
//! by linting the edited files in memory before anything offers it.

pub mod alloc;
mod literal;
pub mod plan;
mod values;

pub use plan::AddressPlan;

use serde_json::Value as Json;

use super::outcome::Hit;
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::model::subject::Subject;
use crate::source::SourceMap;

/// What a rule proposes for one hit.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// Document paths and the values to write there.
    pub changes: Vec<Change>,
    /// What the value is, e.g. `a free /16 for pods`.
    pub summary: String,
    /// Why applying it may break something deployed (then the fix is unsafe).
    pub risk: Option<String>,
    /// Why no value can be proposed (then `changes` is empty).
    pub why_not: Option<String>,
    /// Why the value is only suggested, never written (something it must avoid is unknown).
    pub hold: Option<String>,
}

/// One value to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Normalized document path (`$['network']['dns_service_ip']`).
    pub path: String,
    pub value: String,
    /// A change that follows from the main one (the DNS IP that moves with its service range):
    /// skipped when not written as a literal, since it may be computed from the main value
    /// (`cidrhost(var.service_cidr, 10)`); verification says whether the fix works without it.
    pub follows: bool,
}

/// The candidate value for a finding of `rule` from `hit`, if the rule computes one.
pub fn propose(rule: &str, doc: &Json, hit: &Hit, plan: &AddressPlan) -> Option<Proposal> {
    let on = |prefix: &str| hit.path.starts_with(prefix);
    let allocated = matches!(
        rule,
        "OVL002"
            | "OVL009"
            | "OVL012"
            | "NET014"
            | "NET015"
            | "NET001"
            | "NET002"
            | "NET003"
            | "NET004"
            | "NET005"
            | "NET012"
    );
    let mut p = match rule {
        "OVL002" | "OVL009" | "OVL012" | "NET014" | "NET015" => values::pod_cidr(doc, hit, plan),
        "NET001" if on("$['network']['pod_cidrs']") => values::pod_cidr(doc, hit, plan),
        // The move to overlay: the after-state's pod CIDR, in the working tree.
        "MIG005" => values::pod_cidr(doc.get("after")?, hit, plan),
        "NET001" if on("$['network']['service_cidrs']") => values::service_cidr(doc, hit, plan),
        "NET002" | "NET003" | "NET004" | "NET005" => values::service_cidr(doc, hit, plan),
        "NET006" | "NET007" => values::dns_service_ip(doc, hit),
        "NET012" => values::node_subnet(doc, hit, plan),
        "AGC002" | "AGC007" => values::agc_subnet(hit, plan),
        "AGIC004" => values::agic_subnet(hit),
        "OVL001" => values::max_pods_range(hit),
        "POD003" => values::max_pods_static_block(hit),
        "EGR004" => values::outbound_ports(doc, hit),
        "DS004" => values::ipv6_service_cidr(hit),
        "OVL010" => values::overlay_plugin(hit),
        "NET013" => values::kubenet_to_overlay(doc),
        _ => None,
    }?;
    if allocated && plan.unknown.is_some() {
        // A free block is free only of what is known; an unknown range could be where it lands.
        p.hold.clone_from(&plan.unknown);
    }
    Some(p)
}

/// The value at a normalized document path (`$['pools'][0]['max_pods']`) as the text a literal
/// holds.
fn value_at(doc: &Json, path: &str) -> Option<String> {
    let mut cur = doc;
    let mut rest = path.strip_prefix('$')?;
    while let Some(r) = rest.strip_prefix('[') {
        let end = r.find(']')?;
        let seg = r.get(..end)?;
        cur = match seg.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
            Some(key) => cur.get(key)?,
            None => cur.get(seg.parse::<usize>().ok()?)?,
        };
        rest = r.get(end + 1..)?;
    }
    match cur {
        Json::String(s) => Some(s.clone()),
        Json::Number(_) => cur.as_f64().map(crate::eval::value::fmt_num),
        _ => None,
    }
}

/// What a document path holds, in words every dialect shares.
fn what(path: &str) -> &'static str {
    let named = |k: &str| path.contains(&format!("['{k}']"));
    if named("pod_cidrs")
        || named("pod_cidr_v4")
        || named("pod_cidr_twin")
        || path.contains("after_pod_cidr")
    {
        "the pod CIDR"
    } else if named("service_cidr_v6") {
        "the IPv6 service CIDR"
    } else if named("service_cidrs") || named("service_cidr_v4") || named("service_cidr_twin") {
        "the service CIDR"
    } else if named("dns_service_ip") {
        "the DNS service IP"
    } else if named("prefixes") || named("prefix_v4") || named("subnet_cidr") {
        "the subnet prefix"
    } else if named("max_pods") {
        "max pods"
    } else if named("ports") {
        "the outbound ports per node"
    } else if named("plugin_mode") {
        "the network plugin mode"
    } else if named("plugin") {
        "the network plugin"
    } else {
        "the value"
    }
}

fn quoted(v: &str) -> String {
    if v.parse::<f64>().is_ok() {
        v.to_string()
    } else {
        format!("\"{v}\"")
    }
}

/// The fix a proposal amounts to on this subject: edits where every changed value was written
/// as a plain literal, else a suggestion to write it (display). Not verified yet.
pub fn to_fix(p: &Proposal, s: &Subject, sources: &SourceMap) -> Fix {
    let display = |description: String, reason: String| Fix {
        description,
        applicability: Applicability::Display,
        reason: Some(reason),
        edits: Vec::new(),
    };
    if let Some(why) = &p.why_not {
        return display(format!("no value fits ({})", p.summary), why.clone());
    }
    let mut edits: Vec<Edit> = Vec::new();
    let mut unwritten: Option<&str> = None;
    let mut parts = Vec::new();
    for Change {
        path,
        value,
        follows,
    } in &p.changes
    {
        let current = value_at(&s.json, path);
        let loc = s.located.find(path);
        let edit = loc.and_then(|loc| {
            let prov = loc.prov.as_ref().filter(|_| !loc.default)?;
            literal::edit(sources, prov.span, current.as_deref()?, value)
        });
        match (&edit, &current) {
            (Some(_), Some(cur)) => {
                parts.push(format!("replace {} with {}", quoted(cur), quoted(value)));
            }
            _ if *follows => {}
            _ => {
                unwritten.get_or_insert(if loc.is_some_and(|l| l.default) {
                    "the AKS default applies here (nothing is written to edit)"
                } else {
                    "the value is not written as a plain literal here, so it is not edited"
                });
                parts.push(format!("set {} to {}", what(path), quoted(value)));
            }
        }
        edits.extend(edit);
    }
    parts.dedup();
    let description = format!("{}, {}", parts.join(" and "), p.summary);
    if let Some(why) = &p.hold {
        return display(description, why.clone());
    }
    if let Some(why) = unwritten {
        return display(description, why.into());
    }
    if edits.is_empty() {
        return display(description, "nothing to edit".into());
    }
    Fix {
        description,
        applicability: if p.risk.is_some() {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        },
        reason: p.risk.clone(),
        edits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_at_normalized_paths() {
        let doc =
            json!({"network": {"pod_cidrs": ["10.0.0.0/16"]}, "pools": [{"max_pods": 300.0}]});
        assert_eq!(
            value_at(&doc, "$['network']['pod_cidrs'][0]").as_deref(),
            Some("10.0.0.0/16")
        );
        assert_eq!(
            value_at(&doc, "$['pools'][0]['max_pods']").as_deref(),
            Some("300")
        );
        assert_eq!(value_at(&doc, "$['pools'][1]['max_pods']"), None);
        assert_eq!(
            what("$['pools'][0]['subnet']['prefixes'][0]"),
            "the subnet prefix"
        );
        assert_eq!(
            what("$['network']['service_cidr_v6']"),
            "the IPv6 service CIDR"
        );
    }
}
