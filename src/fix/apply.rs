//! `--fix`: apply one verified fix at a time and scan again, the way ruff loops, until no
//! applicable fix remains or the step limit is reached. Each step is checked on the state it
//! changes, so two fixes that are fine alone but collide together never both land.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::verify::{apply, key, keys, rerun, works};
use crate::diagnostic::{Applicability, Edit};
use crate::discover::Overlay;
use crate::lint::{Options, Outcome};

/// Fixes applied per run at most: each costs two scans.
const MAX_STEPS: usize = 100;

/// What a fix run did.
pub struct Applied {
    /// The working-tree texts after every accepted fix (absolute path -> text).
    pub overlay: Overlay,
    /// What those files held when the scan read them: path -> (name, text). Read once, for the
    /// files a fix edits only.
    pub originals: BTreeMap<PathBuf, (String, String)>,
    /// What was applied, one line each, in order.
    pub descriptions: Vec<String>,
    /// The scan of the fixed state: what remains.
    pub outcome: Outcome,
}

/// Applies safe fixes (and unsafe ones when `unsafe_too`) starting from `first`, in memory.
pub fn run(opts: &Options, first: Outcome, unsafe_too: bool) -> Applied {
    let plan_file = opts.plan.as_deref().map(crate::discover::absolute);
    let mut overlay = Overlay::new();
    let mut current = first;
    let mut descriptions = Vec::new();
    let mut originals = BTreeMap::new();
    let mut rejected: BTreeSet<Vec<(PathBuf, u32, String)>> = BTreeSet::new();
    for _ in 0..MAX_STEPS {
        let allowed = |a: Applicability| {
            a == Applicability::Safe || (unsafe_too && a == Applicability::Unsafe)
        };
        let identity = |edits: &[Edit], o: &Outcome| -> Vec<(PathBuf, u32, String)> {
            edits
                .iter()
                .map(|e| {
                    let path = o.sources.get(e.span.file).map(|s| s.path.clone());
                    (
                        path.unwrap_or_default(),
                        e.span.start,
                        e.replacement.clone(),
                    )
                })
                .collect()
        };
        let next = current.findings.iter().find_map(|f| {
            let fix = f.fix.as_ref().filter(|x| allowed(x.applicability))?;
            let id = identity(&fix.edits, &current);
            (!fix.edits.is_empty() && !rejected.contains(&id)).then(|| {
                (
                    key(f, &current.sources),
                    fix.edits.clone(),
                    fix.description.clone(),
                    id,
                )
            })
        });
        let Some((target, edits, description, id)) = next else {
            break;
        };
        for e in &edits {
            let Some(src) = current.sources.get(e.span.file) else {
                continue;
            };
            if !overlay.contains_key(&src.path) && !originals.contains_key(&src.path) {
                if let Some(text) = current.sources.text_or_read(e.span.file) {
                    originals.insert(src.path.clone(), (src.name.clone(), text));
                }
            }
        }
        let before = keys(&current);
        let step = apply(&overlay, &edits, &current.sources, plan_file.as_deref())
            .and_then(|o| rerun(opts, o.clone()).map(|after| (o, after)));
        match step {
            Some((o, after)) if works(&target, &before, &keys(&after)) => {
                overlay = o;
                current = after;
                descriptions.push(description);
            }
            _ => {
                rejected.insert(id);
            }
        }
    }
    originals.retain(|p, _| overlay.contains_key(p));
    Applied {
        overlay,
        originals,
        descriptions,
        outcome: current,
    }
}
