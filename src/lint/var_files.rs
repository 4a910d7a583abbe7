//! Terraform variable files of a scan: the ones Terraform loads by itself per root, the
//! `--var-file`s, and `.tfvars` files passed as paths (applied to the roots that declare their
//! variables). Each is read and parsed once.

use std::path::{Path, PathBuf};

use foldhash::{HashMap, HashMapExt, HashSet};
use rayon::prelude::*;

use crate::frontends::hcl::Body;

use super::{parse_error, read_error, Input};
use crate::diagnostic::Finding;
use crate::discover::{Tree, MAX_FILE_BYTES};
use crate::eval::terraform::const_value_in;
use crate::eval::Value;
use crate::frontends::terraform as tf;
use crate::source::SourceMap;
use crate::Error;

/// Variable files: Terraform's automatic ones per root, then `--var-file`s, parsed once each.
#[derive(Default)]
pub(super) struct VarFiles {
    pub(super) auto: HashMap<PathBuf, Vec<PathBuf>>,
    named: Vec<PathBuf>,
    /// `.tfvars` files given as paths: each applies to the roots in its own or a parent
    /// directory that declare its variables (DESIGN.md "Scope").
    passed: Vec<PathBuf>,
    ids: HashMap<PathBuf, usize>,
    bodies: HashMap<usize, Body>,
}

impl VarFiles {
    /// Variable files with these `.tfvars` passed as paths.
    pub(super) fn with_passed(passed: Vec<PathBuf>) -> VarFiles {
        VarFiles {
            passed,
            ..VarFiles::default()
        }
    }

    /// Reads the variable files of these roots (and the named ones) not read yet.
    pub(super) fn read(
        &mut self,
        tree: &Tree,
        roots: &[PathBuf],
        input: &Input<'_>,
        sources: &mut SourceMap,
        findings: &mut Vec<Finding>,
    ) -> Result<(), Error> {
        let rev = tree.revision();
        // Listing each root's directory is a system call or two: in parallel.
        let listed: Vec<(PathBuf, Vec<PathBuf>)> = roots
            .par_iter()
            .filter(|r| !self.auto.contains_key(*r))
            .map(|r| (r.clone(), tree.auto_var_files(r)))
            .collect();
        for (r, files) in listed {
            self.auto.entry(r).or_insert(files);
        }
        self.named = input.var_files.to_vec();
        let mut wanted: Vec<PathBuf> = roots
            .iter()
            .filter_map(|r| self.auto.get(r))
            .flatten()
            .cloned()
            .collect();
        wanted.extend(self.named.iter().cloned());
        wanted.extend(self.passed.iter().cloned());
        for p in wanted {
            if self.ids.contains_key(&p) {
                continue;
            }
            let text = match input.stdin {
                // Editor mode: the buffer of a variable file wins over the file on disk.
                Some((s, text)) if *s == p => Ok(text.clone()),
                _ => tree.read_text(&p, MAX_FILE_BYTES),
            };
            let id = match text {
                Ok(text) => sources.add_at(p.clone(), text, rev),
                // A named file missing at a compared revision leaves its values unknown.
                Err(_) if rev.is_some() => continue,
                Err(source) if self.named.contains(&p) => {
                    return Err(Error::Read { path: p, source })
                }
                Err(why) => {
                    let id = sources.add_at(p.clone(), String::new(), rev);
                    findings.push(read_error(sources, id, &why));
                    continue;
                }
            };
            self.ids.insert(p, id);
            let text = sources.text(id);
            match tf::parse_hcl(text.as_deref().unwrap_or("")) {
                Ok(b) => {
                    self.bodies.insert(id, b);
                }
                Err((offset, msg)) => findings.push(parse_error(sources, id, offset, msg)),
            }
        }
        Ok(())
    }

    /// The passed variable files that apply to a root: in its directory or below, not loaded
    /// by Terraform already, and declaring at least one of its variables.
    pub(super) fn passed_for(&self, root: &Path, declared: &dyn Fn(&str) -> bool) -> Vec<&PathBuf> {
        let auto = self.auto.get(root);
        self.passed
            .iter()
            .filter(|f| f.starts_with(root) && !auto.is_some_and(|a| a.contains(f)))
            .filter(|f| {
                self.ids
                    .get(*f)
                    .and_then(|id| self.bodies.get(id))
                    .is_some_and(|b| b.attributes().any(|a| declared(a.key.as_str())))
            })
            .collect()
    }

    /// Passed variable files that no root would take.
    pub(super) fn unapplied<'s>(
        &'s self,
        roots: &HashSet<PathBuf>,
        declares: &dyn Fn(&Path, &str) -> bool,
    ) -> Vec<&'s PathBuf> {
        self.passed
            .iter()
            .filter(|f| {
                let Some(body) = self.ids.get(*f).and_then(|id| self.bodies.get(id)) else {
                    return false;
                };
                !roots.iter().any(|r| {
                    f.starts_with(r)
                        && (self.auto.get(r).is_some_and(|a| a.contains(f))
                            || body.attributes().any(|a| declares(r, a.key.as_str())))
                })
            })
            .collect()
    }

    /// A root's variable values, later files overriding earlier ones.
    pub(super) fn inputs(&self, root: &Path, passed: &[&PathBuf]) -> HashMap<String, Value> {
        let mut inputs = HashMap::new();
        let files = self
            .auto
            .get(root)
            .into_iter()
            .flatten()
            .chain(&self.named)
            .chain(passed.iter().copied());
        for f in files {
            let Some(id) = self.ids.get(f) else { continue };
            let Some(body) = self.bodies.get(id) else {
                continue;
            };
            for a in body.attributes() {
                inputs.insert(a.key.as_str().to_string(), const_value_in(&a.value, *id));
            }
        }
        inputs
    }
}
