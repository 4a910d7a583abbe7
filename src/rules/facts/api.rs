//! API002 (custom private DNS zone name), API006 (API server subnet) and API007 (authorized IP
//! ranges).

use serde_json::Value as Json;

use super::{known, problem_hit};
use crate::rules::outcome::Outcome;

/// Longest subzone a custom private DNS zone may have (private-clusters).
const MAX_SUBZONE: usize = 32;

/// Azure regions by their normalized name (lower-case, no spaces). A location outside this list
/// (a placeholder such as "change me", or a region newer than the list) leaves API002
/// undecided rather than comparing a zone against a region that may not exist.
const REGIONS: &[&str] = &[
    "australiacentral",
    "australiacentral2",
    "australiaeast",
    "australiasoutheast",
    "austriaeast",
    "belgiumcentral",
    "brazilsouth",
    "brazilsoutheast",
    "canadacentral",
    "canadaeast",
    "centralindia",
    "centralus",
    "centraluseuap",
    "chilecentral",
    "chinaeast",
    "chinaeast2",
    "chinaeast3",
    "chinanorth",
    "chinanorth2",
    "chinanorth3",
    "denmarkeast",
    "eastasia",
    "eastus",
    "eastus2",
    "eastus2euap",
    "francecentral",
    "francesouth",
    "germanynorth",
    "germanywestcentral",
    "indonesiacentral",
    "israelcentral",
    "italynorth",
    "japaneast",
    "japanwest",
    "jioindiacentral",
    "jioindiawest",
    "koreacentral",
    "koreasouth",
    "malaysiawest",
    "mexicocentral",
    "newzealandnorth",
    "northcentralus",
    "northeurope",
    "norwayeast",
    "norwaywest",
    "polandcentral",
    "qatarcentral",
    "southafricanorth",
    "southafricawest",
    "southcentralus",
    "southeastasia",
    "southindia",
    "spaincentral",
    "swedencentral",
    "swedensouth",
    "switzerlandnorth",
    "switzerlandwest",
    "taiwannorth",
    "uaecentral",
    "uaenorth",
    "uksouth",
    "ukwest",
    "usdodcentral",
    "usdodeast",
    "usgovarizona",
    "usgovtexas",
    "usgovvirginia",
    "westcentralus",
    "westeurope",
    "westindia",
    "westus",
    "westus2",
    "westus3",
];

/// API002: the zone must be `[<subzone>.]privatelink.<location>.azmk8s.io` (or `private.` with
/// API server VNet integration), the subzone at most 32 characters.
pub(super) fn private_dns_zone_name(doc: &Json) -> Outcome {
    let mut out = Outcome::default();
    if doc.pointer("/api/dns_zone_kind").and_then(Json::as_str) != Some("custom") {
        return out;
    }
    let name = known(
        "$['api']['dns_zone_name']".into(),
        doc.pointer("/api/dns_zone_name"),
    );
    let location = known("$['location']".into(), doc.get("location"));
    let vnet = known(
        "$['api']['vnet_integration']".into(),
        doc.pointer("/api/vnet_integration"),
    );
    let ((path, zone), (_, location), (_, vnet)) = match (name, location, vnet) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (Err(u), _, _) | (_, Err(u), _) | (_, _, Err(u)) => {
            out.unknowns.push(u);
            return out;
        }
    };
    let (Some(name), Some(location)) = (zone.as_str(), location.as_str()) else {
        return out;
    };
    let region: String = location
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    if !REGIONS.contains(&region.as_str()) {
        out.unknowns.push(super::Unknown {
            path: "$['location']".into(),
            reason: format!("location `{location}` is not an Azure region this tool knows"),
        });
        return out;
    }
    let name_l = name.trim_end_matches('.').to_ascii_lowercase();
    let mut parents = vec![format!("privatelink.{region}.azmk8s.io")];
    if vnet.as_bool() == Some(true) {
        parents.push(format!("private.{region}.azmk8s.io"));
    }
    for parent in &parents {
        if name_l == *parent {
            return out;
        }
        if let Some(sub) = name_l.strip_suffix(&format!(".{parent}")) {
            if sub.len() > MAX_SUBZONE {
                out.hits.push(problem_hit(
                    path,
                    zone,
                    format!(
                        "has a subzone of {} characters; at most {MAX_SUBZONE} are allowed",
                        sub.len()
                    ),
                ));
            }
            return out;
        }
    }
    out.hits.push(problem_hit(
        path,
        zone,
        format!(
            "is not {} for a cluster in {location}",
            parents
                .iter()
                .map(|p| format!("`{p}` or `<subzone>.{p}`"))
                .collect::<Vec<_>>()
                .join(", or ")
        ),
    ));
    out
}

/// One API006 test: the problem a subnet field shows, if any.
type Check = fn(&Json) -> Option<String>;

/// API006: the API server subnet of VNet integration must be delegated, at least /28, in the
/// nodes' VNet and not a node or pod subnet.
pub(super) fn api_server_subnet(doc: &Json) -> Outcome {
    let mut out = Outcome::default();
    match known(
        "$['api']['vnet_integration']".into(),
        doc.pointer("/api/vnet_integration"),
    ) {
        Ok((_, v)) if v.as_bool() == Some(true) => {}
        Ok(_) => return out,
        Err(u) => {
            out.unknowns.push(u);
            return out;
        }
    }
    let subnet = match known("$['api']['subnet']".into(), doc.pointer("/api/subnet")) {
        Ok((_, s)) if !s.is_null() => s,
        Ok(_) => return out,
        Err(u) => {
            out.unknowns.push(u);
            return out;
        }
    };
    let checks: [(&str, Check); 4] = [
        ("prefix_v4", |v| {
            let net = v.as_str().and_then(crate::cidr::parse)?;
            (net.prefix_len() > 28).then(|| {
                format!(
                    "is /{}, smaller than the /28 the API server subnet needs",
                    net.prefix_len()
                )
            })
        }),
        ("delegated", |v| {
            (v.as_bool() == Some(false)).then(|| {
                "is not delegated to Microsoft.ContainerService/managedClusters".to_string()
            })
        }),
        ("other_vnet", |v| {
            (v.as_bool() == Some(true))
                .then(|| "is in another VNet than the node subnets".to_string())
        }),
        ("shared", |v| {
            (v.as_bool() == Some(true))
                .then(|| "is also a node or pod subnet; it must hold nothing else".to_string())
        }),
    ];
    for (field, check) in checks {
        let path = format!("$['api']['subnet']['{field}']");
        match known(path, subnet.get(field)) {
            Ok((path, v)) => {
                if let Some(problem) = check(v) {
                    out.hits.push(problem_hit(path, v, problem));
                }
            }
            Err(u) => out.unknowns.push(u),
        }
    }
    out
}

/// API007: authorized ranges on a private cluster, or more than the limit.
pub(super) fn authorized_ranges(doc: &Json) -> Outcome {
    let mut out = Outcome::default();
    let count = match known(
        "$['api']['authorized_range_count']".into(),
        doc.pointer("/api/authorized_range_count"),
    ) {
        Ok((_, v)) => v.as_f64().unwrap_or(0.0),
        Err(u) => {
            out.unknowns.push(u);
            return out;
        }
    };
    if count == 0.0 {
        return out;
    }
    let path = "$['api']['authorized_ranges']".to_string();
    let ranges = doc.pointer("/api/authorized_ranges").unwrap_or(&Json::Null);
    match known("$['api']['private']".into(), doc.pointer("/api/private")) {
        Ok((_, p)) if p.as_bool() == Some(true) => {
            out.hits.push(problem_hit(
                path,
                ranges,
                "are set on a private cluster; they apply only to a public API server endpoint"
                    .into(),
            ));
            return out;
        }
        Ok(_) => {}
        Err(u) => out.unknowns.push(u),
    }
    let limit = doc
        .pointer("/api/authorized_range_limit")
        .and_then(Json::as_f64);
    if let Some(limit) = limit.filter(|l| count > *l) {
        out.hits.push(problem_hit(
            path,
            ranges,
            format!(
                "number {}, more than the {} allowed",
                crate::eval::value::fmt_num(count),
                crate::eval::value::fmt_num(limit)
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn zone(name: &str, vnet: bool) -> Json {
        json!({"location": "West Europe", "api": {"dns_zone_kind": "custom",
            "dns_zone_name": name, "vnet_integration": vnet}})
    }

    #[test]
    fn zone_names() {
        let fires = |n: &str, v: bool| !private_dns_zone_name(&zone(n, v)).hits.is_empty();
        assert!(!fires("privatelink.westeurope.azmk8s.io", false));
        assert!(!fires("team.privatelink.westeurope.azmk8s.io", false));
        assert!(fires("privatelink.northeurope.azmk8s.io", false));
        assert!(fires("private.westeurope.azmk8s.io", false));
        assert!(!fires("private.westeurope.azmk8s.io", true));
        let sub32 = format!("{}.privatelink.westeurope.azmk8s.io", "a".repeat(32));
        let sub33 = format!("{}.privatelink.westeurope.azmk8s.io", "a".repeat(33));
        assert!(!fires(&sub32, false));
        assert!(fires(&sub33, false));
    }

    #[test]
    fn placeholder_location_is_undecided() {
        let mut doc = zone("privatelink.westeurope.azmk8s.io", false);
        doc["location"] = json!("change me");
        let o = private_dns_zone_name(&doc);
        assert_eq!((o.hits.len(), o.unknowns.len()), (0, 1));
    }

    #[test]
    fn range_limits() {
        let doc = |n: f64, limit: f64| {
            json!({"api": {"private": false, "authorized_ranges": [], "authorized_range_count": n,
                "authorized_range_limit": limit}})
        };
        assert!(authorized_ranges(&doc(200.0, 200.0)).hits.is_empty());
        assert_eq!(authorized_ranges(&doc(201.0, 200.0)).hits.len(), 1);
        assert!(authorized_ranges(&doc(2000.0, 2000.0)).hits.is_empty());
    }
}
