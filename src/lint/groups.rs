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

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use foldhash::{HashMap, HashMapExt};

use crate::discover::Scan;

/// The groups of one run over the working tree.
#[derive(Debug, Default)]
pub struct Groups {
    /// The walk, narrowed by the settings (what the run scanned).
    scan: Scan,
    /// Every file of a group -> its group.
    of_file: HashMap<PathBuf, usize>,
    /// Every Terraform directory of a group -> its group.
    of_dir: HashMap<PathBuf, usize>,
    /// Per group: its Terraform directories and its deployment files.
    members: Vec<(Vec<PathBuf>, Vec<PathBuf>)>,
    /// Where each scanned directory and deployment file stands in the scan, built on the first
    /// narrowing: a narrowed scan lists its members in the scan's order, found from the
    /// touched groups alone rather than by filtering the whole scan once per fix.
    order: OnceLock<Order>,
}

#[derive(Debug, Default)]
struct Order {
    dirs: HashMap<PathBuf, usize>,
    deploy: HashMap<PathBuf, usize>,
}

impl Order {
    fn of(scan: &Scan) -> Order {
        let index = |list: &[PathBuf]| {
            let mut at = HashMap::with_capacity(list.len());
            for (i, p) in list.iter().enumerate() {
                at.entry(p.clone()).or_insert(i);
            }
            at
        };
        Order {
            dirs: index(&scan.module_dirs),
            deploy: index(&scan.deploy_files),
        }
    }
}

/// The members of `list` that `at` places, in that order, once each (as filtering the scan's
/// list by them would give).
fn in_scan_order<'p>(
    members: impl Iterator<Item = &'p PathBuf>,
    at: &HashMap<PathBuf, usize>,
    list: &[PathBuf],
) -> Vec<PathBuf> {
    let mut found: Vec<usize> = members.filter_map(|p| at.get(p).copied()).collect();
    found.sort_unstable();
    found.dedup();
    found
        .into_iter()
        .filter_map(|i| list.get(i).cloned())
        .collect()
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

    /// Adds a group of Terraform directories with their files.
    pub(super) fn add_terraform(&mut self, dirs: Vec<PathBuf>, files: Vec<PathBuf>) {
        let at = self.members.len();
        for d in &dirs {
            self.of_dir.insert(d.clone(), at);
        }
        for f in files {
            self.of_file.insert(f, at);
        }
        self.members.push((dirs, Vec::new()));
    }

    /// Adds the variable files Terraform loads by itself for the root `dir` (already added):
    /// evaluating that directory reads them.
    pub(super) fn add_var_files(&mut self, dir: &Path, files: &[PathBuf]) {
        let Some(&at) = self.of_dir.get(dir) else {
            return;
        };
        for f in files {
            self.of_file.insert(f.clone(), at);
        }
    }

    /// Adds a group of deployment files.
    pub(super) fn add_deployments(&mut self, files: Vec<PathBuf>) {
        let at = self.members.len();
        for f in &files {
            self.of_file.insert(f.clone(), at);
        }
        self.members.push((Vec::new(), files));
    }

    /// The scan narrowed to the groups of the `edited` files and of the `target` files (where
    /// the findings being fixed are; the same groups unless something is amiss). `None` when
    /// one of the files belongs to no group (then only the whole scan is known to be right).
    pub fn narrowed<'p>(
        &self,
        edited: impl IntoIterator<Item = &'p PathBuf>,
        targets: impl IntoIterator<Item = &'p PathBuf>,
    ) -> Option<Scan> {
        let mut touched = Vec::new();
        for f in edited.into_iter().chain(targets) {
            let at = *self.of_file.get(f)?;
            if !touched.contains(&at) {
                touched.push(at);
            }
        }
        let members: Vec<&(Vec<PathBuf>, Vec<PathBuf>)> = touched
            .iter()
            .map(|&at| self.members.get(at))
            .collect::<Option<_>>()?;
        let s = &self.scan;
        let order = self.order.get_or_init(|| Order::of(s));
        Some(Scan {
            root: s.root.clone(),
            module_dirs: in_scan_order(
                members.iter().flat_map(|(d, _)| d),
                &order.dirs,
                &s.module_dirs,
            ),
            deploy_files: in_scan_order(
                members.iter().flat_map(|(_, p)| p),
                &order.deploy,
                &s.deploy_files,
            ),
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
        g.add_terraform(
            paths(&["/r/a", "/r/b", "/r/m"]),
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
        ]));
        g.add_deployments(paths(&[
            "/r/d/azuredeploy.json",
            "/r/d/azuredeploy.parameters.json",
        ]));
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
