//! Cross-resource links, resolved once per model with hash indexes (no pairwise scans):
//! separate node pools to their cluster, subnets to their VNet, a pool's subnet reference to a
//! subnet, and a VNet to the VNets peered with it. Also the cluster a resource in a VNet serves
//! (an AGC association, an AGIC gateway), which both the AGC subjects and the AGIC Helm
//! add-ons ask, so it lives here rather than with either.

use crate::model::Undecided;
use foldhash::{HashMap, HashMapExt};

use super::{Model, Node, Ref};

/// Lower-cased text of a known string node.
fn key(n: Option<&Node>) -> Option<String> {
    n.and_then(Node::as_str).map(str::to_ascii_lowercase)
}

/// Result of resolving a reference to a subnet.
pub enum Resolved {
    /// No subnet written: AKS creates and manages the network.
    None,
    /// A subnet in the scan.
    Found(usize),
    /// A subnet exists but its attributes cannot be known (data source, outside the scan).
    Unknown(String),
}

pub struct Links {
    vnet_by_id: HashMap<String, usize>,
    subnet_by_id: HashMap<String, usize>,
    subnet_by_name: HashMap<(String, String), Vec<usize>>,
    subnet_by_vnet: HashMap<(usize, String), usize>,
    peers: HashMap<usize, Vec<usize>>,
    route_tables: Attached,
    nsgs: Attached,
    nat_gateways: Attached,
    private_dns_zone_by_id: HashMap<String, usize>,
}

/// What a subnet has of one kind of resource (a route table, an NSG) in the scanned code.
pub enum Attachment {
    None,
    Found(usize),
    Unknown(String),
}

/// Subnet -> resource (route table or NSG) associations.
#[derive(Default)]
struct Attached {
    of: HashMap<usize, usize>,
    /// Why a subnet without a known resource might still have one (an unresolvable association).
    undecidable: Option<String>,
}

impl Attached {
    /// From the references written on subnets and the association resources; `find` maps a
    /// reference to the resource's index.
    fn build<'r>(
        links: &Links,
        own: impl Iterator<Item = (usize, Ref)>,
        assoc: impl Iterator<Item = (&'r Ref, Ref)>,
        find: impl Fn(&Ref) -> Result<usize, Undecided>,
    ) -> Attached {
        let mut a = Attached::default();
        for (i, r) in own {
            match find(&r) {
                Ok(t) => {
                    a.of.insert(i, t);
                }
                Err(why) if r != Ref::Absent => {
                    a.undecidable.get_or_insert(why.0);
                }
                Err(_) => {}
            }
        }
        for (sref, tref) in assoc {
            match (links.subnet(sref), find(&tref)) {
                (Resolved::Found(s), Ok(t)) => {
                    a.of.insert(s, t);
                }
                (Resolved::Found(s), Err(why)) => {
                    // The subnet has one, just not one we can read.
                    a.of.remove(&s);
                    a.undecidable.get_or_insert(why.0);
                }
                (Resolved::Unknown(why), _) | (Resolved::None, Err(Undecided(why))) => {
                    a.undecidable.get_or_insert(why);
                }
                (Resolved::None, Ok(_)) => {}
            }
        }
        a
    }

    fn get(&self, subnet: usize, what: &str) -> Attachment {
        match (self.of.get(&subnet), &self.undecidable) {
            (Some(t), _) => Attachment::Found(*t),
            (None, Some(why)) => {
                Attachment::Unknown(format!("a {what} association is unknown: {why}"))
            }
            (None, None) => Attachment::None,
        }
    }
}

/// Index of the resource a reference names, by its `ref:` id.
fn by_id<'i>(
    index: &'i HashMap<String, usize>,
    what: &str,
) -> impl Fn(&Ref) -> Result<usize, Undecided> + 'i {
    let what = what.to_string();
    move |r: &Ref| match r {
        Ref::Id(id) => index
            .get(id)
            .copied()
            .ok_or_else(|| format!("{} is not in the scan", id.trim_start_matches("ref:")).into()),
        Ref::Unknown(why) => Err(why.clone().into()),
        _ => Err(format!("the {what} is not in the scan").into()),
    }
}

impl Links {
    /// Links subnets to VNets and separate pools to clusters, then indexes the model.
    pub fn build(m: &mut Model) -> Links {
        let mut vnet_by_id = HashMap::new();
        let mut vnet_by_name: HashMap<(String, Option<String>), Vec<usize>> = HashMap::new();
        for (i, v) in m.vnets.iter().enumerate() {
            if let Some(id) = &v.id {
                vnet_by_id.insert(id.clone(), i);
            }
            if let Some(n) = key(v.name.as_ref()) {
                vnet_by_name.entry((n.clone(), None)).or_default().push(i);
                if let Some(rg) = key(v.resource_group.as_ref()) {
                    vnet_by_name.entry((n, Some(rg))).or_default().push(i);
                }
            }
        }
        let find_vnet = |name: Option<&Node>, rg: Option<&Node>| -> Option<usize> {
            let n = key(name)?;
            let by_rg = key(rg).and_then(|r| vnet_by_name.get(&(n.clone(), Some(r))));
            match by_rg.or_else(|| vnet_by_name.get(&(n, None))) {
                Some(v) if v.len() == 1 => v.first().copied(),
                _ => None,
            }
        };
        for s in &mut m.subnets {
            s.vnet = match &s.vnet_ref {
                Ref::Id(id) => vnet_by_id.get(id).copied(),
                _ => None,
            }
            .or_else(|| find_vnet(s.vnet_name.as_ref(), s.resource_group.as_ref()));
            if let Some(v) = s.vnet.and_then(|i| m.vnets.get(i)) {
                if s.vnet_name.is_none() {
                    s.vnet_name = v.name.clone();
                }
                if s.resource_group.is_none() {
                    s.resource_group = v.resource_group.clone();
                }
            }
        }
        let mut subnet_by_id = HashMap::new();
        let mut subnet_by_name: HashMap<(String, String), Vec<usize>> = HashMap::new();
        let mut subnet_by_vnet = HashMap::new();
        for (i, s) in m.subnets.iter().enumerate() {
            if let (Some(v), Some(n)) = (s.vnet, key(s.name.as_ref())) {
                subnet_by_vnet.insert((v, n), i);
            }
            if let Some(id) = &s.id {
                subnet_by_id.insert(id.clone(), i);
            }
            if let (Some(v), Some(n)) = (key(s.vnet_name.as_ref()), key(s.name.as_ref())) {
                subnet_by_name.entry((v, n)).or_default().push(i);
            }
        }
        // Separate pools join their cluster.
        let cluster_by_id: HashMap<String, usize> = m
            .clusters
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        let loose = std::mem::take(&mut m.loose_pools);
        for p in loose {
            let target = match &p.cluster {
                Ref::Id(id) => cluster_by_id.get(id).copied(),
                _ => None,
            };
            match target.and_then(|i| m.clusters.get_mut(i)) {
                Some(c) => c.pools.push(p),
                None => m.loose_pools.push(p),
            }
        }
        // Peerings, both directions.
        let mut peers: HashMap<usize, Vec<usize>> = HashMap::new();
        for p in &m.peerings {
            let local = match &p.vnet_ref {
                Ref::Id(id) => vnet_by_id.get(id).copied(),
                _ => None,
            }
            .or_else(|| find_vnet(p.vnet_name.as_ref(), p.resource_group.as_ref()));
            let remote = match &p.remote {
                Ref::Id(id) => vnet_by_id.get(id).copied(),
                Ref::Arm {
                    rg,
                    vnet,
                    subnet: None,
                } => {
                    let n = vnet.to_ascii_lowercase();
                    vnet_by_name
                        .get(&(n, Some(rg.to_ascii_lowercase())))
                        .filter(|v| v.len() == 1)
                        .and_then(|v| v.first().copied())
                }
                _ => None,
            };
            if let (Some(a), Some(b)) = (local, remote) {
                if a != b {
                    peers.entry(a).or_default().push(b);
                    peers.entry(b).or_default().push(a);
                }
            }
        }
        for v in peers.values_mut() {
            v.sort_unstable();
            v.dedup();
        }
        // Route tables: standalone routes join their table by name; subnets by id or association.
        let mut table_by_id = HashMap::new();
        let mut table_by_name = HashMap::new();
        for (i, t) in m.route_tables.iter().enumerate() {
            table_by_id.insert(t.id.clone(), i);
            if let Some(n) = key(t.name.as_ref()) {
                table_by_name.insert((n, key(t.resource_group.as_ref())), i);
            }
        }
        for r in std::mem::take(&mut m.routes) {
            let k = key(r.table_name.as_ref()).map(|n| (n, key(r.resource_group.as_ref())));
            match k
                .and_then(|k| table_by_name.get(&k))
                .and_then(|&i| m.route_tables.get_mut(i))
            {
                Some(t) => t.routes.push(r.entry),
                None => m.routes.push(r),
            }
        }
        for (table, entry) in std::mem::take(&mut m.arm_routes) {
            if let Some(t) = table_by_id
                .get(&table)
                .and_then(|&i| m.route_tables.get_mut(i))
            {
                t.routes.push(entry);
            }
        }
        let nsg_by_id = join_nsg_rules(m);
        let mut links = Links {
            vnet_by_id,
            subnet_by_id,
            subnet_by_name,
            subnet_by_vnet,
            peers,
            route_tables: Attached::default(),
            nsgs: Attached::default(),
            nat_gateways: Attached::default(),
            private_dns_zone_by_id: m
                .private_dns_zones
                .iter()
                .enumerate()
                .map(|(i, z)| (z.id.clone(), i))
                .collect(),
        };
        let nat_by_id: HashMap<String, usize> = m
            .nat_gateways
            .iter()
            .enumerate()
            .map(|(i, g)| (g.id.clone(), i))
            .collect();
        links.nat_gateways = Attached::build(
            &links,
            m.subnets
                .iter()
                .enumerate()
                .map(|(i, s)| (i, s.nat_gateway.clone())),
            m.nat_gateway_links
                .iter()
                .map(|l| (&l.subnet, l.target.clone())),
            by_id(&nat_by_id, "NAT gateway"),
        );
        links.route_tables = Attached::build(
            &links,
            m.subnets
                .iter()
                .enumerate()
                .map(|(i, s)| (i, s.route_table.clone())),
            m.route_links.iter().map(|l| (&l.subnet, l.target.clone())),
            by_id(&table_by_id, "route table"),
        );
        let nsg_ref = |n: Option<&Node>| literal_nsg(m, n).unwrap_or_else(|| Ref::from_node(n));
        links.nsgs = Attached::build(
            &links,
            m.subnets
                .iter()
                .enumerate()
                .map(|(i, s)| (i, nsg_ref(s.nsg.as_ref()))),
            m.nsg_links.iter().map(|(s, n)| (s, nsg_ref(Some(n)))),
            by_id(&nsg_by_id, "network security group"),
        );
        links
    }

    /// The route table associated with a subnet in the scanned code.
    pub fn route_table(&self, subnet: usize) -> Attachment {
        self.route_tables.get(subnet, "route table")
    }

    /// The NAT gateway associated with a subnet in the scanned code.
    pub fn nat_gateway(&self, subnet: usize) -> Attachment {
        self.nat_gateways.get(subnet, "NAT gateway")
    }

    /// The private DNS zone in the scan a `ref:` token names.
    pub fn private_dns_zone(&self, id: &str) -> Option<usize> {
        self.private_dns_zone_by_id.get(id).copied()
    }

    /// The network security group associated with a subnet in the scanned code.
    pub fn nsg(&self, subnet: usize) -> Attachment {
        self.nsgs.get(subnet, "network security group")
    }

    pub fn subnet(&self, r: &Ref) -> Resolved {
        let by_name = |vnet: &str, sub: &str| {
            self.subnet_by_name
                .get(&(vnet.to_ascii_lowercase(), sub.to_ascii_lowercase()))
                .filter(|v| v.len() == 1)
                .and_then(|v| v.first().copied())
        };
        match r {
            Ref::Absent => Resolved::None,
            Ref::Unknown(why) => Resolved::Unknown(why.clone()),
            Ref::Id(id) => match self.subnet_by_id.get(id) {
                Some(i) => Resolved::Found(*i),
                None => Resolved::Unknown(format!(
                    "{} is not a subnet in the scan",
                    id.trim_start_matches("ref:")
                )),
            },
            Ref::VnetChild { vnet, subnet } => {
                let found = self.vnet_by_id.get(vnet).and_then(|v| {
                    self.subnet_by_vnet
                        .get(&(*v, subnet.to_ascii_lowercase()))
                        .copied()
                });
                match found {
                    Some(i) => Resolved::Found(i),
                    None => Resolved::Unknown(format!("subnet {subnet} is not in the scan")),
                }
            }
            Ref::Arm {
                vnet,
                subnet: Some(s),
                ..
            } => match by_name(vnet, s) {
                Some(i) => Resolved::Found(i),
                None => Resolved::Unknown(format!("subnet {s} of VNet {vnet} is not in the scan")),
            },
            Ref::Arm { .. } => Resolved::Unknown("not a subnet id".into()),
        }
    }

    pub fn peers(&self, vnet: usize) -> &[usize] {
        self.peers.get(&vnet).map_or(&[], Vec::as_slice)
    }
}

/// Joins standalone rules to their NSG (by reference, else by name and resource group) and ARM
/// child rules by parent id; returns the NSG index by id. A rule whose NSG cannot be told may
/// belong to any NSG: each gets it as a rule that might apply.
fn join_nsg_rules(m: &mut Model) -> HashMap<String, usize> {
    let mut by_id = HashMap::new();
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, n) in m.nsgs.iter().enumerate() {
        by_id.insert(n.id.clone(), i);
        if let Some(name) = key(n.name.as_ref()) {
            by_name.entry(name).or_default().push(i);
        }
    }
    for r in std::mem::take(&mut m.nsg_rules) {
        let target = match &r.nsg_ref {
            Ref::Id(id) => by_id.get(id).copied(),
            _ => None,
        }
        .or_else(|| {
            let candidates = by_name.get(&key(r.nsg_name.as_ref())?)?;
            let rg = key(r.resource_group.as_ref());
            let same_rg: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|&i| {
                    m.nsgs
                        .get(i)
                        .is_some_and(|n| key(n.resource_group.as_ref()) == rg)
                })
                .collect();
            match (same_rg.as_slice(), candidates.as_slice()) {
                ([one], _) | ([], [one]) => Some(*one),
                _ => None,
            }
        });
        let unknown_nsg = r.nsg_name.as_ref().is_none_or(|n| n.as_str().is_none());
        match target {
            Some(i) => push_rule(m, i, r.rule),
            None if unknown_nsg => {
                let mut maybe = r.rule;
                maybe.maybe_elsewhere = Some("a security rule's NSG is unknown".into());
                for i in 0..m.nsgs.len() {
                    push_rule(m, i, maybe.clone());
                }
            }
            None => {}
        }
    }
    for (nsg, rule) in std::mem::take(&mut m.arm_nsg_rules) {
        if let Some(&i) = by_id.get(&nsg) {
            push_rule(m, i, rule);
        }
    }
    by_id
}

fn push_rule(m: &mut Model, nsg: usize, rule: super::NsgRule) {
    if let Some(Ok(rules)) = m.nsgs.get_mut(nsg).map(|n| &mut n.rules) {
        rules.push(rule);
    }
}

/// A literal ARM id of an NSG declared in the scan (plans and templates write real ids): the
/// NSG of that name, in that resource group when both are known.
fn literal_nsg(m: &Model, n: Option<&Node>) -> Option<Ref> {
    let text = n?.as_str()?;
    let after = |k: &str| super::arm_id_segment(text, k).map(str::to_ascii_lowercase);
    let name = after("networkSecurityGroups")?;
    let rg = after("resourceGroups");
    let mut found = m.nsgs.iter().filter(|g| {
        key(g.name.as_ref()).as_deref() == Some(name.as_str())
            && match (key(g.resource_group.as_ref()), &rg) {
                (Some(a), Some(b)) => &a == b,
                _ => true,
            }
    });
    match (found.next(), found.next()) {
        (Some(g), None) => Some(Ref::Id(g.id.clone())),
        _ => None,
    }
}

/// The VNets each cluster's node pools sit in.
pub(super) fn cluster_vnets(m: &Model, links: &Links) -> Vec<Vec<usize>> {
    m.clusters
        .iter()
        .map(|c| {
            let mut v: Vec<usize> = c
                .pools
                .iter()
                .filter_map(|p| match links.subnet(&p.subnet) {
                    Resolved::Found(i) => m.subnets.get(i).and_then(|s| s.vnet),
                    _ => None,
                })
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect()
}

/// The cluster a resource in VNet `vnet` serves (an AGC, an AGIC gateway) and how: the
/// cluster in the same VNet, else one in a peered VNet, else the only cluster in scope when the
/// VNet is unknown. `vnets` are the clusters' VNets ([`cluster_vnets`]).
pub(super) fn link_cluster(
    m: &Model,
    links: &Links,
    vnets: &[Vec<usize>],
    vnet: Option<usize>,
) -> Option<(usize, &'static str)> {
    match vnet {
        Some(v) => vnets
            .iter()
            .position(|cv| cv.contains(&v))
            .map(|c| (c, "same VNet"))
            .or_else(|| {
                vnets
                    .iter()
                    .position(|cv| cv.iter().any(|x| links.peers(*x).contains(&v)))
                    .map(|c| (c, "peered VNet"))
            }),
        None if m.clusters.len() == 1 => Some((0, "the only cluster in scope")),
        None => None,
    }
}
