//! A candidate fix is offered only when it works: its edits are applied in memory, the same scan
//! runs again over that overlay, and the finding must be gone with nothing new in its place.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt};
use rayon::prelude::*;

use crate::diagnostic::{Applicability, Edit, Finding, Fix};
use crate::discover::Overlay;
use crate::lint::{self, Groups, Options, Outcome};
use crate::source::SourceMap;

/// At most this many candidates are verified per run; each costs one scan.
pub const MAX_VERIFIED: usize = 64;

/// What identifies a finding across two scans whose texts differ only inside literals: the
/// rule, the resource and the line of its primary label (a replacement never adds a line).
pub type Key = (String, Option<String>, String, usize);

pub fn key(f: &Finding, sources: &SourceMap) -> Key {
    let pos = sources.position(f.primary.span.file, f.primary.span.start as usize);
    (
        f.rule.to_string(),
        f.resource.clone(),
        sources.name(f.primary.span.file).to_string(),
        pos.line,
    )
}

/// The texts of the files `edits` touch, with the edits applied on top of `base` (the overlay
/// so far). `None` when an edit no longer matches the text it was computed from, or when it
/// would write into a file that is not in the working tree (a git revision, the plan).
pub fn apply(
    base: &Overlay,
    edits: &[Edit],
    sources: &SourceMap,
    plan: Option<&Path>,
) -> Option<Overlay> {
    let mut by_file: BTreeMap<usize, Vec<&Edit>> = BTreeMap::new();
    for e in edits {
        by_file.entry(e.span.file).or_default().push(e);
    }
    let mut out = base.clone();
    for (file, mut list) in by_file {
        let src = sources.get(file)?;
        if src.revision.is_some() || plan.is_some_and(|p| src.path == p) {
            return None;
        }
        let mut text = out
            .get(&src.path)
            .cloned()
            .or_else(|| sources.text_or_read(file))?;
        // Back to front, so earlier offsets stay valid; overlapping edits are a conflict.
        list.sort_by_key(|e| std::cmp::Reverse(e.span.start));
        let mut limit = usize::MAX;
        for e in list {
            let r = e.span.range();
            if r.end > limit || text.get(r.clone())? != e.original {
                return None;
            }
            text.replace_range(r.clone(), &e.replacement);
            limit = r.start;
        }
        out.insert(src.path.clone(), text);
    }
    Some(out)
}

/// Runs the scan again with `overlay` in place of the files it names.
pub fn rerun(opts: &Options, overlay: Overlay) -> Option<Outcome> {
    let mut o = opts.clone();
    o.overlay = Some(Arc::new(overlay));
    lint::run(&o).ok()
}

/// The keys of the scan again with `overlay` in place of the files it names, as far as they
/// can differ from the first scan's: only in the groups the overlay and the fixed findings'
/// files (`targets`) belong to when the first scan kept its groups (see [`lint::Groups`]), else
/// in the whole tree.
fn rerun_keys(
    opts: &Options,
    overlay: Overlay,
    targets: &[PathBuf],
    groups: Option<&Groups>,
) -> Option<BTreeSet<Key>> {
    let mut o = opts.clone();
    o.rescan = groups
        .and_then(|g| g.narrowed(overlay.keys(), targets))
        .map(Arc::new);
    rerun(&o, overlay).map(|a| keys(&a))
}

/// The keys of a scan's findings.
pub fn keys(o: &Outcome) -> BTreeSet<Key> {
    o.findings.iter().map(|f| key(f, &o.sources)).collect()
}

/// Whether the findings `after` show `target` gone and nothing that `before` did not have.
pub fn works(target: &Key, before: &BTreeSet<Key>, after: &BTreeSet<Key>) -> bool {
    !after.contains(target) && after.is_subset(before)
}

/// Verifies every candidate of a scan: fixes that do not work are dropped, fixes whose literal
/// several resources share become unsafe. Returns how many candidates were left unchecked.
///
/// With the scan's groups kept, a candidate is scanned again in the groups it edits alone:
/// the other groups give the findings they gave before, none of which is the target (its file
/// belongs to an edited group), so the whole scan would show the target gone and nothing new
/// exactly when that narrower scan does.
pub fn verify_all(opts: &Options, outcome: &mut Outcome) -> usize {
    verify_until(opts, outcome, &|| false)
}

/// [`verify_all`], stopping early when `stop` says so (the language server, when newer edits
/// arrive); candidates left unchecked are dropped. Edits apply on top of `opts.overlay` (the
/// editor's open buffers), so every rescan sees the same texts as the scan it checks.
pub fn verify_until(
    opts: &Options,
    outcome: &mut Outcome,
    stop: &(dyn Fn() -> bool + Sync),
) -> usize {
    let before = keys(outcome);
    let base: Overlay = opts.overlay.as_deref().cloned().unwrap_or_default();
    mark_shared(&mut outcome.findings);
    let plan_file = opts.plan.as_deref().map(crate::discover::absolute);
    let groups = outcome.groups.clone();
    // One scan per distinct set of edits (findings fixed by the same edits share it), for the
    // first MAX_VERIFIED sets in finding order, with the files those findings lie in; the
    // scans run in parallel.
    let sources = &outcome.sources;
    let mut wanted: Vec<(Vec<Edit>, Vec<PathBuf>)> = Vec::new();
    let mut at: HashMap<&[Edit], usize> = HashMap::new();
    for f in &outcome.findings {
        let Some(fix) = candidate(f) else { continue };
        let slot = match at.get(fix.edits.as_slice()) {
            Some(&i) => wanted.get_mut(i),
            None if wanted.len() < MAX_VERIFIED => {
                at.insert(&fix.edits, wanted.len());
                wanted.push((fix.edits.clone(), Vec::new()));
                wanted.last_mut()
            }
            None => None,
        };
        if let (Some((_, targets)), Some(src)) = (slot, sources.get(f.primary.span.file)) {
            if !targets.contains(&src.path) {
                targets.push(src.path.clone());
            }
        }
    }
    let scans: HashMap<Vec<Edit>, Option<BTreeSet<Key>>> = wanted
        .into_par_iter()
        .map(|(edits, targets)| {
            // Stopped: not scanned, so not offered.
            if stop() {
                return (edits, None);
            }
            let after = apply(&base, &edits, sources, plan_file.as_deref())
                .and_then(|o| rerun_keys(opts, o, &targets, groups.as_deref()));
            (edits, after)
        })
        .collect();
    let mut unchecked = 0;
    for f in outcome.findings.iter_mut() {
        let Some(fix) = candidate(f) else {
            continue;
        };
        let ok = match scans.get(&fix.edits) {
            None => {
                unchecked += 1;
                false
            }
            Some(after) => after
                .as_ref()
                .is_some_and(|after| works(&key(f, sources), &before, after)),
        };
        if !ok {
            f.fix = None;
        }
    }
    unchecked
}

/// A fix that edits (a `Display` fix is a suggestion, with nothing to verify).
fn candidate(f: &Finding) -> Option<&Fix> {
    f.fix
        .as_ref()
        .filter(|x| x.applicability != Applicability::Display)
}

/// A literal that fixes of several resources would edit is shared: changing it for one changes
/// it for all, so none of those fixes is safe.
fn mark_shared(findings: &mut [Finding]) {
    let mut owners: HashMap<(usize, u32), BTreeSet<Option<String>>> = HashMap::new();
    for f in findings.iter() {
        for e in f.fix.iter().flat_map(|x| &x.edits) {
            owners
                .entry((e.span.file, e.span.start))
                .or_default()
                .insert(f.resource.clone());
        }
    }
    for f in findings.iter_mut() {
        let Some(fix) = &mut f.fix else { continue };
        let shared = fix
            .edits
            .iter()
            .filter_map(|e| owners.get(&(e.span.file, e.span.start)))
            .map(BTreeSet::len)
            .max()
            .unwrap_or(0);
        if shared > 1 && fix.applicability == Applicability::Safe {
            fix.applicability = Applicability::Unsafe;
            fix.reason = Some(format!(
                "the value is shared by {shared} resources, and changes for all of them"
            ));
        }
    }
}
