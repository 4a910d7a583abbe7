//! A narrow read-only window on the models the pipeline built, for consumers that draw rather
//! than lint (`aks-netlint map`). They see exactly what `check` evaluated, after the rules ran
//! and before the models are dropped, so nothing is evaluated twice or differently.

use super::Built;
use crate::model::Model;
use crate::source::SourceMap;

/// One evaluated root as the rules saw it.
pub struct Evaluated<'a> {
    /// The root and its parameter set (`tf:<dir>`, `arm:<file>#<parameter set>`); the same root
    /// in the `--compare-to` revision has the same key.
    pub key: &'a str,
    /// `None` for the working tree; the revision for a `--compare-to` before-state.
    pub revision: Option<&'a str>,
    pub model: &'a mut Model,
}

/// Called once per run with every evaluated root (the working tree's, then the before-state's).
pub type Observer<'o> = &'o mut dyn FnMut(Vec<Evaluated<'_>>, &SourceMap);

/// Hands the evaluated roots to the observer.
pub(super) fn show(
    observer: Observer<'_>,
    after: &mut [Built],
    before: &mut [Built],
    revision: Option<&str>,
    sources: &SourceMap,
) {
    let mut all: Vec<Evaluated<'_>> = after
        .iter_mut()
        .map(|b| Evaluated {
            key: &b.key,
            revision: None,
            model: &mut b.model,
        })
        .collect();
    all.extend(before.iter_mut().map(|b| Evaluated {
        key: &b.key,
        revision,
        model: &mut b.model,
    }));
    observer(all, sources);
}
