//! One pass over a batch of Terraform directories: parse them together, evaluate the roots
//! among them (and, in the first pass, the directories only a comment seems to call), drop the
//! trees.

use std::path::{Path, PathBuf};

use foldhash::{HashMap, HashMapExt, HashSet};
use rayon::prelude::*;

use super::dirs::Dirs;
use crate::diagnostic::Finding;
use crate::discover::walk::relative;
use crate::discover::Unread;
use crate::error::VarError;
use crate::eval::terraform::{cli_value, Evaluator, Project};
use crate::frontends::hcl::Body;
use crate::frontends::terraform::{self as tf, is_local_source, join_normalized, Module};
use crate::lint::var_files::VarFiles;
use crate::lint::{eval_issue, parse_error, Built, Input};
use crate::model::terraform as tfmodel;
use crate::source::{SourceMap, Span};

/// What a batch gives back: models, parse errors, and the local calls its modules make.
pub(super) struct BatchOut {
    pub(super) built: Vec<Built>,
    pub(super) findings: Vec<Finding>,
    pub(super) called: Vec<PathBuf>,
    /// `--var` values that do not fit their declaration, and the `--var` names its roots
    /// declare.
    pub(super) var_errors: Vec<VarError>,
    pub(super) declared: Vec<String>,
    /// With [`Pass::speculate`]: the batch's directories the text scan took for called that
    /// none of its modules calls, evaluated as roots; `None` when the batch left them to the
    /// second pass (one of them has variable files of its own to read first).
    pub(super) speculated: Option<Vec<Speculated>>,
}

/// What one batch gives for the directories the text scan took for called that no module
/// calls: their models, the `--var` names they declare, and the values that do not fit.
#[derive(Default)]
pub(super) struct Missed {
    pub(super) built: Vec<Built>,
    pub(super) declared: Vec<String>,
    pub(super) var_errors: Vec<VarError>,
}

impl Missed {
    /// `other` after what this one holds.
    pub(super) fn append(&mut self, other: Missed) {
        self.built.extend(other.built);
        self.declared.extend(other.declared);
        self.var_errors.extend(other.var_errors);
    }
}

/// A directory evaluated as a root in case no parsed module calls it (see [`Speculation`]).
pub(super) struct Speculated {
    pub(super) dir: PathBuf,
    pub(super) found: Missed,
}

/// What lets the first pass evaluate, while it holds a batch's trees, the directories the text
/// scan took for called that no module of the batch calls. Whatever calls a directory is
/// joined to it in its batch, so unless a module of another batch calls it after all (which
/// the text scan would have seen), such a directory is a root the second pass would evaluate,
/// reading and parsing its whole batch again.
pub(super) struct Speculation<'d> {
    /// The walk's directories (the second pass's roots are among them).
    pub(super) walked: HashSet<&'d PathBuf>,
    pub(super) called: &'d HashSet<&'d PathBuf>,
    pub(super) downloaded: &'d HashSet<&'d PathBuf>,
}

/// What every batch of one pass shares: the directories, variable files and inputs.
pub(super) struct Pass<'d, 'i> {
    pub(super) dirs: &'d Dirs,
    pub(super) vars: &'d VarFiles,
    pub(super) input: &'d Input<'i>,
    pub(super) plan_root: Option<&'d PathBuf>,
    /// The repository root, for notes about module sources.
    pub(super) root: &'d Path,
    /// Set for the first pass.
    pub(super) speculate: Option<&'d Speculation<'d>>,
}

impl Pass<'_, '_> {
    /// One batch of directories: parsed together, the `roots` among them evaluated, the syntax
    /// trees dropped on return.
    pub(super) fn run(
        &self,
        members: &[&PathBuf],
        roots: &HashSet<PathBuf>,
        sources: &SourceMap,
    ) -> BatchOut {
        let files: Vec<(&PathBuf, usize)> = members
            .iter()
            .flat_map(|d| {
                self.dirs
                    .files
                    .get(*d)
                    .into_iter()
                    .flatten()
                    .map(move |id| (*d, *id))
            })
            .collect();
        let ids: Vec<usize> = files.iter().map(|(_, id)| *id).collect();
        sources.hold(&ids);
        let out = self.run_held(members, files, roots, sources);
        sources.release(&ids);
        out
    }

    /// [`Pass::run`] once the batch's texts are held.
    fn run_held(
        &self,
        members: &[&PathBuf],
        files: Vec<(&PathBuf, usize)>,
        roots: &HashSet<PathBuf>,
        sources: &SourceMap,
    ) -> BatchOut {
        let mut findings = Vec::new();
        let mut called = Vec::new();
        let parsed: Vec<(&PathBuf, usize, tf::Parsed)> = files
            .into_par_iter()
            .map(|(d, id)| {
                let text = sources.text(id);
                (d, id, tf::parse_hcl(text.as_deref().unwrap_or("")))
            })
            .collect();
        let mut bodies: Vec<(&PathBuf, usize, Body)> = Vec::with_capacity(parsed.len());
        for (d, id, body) in parsed {
            match body {
                Ok(b) => bodies.push((d, id, b)),
                Err((off, msg)) => findings.push(parse_error(sources, id, off, msg)),
            }
        }
        // Grouped by directory in path order: hashed, then the directories sorted once (a
        // path comparison parses both paths, and an ordered map needs several per file).
        let mut by_dir: HashMap<&PathBuf, Vec<(usize, &Body)>> = HashMap::new();
        for (d, id, body) in &bodies {
            by_dir.entry(*d).or_default().push((*id, body));
        }
        let mut by_dir: Vec<(&PathBuf, Vec<(usize, &Body)>)> = by_dir.into_iter().collect();
        by_dir.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut modules = Vec::new();
        let mut index = HashMap::new();
        for (d, files) in &by_dir {
            index.insert((*d).clone(), modules.len());
            modules.push(Module::index(d, files));
        }
        for m in &modules {
            for c in &m.calls {
                if let Some(s) = c.source.as_deref().filter(|s| is_local_source(s)) {
                    called.push(join_normalized(&m.dir, s));
                }
            }
        }
        let downloaded = members
            .iter()
            .filter_map(|d| {
                self.dirs
                    .downloaded
                    .get(*d)
                    .map(|m| ((*d).clone(), m.clone()))
            })
            .collect();
        let project = Project {
            modules,
            by_dir: index,
            downloaded,
        };
        let roots: Vec<usize> = members
            .iter()
            .filter(|d| roots.contains(**d))
            .filter_map(|d| project.by_dir.get(*d).copied())
            .collect();
        let mut var_errors = Vec::new();
        let mut declared = Vec::new();
        for m in roots.iter().filter_map(|r| project.modules.get(*r)) {
            let (d, e) = self.cli_vars(m, sources);
            declared.extend(d);
            var_errors.extend(e);
        }
        let text = |s: Span| sources.snippet(s);
        let built = roots
            .par_iter()
            .filter_map(|&r| self.evaluate(&project, r, sources, &text))
            .collect();
        let speculated = self.speculate.and_then(|spec| {
            let local: HashSet<&PathBuf> = called.iter().collect();
            let maybe: Vec<&PathBuf> = members
                .iter()
                .copied()
                .filter(|d| {
                    spec.walked.contains(d)
                        && self.dirs.files.contains_key(*d)
                        && spec.called.contains(d)
                        && !local.contains(d)
                        && !spec.downloaded.contains(d)
                })
                .collect();
            if maybe.iter().any(|d| self.dirs.auto_vars.contains(*d)) {
                return None;
            }
            let out = maybe
                .par_iter()
                .filter_map(|d| Some((*d, project.by_dir.get(*d).copied()?)))
                .map(|(d, r)| {
                    let (declared, var_errors) = project
                        .modules
                        .get(r)
                        .map(|m| self.cli_vars(m, sources))
                        .unwrap_or_default();
                    let found = Missed {
                        built: self
                            .evaluate(&project, r, sources, &text)
                            .into_iter()
                            .collect(),
                        declared,
                        var_errors,
                    };
                    Speculated {
                        dir: d.clone(),
                        found,
                    }
                })
                .collect();
            Some(out)
        });
        BatchOut {
            built,
            findings,
            called,
            var_errors,
            declared,
            speculated,
        }
    }

    /// The `--var` names a root declares, and the values that do not fit their declaration.
    fn cli_vars(&self, m: &Module, sources: &SourceMap) -> (Vec<String>, Vec<VarError>) {
        let mut declared = Vec::new();
        let mut errors = Vec::new();
        for (k, v) in self.input.vars {
            if let Some(decl) = m.variables.get(k) {
                declared.push(k.clone());
                if let Err(e) = crate::lint::cli_vars::check(k, v, decl, sources) {
                    errors.push(e);
                }
            }
        }
        (declared, errors)
    }

    fn evaluate(
        &self,
        project: &Project<'_>,
        r: usize,
        sources: &SourceMap,
        text: &(dyn Fn(Span) -> String + Sync),
    ) -> Option<Built> {
        let input = self.input;
        let m = project.modules.get(r)?;
        let passed = self
            .vars
            .passed_for(&m.dir, &|name| m.variables.contains_key(name));
        let mut inputs = self.vars.inputs(&m.dir, &passed);
        for (k, v) in input.vars {
            let is_string = m.variables.get(k).is_some_and(|d| d.is_string);
            inputs.insert(
                k.clone(),
                cli_value(v, is_string).via(&format!("--var {k}")),
            );
        }
        let ev = Evaluator::new(project, r, inputs, text);
        let (model, before) = match input.plan.filter(|_| self.plan_root == Some(&m.dir)) {
            Some(p) => {
                let mut count = 0;
                let src = tfmodel::declared(&ev, &mut count)
                    .into_iter()
                    .map(|d| (d.addr, d.block))
                    .collect();
                let (after, before) = p.models(&src, sources);
                (after, Some(before))
            }
            None => {
                let mut model = tfmodel::build(&ev);
                // A plan holds the resources of every module; only the configuration's model
                // misses what unread modules create.
                model.unread_modules = ev
                    .unread_modules
                    .borrow()
                    .iter()
                    .map(|(source, _)| source.clone())
                    .collect();
                (model, None)
            }
        };
        let issues = ev
            .issues
            .borrow()
            .iter()
            .map(|i| eval_issue(i.span, i.message.clone()))
            .collect();
        let unread = ev
            .unread_modules
            .borrow()
            .iter()
            .map(|(source, header)| unread_module(source, *header, &m.dir, self.root, sources))
            .collect();
        let mut built = Built {
            unread,
            key: format!("tf:{}", m.dir.display()),
            model,
            issues,
            origin: String::new(),
            before,
            checked: None,
        };
        if let Some(check) = input.early {
            check(&mut built, sources);
        }
        Some(built)
    }
}

/// A module call whose source was not read, as the user would look for it.
fn unread_module(
    source: &str,
    header: Span,
    dir: &Path,
    root: &Path,
    sources: &SourceMap,
) -> Unread {
    let (path, reason) = if tf::is_local_source(source) {
        let target = join_normalized(dir, source);
        if !target.starts_with(root) {
            let why = "module source outside the repository root; --follow-outside-root reads it";
            (source.to_string(), why)
        } else if !target.is_dir() {
            (relative(&target, root), "local module path does not exist")
        } else {
            (
                relative(&target, root),
                "local module directory has no .tf files",
            )
        }
    } else {
        let why = "registry or git module without a local copy; `terraform init` downloads it";
        (source.to_string(), why)
    };
    Unread {
        path,
        reason: reason.into(),
        referenced_from: Some(sources.location(header)),
    }
}
