//! Cross-resource links, resolved once per model with hash indexes (no pairwise scans):
//! separate node pools to their cluster, subnets to their VNet, a pool's subnet reference to a
//! subnet, and a VNet to the VNets peered with it.

use std::collections::HashMap;

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
    /// Route table of each subnet known to have one.
    route_table_of: HashMap<usize, usize>,
    /// Why a subnet without a known table might still have one (an unresolvable association).
    routes_undecidable: Option<String>,
}

/// Route table state of a subnet.
pub enum RouteState {
    None,
    Table(usize),
    Unknown(String),
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
                Some(t) => t.prefixes.push(
                    r.prefix
                        .unwrap_or_else(|| Node::unknown("route prefix is not set")),
                ),
                None => m.routes.push(r),
            }
        }
        for (table, prefix) in std::mem::take(&mut m.arm_routes) {
            if let Some(t) = table_by_id
                .get(&table)
                .and_then(|&i| m.route_tables.get_mut(i))
            {
                t.prefixes
                    .push(prefix.unwrap_or_else(|| Node::unknown("route prefix is not set")));
            }
        }
        let mut links = Links {
            vnet_by_id,
            subnet_by_id,
            subnet_by_name,
            subnet_by_vnet,
            peers,
            route_table_of: HashMap::new(),
            routes_undecidable: None,
        };
        let table = |r: &Ref| match r {
            Ref::Id(id) => table_by_id
                .get(id)
                .copied()
                .ok_or_else(|| format!("{} is not in the scan", id.trim_start_matches("ref:"))),
            Ref::Unknown(why) => Err(why.clone()),
            _ => Err("route table is not in the scan".to_string()),
        };
        for (i, s) in m.subnets.iter().enumerate() {
            match table(&s.route_table) {
                Ok(t) => {
                    links.route_table_of.insert(i, t);
                }
                Err(why) if s.route_table != Ref::Absent => {
                    links.routes_undecidable.get_or_insert(why);
                }
                Err(_) => {}
            }
        }
        for (sref, tref) in &m.route_links {
            match (links.subnet(sref), table(tref)) {
                (Resolved::Found(s), Ok(t)) => {
                    links.route_table_of.insert(s, t);
                }
                (Resolved::Found(s), Err(why)) => {
                    // The subnet has a table, just not one we can read.
                    links.route_table_of.remove(&s);
                    links.routes_undecidable.get_or_insert(why);
                }
                (Resolved::Unknown(why), _) | (Resolved::None, Err(why)) => {
                    links.routes_undecidable.get_or_insert(why);
                }
                (Resolved::None, Ok(_)) => {}
            }
        }
        links
    }

    /// The route table associated with a subnet in the scanned code.
    pub fn route_table(&self, subnet: usize) -> RouteState {
        match (self.route_table_of.get(&subnet), &self.routes_undecidable) {
            (Some(t), _) => RouteState::Table(*t),
            (None, Some(why)) => {
                RouteState::Unknown(format!("a route table association is unknown: {why}"))
            }
            (None, None) => RouteState::None,
        }
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
