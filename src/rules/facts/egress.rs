//! EGR004 (load balancer SNAT ports against outbound IPs and nodes) and DS007 (a Standard-SKU
//! NAT gateway on a dual-stack cluster).

use serde_json::Value as Json;

use super::{known, pool_num, pools, problem_hit};
use crate::eval::value::fmt_num;
use crate::rules::outcome::{display, Hit, Outcome};

/// SNAT ports one outbound IP offers (configure-load-balancer-standard).
const PORTS_PER_IP: f64 = 64000.0;

/// EGR004: allocated ports not a multiple of 8, or fewer nodes fit than the pools reach.
pub(super) fn snat_ports(doc: &Json) -> Outcome {
    let mut out = Outcome::default();
    let ports = match known(
        "$['network']['load_balancer']['ports']".into(),
        doc.pointer("/network/load_balancer/ports"),
    ) {
        Ok((path, v)) => (path, v),
        Err(u) => {
            out.unknowns.push(u);
            return out;
        }
    };
    let (path, pv) = ports;
    let Some(p) = pv.as_f64().filter(|p| *p > 0.0) else {
        return out;
    };
    let hit = |problem: String| problem_hit(path.clone(), pv, problem);
    if p % 8.0 != 0.0 {
        out.hits.push(hit(
            "is not a multiple of 8 (ports are allocated in blocks of 8)".into(),
        ));
        return out;
    }
    let ips = match known(
        "$['network']['load_balancer']['outbound_ips']".into(),
        doc.pointer("/network/load_balancer/outbound_ips"),
    ) {
        Ok((_, v)) => v.as_f64(),
        Err(u) => {
            out.unknowns.push(u);
            return out;
        }
    };
    let Some(ips) = ips else { return out };
    let mut nodes = 0.0;
    for (i, pool) in pools(doc).iter().enumerate() {
        match (
            pool_num(pool, i, "max_nodes"),
            pool_num(pool, i, "surge_nodes"),
        ) {
            (Ok(n), Ok(s)) => nodes += n + s,
            (Err(u), _) | (_, Err(u)) => {
                out.unknowns.push(u);
                return out;
            }
        }
    }
    let fit = (PORTS_PER_IP / p).floor() * ips;
    if fit < nodes {
        out.hits.push(hit(format!(
            "leave room for floor(64000 / {}) x {} outbound IP{} = {} nodes, fewer than the {} the pools reach with surge",
            fmt_num(p),
            fmt_num(ips),
            if ips == 1.0 { "" } else { "s" },
            fmt_num(fit),
            fmt_num(nodes)
        )));
    }
    out
}

/// DS007: `managedNATGateway` without a StandardV2 profile, or `userAssignedNATGateway` with a
/// node subnet whose NAT gateway is Standard.
pub(super) fn standard_nat_gateway(doc: &Json) -> Outcome {
    let mut out = Outcome::default();
    let outbound = match known(
        "$['network']['outbound_type']".into(),
        doc.pointer("/network/outbound_type"),
    ) {
        Ok((path, v)) => (path, v),
        Err(u) => {
            out.unknowns.push(u);
            return out;
        }
    };
    let kind = outbound.1.as_str().unwrap_or_default().to_ascii_lowercase();
    if kind == "managednatgateway" {
        match known(
            "$['network']['nat_gateway_sku']".into(),
            doc.pointer("/network/nat_gateway_sku"),
        ) {
            Ok((_, sku))
                if sku
                    .as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case("StandardV2")) => {}
            Ok(_) => out.hits.push(Hit {
                path: outbound.0,
                value: display(outbound.1),
                vars: vec![(
                    "problem".into(),
                    format!(
                        "outbound type {} uses a Standard NAT gateway",
                        display(outbound.1)
                    ),
                )],
                ..Hit::default()
            }),
            Err(u) => out.unknowns.push(u),
        }
    } else if kind == "userassignednatgateway" {
        for (i, p) in pools(doc).iter().enumerate() {
            let path = format!("$['pools'][{i}]['subnet']['nat_gateway']['sku']");
            let sku = p.pointer("/subnet/nat_gateway/sku");
            if p.pointer("/subnet/nat_gateway").is_none_or(Json::is_null) {
                continue;
            }
            match known(path, sku) {
                Ok((path, v))
                    if v.as_str()
                        .is_some_and(|s| s.eq_ignore_ascii_case("Standard")) =>
                {
                    out.hits.push(Hit {
                        path,
                        value: display(v),
                        vars: vec![(
                            "problem".into(),
                            "the node subnet's NAT gateway has SKU Standard".into(),
                        )],
                        ..Hit::default()
                    });
                }
                Ok(_) => {}
                Err(u) => out.unknowns.push(u),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(ports: f64, ips: f64, nodes: f64) -> Json {
        json!({"network": {"load_balancer": {"ports": ports, "outbound_ips": ips}},
               "pools": [{"max_nodes": nodes, "surge_nodes": 0}]})
    }

    #[test]
    fn ports_round_down_per_ip() {
        // 64000 / 1024 = 62.5 -> 62 nodes per IP.
        assert!(snat_ports(&doc(1024.0, 1.0, 62.0)).hits.is_empty());
        assert_eq!(snat_ports(&doc(1024.0, 1.0, 63.0)).hits.len(), 1);
        assert!(snat_ports(&doc(1024.0, 2.0, 124.0)).hits.is_empty());
    }

    #[test]
    fn ports_multiple_of_eight() {
        assert_eq!(snat_ports(&doc(1020.0, 1.0, 1.0)).hits.len(), 1);
        assert!(snat_ports(&doc(0.0, 1.0, 1000.0)).hits.is_empty());
    }
}
