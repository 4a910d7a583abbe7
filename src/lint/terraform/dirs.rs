//! Terraform module directories as the scan reads them: their files (texts held for their
//! batch while a budget allows), the calls between them found by a text scan, and their groups
//! and batches.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use rayon::prelude::*;

use super::super::{read_error, Input};
use crate::diagnostic::Finding;
use crate::discover::context::terraform_calls;
use crate::discover::walk::path_order;
use crate::discover::{ReadError, Scan, Tree, MAX_FILE_BYTES};
use crate::frontends::terraform as tf;
use crate::source::{Measured, SourceMap};

/// Files of one batch (a group of directories that call each other stays whole). Batches run in
/// parallel and drop their syntax trees when done, so memory follows the number of threads, not
/// the size of the repository; small batches also keep both CPUs busy.
pub(super) const BATCH_FILES: usize = 64;

/// A file as read, with the directories its text may call.
struct ReadFile {
    path: PathBuf,
    text: Result<Loaded, ReadError>,
    calls: Vec<Call>,
}

/// A directory some text may call, and whether it is followed: it lies inside the root and
/// is a directory (asked while reading, in parallel).
struct Call {
    target: PathBuf,
    follow: bool,
}

/// A module directory as read: its files, and the modules `terraform init` fetched for it.
struct ReadDir {
    dir: PathBuf,
    files: Vec<ReadFile>,
    fetched: Option<(HashMap<String, PathBuf>, Vec<Call>)>,
    /// It lists variable files Terraform loads by itself.
    auto_vars: bool,
}

/// A text as the map takes it: kept when it cannot be read again from the working tree, else
/// measured, and held for its batch while the texts held so stay under [`HELD_AT_READ`] (past
/// that, its batch reads it again; see source.rs).
enum Loaded {
    Kept(String),
    Measured(Measured, Option<String>),
}

/// Bytes of Terraform text held from the scan's read until their batch runs, so that a
/// repository of up to that much Terraform is read once; a larger one reads the rest again in
/// its batches, so memory stays bounded whatever its size. (Deployment files are not held so:
/// most of their bytes are checked once, and their batches' trees are larger.)
const HELD_AT_READ: usize = 64 << 20;

/// Every module directory of the scan, read but not parsed, with the calls between them.
pub(super) struct Dirs {
    /// File ids per directory (a hash map: ordered path keys cost a component-by-component
    /// comparison per tree level; [`Dirs::groups`] sorts the directories once).
    pub(super) files: HashMap<PathBuf, Vec<usize>>,
    /// Directory -> directories it may call (text scan), and -> the modules `terraform init`
    /// downloaded for it.
    pub(super) edges: HashMap<PathBuf, Vec<PathBuf>>,
    pub(super) downloaded: HashMap<PathBuf, HashMap<String, PathBuf>>,
    /// Directories that list variable files Terraform loads by itself (read only for roots).
    pub(super) auto_vars: HashSet<PathBuf>,
}

/// Records `dir`'s calls as edges, and queues the followed targets not seen yet.
fn link(
    edges: &mut HashMap<PathBuf, Vec<PathBuf>>,
    seen: &mut HashSet<PathBuf>,
    next: &mut Vec<PathBuf>,
    dir: &Path,
    calls: Vec<Call>,
) {
    if calls.is_empty() {
        return;
    }
    let out = edges.entry(dir.to_path_buf()).or_default();
    for Call { target, follow } in calls {
        if follow && seen.insert(target.clone()) {
            next.push(target.clone());
        }
        out.push(target);
    }
}

impl Dirs {
    /// Reads the scanned module directories, following local module sources inside the root to
    /// a fixpoint. Unreadable files become PARSE001.
    pub(super) fn read(
        tree: &Tree,
        scan: &Scan,
        input: &Input<'_>,
        sources: &mut SourceMap,
        findings: &mut Vec<Finding>,
    ) -> Dirs {
        let root = &scan.root;
        let rev = tree.revision();
        let stdin = input.stdin;
        let mut d = Dirs {
            files: HashMap::new(),
            edges: HashMap::new(),
            downloaded: HashMap::new(),
            auto_vars: HashSet::new(),
        };
        let held_bytes = std::sync::atomic::AtomicUsize::new(0);
        let follow = |target: PathBuf| Call {
            follow: target.starts_with(root) && tree.is_dir(&target),
            target,
        };
        let mut seen: HashSet<PathBuf> = scan.module_dirs.iter().cloned().collect();
        let mut frontier = scan.module_dirs.clone();
        // The first frontier is the walk's; the next ones are module sources, resolved.
        let mut walked = true;
        while !frontier.is_empty() {
            // Everything that asks the file system runs here, in parallel; what follows only
            // numbers the files and links the directories, in frontier order.
            let read: Vec<ReadDir> = frontier
                .par_iter()
                .map(|dir| {
                    let listing = tree.module_files(dir, root, walked);
                    let mut paths = listing.files;
                    if let Some((p, _)) = stdin {
                        if p.parent() == Some(dir.as_path())
                            && !paths.contains(p)
                            && p.extension().is_some_and(|e| e == "tf")
                        {
                            paths.push(p.clone());
                        }
                    }
                    let files = paths
                        .into_par_iter()
                        .map(|path| {
                            let text = match stdin {
                                Some((p, text)) if *p == path => Ok(text.clone()),
                                _ => tree.read_text(&path, MAX_FILE_BYTES),
                            };
                            let calls = text.as_ref().map_or_else(
                                |_| Vec::new(),
                                |t| terraform_calls(t, dir).into_iter().map(follow).collect(),
                            );
                            let from_disk =
                                !tree.keeps(&path) && stdin.is_none_or(|(p, _)| *p != path);
                            let text = text.map(|t| {
                                if from_disk {
                                    let m = Measured::of(&t);
                                    let before = held_bytes.fetch_add(t.len(), Ordering::Relaxed);
                                    let keep = before + t.len() <= HELD_AT_READ;
                                    Loaded::Measured(m, keep.then_some(t))
                                } else {
                                    Loaded::Kept(t)
                                }
                            });
                            ReadFile { path, text, calls }
                        })
                        .collect();
                    // Modules fetched by `terraform init` next to a root.
                    let mj = dir.join(".terraform/modules/modules.json");
                    let fetched = tree.read_text(&mj, MAX_FILE_BYTES).ok().map(|text| {
                        let map = tf::read_modules_json(dir, &text);
                        let calls = map.values().cloned().map(follow).collect();
                        (map, calls)
                    });
                    ReadDir {
                        dir: dir.clone(),
                        files,
                        fetched,
                        auto_vars: listing.auto_vars,
                    }
                })
                .collect();
            let mut next = Vec::new();
            let mut fetched_by_dir = Vec::new();
            for ReadDir {
                dir,
                files,
                fetched,
                auto_vars,
            } in read
            {
                if auto_vars {
                    d.auto_vars.insert(dir.clone());
                }
                let mut ids = Vec::new();
                for ReadFile { path, text, calls } in files {
                    let id = match text {
                        Err(why) => {
                            let id = sources.add_at(path, String::new(), rev);
                            findings.push(read_error(sources, id, &why));
                            continue;
                        }
                        Ok(Loaded::Measured(m, held)) => {
                            let id = sources.add_measured(path, m, rev);
                            if let Some(t) = held {
                                sources.hold_read(id, t);
                            }
                            id
                        }
                        Ok(Loaded::Kept(t)) => sources.add_at(path, t, rev),
                    };
                    ids.push(id);
                    link(&mut d.edges, &mut seen, &mut next, &dir, calls);
                }
                if !ids.is_empty() {
                    d.files.entry(dir.clone()).or_default().extend(ids);
                }
                fetched_by_dir.push((dir, fetched));
            }
            // After every file's calls, as the frontier's order of directories to read next.
            for (dir, fetched) in fetched_by_dir {
                if let Some((map, calls)) = fetched {
                    link(&mut d.edges, &mut seen, &mut next, &dir, calls);
                    d.downloaded.insert(dir, map);
                }
            }
            frontier = next;
            walked = false;
        }
        d
    }

    /// Directories some other directory may call.
    pub(super) fn called(&self) -> HashSet<&PathBuf> {
        self.edges.values().flatten().collect()
    }

    /// Directories joined by calls, each group in path order, groups in order of their first
    /// directory; then packed into batches of at most `limit` files (a larger group stays whole).
    #[cfg(test)]
    fn batches(&self, limit: usize) -> Vec<Vec<&PathBuf>> {
        self.pack(self.groups(), limit)
    }

    /// Directories joined by calls, each group in path order, groups in order of their first
    /// directory.
    pub(super) fn groups(&self) -> Vec<Vec<&PathBuf>> {
        let mut dirs: Vec<&PathBuf> = self.files.keys().collect();
        // The paths are written as the walk writes them: its byte order is `Path`'s order.
        dirs.sort_unstable_by(|a, b| path_order(a, b));
        let pos: HashMap<&PathBuf, usize> = dirs.iter().enumerate().map(|(i, d)| (*d, i)).collect();
        // Union-find over directory indices, with path halving.
        let mut parent: Vec<usize> = (0..dirs.len()).collect();
        fn find(parent: &mut [usize], mut i: usize) -> usize {
            while let Some(&p) = parent.get(i).filter(|&&p| p != i) {
                let grand = parent.get(p).copied().unwrap_or(p);
                if let Some(slot) = parent.get_mut(i) {
                    *slot = grand;
                }
                i = grand;
            }
            i
        }
        for (from, tos) in &self.edges {
            let Some(&a) = pos.get(from) else { continue };
            for b in tos.iter().filter_map(|to| pos.get(to)) {
                let (ra, rb) = (find(&mut parent, a), find(&mut parent, *b));
                if let Some(slot) = parent.get_mut(ra.max(rb)) {
                    *slot = ra.min(rb);
                }
            }
        }
        let mut groups: BTreeMap<usize, Vec<&PathBuf>> = BTreeMap::new();
        for (i, d) in dirs.iter().enumerate() {
            groups.entry(find(&mut parent, i)).or_default().push(d);
        }
        groups.into_values().collect()
    }

    /// Groups packed into batches of at most `limit` files (a larger group stays whole).
    pub(super) fn pack<'a>(
        &self,
        groups: Vec<Vec<&'a PathBuf>>,
        limit: usize,
    ) -> Vec<Vec<&'a PathBuf>> {
        let files = |d: &&PathBuf| self.files.get(*d).map_or(0, Vec::len);
        crate::lint::packing::pack(groups, limit, files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn called_directories_share_a_batch() {
        let dir = |s: &str| PathBuf::from(s);
        let mut files = HashMap::new();
        for (i, d) in ["/r/a", "/r/b", "/r/c", "/r/d"].iter().enumerate() {
            files.insert(dir(d), vec![i]);
        }
        let mut edges = HashMap::new();
        edges.insert(dir("/r/a"), vec![dir("/r/c")]);
        let dirs = Dirs {
            files,
            edges,
            downloaded: HashMap::new(),
            auto_vars: HashSet::new(),
        };
        let batches: Vec<Vec<&str>> = dirs
            .batches(1)
            .iter()
            .map(|b| b.iter().filter_map(|d| d.to_str()).collect())
            .collect();
        assert_eq!(
            batches,
            vec![vec!["/r/a", "/r/c"], vec!["/r/b"], vec!["/r/d"]]
        );
        assert_eq!(dirs.batches(10).len(), 1);
    }
}
