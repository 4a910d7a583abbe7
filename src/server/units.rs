//! The server's unit of work and of caching: one Terraform module directory (its `.tf` files
//! and the variable files Terraform loads with them) or one other file (a template, a
//! `.bicepparam`, a parameter file, a `.tfvars` Terraform would not load by itself).
//!
//! A unit is linted the way pre-commit lints files: its files are the scope and everything
//! they need (the directory, the roots that call it, the templates a parameter file uses) is
//! read as context. What the run read is the unit's dependency set: a change to any of those
//! files, saved or not, makes the unit stale, and nothing else does.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::discover::{self, Tree};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unit {
    Dir(PathBuf),
    File(PathBuf),
}

impl std::fmt::Display for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unit::Dir(d) => write!(f, "directory {}", d.display()),
            Unit::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// The units of a workspace, and which unit owns each file.
#[derive(Default)]
pub struct Units {
    /// A module directory's files (`.tf` and auto-loaded `.tfvars`).
    dirs: BTreeMap<PathBuf, Vec<PathBuf>>,
    files: BTreeSet<PathBuf>,
    pub root: PathBuf,
}

impl Units {
    /// Walks the workspace the way `check` would.
    pub fn discover(workspace: &Path) -> Units {
        let tree = Tree::Disk;
        let scan = discover::walk(&tree, &[workspace.to_path_buf()], false);
        let mut dirs = BTreeMap::new();
        for d in &scan.module_dirs {
            let mut files = tree.module_files(d, &scan.root, true).files;
            files.extend(tree.auto_var_files(d));
            dirs.insert(d.clone(), files);
        }
        // Everything the deployment files deploy is a unit too (the lint finds it as it reads).
        let mut files: BTreeSet<PathBuf> =
            discover::context::deploy_closure(&tree, &scan.deploy_files, &scan.root)
                .into_iter()
                .collect();
        files.extend(scan.var_files.iter().cloned());
        Units {
            dirs,
            files,
            root: scan.root,
        }
    }

    pub fn all(&self) -> impl Iterator<Item = Unit> + '_ {
        self.dirs
            .keys()
            .map(|d| Unit::Dir(d.clone()))
            .chain(self.files.iter().map(|f| Unit::File(f.clone())))
    }

    /// The unit whose run reports on `file`, when the file is one aks-netlint lints. A file the
    /// walk did not see (created in the editor, not saved yet) is its own unit.
    pub fn owner(&self, file: &Path) -> Option<Unit> {
        if let Some((dir, files)) = file.parent().and_then(|d| self.dirs.get_key_value(d)) {
            if files.iter().any(|f| f == file) || is_tf(file) {
                return Some(Unit::Dir(dir.clone()));
            }
        }
        if self.files.contains(file) || lintable(file) {
            return Some(Unit::File(file.to_path_buf()));
        }
        None
    }

    /// The paths a unit's run is given: its scope.
    pub fn paths(&self, unit: &Unit) -> Vec<PathBuf> {
        match unit {
            Unit::Dir(d) => self.dirs.get(d).cloned().unwrap_or_default(),
            Unit::File(f) => vec![f.clone()],
        }
    }
}

fn ext(p: &Path) -> &str {
    p.extension().and_then(|e| e.to_str()).unwrap_or_default()
}

fn is_tf(p: &Path) -> bool {
    ext(p) == "tf"
}

/// The languages the server lints: Terraform, variable files, Bicep, `.bicepparam` and JSON
/// (ARM templates and parameter files; other JSON is read and found to be none).
pub fn lintable(p: &Path) -> bool {
    matches!(
        ext(p),
        "tf" | "tfvars" | "bicep" | "bicepparam" | "json" | "jsonc"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_directory_owns_its_tf_and_auto_tfvars_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join("envs")).unwrap();
        std::fs::write(root.join("main.tf"), "variable \"a\" {}\n").unwrap();
        std::fs::write(root.join("terraform.tfvars"), "a = 1\n").unwrap();
        std::fs::write(root.join("envs/prod.tfvars"), "a = 2\n").unwrap();
        std::fs::write(root.join("aks.bicep"), "param a string\n").unwrap();
        let u = Units::discover(&root);
        let dir_unit = Unit::Dir(root.clone());
        assert_eq!(u.owner(&root.join("main.tf")), Some(dir_unit.clone()));
        assert_eq!(
            u.owner(&root.join("terraform.tfvars")),
            Some(dir_unit.clone())
        );
        assert_eq!(u.owner(&root.join("new.tf")), Some(dir_unit));
        assert_eq!(
            u.owner(&root.join("envs/prod.tfvars")),
            Some(Unit::File(root.join("envs/prod.tfvars")))
        );
        assert_eq!(
            u.owner(&root.join("aks.bicep")),
            Some(Unit::File(root.join("aks.bicep")))
        );
        assert_eq!(u.owner(&root.join("README.md")), None);
    }
}
