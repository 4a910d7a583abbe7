//! The groups of a run, kept so that a fix being verified is scanned again in the groups its
//! edits touch rather than in the whole tree.
//!
//! A group is what one evaluation can reach (Terraform directories joined by calls,
//! deployment files joined by references and parameter pairing; see [`super::terraform`] and
//! [`super::deploy_groups`]). Every root reads only files of its own group, so a finding's
//! primary label lies in a file of the group whose root produced it, and a group whose files
//! are unchanged gives the same findings again. Scanning the touched groups alone therefore
//! gives the findings of the whole scan that can differ, and none of the others.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::discover::Scan;

/// The groups of one run over the working tree.
#[derive(Debug, Default)]
pub struct Groups {
    /// The walk, narrowed by the settings (what the run scanned).
    scan: Scan,
    /// Every file of a group -> its group.
    of_file: HashMap<PathBuf, usize>,
    /// Per group: its Terraform directories and its deployment files.
    members: Vec<(Vec<PathBuf>, Vec<PathBuf>)>,
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
        for f in files {
            self.of_file.insert(f, at);
        }
        self.members.push((dirs, Vec::new()));
    }

    /// Adds a group of deployment files.
    pub(super) fn add_deployments(&mut self, files: Vec<PathBuf>) {
        let at = self.members.len();
        for f in &files {
            self.of_file.insert(f.clone(), at);
        }
        self.members.push((Vec::new(), files));
    }

    /// The scan narrowed to the groups these files belong to; `None` when one of them belongs
    /// to no group (then only the whole scan is known to be right).
    pub fn narrowed<'p>(&self, files: impl IntoIterator<Item = &'p PathBuf>) -> Option<Scan> {
        let mut dirs: HashSet<&Path> = HashSet::new();
        let mut deploy: HashSet<&Path> = HashSet::new();
        for f in files {
            let (d, p) = self.members.get(*self.of_file.get(f)?)?;
            dirs.extend(d.iter().map(PathBuf::as_path));
            deploy.extend(p.iter().map(PathBuf::as_path));
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
