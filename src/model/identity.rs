//! Whether the cluster identity holds Network Contributor (or a role that includes it) on a node
//! subnet, its VNet, their resource group or the subscription, from the role assignments in the
//! scan. Three-valued: an assignment whose role, principal or scope is unknown but could match
//! makes the answer unknown rather than "missing".

use super::kinds::private_dns_zone::PrivateDnsZone;
use super::{Model, Node, Ref, RoleAssignment, Subnet, V};

/// Built-in roles that include `subnets/join/action` and `roleAssignments/write`: Network
/// Contributor, Contributor and Owner (role definition GUIDs).
const ROLE_IDS: &[&str] = &[
    "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
];
const ROLE_NAMES: &[&str] = &["Network Contributor", "Contributor", "Owner"];

/// Private DNS Zone Contributor, Contributor and Owner: roles that may write a private zone.
const ZONE_ROLE_IDS: &[&str] = &[
    "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
    "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
];
const ZONE_ROLE_NAMES: &[&str] = &["Private DNS Zone Contributor", "Contributor", "Owner"];

/// A set of qualifying built-in roles, by GUID and by name.
struct Roles {
    ids: &'static [&'static str],
    names: &'static [&'static str],
}

const NETWORK: Roles = Roles {
    ids: ROLE_IDS,
    names: ROLE_NAMES,
};
const DNS_ZONE: Roles = Roles {
    ids: ZONE_ROLE_IDS,
    names: ZONE_ROLE_NAMES,
};

#[derive(Clone, Copy, PartialEq)]
enum Tri {
    Yes,
    No,
    Maybe,
}

fn role(a: &RoleAssignment, roles: &Roles) -> Tri {
    if let Some(n) = &a.role_name {
        return match n.as_str() {
            Some(s) => {
                if roles.names.iter().any(|r| r.eq_ignore_ascii_case(s.trim())) {
                    Tri::Yes
                } else {
                    Tri::No
                }
            }
            None => Tri::Maybe,
        };
    }
    match a.role_id.as_ref().and_then(Node::as_str) {
        Some(s) if roles.ids.iter().any(|g| s.to_ascii_lowercase().contains(g)) => Tri::Yes,
        // A custom role defined in the scan may carry the needed actions.
        Some(s) if s.starts_with("ref:") => Tri::Maybe,
        Some(_) => Tri::No,
        None => Tri::Maybe,
    }
}

/// A token built from a name that is unknown but symbolic (`uniqueString(...)`): another token
/// may still name the same resource, so a mismatch proves nothing.
fn symbolic(token: &str) -> bool {
    token.contains('⟨')
}

fn principal(a: &RoleAssignment, want: &str) -> Tri {
    match a.principal.as_ref().map(|p| &p.v) {
        Some(V::Str(s)) if s == want => Tri::Yes,
        // Two links to different identities in the scan.
        Some(V::Str(s))
            if s.starts_with("ref:")
                && want.starts_with("ref:")
                && !symbolic(s)
                && !symbolic(want) =>
        {
            Tri::No
        }
        // A literal object id (or a plan's known value) cannot be told apart from the link.
        _ => Tri::Maybe,
    }
}

/// Lower-cased text of a known string.
fn lower(n: &Option<Node>) -> Option<String> {
    n.as_ref()
        .and_then(Node::as_str)
        .map(str::to_ascii_lowercase)
}

fn scope(m: &Model, a: &RoleAssignment, s: &Subnet) -> Tri {
    let Some(text) = a.scope.as_ref().and_then(Node::as_str) else {
        return Tri::Maybe;
    };
    let subnet_name = lower(&s.name);
    let rg = lower(&s.resource_group);
    let vnet = s.vnet.and_then(|v| m.vnets.get(v));
    if s.id.as_deref() == Some(text) || vnet.and_then(|v| v.id.as_deref()) == Some(text) {
        return Tri::Yes;
    }
    if text.starts_with("ref:") {
        if let Some(g) = m.resource_groups.iter().find(|g| g.id == text) {
            let name = &g.name;
            return match (lower(name), &rg) {
                (Some(a), Some(b)) if &a == b => Tri::Yes,
                (Some(_), Some(_)) => Tri::No,
                _ => Tri::Maybe,
            };
        }
        return match Ref::from_node(a.scope.as_ref()) {
            Ref::VnetChild { vnet: v, subnet }
                if vnet.and_then(|x| x.id.as_deref()) == Some(v.as_str()) =>
            {
                if subnet_name.as_deref() == Some(subnet.to_ascii_lowercase().as_str()) {
                    Tri::Yes
                } else {
                    Tri::No
                }
            }
            // A VNet-wide assignment covers this subnet unless we know it is in another VNet.
            Ref::Id(id)
                if s.vnet.is_none()
                    && m.vnets.iter().any(|v| v.id.as_deref() == Some(id.as_str())) =>
            {
                Tri::Maybe
            }
            _ if symbolic(text) || s.id.as_deref().is_some_and(symbolic) => Tri::Maybe,
            _ => Tri::No,
        };
    }
    // A literal ARM id: subscription, resource group, VNet or subnet scope. Bicep compiles
    // `scope: vnet` to an extension scope relative to the deployment's resource group
    // (`Microsoft.Network/virtualNetworks/<name>`), which names the VNet as the full id does.
    let parts: Vec<String> = text
        .trim_matches('/')
        .split('/')
        .map(str::to_ascii_lowercase)
        .collect();
    let after = |k: &str| super::arm_id_segment(text, k).map(str::to_ascii_lowercase);
    match (
        after("resourcegroups"),
        after("virtualnetworks"),
        after("subnets"),
    ) {
        (None, _, _) if parts.first().is_some_and(|p| p == "subscriptions") => Tri::Yes,
        (Some(g), None, _) if parts.len() == 4 => {
            if rg.as_ref() == Some(&g) {
                Tri::Yes
            } else {
                Tri::No
            }
        }
        (_, Some(v), sub) => {
            let vnet_name = lower(&s.vnet_name);
            let same_vnet = vnet_name.as_ref() == Some(&v);
            let same_subnet = sub.is_none() || sub == subnet_name;
            if same_vnet && same_subnet {
                Tri::Yes
            } else {
                Tri::No
            }
        }
        _ => Tri::No,
    }
}

/// Why an assignment that could qualify leaves the answer open: the first of its role,
/// principal and scope that is not known to match, with the reason it is unknown.
fn undecided(a: &RoleAssignment, t: [Tri; 3]) -> String {
    let parts = [
        ("role", a.role_name.as_ref().or(a.role_id.as_ref())),
        ("principal", a.principal.as_ref()),
        ("scope", a.scope.as_ref()),
    ];
    let Some((what, node)) = parts
        .iter()
        .zip(t)
        .find(|(_, x)| *x == Tri::Maybe)
        .map(|(p, _)| *p)
    else {
        return "a role assignment's role, principal or scope is unknown".into();
    };
    match node.map(|n| &n.v) {
        Some(V::Unknown(r)) => format!("a role assignment's {what} is unknown: {r}"),
        Some(V::Str(s)) => format!("a role assignment's {what} `{s}` may or may not match"),
        _ => format!("a role assignment's {what} is unknown"),
    }
}

/// The answer for one node subnet.
pub struct NetworkRole {
    /// `true`: a qualifying assignment exists; `false`: none could exist in the scan; unknown
    /// otherwise.
    pub has: Node,
    /// What is wrong when `has` is false, for the message.
    pub gap: &'static str,
}

const NO_ASSIGNMENT: &str =
    "no role assignment gives the cluster identity Network Contributor on this node subnet";
const KUBELET_ONLY: &str = "Network Contributor on this node subnet is assigned to the kubelet identity, not the cluster identity";

/// Whether the cluster identity holds the role on `s`. `kubelet` is the principal token of the
/// kubelet identity AKS creates, a common mistake for the cluster's own. `None` when the
/// cluster has no managed identity to check.
pub fn network_role(
    m: &Model,
    cluster_principal: Option<&Node>,
    kubelet: &str,
    s: &Subnet,
) -> Option<NetworkRole> {
    let p = cluster_principal?;
    let Some(want) = p.as_str() else {
        return Some(NetworkRole {
            has: Node::unknown("the cluster identity is unknown"),
            gap: NO_ASSIGNMENT,
        });
    };
    let mut maybe: Option<String> = None;
    let mut to_kubelet = false;
    for a in &m.role_assignments {
        let t = [role(a, &NETWORK), principal(a, want), scope(m, a, s)];
        if t.iter().all(|x| *x == Tri::Yes) {
            return Some(NetworkRole {
                has: Node::derived_at(V::Bool(true), Some(s.header)),
                gap: NO_ASSIGNMENT,
            });
        }
        if !t.contains(&Tri::No) && maybe.is_none() {
            maybe = Some(undecided(a, t));
        }
        to_kubelet |= principal(a, kubelet) == Tri::Yes
            && role(a, &NETWORK) == Tri::Yes
            && scope(m, a, s) == Tri::Yes;
    }
    Some(if let Some(why) = maybe {
        NetworkRole {
            has: Node::unknown(why),
            gap: NO_ASSIGNMENT,
        }
    } else {
        NetworkRole {
            has: Node::derived_at(V::Bool(false), Some(s.header)),
            gap: if to_kubelet {
                KUBELET_ONLY
            } else {
                NO_ASSIGNMENT
            },
        }
    })
}

/// Whether a role assignment in the scan scopes a private DNS zone: the zone itself, its
/// resource group or the subscription.
fn zone_scope(m: &Model, a: &RoleAssignment, z: &PrivateDnsZone) -> Tri {
    let Some(text) = a.scope.as_ref().and_then(Node::as_str) else {
        return Tri::Maybe;
    };
    if text == z.id {
        return Tri::Yes;
    }
    let rg = lower(&z.resource_group);
    if text.starts_with("ref:") {
        if let Some(g) = m.resource_groups.iter().find(|g| g.id == text) {
            let name = &g.name;
            return match (lower(name), &rg) {
                (Some(a), Some(b)) if &a == b => Tri::Yes,
                (Some(_), Some(_)) => Tri::No,
                _ => Tri::Maybe,
            };
        }
        return if symbolic(text) || symbolic(&z.id) {
            Tri::Maybe
        } else {
            Tri::No
        };
    }
    let parts = text.trim_matches('/').split('/').count();
    let after = |k: &str| super::arm_id_segment(text, k).map(str::to_ascii_lowercase);
    match (after("resourcegroups"), after("privatednszones")) {
        (None, _)
            if text
                .trim_start_matches('/')
                .to_ascii_lowercase()
                .starts_with("subscriptions") =>
        {
            Tri::Yes
        }
        (Some(g), None) if parts == 4 => match &rg {
            Some(r) if *r == g => Tri::Yes,
            Some(_) => Tri::No,
            None => Tri::Maybe,
        },
        (_, Some(zone)) => match lower(&z.name) {
            Some(n) if n == zone => Tri::Yes,
            Some(_) => Tri::No,
            None => Tri::Maybe,
        },
        _ => Tri::No,
    }
}

/// API004: whether the cluster identity may write its custom private DNS zone (Private DNS
/// Zone Contributor, Contributor or Owner on the zone, its group or the subscription). `true`,
/// `false` (located at the zone) or unknown, as for [`network_role`].
pub fn dns_zone_role(m: &Model, cluster_principal: Option<&Node>, z: &PrivateDnsZone) -> Node {
    let Some(want) = cluster_principal.and_then(Node::as_str) else {
        return Node::unknown("the cluster identity is unknown");
    };
    let mut maybe: Option<String> = None;
    for a in &m.role_assignments {
        let t = [role(a, &DNS_ZONE), principal(a, want), zone_scope(m, a, z)];
        if t.iter().all(|x| *x == Tri::Yes) {
            return Node::derived_at(V::Bool(true), Some(z.header));
        }
        if !t.contains(&Tri::No) && maybe.is_none() {
            maybe = Some(undecided(a, t));
        }
    }
    match maybe {
        Some(why) => Node::unknown(why),
        None => Node::derived_at(V::Bool(false), Some(z.header)),
    }
}
