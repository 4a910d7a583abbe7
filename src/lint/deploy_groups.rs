//! Reading and grouping the ARM/Bicep deployment files, so that each group is parsed, lowered,
//! evaluated and modelled by one worker and dropped when done: memory follows the number of
//! threads, not the size of the repository (as Terraform directories are batched).
//!
//! A group is what one evaluation can reach: a template, the templates it deploys (local
//! modules, linked templates; found by a text scan that over-approximates), the parameter files
//! that pair with it by name and the `.bicepparam` files that use it. Named parameter files
//! (`--param-file`) apply to every template, so with them all files form one group.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use rayon::prelude::*;

use super::deploy_docs::{beside_source, check_at_first_read, compiled_head, Checked, Head};
use super::{read_error, Input};
use crate::diagnostic::Finding;
use crate::discover::context::{deploy_refs, deploy_targets, template_stem};
use crate::discover::{ReadError, Tree, MAX_FILE_BYTES};
use crate::frontends::arm;
use crate::source::{Measured, SourceMap};
use crate::Error;

/// Groups are packed into batches of about this many bytes of text (a larger group stays
/// whole): small enough that a batch's syntax trees stay small, large enough to keep both
/// CPUs busy without a task per file.
const BATCH_BYTES: usize = 2 << 20;

/// A deployment file as the scan read it: its id, where it is and what it may reference.
pub(super) struct Scanned {
    pub id: usize,
    pub path: PathBuf,
    refs: Vec<PathBuf>,
    bytes: usize,
    /// Set for a JSON document checked when it was read: its batch need not read it again.
    pub checked: Option<Checked>,
}

pub(super) fn is_bicep(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e == "bicep" || e == "bicepparam")
}

/// A text as read: kept, measured only (its batch reads it again; see source.rs), or
/// `bicep build` output of which only the head was read ([`compiled_head`]).
enum Loaded {
    Kept(String),
    Measured(Measured),
    Head(Measured),
}

/// A file as [`read`] read it: what it is kept as and what it may reference, `None` when it
/// is neither ARM nor Bicep.
type Read = (
    PathBuf,
    Result<Option<(Loaded, Vec<PathBuf>, Option<Checked>)>, ReadError>,
);

/// Reads the deployment files, what they deploy or pair with (to a fixpoint, from the same
/// read: [`deploy_targets`]) and the named parameter files; keeps what looks like ARM or Bicep,
/// and remembers what each may reference. Files come back sorted by path, the named parameter
/// files outside that set last. Unreadable files that are surely ARM or Bicep become PARSE001;
/// an unreadable named parameter file stops the run.
pub(super) fn read(
    tree: &Tree,
    files: &[PathBuf],
    input: &Input<'_>,
    root: &Path,
    sources: &mut SourceMap,
    findings: &mut Vec<Finding>,
) -> Result<Vec<Scanned>, Error> {
    let (param_files, stdin) = (input.param_files, input.stdin);
    let read_one = |p: PathBuf, follow: bool, whole: bool| -> (Read, Vec<PathBuf>) {
        let targets = |refs: Vec<PathBuf>| {
            if follow {
                deploy_targets(tree, &p, refs, root)
            } else {
                Vec::new()
            }
        };
        let from_stdin = stdin.filter(|(s, _)| *s == p);
        // Asked once: for the head and for the check at first read.
        let beside = from_stdin.is_none() && !is_bicep(&p) && beside_source(tree, &p);
        let (text, from_disk) = match from_stdin {
            Some((_, t)) => (Ok(t.clone()), false),
            None if whole || param_files.contains(&p) || tree.keeps(&p) => {
                (tree.read_text(&p, MAX_FILE_BYTES), !tree.keeps(&p))
            }
            None => match compiled_head(tree, &p, beside) {
                Some(Head::Compiled(m, checked)) => {
                    let next = targets(Vec::new());
                    let read = Ok(Some((Loaded::Head(m), Vec::new(), Some(checked))));
                    return ((p, read), next);
                }
                Some(Head::Whole(t)) => (Ok(t), true),
                None => (tree.read_text(&p, MAX_FILE_BYTES), true),
            },
        };
        let refs = text
            .as_deref()
            .map_or_else(|_| Vec::new(), |t| deploy_refs(t, &p));
        let next = targets(refs.clone());
        let named = param_files.contains(&p);
        let kept = text.map(|t| {
            (named || is_bicep(&p) || arm::looks_like_arm(&t)).then(|| {
                let checked = (from_disk && !is_bicep(&p))
                    .then(|| check_at_first_read(&t, beside))
                    .flatten();
                let t = if from_disk {
                    Loaded::Measured(Measured::of(&t))
                } else {
                    Loaded::Kept(t)
                };
                (t, refs, checked)
            })
        });
        ((p, kept), next)
    };
    let mut seen: BTreeSet<PathBuf> = files.iter().cloned().collect();
    let mut frontier: Vec<(PathBuf, bool)> = files.iter().map(|f| (f.clone(), false)).collect();
    let mut read: Vec<Read> = Vec::new();
    // Compiled output read by its head, and what some file deploys or pairs with: one of the
    // first that is also one of the second is read again, whole, as any other target is.
    let mut by_head: HashSet<PathBuf> = HashSet::new();
    let mut targeted: HashSet<PathBuf> = HashSet::new();
    let mut read_again: HashSet<PathBuf> = HashSet::new();
    while !frontier.is_empty() {
        let round: Vec<(Read, Vec<PathBuf>)> = frontier
            .into_par_iter()
            .map(|(p, whole)| read_one(p, true, whole))
            .collect();
        frontier = Vec::new();
        for (r, next) in round {
            if let (p, Ok(Some((Loaded::Head(_), _, _)))) = &r {
                by_head.insert(p.clone());
            }
            read.push(r);
            for n in next {
                // A target is read whole: what deploys or pairs with it may read it all.
                if seen.insert(n.clone()) {
                    frontier.push((n.clone(), true));
                }
                targeted.insert(n);
            }
        }
        let whole: Vec<PathBuf> = by_head
            .iter()
            .filter(|p| targeted.contains(*p))
            .cloned()
            .collect();
        for p in whole {
            by_head.remove(&p);
            read_again.insert(p.clone());
            frontier.push((p, true));
        }
    }
    // A file read again whole replaces its read by the head.
    read.retain(|(p, r)| {
        !(read_again.contains(p) && matches!(r, Ok(Some((Loaded::Head(_), _, _)))))
    });
    read.sort_by(|a, b| a.0.cmp(&b.0));
    let mut named: Vec<PathBuf> = Vec::new();
    for p in param_files {
        if !seen.contains(p) && !named.contains(p) {
            named.push(p.clone());
        }
    }
    read.extend(
        named
            .into_par_iter()
            .map(|p| read_one(p, false, true).0)
            .collect::<Vec<_>>(),
    );
    let rev = tree.revision();
    let mut out = Vec::new();
    for (p, text) in read {
        let named = param_files.contains(&p);
        match text {
            Ok(Some((t, refs, checked))) => {
                let (id, bytes) = match t {
                    Loaded::Measured(m) | Loaded::Head(m) => {
                        let n = m.len();
                        (sources.add_measured(p.clone(), m, rev), n)
                    }
                    Loaded::Kept(t) => {
                        let n = t.len();
                        (sources.add_at(p.clone(), t, rev), n)
                    }
                };
                out.push(Scanned {
                    id,
                    path: p,
                    refs,
                    bytes,
                    checked,
                });
            }
            Ok(None) => {}
            Err(_) if rev.is_some() => {}
            Err(source) if named => return Err(Error::Read { path: p, source }),
            // An unreadable `.json` may be anything; only report what is surely ARM.
            Err(why)
                if is_bicep(&p)
                    || matches!(why, ReadError::TooLarge { .. }) && head_looks_like_arm(&p) =>
            {
                let id = sources.add(p, String::new());
                findings.push(read_error(sources, id, &why));
            }
            Err(_) => {}
        }
    }
    Ok(out)
}

/// Whether the start of a file too large to read looks like an ARM document.
fn head_looks_like_arm(p: &Path) -> bool {
    use std::io::Read;
    let mut head = vec![0u8; 4096];
    let n = std::fs::File::open(p)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    arm::looks_like_arm(&String::from_utf8_lossy(head.get(..n).unwrap_or(&[])))
}

/// The files joined by references and parameter pairing, each group in scan order, groups in
/// order of their first file; packed into batches of about [`BATCH_BYTES`].
pub(super) fn batches(files: &[Scanned], one_group: bool) -> Vec<Vec<&Scanned>> {
    if one_group {
        return vec![files.iter().collect()];
    }
    pack(groups(files))
}

/// What evaluating each file may read, as index pairs `(from, to)`: a reference from a
/// template or `.bicepparam` to a scanned file, and both ways between a template and the
/// parameter files that pair with it by name (a key per (directory, template stem), which a
/// template and its parameter files share).
fn links(files: &[Scanned]) -> Vec<(usize, usize)> {
    let keys: HashMap<&Path, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.path.as_path(), i))
        .collect();
    let mut stems: HashMap<(&Path, &str), usize> = HashMap::new();
    let mut out = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let dir = f.path.parent().unwrap_or(Path::new(""));
        let name = f.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let own = f.path.file_stem().and_then(|n| n.to_str()).unwrap_or("");
        for stem in [Some(own), template_stem(name)].into_iter().flatten() {
            match stems.get(&(dir, stem)) {
                Some(&j) => out.extend([(i, j), (j, i)]),
                None => {
                    stems.insert((dir, stem), i);
                }
            }
        }
        out.extend(
            f.refs
                .iter()
                .filter_map(|r| keys.get(r.as_path()))
                .map(|&j| (i, j)),
        );
    }
    out
}

/// The files joined by references and parameter pairing, each group in scan order, groups in
/// order of their first file.
pub(super) fn groups(files: &[Scanned]) -> Vec<Vec<&Scanned>> {
    let mut uf = UnionFind::new(files.len());
    for (i, j) in links(files) {
        uf.union(i, j);
    }
    let mut groups: Vec<Vec<&Scanned>> = Vec::new();
    let mut slot: HashMap<usize, usize> = HashMap::new();
    for (i, f) in files.iter().enumerate() {
        let root = uf.find(i);
        let at = *slot.entry(root).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        if let Some(g) = groups.get_mut(at) {
            g.push(f);
        }
    }
    groups
}

/// Groups packed into batches of about [`BATCH_BYTES`] (a larger group stays whole).
pub(super) fn pack(groups: Vec<Vec<&Scanned>>) -> Vec<Vec<&Scanned>> {
    super::packing::pack(groups, BATCH_BYTES, |f| f.bytes)
}

/// Union-find over indices, with path halving.
struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n).collect(),
        }
    }

    fn find(&mut self, mut i: usize) -> usize {
        while let Some(&p) = self.parent.get(i).filter(|&&p| p != i) {
            let grand = self.parent.get(p).copied().unwrap_or(p);
            if let Some(slot) = self.parent.get_mut(i) {
                *slot = grand;
            }
            i = grand;
        }
        i
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if let Some(slot) = self.parent.get_mut(ra.max(rb)) {
            *slot = ra.min(rb);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(id: usize, path: &str, refs: &[&str]) -> Scanned {
        Scanned {
            id,
            path: PathBuf::from(path),
            refs: refs.iter().map(PathBuf::from).collect(),
            bytes: 10,
            checked: None,
        }
    }

    #[test]
    fn templates_group_with_what_they_deploy_and_their_parameter_files() {
        let files = vec![
            file(0, "/r/a/main.bicep", &["/r/mods/vnet.bicep"]),
            file(1, "/r/b/azuredeploy.json", &[]),
            file(2, "/r/mods/vnet.bicep", &[]),
            file(3, "/r/b/azuredeploy.parameters.prod.json", &[]),
            file(4, "/r/c/dev.bicepparam", &["/r/a/main.bicep"]),
            file(5, "/r/d/other.json", &[]),
        ];
        let mut uf_groups: Vec<Vec<usize>> = Vec::new();
        // Batches of one group each: pack nothing together.
        let mut big = files;
        for f in &mut big {
            f.bytes = BATCH_BYTES;
        }
        for b in batches(&big, false) {
            uf_groups.push(b.iter().map(|f| f.id).collect());
        }
        assert_eq!(uf_groups, vec![vec![0, 2, 4], vec![1, 3], vec![5]]);
        assert_eq!(batches(&big, true).len(), 1);
    }
}
