//! NET020 (node subnets in one VNet) and NET022 (kubenet route tables: one per cluster, at most
//! 400 routes).

use serde_json::Value as Json;

use super::{known, pool_num, pools, problem_hit};
use crate::eval::value::fmt_num;
use crate::rules::outcome::{display, Hit, Outcome};

/// The VNet of pool `i` as lower-cased (name, resource group), `None` without a node subnet.
fn vnet_of(p: &Json, i: usize) -> Result<Option<(String, Option<String>)>, super::Unknown> {
    let (_, v) = known(format!("$['pools'][{i}]['vnet']"), p.get("vnet"))?;
    if v.is_null() {
        return Ok(None);
    }
    let (_, name) = known(format!("$['pools'][{i}]['vnet']['name']"), v.get("name"))?;
    let Some(name) = name.as_str() else {
        return Err(super::Unknown {
            path: format!("$['pools'][{i}]['vnet']"),
            reason: "the node subnet's VNet is not known by name".into(),
        });
    };
    let rg = v
        .get("resource_group")
        .and_then(Json::as_str)
        .map(str::to_ascii_lowercase);
    Ok(Some((name.to_ascii_lowercase(), rg)))
}

/// NET020: the first pool (in source order) whose node subnet is in another VNet than the
/// first pool's.
pub(super) fn node_subnets_one_vnet(doc: &Json) -> Outcome {
    let mut out = Outcome::default();
    // Pools with a node subnet; with fewer than two there is nothing to compare.
    let with_subnet: Vec<(usize, &Json)> = pools(doc)
        .iter()
        .enumerate()
        .filter(|(_, p)| p.get("vnet").is_some_and(|v| !v.is_null()))
        .collect();
    if with_subnet.len() < 2 {
        return out;
    }
    let mut first: Option<((String, Option<String>), String)> = None;
    for (i, p) in with_subnet {
        let vnet = match vnet_of(p, i) {
            Ok(Some(v)) => v,
            Ok(None) => continue,
            Err(u) => {
                out.unknowns.push(u);
                return out;
            }
        };
        let Some(((name, rg), pool)) = &first else {
            let pool = p.get("name").map_or_else(|| "?".into(), display);
            first = Some((vnet, pool));
            continue;
        };
        let other_group = matches!((rg, &vnet.1), (Some(a), Some(b)) if a != b);
        if *name != vnet.0 || other_group {
            let shown = p
                .pointer("/vnet/name")
                .map_or_else(|| vnet.0.clone(), display);
            out.hits.push(Hit {
                path: format!("$['pools'][{i}]['vnet']"),
                value: shown,
                vars: vec![
                    ("vnet".into(), vnet.0.clone()),
                    ("first_vnet".into(), name.clone()),
                    ("first_pool".into(), pool.clone()),
                ],
                ..Hit::default()
            });
            return out;
        }
    }
    out
}

/// A kubenet route table holds at most 400 routes, one per node.
const KUBENET_ROUTE_LIMIT: f64 = 400.0;

/// NET022: a node subnet's route table already serves an earlier cluster, or the pools at full
/// scale need more routes than a route table holds.
pub(super) fn kubenet_route_table(doc: &Json) -> Outcome {
    let mut out = Outcome::default();
    for (i, p) in pools(doc).iter().enumerate() {
        let path = format!("$['pools'][{i}]['route_table_shared_with']");
        match known(path, p.get("route_table_shared_with")) {
            Ok((path, v)) if !v.is_null() => {
                out.hits.push(problem_hit(
                    path,
                    v,
                    format!(
                        "this node subnet's route table also serves a node subnet of cluster {}; each kubenet cluster needs its own",
                        display(v)
                    ),
                ));
                return out;
            }
            Ok(_) => {}
            Err(u) => out.unknowns.push(u),
        }
    }
    let mut total = 0.0;
    for (i, p) in pools(doc).iter().enumerate() {
        match (pool_num(p, i, "max_nodes"), pool_num(p, i, "surge_nodes")) {
            (Ok(n), Ok(s)) => total += n + s,
            (Err(u), _) | (_, Err(u)) => {
                out.unknowns.push(u);
                return out;
            }
        }
    }
    if total > KUBENET_ROUTE_LIMIT {
        out.hits.extend(super::largest_pool_hit(
            doc,
            vec![(
                "problem".into(),
                format!(
                    "its pools reach {} nodes with surge, more than the {} routes a route table holds",
                    fmt_num(total),
                    fmt_num(KUBENET_ROUTE_LIMIT)
                ),
            )],
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kubenet_route_limit_boundary() {
        let doc = |n: f64| json!({"pools": [{"max_nodes": n, "surge_nodes": 1}]});
        assert!(kubenet_route_table(&doc(399.0)).hits.is_empty());
        assert_eq!(kubenet_route_table(&doc(400.0)).hits.len(), 1);
    }

    #[test]
    fn one_pool_has_nothing_to_compare() {
        let doc = json!({"pools": [{"name": "a", "vnet": {"$unknown": "x"}}, {"name": "b", "vnet": null}]});
        let o = node_subnets_one_vnet(&doc);
        assert!(o.hits.is_empty() && o.unknowns.is_empty());
    }

    #[test]
    fn vnets_compare_by_name_and_group() {
        let doc = |a: &str, b: &str| {
            json!({"pools": [
                {"name": "a", "vnet": {"name": "v1", "resource_group": a}},
                {"name": "b", "vnet": {"name": "V1", "resource_group": b}}]})
        };
        assert!(node_subnets_one_vnet(&doc("rg", "RG")).hits.is_empty());
        assert_eq!(node_subnets_one_vnet(&doc("rg", "other")).hits.len(), 1);
    }
}
