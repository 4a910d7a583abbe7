//! Derived facts: the few checks that need arithmetic over several values (capacity of a CIDR
//! against the nodes of every pool). Each reads the cluster document, returns hits with the
//! primary path on the value whose change is the simplest fix (RULES.md), and reports the
//! values it could not know instead of guessing.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::outcome::{display, Hit, Outcome, Unknown};
use crate::cidr;
use crate::eval::value::fmt_num;
use crate::model::node::json_unknown;

mod api;
mod egress;
mod network;
mod pods;

pub struct Fact {
    pub eval: fn(&Json) -> Outcome,
    /// Message variables the fact provides.
    pub vars: &'static [&'static str],
}

pub fn lookup(name: &str) -> Option<Fact> {
    let problem = |eval| {
        Some(Fact {
            eval,
            vars: &["problem"],
        })
    };
    match name {
        "node_subnets_one_vnet" => Some(Fact {
            eval: network::node_subnets_one_vnet,
            vars: &["vnet", "first_vnet", "first_pool"],
        }),
        "kubenet_route_table" => problem(network::kubenet_route_table),
        "snat_ports" => problem(egress::snat_ports),
        "standard_nat_gateway" => problem(egress::standard_nat_gateway),
        "private_dns_zone_name" => problem(api::private_dns_zone_name),
        "api_server_subnet" => problem(api::api_server_subnet),
        "authorized_ranges" => problem(api::authorized_ranges),
        "pod_subnet_capacity" => Some(Fact {
            eval: pods::pod_subnet_capacity,
            vars: &["subnet", "arithmetic"],
        }),
        "static_block_requirements" => problem(pods::static_block_requirements),
        "static_block_max_pods" => Some(Fact {
            eval: pods::static_block_max_pods,
            vars: &["blocks", "fits"],
        }),
        "pod_cidr_capacity" => Some(Fact {
            eval: pod_cidr_capacity,
            vars: &["capacity", "nodes"],
        }),
        "node_subnet_capacity" => Some(Fact {
            eval: node_subnet_capacity,
            vars: &["usable", "needed", "subnet", "arithmetic"],
        }),
        "overlay_node_limit" => Some(Fact {
            eval: overlay_node_limit,
            vars: &["nodes", "limit"],
        }),
        _ => None,
    }
}

/// A value that must be known: its path and value, or the unknown it is (a missing value is
/// null).
fn known(path: String, v: Option<&Json>) -> Result<(String, &Json), Unknown> {
    let v = v.unwrap_or(&Json::Null);
    match json_unknown(v) {
        Some(r) => Err(Unknown {
            path,
            reason: r.to_string(),
        }),
        None => Ok((path, v)),
    }
}

/// A hit whose message variable `problem` says what is wrong with the value.
fn problem_hit(path: String, v: &Json, problem: String) -> Hit {
    Hit {
        path,
        value: display(v),
        vars: vec![("problem".into(), problem)],
        ..Hit::default()
    }
}

/// Known number at `pools[i].field`, or the unknown it hides.
fn pool_num(pool: &Json, i: usize, field: &str) -> Result<f64, Unknown> {
    let path = format!("$['pools'][{i}]['{field}']");
    let v = pool.get(field).unwrap_or(&Json::Null);
    if let Some(r) = json_unknown(v) {
        return Err(Unknown {
            path,
            reason: r.to_string(),
        });
    }
    v.as_f64().ok_or(Unknown {
        path,
        reason: format!("{field} is not a number"),
    })
}

fn pools(doc: &Json) -> &[Json] {
    doc.get("pools")
        .and_then(Json::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Paths and sizes of the largest pools (at most `limit`, largest first).
fn largest_pools(doc: &Json, limit: usize) -> Vec<(String, f64)> {
    let mut sized: Vec<(f64, usize)> = pools(doc)
        .iter()
        .enumerate()
        .filter_map(|(i, p)| pool_num(p, i, "max_nodes").ok().map(|n| (n, i)))
        .collect();
    sized.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    sized
        .into_iter()
        .take(limit)
        .map(|(n, i)| (format!("$['pools'][{i}]['max_nodes']"), n))
        .collect()
}

/// A hit on the largest pool's count, the simplest fix for a total over a limit (RULES.md), with
/// the next two largest as related labels; none without a sized pool.
fn largest_pool_hit(doc: &Json, vars: Vec<(String, String)>) -> Option<Hit> {
    let mut largest = largest_pools(doc, 3).into_iter();
    let (path, n) = largest.next()?;
    Some(Hit {
        path,
        value: fmt_num(n),
        vars,
        related: scale_labels(largest),
        ..Hit::default()
    })
}

fn scale_labels(pools: impl IntoIterator<Item = (String, f64)>) -> Vec<(String, String)> {
    pools
        .into_iter()
        .map(|(path, n)| (path, format!("this pool scales to {} nodes", fmt_num(n))))
        .collect()
}

/// OVL002: one /24 per node out of the IPv4 pod CIDR.
fn pod_cidr_capacity(doc: &Json) -> Outcome {
    let mut out = Outcome::default();
    let path = "$['network']['pod_cidr_v4']".to_string();
    let v = doc.pointer("/network/pod_cidr_v4").unwrap_or(&Json::Null);
    if let Some(r) = json_unknown(v) {
        out.unknowns.push(Unknown {
            path,
            reason: r.to_string(),
        });
        return out;
    }
    let Some(net) = v.as_str().and_then(cidr::parse) else {
        return out;
    };
    let prefix = u32::from(net.prefix_len());
    let capacity: f64 = if prefix > 24 {
        0.0
    } else {
        2f64.powi(24 - prefix as i32)
    };
    let mut total = 0.0;
    for (i, p) in pools(doc).iter().enumerate() {
        match (pool_num(p, i, "max_nodes"), pool_num(p, i, "surge_nodes")) {
            (Ok(n), Ok(s)) => total += n + s,
            (Err(u), _) | (_, Err(u)) => {
                // A prefix longer than /24 cannot hold even one node: decidable without sizes.
                if prefix <= 24 {
                    out.unknowns.push(u);
                    return out;
                }
            }
        }
    }
    if prefix > 24 || capacity < total {
        out.hits.push(Hit {
            path,
            value: display(v),
            vars: vec![
                ("capacity".into(), fmt_num(capacity)),
                ("nodes".into(), fmt_num(total)),
            ],
            related: scale_labels(largest_pools(doc, 3)),
            ..Hit::default()
        });
    }
    out
}

/// NET012: usable IPs of each node subnet against what its pools take at full scale.
fn node_subnet_capacity(doc: &Json) -> Outcome {
    let mut out = Outcome::default();
    // Group pools by subnet address; keep the first pool's path to reach the subnet.
    let mut groups: BTreeMap<String, (usize, Vec<usize>)> = BTreeMap::new();
    for (i, p) in pools(doc).iter().enumerate() {
        let Some(sub) = p.get("subnet") else { continue };
        if let Some(r) = json_unknown(sub) {
            out.unknowns.push(Unknown {
                path: format!("$['pools'][{i}]['subnet']"),
                reason: r.to_string(),
            });
            continue;
        }
        if let Some(addr) = sub.get("address").and_then(Json::as_str) {
            groups
                .entry(addr.to_string())
                .or_insert((i, Vec::new()))
                .1
                .push(i);
        }
    }
    'subnets: for (first, member_ids) in groups.values() {
        let Some(sub) = pools(doc).get(*first).and_then(|p| p.get("subnet")) else {
            continue;
        };
        let prefixes = sub.get("prefixes").unwrap_or(&Json::Null);
        let ppath = format!("$['pools'][{first}]['subnet']['prefixes']");
        if let Some(r) = json_unknown(prefixes) {
            out.unknowns.push(Unknown {
                path: ppath,
                reason: r.to_string(),
            });
            continue;
        }
        let mut usable: u128 = 0;
        let mut primary = None;
        for (j, p) in prefixes.as_array().into_iter().flatten().enumerate() {
            if let Some(r) = json_unknown(p) {
                out.unknowns.push(Unknown {
                    path: format!("{ppath}[{j}]"),
                    reason: r.to_string(),
                });
                continue 'subnets;
            }
            if let Some(net) = p.as_str().and_then(cidr::parse).filter(cidr::is_v4) {
                usable += cidr::azure_usable(&net);
                primary.get_or_insert((format!("{ppath}[{j}]"), display(p)));
            }
        }
        let Some((path, value)) = primary else {
            continue;
        };
        let mut needed = 0.0;
        for &i in member_ids {
            let p = pools(doc).get(i).unwrap_or(&Json::Null);
            match pool_num(p, i, "subnet_ips_needed") {
                Ok(n) => needed += n,
                Err(u) => {
                    out.unknowns.push(u);
                    continue 'subnets;
                }
            }
        }
        if needed > usable as f64 {
            // The subnet's name as written, quoted so it reads as a name; without one, the
            // pool that uses it (a resource address means little in a sentence).
            let name = match sub.get("name").and_then(Json::as_str) {
                Some(n) => format!("\"{n}\""),
                None => {
                    let pool = pools(doc)
                        .get(*first)
                        .and_then(|p| p.get("name"))
                        .and_then(Json::as_str)
                        .unwrap_or("?");
                    format!("of pool {pool}")
                }
            };
            let members: Vec<&Json> = member_ids
                .iter()
                .filter_map(|i| pools(doc).get(*i))
                .collect();
            out.hits.push(Hit {
                path,
                value,
                vars: vec![
                    ("usable".into(), usable.to_string()),
                    ("needed".into(), fmt_num(needed)),
                    ("subnet".into(), name),
                    (
                        "arithmetic".into(),
                        format!("{} > {usable} usable", arithmetic(&members, needed)),
                    ),
                ],
                related: member_ids
                    .iter()
                    .take(3)
                    .map(|i| {
                        (
                            format!("$['pools'][{i}]['max_nodes']"),
                            "a pool on this subnet".to_string(),
                        )
                    })
                    .collect(),
                ..Hit::default()
            });
        }
    }
    out
}

/// How a subnet's need adds up, for the message: nodes plus surge per pool, times max pods
/// plus one where pods take subnet IPs (flat Azure CNI), e.g.
/// `(3+1 + 5+1) nodes x (30 pods + 1) = 310`.
fn arithmetic(pools: &[&Json], needed: f64) -> String {
    let num = |p: &Json, f: &str| p.get(f).and_then(Json::as_f64).unwrap_or(0.0);
    // Pools grouped by what one node takes: 1 IP, or max pods + 1.
    let mut groups: Vec<(Option<f64>, Vec<String>)> = Vec::new();
    for p in pools {
        let nodes = num(p, "max_nodes") + num(p, "surge_nodes");
        let per_node = (nodes > 0.0).then(|| num(p, "subnet_ips_needed") / nodes);
        let pods = per_node.filter(|n| *n > 1.0).map(|n| n - 1.0);
        let term = format!(
            "{}+{}",
            fmt_num(num(p, "max_nodes")),
            fmt_num(num(p, "surge_nodes"))
        );
        match groups.iter_mut().find(|(k, _)| *k == pods) {
            Some((_, terms)) => terms.push(term),
            None => groups.push((pods, vec![term])),
        }
    }
    let parts: Vec<String> = groups
        .iter()
        .map(|(pods, terms)| {
            let nodes = if terms.len() == 1 {
                terms.join("")
            } else {
                format!("({})", terms.join(" + "))
            };
            match pods {
                Some(mp) => format!("{nodes} nodes x ({} pods + 1)", fmt_num(*mp)),
                None => format!("{nodes} nodes"),
            }
        })
        .collect();
    format!("{} = {}", parts.join(" + "), fmt_num(needed))
}

/// OVL007: total max nodes over the overlay scale limit.
const OVERLAY_NODE_LIMIT: f64 = 5000.0;

fn overlay_node_limit(doc: &Json) -> Outcome {
    let mut out = Outcome::default();
    let mut total = 0.0;
    for (i, p) in pools(doc).iter().enumerate() {
        match pool_num(p, i, "max_nodes") {
            Ok(n) => total += n,
            Err(u) => {
                out.unknowns.push(u);
                return out;
            }
        }
    }
    if total > OVERLAY_NODE_LIMIT {
        out.hits.extend(largest_pool_hit(
            doc,
            vec![
                ("nodes".into(), fmt_num(total)),
                ("limit".into(), fmt_num(OVERLAY_NODE_LIMIT)),
            ],
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pod_cidr_boundary_at_exact_fit() {
        // /20 holds 16 nodes: 15 + 1 surge fits, 16 + 1 does not.
        let fits = json!({"network": {"pod_cidr_v4": "10.244.0.0/20"}, "pools": [{"max_nodes": 15, "surge_nodes": 1}]});
        assert!(pod_cidr_capacity(&fits).hits.is_empty());
        let over = json!({"network": {"pod_cidr_v4": "10.244.0.0/20"}, "pools": [{"max_nodes": 16, "surge_nodes": 1}]});
        assert_eq!(pod_cidr_capacity(&over).hits.len(), 1);
        let unknown = json!({"network": {"pod_cidr_v4": "10.244.0.0/20"}, "pools": [{"max_nodes": {"$unknown": "x"}, "surge_nodes": 1}]});
        let o = pod_cidr_capacity(&unknown);
        assert_eq!((o.hits.len(), o.unknowns.len()), (0, 1));
    }

    #[test]
    fn subnet_capacity_uses_251_per_slash_24() {
        let doc = |n: f64| {
            json!({"pools": [{"max_nodes": n, "surge_nodes": 1, "subnet_ips_needed": n + 1.0,
            "subnet": {"address": "s", "name": "s", "prefixes": ["10.0.0.0/24"]}}]})
        };
        assert!(node_subnet_capacity(&doc(250.0)).hits.is_empty());
        let hit = node_subnet_capacity(&doc(251.0));
        let arithmetic = hit
            .hits
            .first()
            .and_then(|h| h.vars.iter().find(|(k, _)| k == "arithmetic"))
            .map(|(_, v)| v.clone());
        assert_eq!(
            arithmetic.as_deref(),
            Some("251+1 nodes = 252 > 251 usable")
        );
        assert_eq!(node_subnet_capacity(&doc(251.0)).hits.len(), 1);
    }
}
