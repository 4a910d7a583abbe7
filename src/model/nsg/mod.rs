//! Network security groups: rules read from Terraform and ARM into one model, the flows a
//! node subnet's NSG must pass (node to node, node to pod, pod to pod; AKS overlay docs), and
//! the denial NET009 reports.
//!
//! Whether the rules let a flow through is decided in `reach`; Azure's default rules and what
//! the address tags cover are in `defaults`.

mod defaults;
mod reach;

use crate::model::Undecided;
use ipnet::IpNet;

pub use reach::{evaluate, Verdict};

use super::{Node, V};
use crate::cidr;

/// Traffic direction as the NSG sees it on the subnet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Inbound,
    Outbound,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "Inbound",
            Direction::Outbound => "Outbound",
        }
    }
}

/// One flow the cluster needs: every port and protocol from `src` to `dst`.
#[derive(Clone, Debug)]
pub struct Flow {
    pub name: &'static str,
    pub direction: Direction,
    pub src: IpNet,
    pub dst: IpNet,
}

/// The flows a node subnet's NSG must pass (AKS overlay docs): node to node, node to pod and
/// pod to pod on every port and protocol, in both directions the NSG filters.
pub fn cluster_flows(subnet: &[IpNet], nodes: &[IpNet], pods: &[IpNet]) -> Vec<Flow> {
    let mut out: Vec<Flow> = Vec::new();
    let mut add = |name, direction, from: &[IpNet], to: &[IpNet]| {
        for &src in from {
            for &dst in to {
                let f = Flow {
                    name,
                    direction,
                    src,
                    dst,
                };
                let dup = out.iter().any(|o| {
                    o.name == f.name && o.direction == f.direction && o.src == src && o.dst == dst
                });
                if cidr::is_v4(&src) == cidr::is_v4(&dst) && !dup {
                    out.push(f);
                }
            }
        }
    };
    add("node-to-node", Direction::Inbound, nodes, subnet);
    add("node-to-node", Direction::Outbound, subnet, nodes);
    add("node-to-pod", Direction::Inbound, nodes, pods);
    add("node-to-pod", Direction::Outbound, subnet, pods);
    add("pod-to-pod", Direction::Inbound, pods, pods);
    add("pod-to-pod", Direction::Outbound, pods, pods);
    out
}

/// A node subnet's NSG against the cluster's flows: the access value of the first deny that
/// takes some of them (located where `Deny` is written) and a description, unknown when it
/// cannot be decided, `None` when the traffic passes.
pub fn denial(
    nsg: &super::Nsg,
    subnet: &str,
    flows: Result<Vec<Flow>, Undecided>,
) -> Result<Option<(Node, String)>, Undecided> {
    let rules = nsg.rules.as_ref().map_err(Clone::clone)?;
    let flows = flows?;
    let mut first: Option<(usize, &Flow)> = None;
    let mut names: Vec<&str> = Vec::new();
    let mut unknown = None;
    for f in &flows {
        match evaluate(rules, f) {
            Verdict::Denied(i) => {
                first.get_or_insert((i, f));
                if !names.contains(&f.name) {
                    names.push(f.name);
                }
            }
            Verdict::Unknown(why) => {
                unknown.get_or_insert(why);
            }
            Verdict::Allowed => {}
        }
    }
    let Some((i, f)) = first else {
        return match unknown {
            Some(why) => Err(Undecided(why)),
            None => Ok(None),
        };
    };
    let Some(rule) = rules.get(i) else {
        return Err("rule index".into());
    };
    let text = |n: &Option<Node>| {
        n.as_ref()
            .and_then(|x| {
                x.as_str()
                    .map(str::to_string)
                    .or(x.as_num().map(|v| v.to_string()))
            })
            .unwrap_or_else(|| "?".into())
    };
    let access = rule
        .access
        .clone()
        .map(|mut a| {
            if a.primary_span().is_none() {
                a.loc.at = rule.header;
            }
            a
        })
        .unwrap_or_else(|| Node::derived_at(V::Str("Deny".into()), rule.header));
    let flows = match names.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    let description = format!(
        "NSG {} on node subnet {subnet} denies {flows} traffic: rule {} (priority {}, {}) takes {} -> {} before any allow",
        text(&nsg.name),
        text(&rule.name),
        text(&rule.priority),
        f.direction.as_str(),
        f.src,
        f.dst,
    );
    Ok(Some((access, description)))
}
