//! `aks-netlint map`: the address plan as a picture. The pipeline runs exactly as for
//! `check` (same discovery, scope, evaluation and flags); [`plan`] gathers the ranges from the
//! models it built, [`layout`] nests them, finds free space and places the findings' overlaps,
//! and [`json`], [`svg`] and [`html`] render the result.

pub mod html;
pub mod json;
pub mod layout;
pub mod plan;
pub mod space;
pub mod svg;

use crate::lint::{self, Options, Outcome};
use crate::Error;
use layout::Laid;
use plan::Gathered;

/// What `map` writes.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum MapFormat {
    Html,
    Svg,
    Json,
}

/// The default file of `--format html` without `-o`.
pub const DEFAULT_HTML: &str = "aks-netlint-map.html";

/// Every variant `check` evaluates, laid out, with the run's outcome (notes, unread).
pub struct Map {
    pub variants: Vec<Laid>,
    pub outcome: Outcome,
}

/// One evaluated root, gathered.
struct Root {
    /// The root without its parameter set.
    root: String,
    /// The parameter set (`main.parameters.prod.json`), empty when the root has one evaluation.
    set: String,
    revision: Option<String>,
    gathered: Gathered,
}

/// Runs the pipeline and lays out every variant.
pub fn build(opts: &Options) -> Result<Map, Error> {
    let mut roots: Vec<Root> = Vec::new();
    let outcome = lint::run_observed(opts, &mut |evaluated, sources| {
        for e in evaluated {
            let mut g = Gathered::default();
            plan::gather(e.key, e.model, sources, &mut g);
            let (root, set) = match e.key.split_once('#') {
                Some((r, s)) => (r.to_string(), relative(s, sources.root())),
                None => (e.key.to_string(), String::new()),
            };
            roots.push(Root {
                root,
                set,
                revision: e.revision.map(str::to_string),
                gathered: g,
            });
        }
    })?;
    let mut outcome = outcome;
    // A proposal is drawn only when its fix works: verified as `check` verifies it.
    crate::fix::verify_all(opts, &mut outcome);
    let variants = variants(roots)
        .into_iter()
        .map(|(name, g)| layout::lay_out(&name, g, &outcome.findings, &outcome.sources))
        .collect();
    Ok(Map { variants, outcome })
}

/// The variants `check` evaluates: one per parameter set of the roots that have several (the
/// roots with one evaluation are in every variant), one for the working tree otherwise, and
/// one for the `--compare-to` revision.
fn variants(roots: Vec<Root>) -> Vec<(String, Gathered)> {
    let (now, then): (Vec<Root>, Vec<Root>) = roots.into_iter().partition(|r| r.revision.is_none());
    let mut out = Vec::new();
    let several = |list: &[Root], r: &Root| list.iter().filter(|o| o.root == r.root).count() > 1;
    let mut sets: Vec<String> = now
        .iter()
        .filter(|r| several(&now, r))
        .map(|r| r.set.clone())
        .collect();
    sets.sort();
    sets.dedup();
    let suffix = if then.is_empty() { "" } else { " (after)" };
    if sets.is_empty() {
        out.push((format!("working tree{suffix}"), merge(now.iter())));
    } else {
        for set in &sets {
            let chosen = now.iter().filter(|r| !several(&now, r) || &r.set == set);
            out.push((format!("{set}{suffix}"), merge(chosen)));
        }
    }
    if let Some(rev) = then.first().and_then(|r| r.revision.clone()) {
        out.push((format!("{rev} (before)"), merge(then.iter())));
    }
    out
}

/// A parameter file's name as every report writes paths: relative to the repository root.
fn relative(path: &str, root: Option<&std::path::Path>) -> String {
    let p = std::path::Path::new(path);
    match root.and_then(|r| p.strip_prefix(r).ok()) {
        Some(rel) => rel.to_string_lossy().replace('\\', "/"),
        None => path.to_string(),
    }
}

/// The roots of one variant together. Two clusters with one name (two scenarios of a
/// repository both call theirs `aks`) are told apart by where they are declared, so clicking
/// one never lights up the other's ranges.
fn merge<'a>(roots: impl Iterator<Item = &'a Root>) -> Gathered {
    let mut g = Gathered::default();
    for r in roots {
        let mut rename: Vec<(String, String)> = Vec::new();
        for c in &r.gathered.clusters {
            let same = |k: &plan::ClusterUse| k.address == c.address && k.source == c.source;
            if g.clusters.iter().any(same) {
                continue;
            }
            let mut c = c.clone();
            if g.clusters.iter().any(|k| k.name == c.name) {
                let new = format!("{} ({})", c.name, c.source);
                rename.push((c.name.clone(), new.clone()));
                c.name = new;
            }
            g.clusters.push(c);
        }
        let renamed = |names: &mut Vec<String>| {
            for n in names.iter_mut() {
                if let Some((_, new)) = rename.iter().find(|(old, _)| old == n) {
                    n.clone_from(new);
                }
            }
        };
        for mut x in r.gathered.ranges.iter().cloned() {
            renamed(&mut x.clusters);
            g.ranges.push(x);
        }
        for mut u in r.gathered.unknowns.iter().cloned() {
            renamed(&mut u.clusters);
            g.unknowns.push(u);
        }
    }
    g
}
