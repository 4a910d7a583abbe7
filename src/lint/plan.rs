//! `--plan FILE`: the plan's resource changes, where it was planned, and the models of its
//! before- and after-states.

use std::path::{Path, PathBuf};

use foldhash::{HashMap, HashMapExt};

use super::Built;
use crate::discover;
use crate::frontends::json::Json;
use crate::model::Model;
use crate::source::SourceMap;
use crate::Error;

/// Plans can be much larger than source files.
const MAX_PLAN_BYTES: u64 = 256 * 1024 * 1024;

/// A plan given with `--plan`: its resource changes and where it was planned.
pub struct PlanInput<'j> {
    pub(super) changes: Vec<crate::frontends::plan::Change<'j>>,
    pub(super) file: usize,
    /// The directory of the plan file: the Terraform root it belongs to, when one is there.
    pub(super) dir: PathBuf,
}

impl<'j> PlanInput<'j> {
    pub(super) fn new(doc: &'j Json, file: usize, dir: PathBuf) -> PlanInput<'j> {
        PlanInput {
            changes: crate::frontends::plan::changes(doc),
            file,
            dir,
        }
    }

    /// The plan's after-state model and its before-state, located at `src` (the plan's
    /// Terraform root by address) where the configuration is scanned.
    pub(super) fn models(
        &self,
        src: &HashMap<String, crate::model::resource::Hcl<'_, '_, '_>>,
        sources: &SourceMap,
    ) -> (Model, Box<Built>) {
        let (before, after) = crate::model::plan::models(&self.changes, self.file, src);
        let before = Built {
            key: String::new(),
            model: before,
            issues: Vec::new(),
            origin: format!("the plan's before-state ({})", sources.name(self.file)),
            before: None,
            checked: None,
            unread: Vec::new(),
        };
        (after, Box::new(before))
    }

    /// Plan-only: when no scanned Terraform root is the plan's, the plan stands alone.
    pub(super) fn stand_alone(&self, after: &mut Vec<Built>, sources: &SourceMap) {
        if after.iter().any(|b| b.before.is_some()) {
            return;
        }
        let (model, before) = self.models(&HashMap::new(), sources);
        after.push(Built {
            key: format!("plan:{}", self.dir.display()),
            model,
            issues: Vec::new(),
            origin: "the plan".into(),
            before: Some(before),
            checked: None,
            unread: Vec::new(),
        });
    }
}

/// Reads and parses a plan file (`--plan`); it is a named input, so problems are errors.
pub(super) fn read_plan(
    p: &Path,
    sources: &mut SourceMap,
) -> Result<(Json, usize, PathBuf), Error> {
    let unreadable = |source| Error::Read {
        path: p.to_path_buf(),
        source,
    };
    let abs = std::fs::canonicalize(p).map_err(|e| unreadable(e.into()))?;
    let text = discover::read_text(&abs, MAX_PLAN_BYTES).map_err(unreadable)?;
    let doc = crate::frontends::json::parse(&text).map_err(|(offset, message)| Error::NotJson {
        path: p.to_path_buf(),
        offset,
        message,
    })?;
    if !crate::frontends::plan::is_plan(&doc) {
        return Err(Error::NotAPlan {
            path: p.to_path_buf(),
        });
    }
    let dir = abs.parent().map(Path::to_path_buf).unwrap_or_default();
    let file = sources.add(abs, text);
    Ok((doc, file, dir))
}
