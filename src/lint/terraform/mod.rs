//! The Terraform half of the pipeline: load module directories (following local module
//! sources inside the root), find the roots, read their variable files, evaluate each root and
//! build its model.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use rayon::prelude::*;

use super::groups::Groups;
use super::var_files::VarFiles;
use super::{Built, Input};
use crate::diagnostic::Finding;
use crate::discover::walk::relative;
use crate::discover::{Scan, Tree, Unread};
use crate::error::Error;
use crate::source::SourceMap;

use dirs::{Dirs, BATCH_FILES};
use pass::{BatchOut, Missed, Pass, Speculation};

mod dirs;
mod pass;

/// Loads, evaluates and models every Terraform root of the scan, by batches of related
/// directories.
pub fn build(
    tree: &Tree,
    scan: &Scan,
    input: &Input<'_>,
    sources: &mut SourceMap,
    findings: &mut Vec<Finding>,
    unread: &mut Vec<Unread>,
    mut groups: Option<&mut Groups>,
) -> Result<Vec<Built>, Error> {
    let dirs = Dirs::read(tree, scan, input, sources, findings);
    // Roots: scanned directories nothing may call (checked against the parsed calls below).
    let called = dirs.called();
    let is_root = |d: &PathBuf| dirs.files.contains_key(d) && !called.contains(d);
    let roots: Vec<PathBuf> = scan
        .module_dirs
        .iter()
        .filter(|d| is_root(d))
        .cloned()
        .collect();
    let mut vars = VarFiles::with_passed(scan.var_files.clone());
    vars.read(tree, &roots, input, sources, findings)?;
    // The root a plan was made in: the plan file's directory, else the only root.
    let plan_root = input.plan.and_then(|p| {
        roots
            .iter()
            .find(|d| **d == p.dir)
            .or_else(|| (roots.len() == 1).then(|| roots.first()).flatten())
            .cloned()
    });
    let root_set: HashSet<PathBuf> = roots.iter().cloned().collect();
    let mut built = Vec::new();
    let mut truly_called: HashSet<PathBuf> = HashSet::new();
    let grouped = dirs.groups();
    if let Some(out) = groups.as_deref_mut() {
        for g in &grouped {
            let files = g
                .iter()
                .filter_map(|d| dirs.files.get(*d))
                .flatten()
                .filter_map(|id| sources.get(*id))
                .map(|s| s.path.clone())
                .collect();
            out.add_terraform(g.iter().map(|d| (*d).clone()).collect(), files);
        }
    }
    let batches = dirs.pack(grouped, BATCH_FILES);
    let sources_ref: &SourceMap = sources;
    let downloaded: HashSet<&PathBuf> = dirs.downloaded.values().flat_map(|m| m.values()).collect();
    let speculation = Speculation {
        walked: scan.module_dirs.iter().collect(),
        called: &called,
        downloaded: &downloaded,
    };
    let pass = Pass {
        dirs: &dirs,
        vars: &vars,
        input,
        plan_root: plan_root.as_ref(),
        root: &scan.root,
        speculate: Some(&speculation),
    };
    let done: Vec<BatchOut> = batches
        .par_iter()
        .map(|batch| pass.run(batch, &root_set, sources_ref))
        .collect();
    let mut declared: HashSet<String> = HashSet::new();
    let mut speculated = Vec::new();
    for (at, out) in done.into_iter().enumerate() {
        if let Some(e) = out.var_errors.into_iter().next() {
            return Err(e.into());
        }
        declared.extend(out.declared);
        built.extend(out.built);
        findings.extend(out.findings);
        truly_called.extend(out.called);
        if let Some(s) = out.speculated {
            speculated.push((at, s));
        }
    }
    // Directories the text scan took for called that no parsed module calls are roots too
    // (a `source` attribute of another resource, a commented-out call). Their batch evaluated
    // them already unless one has variable files to read: those batches are run again.
    let missed: HashSet<PathBuf> = scan
        .module_dirs
        .iter()
        .filter(|d| {
            dirs.files.contains_key(*d)
                && called.contains(d)
                && !truly_called.contains(*d)
                && !downloaded.contains(d)
        })
        .cloned()
        .collect();
    // Per batch, in batch order (as the second pass alone gave them).
    let mut later: Vec<(usize, Missed)> = speculated
        .into_iter()
        .map(|(at, list)| {
            let mut m = Missed::default();
            for s in list.into_iter().filter(|s| missed.contains(&s.dir)) {
                m.append(s.found);
            }
            (at, m)
        })
        .collect();
    let done_early: HashSet<usize> = later.iter().map(|(at, _)| *at).collect();
    let rerun: Vec<(usize, &Vec<&PathBuf>)> = batches
        .iter()
        .enumerate()
        .filter(|(at, b)| !done_early.contains(at) && b.iter().any(|d| missed.contains(*d)))
        .collect();
    if !rerun.is_empty() {
        let in_rerun: HashSet<&PathBuf> =
            rerun.iter().flat_map(|(_, b)| b.iter().copied()).collect();
        let again: Vec<PathBuf> = scan
            .module_dirs
            .iter()
            .filter(|d| missed.contains(*d) && in_rerun.contains(d))
            .cloned()
            .collect();
        vars.read(tree, &again, input, sources, findings)?;
        let again: HashSet<PathBuf> = again.into_iter().collect();
        let pass = Pass {
            dirs: &dirs,
            vars: &vars,
            input,
            plan_root: plan_root.as_ref(),
            root: &scan.root,
            speculate: None,
        };
        let sources_ref: &SourceMap = sources;
        let outs: Vec<(usize, BatchOut)> = rerun
            .par_iter()
            .map(|(at, batch)| (*at, pass.run(batch, &again, sources_ref)))
            .collect();
        // Parse errors and calls were collected by the first pass.
        later.extend(outs.into_iter().map(|(at, out)| {
            let m = Missed {
                built: out.built,
                declared: out.declared,
                var_errors: out.var_errors,
            };
            (at, m)
        }));
    }
    later.sort_by_key(|(at, _)| *at);
    for (_, m) in later {
        if let Some(e) = m.var_errors.into_iter().next() {
            return Err(e.into());
        }
        declared.extend(m.declared);
        built.extend(m.built);
    }
    // A root's own variable files (the only ones a run that keeps its groups loads) count as
    // files of its directory.
    if let Some(out) = groups {
        for (root, files) in &vars.auto {
            out.add_var_files(root, files);
        }
    }
    let stray: Vec<&str> = input
        .vars
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| !declared.contains(*k))
        .collect();
    if let Some(e) = super::cli_vars::undeclared(&stray) {
        if tree.revision().is_none() {
            return Err(e.into());
        }
    }
    // Texts are no longer held: a directory asked about is read again once, its files
    // joined by NUL (which no declaration spans).
    let texts: RefCell<HashMap<&Path, String>> = RefCell::new(HashMap::new());
    let declares = |dir: &Path, name: &str| {
        let decl = format!("variable \"{name}\"");
        let mut texts = texts.borrow_mut();
        let (dir, ids) = match dirs.files.get_key_value(dir) {
            Some((d, ids)) => (d.as_path(), ids),
            None => return false,
        };
        texts
            .entry(dir)
            .or_insert_with(|| {
                ids.iter()
                    .filter_map(|id| sources.text_or_read(*id))
                    .collect::<Vec<_>>()
                    .join("\0")
            })
            .contains(&decl)
    };
    for f in vars.unapplied(&root_set, &declares) {
        unread.push(Unread {
            path: relative(f, &scan.root),
            reason: "no root module in its directory or above declares its variables".into(),
            referenced_from: None,
        });
    }
    Ok(built)
}
