//! The pool document: OS, max pods, and sizes derived from the pool's settings (max nodes,
//! surge, the node subnet addresses it takes at full scale).

use super::{or_default, or_null};
use crate::model::{Cluster, Node, Pool, V};
use crate::source::Span;

/// Version `1.x[.y]` as (minor, patch).
pub fn parse_version(s: &str) -> Option<(u64, u64, Option<u64>)> {
    let s = s.trim().trim_start_matches('v');
    let mut it = s.split('.');
    let major = it.next()?.parse().ok()?;
    let minor = it.next()?.parse().ok()?;
    let patch = it.next().and_then(|p| p.parse().ok());
    Some((major, minor, patch))
}

pub(super) fn pool_node(
    p: &Pool,
    c: &Cluster,
    subnet: Node,
    default_max_pods: Option<f64>,
    flat: bool,
) -> Node {
    let at = Some(p.header);
    let os_type = or_default(&p.os_type, V::Str("Linux".into()), at);
    let windows = os_type.as_str().map(|s| s.eq_ignore_ascii_case("windows"));
    // Windows pools without an OS SKU: 2019 below Kubernetes 1.33, 2022 from 1.33 (RULES.md).
    let os_sku = match (&p.os_sku, windows) {
        (Some(s), _) => s.clone(),
        (None, Some(true)) => {
            let version = p.version.as_ref().or(c.version.as_ref());
            match version.and_then(Node::as_str).and_then(parse_version) {
                Some((1, minor, _)) if minor < 33 => {
                    Node::default_at(V::Str("Windows2019".into()), at)
                }
                Some(_) => Node::default_at(V::Str("Windows2022".into()), at),
                None => Node::unknown("Windows OS SKU depends on the unknown Kubernetes version"),
            }
        }
        (None, Some(false)) => Node::default_at(V::Str("Ubuntu".into()), at),
        (None, None) => Node::unknown("OS type is unknown"),
    };
    let max_pods = match (&p.max_pods, default_max_pods) {
        (Some(m), _) => m.clone(),
        (None, Some(d)) => Node::default_at(V::Num(d), at),
        (None, None) => Node::unknown("default max pods depends on the unknown network plugin"),
    };
    let auto = or_default(&p.auto_scaling, V::Bool(false), at);
    let node_count = or_default(&p.node_count, V::Num(1.0), at);
    let max_nodes = match auto.as_bool() {
        Some(true) => p
            .max_count
            .clone()
            .unwrap_or_else(|| Node::unknown("autoscaling without max_count")),
        Some(false) => node_count.clone(),
        None => Node::unknown("whether the pool autoscales is unknown"),
    };
    let surge = surge_nodes(p.max_surge.as_ref(), &max_nodes, at);
    // IPs this pool takes from its node subnet at full scale (flat CNI pre-allocates pod IPs).
    let ips = match (max_nodes.as_num(), surge.as_num()) {
        (Some(n), Some(s)) if flat => {
            let pod_subnet = p.pod_subnet.as_ref().is_some_and(|x| !x.is_null());
            if pod_subnet {
                Node::num(n + s)
            } else {
                match max_pods.as_num() {
                    Some(mp) => Node::num((n + s) * (mp + 1.0)),
                    None => Node::unknown("max pods is unknown"),
                }
            }
        }
        (Some(n), Some(s)) => Node::num(n + s),
        _ => Node::unknown("pool size is unknown"),
    };
    Node::obj(vec![
        ("address", Node::str(p.addr.clone())),
        ("name", or_null(&p.name)),
        ("mode", or_default(&p.mode, V::Str("User".into()), at)),
        ("os_type", os_type),
        ("os_sku", os_sku),
        ("vm_size", or_null(&p.vm_size)),
        (
            "type",
            or_default(&p.pool_type, V::Str("VirtualMachineScaleSets".into()), at),
        ),
        ("max_pods", max_pods),
        ("auto_scaling", auto),
        ("node_count", node_count),
        ("min_count", or_null(&p.min_count)),
        ("max_count", or_null(&p.max_count)),
        ("max_nodes", max_nodes),
        ("surge_nodes", surge),
        ("subnet_ips_needed", ips),
        ("pod_subnet_id", or_null(&p.pod_subnet)),
        // The pool's own version, else the control plane's.
        (
            "kubernetes_version",
            or_null(p.version.as_ref().map_or(&c.version, |_| &p.version)),
        ),
        ("subnet", subnet),
        (
            "condition",
            p.condition.clone().map_or_else(Node::null, Node::str),
        ),
    ])
}

/// Max surge in nodes: explicit value wins; a percentage is of the pool's max nodes, rounded
/// up; unset counts as 1 node.
fn surge_nodes(surge: Option<&Node>, max_nodes: &Node, at: Option<Span>) -> Node {
    let Some(s) = surge else {
        return Node::default_at(V::Num(1.0), at);
    };
    if s.is_unknown() {
        return s.clone();
    }
    let text = s
        .as_str()
        .map(str::trim)
        .map(str::to_string)
        .or_else(|| s.as_num().map(|n| n.to_string()));
    let Some(text) = text else {
        return Node::unknown("max surge is not a number");
    };
    let mut out = if let Some(pct) = text.strip_suffix('%') {
        match (pct.trim().parse::<f64>(), max_nodes.as_num()) {
            (Ok(p), Some(n)) => Node::num((n * p / 100.0).ceil()),
            _ => return Node::unknown("percentage surge of an unknown pool size"),
        }
    } else {
        match text.parse::<f64>() {
            Ok(n) => Node::num(n),
            Err(_) => return Node::unknown("max surge is not a number"),
        }
    };
    out.loc = s.loc.clone();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_surge_rounds_up_of_max_nodes() {
        let s = Node::str("33%");
        assert_eq!(
            surge_nodes(Some(&s), &Node::num(10.0), None).as_num(),
            Some(4.0)
        );
        assert_eq!(
            surge_nodes(None, &Node::num(10.0), None).as_num(),
            Some(1.0)
        );
        assert!(surge_nodes(Some(&s), &Node::unknown("x"), None).is_unknown());
    }

    #[test]
    fn versions_parse() {
        assert_eq!(parse_version("1.26.3"), Some((1, 26, Some(3))));
        assert_eq!(parse_version("1.29"), Some((1, 29, None)));
        assert_eq!(parse_version("latest"), None);
    }
}
