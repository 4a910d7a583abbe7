//! Running the rules on every evaluated root, and the migration rules on each root against its
//! before-state: the plan's, or the same root at the `--compare-to` revision.

use std::path::PathBuf;

use foldhash::HashMap;
use rayon::prelude::*;

use super::{build, Built, Input};
use crate::config::resolve::Filter;
use crate::config::Config;
use crate::diagnostic::{Finding, Label, Stats};
use crate::discover::{self, Tree, MAX_FILE_BYTES};
use crate::model::{migration, subject};
use crate::rules::engine;
use crate::rules::fixes::AddressPlan;
use crate::rules::registry::Registry;
use crate::source::{SourceMap, Span};
use crate::Error;

/// The before-state of `--compare-to`: the same paths at that revision. Its own parse
/// problems are history, not news; only its models are kept. A note says when there is
/// nothing to compare to.
pub(super) fn before_state(
    compare_to: Option<&str>,
    paths: &[PathBuf],
    root: &PathBuf,
    config: &Config,
    input: &Input<'_>,
    sources: &mut SourceMap,
    notes: &mut Vec<String>,
) -> Result<Vec<Built>, Error> {
    let rev = match compare_to {
        // A new repository has nothing to compare to: an empty before-state, said, so the
        // pre-commit hook does not block the first commit.
        Some(rev) if (rev == "HEAD" || rev == "@") && !discover::git::has_commits(root) => {
            notes.push(format!(
                "--compare-to {rev}: the repository has no commits yet, so there is no before-state; migration rules were not run"
            ));
            return Ok(Vec::new());
        }
        Some(rev) => rev,
        None => return Ok(Vec::new()),
    };
    let abs: Vec<PathBuf> = paths.iter().map(|p| discover::absolute(p)).collect();
    // Context (callers) is found at the revision too, so load the whole tree's IaC files
    // unless the scan is the whole root anyway.
    let preload = if abs.contains(root) {
        abs.clone()
    } else {
        vec![root.clone()]
    };
    let tree = Tree::Git(Box::new(discover::GitTree::open(
        root,
        rev,
        &preload,
        MAX_FILE_BYTES,
    )?));
    let mut old = discover::walk::walk_in(&tree, paths, &abs, root.clone(), false);
    old.module_dirs.retain(|d| !config.excluded(d));
    let no_stdin = Input {
        stdin: None,
        plan: None,
        ..*input
    };
    let mut history = Vec::new();
    build(
        &tree,
        &old,
        &no_stdin,
        sources,
        &mut history,
        &mut Vec::new(),
        None,
    )
}

/// Pairs each root with its before-state (the plan's, else the same key at the revision),
/// runs the rules on all of them in parallel and counts resources and clusters.
pub(super) fn check_all(
    after: &mut [Built],
    before: &mut [Built],
    reg: &Registry,
    filter: &Filter,
    show_unknown: bool,
    sources: &SourceMap,
    stats: &mut Stats,
) -> Vec<Finding> {
    let mut planned: Vec<Option<Box<Built>>> = after.iter_mut().map(|a| a.before.take()).collect();
    let mut by_key: HashMap<String, &mut Built> =
        before.iter_mut().map(|b| (b.key.clone(), b)).collect();
    let pairs: Vec<(&mut Built, Option<&mut Built>)> = after
        .iter_mut()
        .zip(planned.iter_mut())
        .map(|(a, p)| {
            let b = match p {
                Some(p) => Some(p.as_mut()),
                None => by_key.remove(&a.key),
            };
            (a, b)
        })
        .collect();
    let per_root: Vec<(Vec<Finding>, usize, usize)> = pairs
        .into_par_iter()
        .map(|(a, b)| {
            if let Some(done) = a.checked.take() {
                return done;
            }
            let mut out = check_built(a, b, reg, filter, show_unknown, sources);
            out.append(&mut a.issues);
            (out, a.model.resources, a.model.clusters.len())
        })
        .collect();
    let mut findings = Vec::new();
    for (f, res, clusters) in per_root {
        findings.extend(f);
        stats.resources += res;
        stats.clusters += clusters;
    }
    findings
}

/// Runs the rules on one root's model, and the migration rules against its before-state.
pub(super) fn check_built(
    after: &mut Built,
    before: Option<&mut Built>,
    reg: &Registry,
    filter: &Filter,
    show_unknown: bool,
    sources: &SourceMap,
) -> Vec<Finding> {
    let subjects = subject::all(&mut after.model);
    let plan = AddressPlan::of(&after.model, &subjects);
    let mut out = check_subjects(&subjects, reg, filter, show_unknown, sources, &plan);
    if let Some(before) = before {
        let old = subject::all(&mut before.model);
        let moves =
            migration::subjects(&before.origin, &before.model, &old, &after.model, &subjects);
        // Values for the after-state (MIG005's pod CIDR) come from the working tree's plan; a
        // before-state literal is never edited (fix::verify refuses files of a revision).
        let mut found = check_subjects(&moves, reg, filter, show_unknown, sources, &plan);
        for f in &mut found {
            let header = moves
                .iter()
                .find(|m| f.resource.as_deref() == Some(m.address.as_str()))
                .map(|m| m.header);
            locate_in_working_tree(f, header, sources);
        }
        out.extend(found);
    }
    out
}

/// Puts a migration finding's primary label in the working tree (DESIGN.md "Locations are in
/// the working tree"): annotations on a pull request must land on a line that exists there.
/// The after-state label that makes the move becomes primary, else the cluster's header; the
/// before-state literal stays as a related location.
fn locate_in_working_tree(f: &mut Finding, header: Option<Span>, sources: &SourceMap) {
    let in_revision = |span: Span| sources.revision(span.file).is_some();
    if !in_revision(f.primary.span) {
        return;
    }
    let promoted = match f.secondary.iter().position(|l| !in_revision(l.span)) {
        Some(i) => f.secondary.remove(i),
        None => match header.filter(|h| !in_revision(*h)) {
            Some(span) => Label {
                span,
                message: "the cluster, after the change".into(),
            },
            None => return,
        },
    };
    let old = std::mem::replace(&mut f.primary, promoted);
    f.secondary.insert(0, old);
}

/// Runs the rules on subjects.
fn check_subjects(
    subjects: &[subject::Subject],
    reg: &Registry,
    filter: &Filter,
    show_unknown: bool,
    sources: &SourceMap,
    plan: &AddressPlan,
) -> Vec<Finding> {
    if std::env::var_os("AKS_NETLINT_DEBUG_MODEL").is_some() {
        // Development aid (and the schema's staleness test): the documents rules see, one JSON
        // object per line with its kind.
        for s in subjects {
            eprintln!(
                "{}",
                serde_json::json!({ "kind": s.kind, "document": s.json })
            );
        }
    }
    let mut out = Vec::new();
    for s in subjects {
        out.extend(engine::check(reg, s, filter, show_unknown, sources, plan));
    }
    out
}
