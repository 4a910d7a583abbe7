//! AGIC installed by Helm (chart `ingress-azure`): the Application Gateway its values name
//! (`appgw.name`, `appgw.resourceGroup`, `appgw.subscriptionId`, from `set` or from `values`
//! written as YAML or `yamlencode({...})`) is the `azurerm_application_gateway` of that name and
//! resource group, and the release serves a cluster the way the AGIC add-on's gateway does: the
//! gateway subnet in the cluster's VNet or a peered one, else the only cluster in scope. The
//! cluster then reads it as its AGIC add-on, so every AGIC gateway rule applies to it.
//!
//! Values the evaluator does not know stay unknown: an unknown `set` name, values document or
//! YAML text hides every key it might set.

use crate::model::Undecided;
use yaml_rust2::{Yaml, YamlLoader};

use super::link::{Links, Resolved};
use super::resource::{field, Block};
use super::{AgicAddon, AgicHelm, Model, Node, Ref, V};

/// The chart's values that name the gateway.
const NAME: &str = "appgw.name";
const RESOURCE_GROUP: &str = "appgw.resourceGroup";
const SUBSCRIPTION: &str = "appgw.subscriptionId";

/// One `set` entry, or why the entries cannot be known.
type Sets = Result<Vec<(Option<String>, Node)>, Undecided>;

/// A `values` document: a YAML text (parsed), an object (`yamlencode({...})`), or unknown.
enum Doc {
    Yaml(Yaml, Node),
    Obj(Node),
    Unknown(String),
}

/// Reads a `helm_release` of chart `ingress-azure`.
pub fn from_release<B: Block>(b: &B, version: Option<Node>) -> AgicHelm {
    let sets = sets(b);
    let docs = docs(b);
    let value = |key: &str| lookup(key, &sets, &docs);
    AgicHelm {
        header: b.header(),
        version,
        gateway_name: value(NAME),
        gateway_resource_group: value(RESOURCE_GROUP),
        gateway_subscription: value(SUBSCRIPTION),
    }
}

/// `set { name value }` blocks (helm provider 2.x), else the `set = [{ name, value }]` list
/// (3.x).
fn sets<B: Block>(b: &B) -> Sets {
    let blocks = b.blocks("set");
    if !blocks.is_empty() {
        return Ok(blocks
            .iter()
            .map(|s| entry(field(s, &["name"]), field(s, &["value"])))
            .collect());
    }
    match field(b, &["set"]).map(|n| n.v) {
        None => Ok(Vec::new()),
        Some(V::List(items)) => Ok(items
            .iter()
            .map(|o| entry(o.get("name").cloned(), o.get("value").cloned()))
            .collect()),
        Some(V::Unknown(why)) => Err(why.into()),
        Some(_) => Err("`set` is not a list".into()),
    }
}

fn entry(name: Option<Node>, value: Option<Node>) -> (Option<String>, Node) {
    (
        name.as_ref().and_then(Node::as_str).map(str::to_string),
        value.unwrap_or_else(Node::null),
    )
}

/// The `values` list, in order.
fn docs<B: Block>(b: &B) -> Vec<Doc> {
    let Some(values) = field(b, &["values"]) else {
        return Vec::new();
    };
    let items = match values.v {
        V::List(items) => items,
        V::Unknown(why) => return vec![Doc::Unknown(why)],
        _ => return vec![Doc::Unknown("`values` is not a list".into())],
    };
    items
        .into_iter()
        .map(|item| match &item.v {
            V::Str(text) => match YamlLoader::load_from_str(text) {
                Ok(docs) => match docs.into_iter().next() {
                    Some(y) => Doc::Yaml(y, item),
                    None => Doc::Obj(Node::null()),
                },
                Err(_) => Doc::Unknown("Helm values are not valid YAML".into()),
            },
            V::Obj(_) | V::Null => Doc::Obj(item),
            V::Unknown(why) => Doc::Unknown(why.clone()),
            _ => Doc::Unknown("Helm values are not a YAML document".into()),
        })
        .collect()
}

/// The value of a dotted key: the last `set` of it wins over `values`, and a later values
/// document over an earlier one (Helm's precedence).
fn lookup(key: &str, sets: &Sets, docs: &[Doc]) -> Option<Node> {
    match sets {
        Err(why) => return Some(Node::unknown(why.clone())),
        Ok(entries) => {
            for (name, value) in entries.iter().rev() {
                match name {
                    Some(n) if n == key => return Some(value.clone()),
                    Some(_) => {}
                    None => return Some(Node::unknown("a Helm `set` name is unknown")),
                }
            }
        }
    }
    let path: Vec<&str> = key.split('.').collect();
    for doc in docs.iter().rev() {
        let found = match doc {
            Doc::Unknown(why) => return Some(Node::unknown(why.clone())),
            Doc::Obj(n) => path
                .iter()
                .try_fold(n, |n, k| n.get(k))
                .filter(|n| !n.is_null())
                .cloned(),
            Doc::Yaml(y, at) => yaml_scalar(y, &path).map(|s| Node {
                v: V::Str(s),
                loc: at.loc.clone(),
            }),
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// A scalar at a path of keys in a YAML document, as text.
fn yaml_scalar(y: &Yaml, path: &[&str]) -> Option<String> {
    let node = path
        .iter()
        .try_fold(y, |y, k| y.as_hash()?.get(&Yaml::String((*k).to_string())))?;
    match node {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Lower-cased text of a known string, `Err` when unknown.
fn text(n: Option<&Node>) -> Result<Option<String>, Undecided> {
    match n {
        None => Ok(None),
        Some(n) if n.is_null() => Ok(None),
        Some(n) => match n.as_str() {
            Some(s) => Ok(Some(s.to_ascii_lowercase())),
            None => Err(match &n.v {
                V::Unknown(why) => why.clone().into(),
                _ => "not a string".into(),
            }),
        },
    }
}

/// The Application Gateway the values name: the one of that name in the scan, in that resource
/// group when the values give one. Unknown when a name or resource group that could decide it is.
pub fn gateway(m: &Model, h: &AgicHelm) -> Ref {
    let name = match text(h.gateway_name.as_ref()) {
        Ok(Some(n)) => n,
        Ok(None) => return Ref::Unknown("the AGIC Helm values name no gateway".into()),
        Err(why) => return Ref::Unknown(format!("the AGIC gateway name is unknown: {why}")),
    };
    let rg = match text(h.gateway_resource_group.as_ref()) {
        Ok(rg) => rg,
        Err(why) => {
            return Ref::Unknown(format!(
                "the AGIC gateway's resource group is unknown: {why}"
            ))
        }
    };
    let mut found = None;
    for g in &m.app_gateways {
        let same_group = match (&rg, text(g.resource_group.as_ref())) {
            (None, _) => Ok(true),
            (Some(want), Ok(Some(have))) => Ok(*want == have),
            (Some(_), Ok(None)) => Err(Undecided::new("its resource group is not known")),
            (Some(_), Err(why)) => Err(why),
        };
        match (text(g.name.as_ref()), same_group) {
            (Ok(None), _) | (Ok(Some(_)), Ok(false)) => {}
            (Ok(Some(n)), _) if n != name => {}
            (Ok(Some(_)), Ok(true)) if found.is_some() => {
                return Ref::Unknown(format!("several gateways are named {name}"));
            }
            (Ok(Some(_)), Ok(true)) => found = Some(g.id.clone()),
            (Err(why), _) | (_, Err(why)) => {
                return Ref::Unknown(format!("gateway {} may be {name}: {why}", g.addr));
            }
        }
    }
    match found {
        Some(id) => Ref::Id(id),
        None => Ref::Unknown(format!("Application Gateway {name} is not in the scan")),
    }
}

/// For each cluster of the model, the AGIC Helm release that serves it (the first one linked),
/// read as an AGIC add-on.
pub fn addons(m: &Model, links: &Links) -> Vec<Option<AgicAddon>> {
    let mut out: Vec<Option<AgicAddon>> = vec![None; m.clusters.len()];
    if m.agic_helm.is_empty() {
        return out;
    }
    let vnets = super::link::cluster_vnets(m, links);
    for h in &m.agic_helm {
        let gateway = gateway(m, h);
        let vnet = match &gateway {
            Ref::Id(id) => m.app_gateways.iter().find(|g| &g.id == id).and_then(|g| {
                match links.subnet(&g.subnet) {
                    Resolved::Found(i) => m.subnets.get(i).and_then(|s| s.vnet),
                    _ => None,
                }
            }),
            _ => None,
        };
        let Some((c, _)) = super::link::link_cluster(m, links, &vnets, vnet) else {
            continue;
        };
        if let Some(slot @ None) = out.get_mut(c) {
            *slot = Some(AgicAddon {
                header: h.header,
                gateway,
                subnet_cidr: None,
                subnet: Ref::Absent,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Yaml {
        YamlLoader::load_from_str(text)
            .expect("YAML")
            .into_iter()
            .next()
            .expect("a document")
    }

    #[test]
    fn yaml_scalars_are_found_by_dotted_path() {
        let y = yaml("appgw:\n  name: agw-prod\n  resourceGroup: rg-net\nverbosityLevel: 3\n");
        assert_eq!(
            yaml_scalar(&y, &["appgw", "name"]).as_deref(),
            Some("agw-prod")
        );
        assert_eq!(yaml_scalar(&y, &["verbosityLevel"]).as_deref(), Some("3"));
        assert_eq!(yaml_scalar(&y, &["appgw"]), None);
        assert_eq!(yaml_scalar(&y, &["appgw", "subscriptionId"]), None);
    }

    #[test]
    fn set_wins_over_values_and_unknowns_hide_keys() {
        let docs = vec![Doc::Yaml(
            yaml("appgw:\n  name: from-values\n"),
            Node::null(),
        )];
        let sets: Sets = Ok(vec![(Some(NAME.into()), Node::str("from-set"))]);
        let v = lookup(NAME, &sets, &docs);
        assert_eq!(v.as_ref().and_then(Node::as_str), Some("from-set"));
        let v = lookup(NAME, &Ok(Vec::new()), &docs);
        assert_eq!(v.as_ref().and_then(Node::as_str), Some("from-values"));
        let unknown_name: Sets = Ok(vec![(None, Node::str("x"))]);
        assert!(lookup(NAME, &unknown_name, &docs).is_some_and(|n| n.is_unknown()));
        let later_unknown = vec![
            Doc::Yaml(yaml("appgw:\n  name: a\n"), Node::null()),
            Doc::Unknown("interpolated".into()),
        ];
        assert!(lookup(NAME, &Ok(Vec::new()), &later_unknown).is_some_and(|n| n.is_unknown()));
        assert!(lookup(RESOURCE_GROUP, &Ok(Vec::new()), &docs).is_none());
    }
}
