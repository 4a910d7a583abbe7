//! Pod subnet rules: POD001 (capacity at full scale), POD002 (static block requirements) and
//! POD003 (max pods of the form 16N - 1).

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::{known, pool_num, pools, problem_hit, Unknown};
use crate::eval::value::fmt_num;
use crate::rules::outcome::{display, Hit, Outcome};

/// Whether pool `p` allocates pod IPs in static /28 blocks.
fn static_block(p: &Json) -> bool {
    p.get("pod_ip_allocation")
        .and_then(Json::as_str)
        .is_some_and(|m| m.eq_ignore_ascii_case("StaticBlock"))
}

/// Pod IPs one node takes from the pod subnet: 16 (dynamic batches) or its /28 blocks.
fn per_node(p: &Json, i: usize) -> Result<f64, Unknown> {
    if !static_block(p) {
        return Ok(16.0);
    }
    let max_pods = pool_num(p, i, "max_pods")?;
    Ok(((max_pods + 1.0) / 16.0).ceil() * 16.0)
}

/// POD001: the pod subnet's usable IPs against what its pools take at full scale.
pub(super) fn pod_subnet_capacity(doc: &Json) -> Outcome {
    let mut out = Outcome::default();
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, p) in pools(doc).iter().enumerate() {
        match known(
            format!("$['pools'][{i}]['pod_subnet']"),
            p.get("pod_subnet"),
        ) {
            Ok((_, s)) => {
                if let Some(a) = s.get("address").and_then(Json::as_str) {
                    groups.entry(a.to_string()).or_default().push(i);
                }
            }
            Err(u) => out.unknowns.push(u),
        }
    }
    'subnets: for members in groups.values() {
        let Some(&first) = members.first() else {
            continue;
        };
        let sub = pools(doc)
            .get(first)
            .and_then(|p| p.get("pod_subnet"))
            .unwrap_or(&Json::Null);
        let (path, prefix) = match known(
            format!("$['pools'][{first}]['pod_subnet']['prefix_v4']"),
            sub.get("prefix_v4"),
        ) {
            Ok(x) => x,
            Err(u) => {
                out.unknowns.push(u);
                continue;
            }
        };
        let Some(net) = prefix.as_str().and_then(crate::cidr::parse) else {
            continue;
        };
        let usable = crate::cidr::azure_usable(&net) as f64;
        let mut needed = 0.0;
        let mut terms = Vec::new();
        for &i in members {
            let p = pools(doc).get(i).unwrap_or(&Json::Null);
            match (
                pool_num(p, i, "max_nodes"),
                pool_num(p, i, "surge_nodes"),
                per_node(p, i),
            ) {
                (Ok(n), Ok(s), Ok(per)) => {
                    needed += (n + s) * per;
                    terms.push(format!(
                        "{}+{} nodes x {}",
                        fmt_num(n),
                        fmt_num(s),
                        fmt_num(per)
                    ));
                }
                (Err(u), _, _) | (_, Err(u), _) | (_, _, Err(u)) => {
                    out.unknowns.push(u);
                    continue 'subnets;
                }
            }
        }
        if needed > usable {
            let name = sub.get("name").map_or_else(|| "?".into(), display);
            out.hits.push(Hit {
                path,
                value: display(prefix),
                vars: vec![
                    ("subnet".into(), name),
                    (
                        "arithmetic".into(),
                        format!(
                            "{} = {} > {} usable",
                            terms.join(" + "),
                            fmt_num(needed),
                            fmt_num(usable)
                        ),
                    ),
                ],
                ..Hit::default()
            });
        }
    }
    out
}

/// POD002: static block allocation needs Kubernetes 1.28+, a pod subnet of /12 or smaller, and
/// one allocation mode per pod subnet.
pub(super) fn static_block_requirements(doc: &Json) -> Outcome {
    let mut out = Outcome::default();
    for (i, p) in pools(doc).iter().enumerate() {
        // A mode conflict is reported on the later pool whatever its own mode.
        match known(
            format!("$['pools'][{i}]['pod_subnet_mode_conflict']"),
            p.get("pod_subnet_mode_conflict"),
        ) {
            Ok((path, v)) if v.as_bool() == Some(true) => out.hits.push(problem_hit(
                path,
                p.get("pod_subnet_id").unwrap_or(&Json::Null),
                "this pod subnet is used by another pool in the other allocation mode (one mode per subnet)".into(),
            )),
            Ok(_) => {}
            Err(u) => out.unknowns.push(u),
        }
        if !static_block(p) {
            continue;
        }
        match known(
            format!("$['pools'][{i}]['kubernetes_version']"),
            p.get("kubernetes_version"),
        ) {
            Ok((path, v)) => {
                let old = v
                    .as_str()
                    .and_then(crate::model::subject::parse_version)
                    .is_some_and(|(major, minor, _)| major == 1 && minor < 28);
                if old {
                    out.hits.push(problem_hit(
                        path,
                        v,
                        format!("Kubernetes {} is older than 1.28", display(v)),
                    ));
                }
            }
            Err(u) => out.unknowns.push(u),
        }
        if p.get("pod_subnet").is_some_and(|s| !s.is_null()) {
            match known(
                format!("$['pools'][{i}]['pod_subnet']['prefix_v4']"),
                p.pointer("/pod_subnet/prefix_v4"),
            ) {
                Ok((path, v)) => {
                    if let Some(net) = v.as_str().and_then(crate::cidr::parse) {
                        if net.prefix_len() < 12 {
                            out.hits.push(problem_hit(
                                path,
                                v,
                                format!("pod subnet {} is larger than /12", display(v)),
                            ));
                        }
                    }
                }
                Err(u) => out.unknowns.push(u),
            }
        }
    }
    out
}

/// POD003: with static blocks, max pods other than 16N - 1 leaves IPs of each block unused.
pub(super) fn static_block_max_pods(doc: &Json) -> Outcome {
    let mut out = Outcome::default();
    for (i, p) in pools(doc).iter().enumerate() {
        if !static_block(p) {
            continue;
        }
        let path = format!("$['pools'][{i}]['max_pods']");
        match known(path, p.get("max_pods")) {
            Ok((path, v)) => {
                if let Some(n) = v.as_f64() {
                    if (n + 1.0) % 16.0 != 0.0 {
                        let blocks = ((n + 1.0) / 16.0).ceil();
                        out.hits.push(Hit {
                            path,
                            value: display(v),
                            vars: vec![
                                ("blocks".into(), fmt_num(blocks)),
                                ("fits".into(), fmt_num(blocks * 16.0 - 1.0)),
                            ],
                            ..Hit::default()
                        });
                    }
                }
            }
            Err(u) => out.unknowns.push(u),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn max_pods_of_form_16n_minus_1() {
        let doc = |n: f64| json!({"pools": [{"pod_ip_allocation": "StaticBlock", "max_pods": n}]});
        assert!(static_block_max_pods(&doc(31.0)).hits.is_empty());
        assert!(static_block_max_pods(&doc(15.0)).hits.is_empty());
        assert_eq!(static_block_max_pods(&doc(30.0)).hits.len(), 1);
        assert_eq!(static_block_max_pods(&doc(32.0)).hits.len(), 1);
    }

    #[test]
    fn pod_subnet_batches_of_16() {
        // /24: 251 usable; 14+1 nodes x 16 = 240 fits, 15+1 x 16 = 256 does not.
        let doc = |n: f64| {
            json!({"pools": [{"max_nodes": n, "surge_nodes": 1, "pod_ip_allocation": "DynamicIndividual",
                "pod_subnet": {"address": "s", "name": "pods", "prefix_v4": "10.1.0.0/24"}}]})
        };
        assert!(pod_subnet_capacity(&doc(14.0)).hits.is_empty());
        assert_eq!(pod_subnet_capacity(&doc(15.0)).hits.len(), 1);
    }
}
