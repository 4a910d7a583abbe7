//! The groups of a run, kept so that a fix being verified is scanned again in the groups its
//! edits touch rather than in the whole tree.
//!
//! A group is what one evaluation can reach (Terraform directories joined by calls, with the
//! variable files Terraform loads for a root; deployment files joined by references and
//! parameter pairing; see [`super::terraform`] and [`super::deploy_groups`]). Every root reads
//! only files of its own group, so a finding's primary label lies in a file of the group whose
//! root produced it, and a group whose files are unchanged gives the same findings again.
//! Scanning the touched groups alone therefore gives the findings of the whole scan that can
//! differ, and none of the others.
//!
//! Narrower than a group is not exact: the same finding reached through several roots is
//! merged under the first root's resource, an unused suppression in a shared module depends on
//! every root that reads it, and a directory the text scan took for called becomes a root when
//! its callers are left out. So a group is rescanned whole.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::discover::Scan;

/// The groups of one run over the working tree, as a graph of what joins them.
#[derive(Debug, Default)]
pub struct Groups {
    /// The walk, narrowed by the settings (what the run scanned).
    scan: Scan,
    /// Every file of a group -> its node: its directory for Terraform, the file itself for a
    /// deployment file.
    of_file: HashMap<PathBuf, usize>,
    /// Node by path.
    index: HashMap<PathBuf, usize>,
    nodes: Vec<Node>,
}

/// A Terraform directory or a deployment file, with what it calls and what calls it.
#[derive(Debug)]
struct Node {
    path: PathBuf,
    /// A Terraform module directory (else a deployment file).
    dir: bool,
    links: Vec<usize>,
}

impl Groups {
    pub(super) fn new(scan: &Scan) -> Groups {
        Groups {
            scan: Scan {
                skipped: Vec::new(),
                unread: Vec::new(),
                ..scan.clone()
            },
            ..Groups::default()
        }
    }

    fn node(&mut self, path: &Path, dir: bool) -> usize {
        if let Some(&at) = self.index.get(path) {
            return at;
        }
        let at = self.nodes.len();
        self.nodes.push(Node {
            path: path.to_path_buf(),
            dir,
            links: Vec::new(),
        });
        self.index.insert(path.to_path_buf(), at);
        at
    }

    /// Adds a group of Terraform directories with their files.
    pub(super) fn add_terraform(&mut self, dirs: &[&PathBuf], files: Vec<PathBuf>) {
        for d in dirs {
            self.node(d, true);
        }
        for f in files {
            let Some(at) = f.parent().and_then(|d| self.index.get(d)).copied() else {
                continue;
            };
            self.of_file.insert(f, at);
        }
    }

    /// Adds the variable files Terraform loads by itself for the root `dir` (already added):
    /// evaluating that directory reads them.
    pub(super) fn add_var_files(&mut self, dir: &Path, files: &[PathBuf]) {
        let Some(&at) = self.index.get(dir) else {
            return;
        };
        for f in files {
            self.of_file.insert(f.clone(), at);
        }
    }

    /// Adds a group of deployment files.
    pub(super) fn add_deployments(&mut self, files: Vec<PathBuf>) {
        for f in files {
            let at = self.node(&f, false);
            self.of_file.insert(f, at);
        }
    }

    /// Records that evaluating `from` reads `to` (a module call, a deployed template, a
    /// parameter file's template), which joins their groups. Ignored unless both were added.
    pub(super) fn calls(&mut self, from: &Path, to: &Path) {
        let (Some(&a), Some(&b)) = (self.index.get(from), self.index.get(to)) else {
            return;
        };
        if a == b {
            return;
        }
        if let Some(n) = self.nodes.get_mut(a) {
            n.links.push(b);
        }
        if let Some(n) = self.nodes.get_mut(b) {
            n.links.push(a);
        }
    }

    /// The groups of `start`: every node joined to one of them, `start` included.
    fn reach(&self, start: Vec<usize>) -> HashSet<usize> {
        let mut seen: HashSet<usize> = start.iter().copied().collect();
        let mut todo = start;
        while let Some(at) = todo.pop() {
            for &n in self
                .nodes
                .get(at)
                .map(|n| n.links.as_slice())
                .unwrap_or_default()
            {
                if seen.insert(n) {
                    todo.push(n);
                }
            }
        }
        seen
    }

    /// The scan narrowed to the groups of the `edited` files and of the `target` files (where
    /// the findings being fixed are; the same groups unless something is amiss). `None` when
    /// one of the files belongs to no group (then only the whole scan is known to be right).
    pub fn narrowed<'p>(
        &self,
        edited: impl IntoIterator<Item = &'p PathBuf>,
        targets: impl IntoIterator<Item = &'p PathBuf>,
    ) -> Option<Scan> {
        let seeds: Vec<usize> = edited
            .into_iter()
            .chain(targets)
            .map(|f| self.of_file.get(f).copied())
            .collect::<Option<_>>()?;
        let reached = self.reach(seeds);
        let (mut dirs, mut deploy): (HashSet<&Path>, HashSet<&Path>) = Default::default();
        for n in reached.iter().filter_map(|at| self.nodes.get(*at)) {
            if n.dir { &mut dirs } else { &mut deploy }.insert(n.path.as_path());
        }
        let s = &self.scan;
        Some(Scan {
            root: s.root.clone(),
            module_dirs: s
                .module_dirs
                .iter()
                .filter(|d| dirs.contains(d.as_path()))
                .cloned()
                .collect(),
            deploy_files: s
                .deploy_files
                .iter()
                .filter(|f| deploy.contains(f.as_path()))
                .cloned()
                .collect(),
            scope: s.scope.clone(),
            var_files: s.var_files.clone(),
            skipped: Vec::new(),
            unread: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(list: &[&str]) -> Vec<PathBuf> {
        list.iter().map(PathBuf::from).collect()
    }

    /// Two Terraform roots `a` and `b` calling one module `m`; two templates deploying one
    /// module; a template paired with its parameter file.
    fn groups() -> Groups {
        let mut g = Groups::new(&Scan {
            root: PathBuf::from("/r"),
            module_dirs: paths(&["/r/a", "/r/b", "/r/m"]),
            deploy_files: paths(&[
                "/r/d/azuredeploy.json",
                "/r/d/azuredeploy.parameters.json",
                "/r/s/mod.bicep",
                "/r/s/one.bicep",
                "/r/s/two.bicep",
            ]),
            ..Scan::default()
        });
        let dirs = paths(&["/r/a", "/r/b", "/r/m"]);
        g.add_terraform(
            &dirs.iter().collect::<Vec<_>>(),
            paths(&[
                "/r/a/main.tf",
                "/r/b/main.tf",
                "/r/m/main.tf",
                "/r/m/vars.tf",
            ]),
        );
        g.add_deployments(paths(&[
            "/r/s/mod.bicep",
            "/r/s/one.bicep",
            "/r/s/two.bicep",
            "/r/d/azuredeploy.json",
            "/r/d/azuredeploy.parameters.json",
        ]));
        let (t, p) = ("/r/d/azuredeploy.json", "/r/d/azuredeploy.parameters.json");
        for (from, to) in [
            ("/r/a", "/r/m"),
            ("/r/b", "/r/m"),
            ("/r/s/one.bicep", "/r/s/mod.bicep"),
            ("/r/s/two.bicep", "/r/s/mod.bicep"),
            (t, p),
            (p, t),
        ] {
            g.calls(Path::new(from), Path::new(to));
        }
        g
    }

    fn narrowed(
        g: &Groups,
        edited: &[&str],
        targets: &[&str],
    ) -> Option<(Vec<PathBuf>, Vec<PathBuf>)> {
        let (e, t) = (paths(edited), paths(targets));
        g.narrowed(&e, &t).map(|s| (s.module_dirs, s.deploy_files))
    }

    #[test]
    fn an_edit_rescans_its_whole_group_and_nothing_else() {
        let g = groups();
        let terraform = (paths(&["/r/a", "/r/b", "/r/m"]), Vec::new());
        for edited in ["/r/a/main.tf", "/r/m/vars.tf"] {
            assert_eq!(narrowed(&g, &[edited], &[edited]), Some(terraform.clone()));
        }
        let bicep = paths(&["/r/s/mod.bicep", "/r/s/one.bicep", "/r/s/two.bicep"]);
        assert_eq!(
            narrowed(&g, &["/r/s/one.bicep"], &[]),
            Some((Vec::new(), bicep))
        );
    }

    #[test]
    fn a_parameter_file_and_its_template_are_rescanned_together() {
        let g = groups();
        let both = paths(&["/r/d/azuredeploy.json", "/r/d/azuredeploy.parameters.json"]);
        for edited in ["/r/d/azuredeploy.parameters.json", "/r/d/azuredeploy.json"] {
            assert_eq!(
                narrowed(&g, &[edited], &[]),
                Some((Vec::new(), both.clone()))
            );
        }
    }

    #[test]
    fn a_file_outside_every_group_asks_for_the_whole_scan() {
        let g = groups();
        assert_eq!(narrowed(&g, &["/r/a/terraform.tfvars"], &[]), None);
        assert_eq!(
            narrowed(&g, &["/r/a/main.tf"], &["/r/a/terraform.tfvars"]),
            None
        );
        assert_eq!(narrowed(&g, &["/r/elsewhere/main.tf"], &[]), None);
    }

    #[test]
    fn a_roots_own_variable_file_belongs_to_its_directory() {
        let mut g = groups();
        g.add_var_files(Path::new("/r/a"), &paths(&["/r/a/terraform.tfvars"]));
        let want = (paths(&["/r/a", "/r/b", "/r/m"]), Vec::new());
        assert_eq!(narrowed(&g, &["/r/a/terraform.tfvars"], &[]), Some(want));
    }
}
