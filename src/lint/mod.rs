//! The pipeline for one invocation: discover, load and parse (in parallel), evaluate each root
//! module (in parallel), build the model, run the rules, then sort and de-duplicate findings.
//! ARM and Bicep deployments take the same path from the model on ([`deployments`]).

mod cli_vars;
mod deployments;
mod problems;
mod terraform;
mod var_files;

use problems::{eval_issue, expression_error, parse_error, read_error};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use crate::config::{self, Config, FailLevel};
pub use crate::diagnostic::Stats;
use crate::diagnostic::{fingerprint, Finding, Label, RuleId};
use crate::discover::{self, Tree, MAX_FILE_BYTES};
use crate::model::{migration, subject, Model};
use crate::report::Report;
use crate::rules::engine::{self, Selection};
use crate::rules::registry;
use crate::source::{SourceMap, Span};
use crate::Error;

/// What to lint and how.
#[derive(Default, Clone, Debug)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    pub var_files: Vec<PathBuf>,
    /// ARM parameter files (`--param-file`) applied to every template in the scan.
    pub param_files: Vec<PathBuf>,
    pub vars: Vec<(String, String)>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub show_unknown: bool,
    /// `--config FILE`; otherwise `.aks-netlint.toml` is looked up unless `no_config`.
    pub config: Option<PathBuf>,
    pub no_config: bool,
    /// Editor mode: this file's content comes from stdin (siblings are read from disk), and
    /// only its findings are reported.
    pub stdin: Option<(PathBuf, String)>,
    /// Findings whose fingerprint is in this set are not reported (`--baseline`).
    pub baseline: Option<std::collections::HashSet<String>>,
    /// Read symlinks and module sources that point outside the repository root.
    pub follow_outside_root: bool,
    /// `--compare-to REV`: the before-state of the migration rules is this git revision.
    pub compare_to: Option<String>,
    /// `--plan FILE`: `terraform show -json` output; its after-state replaces the Terraform
    /// root it was planned from, its before-state feeds the migration rules.
    pub plan: Option<PathBuf>,
}

/// The rules in effect: command-line selection over the config file's.
struct Filter {
    select: Vec<String>,
    ignore: Vec<String>,
}

impl Selection for Filter {
    fn enabled(&self, id: &str) -> bool {
        let matches = |list: &[String]| {
            list.iter()
                .any(|p| id.starts_with(p.to_ascii_uppercase().as_str()))
        };
        (self.select.is_empty() || matches(&self.select)) && !matches(&self.ignore)
    }
}

pub struct Outcome {
    pub sources: SourceMap,
    /// What could hold a resource in scope and was not read (`summary.unread`).
    pub unread: Vec<discover::Unread>,
    /// What the run could not do, said as `note:` lines (an empty scan, no commit to compare).
    pub notes: Vec<String>,
    pub findings: Vec<Finding>,
    pub stats: Stats,
    /// The config file's fail level, for the CLI when no flag is given.
    pub fail_level: Option<FailLevel>,
}

impl Outcome {
    /// The view every output format renders.
    pub fn report(&self) -> Report<'_> {
        Report {
            findings: &self.findings,
            sources: &self.sources,
            stats: &self.stats,
            notes: &self.notes,
            unread: &self.unread,
        }
    }
}

/// Runs the whole pipeline.
pub fn run(opts: &Options) -> Result<Outcome, Error> {
    let started = Instant::now();
    let select = crate::rules::selector::check_list(&opts.select, "--select")?;
    let ignore = crate::rules::selector::check_list(&opts.ignore, "--ignore")?;
    // In editor mode the file may not exist yet: lint its directory with it in memory.
    let stdin = opts.stdin.as_ref().map(|(p, t)| {
        let abs = std::path::absolute(p).unwrap_or_else(|_| p.clone());
        let dir = abs.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
        let name = abs.file_name().map(PathBuf::from).unwrap_or_default();
        (dir.join(name), t.clone())
    });
    let paths = if let Some((p, _)) = &stdin {
        // A file being created does not exist yet: its directory stands for it.
        if p.is_file() {
            vec![p.clone()]
        } else {
            vec![p.parent().map(Path::to_path_buf).unwrap_or_default()]
        }
    } else if opts.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.paths.clone()
    };
    let mut scan = discover::walk(&Tree::Disk, &paths, opts.follow_outside_root);
    if let Some((p, _)) = &stdin {
        // Editor mode reports on the buffer's file alone.
        scan.scope = vec![p.clone()];
    }
    let root = scan.root.clone();
    let mut sources = SourceMap::with_root(&root);
    let mut findings = Vec::new();
    if let Some((p, why)) = scan.skipped.first() {
        return Err(Error::Unusable {
            path: p.clone(),
            reason: why.clone(),
        });
    }
    let cfg = if opts.no_config {
        Config::default()
    } else if let Some(p) = &opts.config {
        config::load(p)?
    } else {
        let start = paths
            .first()
            .and_then(|p| std::fs::canonicalize(p).ok())
            .unwrap_or_else(|| root.clone());
        match config::find(&start, &root) {
            Some(p) => config::load(&p)?,
            None => Config::default(),
        }
    };
    let filter = Filter {
        select: if select.is_empty() {
            cfg.select.clone()
        } else {
            select
        },
        ignore: ignore
            .into_iter()
            .chain(cfg.ignore.iter().cloned())
            .collect(),
    };
    // Excluded directories are not roots of their own; they are still read when called.
    scan.module_dirs.retain(|d| !cfg.excluded(d));
    if let Some((p, _)) = &stdin {
        if discover::is_deploy_file(p) && !scan.deploy_files.contains(p) {
            scan.deploy_files.push(p.clone());
        }
    }
    let canonical = |list: &[PathBuf]| -> Vec<PathBuf> {
        list.iter()
            .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
            .collect()
    };
    let var_files: Vec<PathBuf> = canonical(&cfg.var_files)
        .into_iter()
        .chain(canonical(&opts.var_files))
        .collect();
    let param_files = canonical(&opts.param_files);
    // Files named by flags are scope too: a finding on a `--param-file` line is reported even
    // when the file lies outside the scanned paths.
    scan.scope.extend(param_files.iter().cloned());
    scan.scope.extend(canonical(&opts.var_files));
    scan.scope
        .extend(opts.plan.iter().map(|p| discover::absolute(p)));
    let plan_doc = match &opts.plan {
        Some(p) => Some(read_plan(p, &mut sources)?),
        None => None,
    };
    let plan_input = plan_doc.as_ref().map(|(doc, file, dir)| PlanInput {
        changes: crate::frontends::plan::changes(doc),
        file: *file,
        dir: dir.clone(),
    });
    let input = Input {
        plan: plan_input.as_ref(),
        stdin: stdin.as_ref(),
        vars: &opts.vars,
        var_files: &var_files,
        param_files: &param_files,
    };
    let mut stats = Stats::default();
    let mut unread = std::mem::take(&mut scan.unread);
    let mut after = build(
        &Tree::Disk,
        &scan,
        &input,
        &mut sources,
        &mut findings,
        &mut unread,
    )?;
    if let Some(p) = &plan_input {
        // Plan-only: no scanned Terraform root is the plan's, so the plan stands alone.
        if !after.iter().any(|b| b.before.is_some()) {
            let (model, before) = p.models(&HashMap::new(), &sources);
            after.push(Built {
                key: format!("plan:{}", p.dir.display()),
                model,
                issues: Vec::new(),
                origin: "the plan".into(),
                before: Some(before),
                unread: Vec::new(),
            });
        }
    }
    stats.files = sources.len();
    // The before-state of `--compare-to`: the same paths at that revision. Its own parse
    // problems are history, not news; only its models are kept.
    let mut notes = Vec::new();
    let compare_to = match &opts.compare_to {
        // A new repository has nothing to compare to: an empty before-state, said, so the
        // pre-commit hook does not block the first commit.
        Some(rev) if (rev == "HEAD" || rev == "@") && !discover::git::has_commits(&root) => {
            notes.push(format!(
                "--compare-to {rev}: the repository has no commits yet, so there is no before-state; migration rules were not run"
            ));
            None
        }
        other => other.as_ref(),
    };
    let mut before = match compare_to {
        Some(rev) => {
            let abs: Vec<PathBuf> = paths.iter().map(|p| discover::absolute(p)).collect();
            // Context (callers) is found at the revision too, so load the whole tree's
            // IaC files unless the scan is the whole root anyway.
            let preload = if abs.contains(&root) {
                abs.clone()
            } else {
                vec![root.clone()]
            };
            let tree = Tree::Git(Box::new(discover::GitTree::open(
                &root,
                rev,
                &preload,
                MAX_FILE_BYTES,
            )?));
            let mut old = discover::walk::walk_in(&tree, &paths, &abs, root.clone(), false);
            old.module_dirs.retain(|d| !cfg.excluded(d));
            let no_stdin = Input {
                stdin: None,
                plan: None,
                ..input
            };
            let mut history = Vec::new();
            build(
                &tree,
                &old,
                &no_stdin,
                &mut sources,
                &mut history,
                &mut Vec::new(),
            )?
        }
        None => Vec::new(),
    };
    // Compiled only now: nothing before reading files waits for it.
    let reg = registry::get()?;
    let sources_ref = &sources;
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
            let mut out = check_built(a, b, reg, &filter, opts.show_unknown, sources_ref);
            out.append(&mut a.issues);
            (out, a.model.resources, a.model.clusters.len())
        })
        .collect();
    for (f, res, clusters) in per_root {
        findings.extend(f);
        stats.resources += res;
        stats.clusters += clusters;
    }
    // Paths are scope, not context: a finding is reported when any of its labels lies in
    // scope; a context file that cannot be parsed is said as unread.
    let in_scope = |span: Span| {
        sources
            .get(span.file)
            .is_some_and(|s| scan.in_scope(&s.path))
    };
    findings.retain(|f| {
        let keep = in_scope(f.primary.span) || f.secondary.iter().any(|l| in_scope(l.span));
        if !keep && f.rule == RuleId::PARSE001 {
            unread.push(discover::Unread {
                path: sources.name(f.primary.span.file).to_string(),
                reason: format!("could not be parsed: {}", f.primary.message),
                referenced_from: None,
            });
        }
        keep
    });
    // An `exclude` glob hides the findings located in those files.
    findings.retain(|f| {
        !sources
            .get(f.primary.span.file)
            .is_some_and(|s| cfg.excluded(&s.path))
    });
    unread.extend(after.iter().flat_map(|b| b.unread.iter().cloned()));
    unread.sort();
    unread.dedup();
    stats.parse_errors = findings
        .iter()
        .filter(|f| f.rule == RuleId::PARSE001)
        .count();
    findings.retain(|f| {
        let path = sources.get(f.primary.span.file).map(|s| s.path.as_path());
        f.rule == RuleId::PARSE001
            || (filter.enabled(&f.rule) && !path.is_some_and(|p| cfg.ignored_at(p, &f.rule)))
    });
    for f in &mut findings {
        if let Some(s) = cfg.severity_of(&f.rule) {
            f.severity = s;
        }
    }
    let mut findings = dedup(findings, &sources);
    stats.suppressed = crate::suppress::apply(&mut findings, &sources, &|id| filter.enabled(id));
    // Suppression diagnostics are appended; put them in place.
    sort(&mut findings, &sources);
    if let Some((p, _)) = &stdin {
        findings.retain(|f| {
            sources
                .get(f.primary.span.file)
                .is_some_and(|s| &s.path == p)
        });
    }
    if let Some(base) = &opts.baseline {
        findings.retain(|f| !base.contains(&fingerprint(&sources, f)));
    }
    stats.elapsed_ms = started.elapsed().as_millis();
    if scan.module_dirs.is_empty() && scan.deploy_files.is_empty() && opts.plan.is_none() {
        let under: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        notes.push(format!(
            "no Terraform, Bicep or ARM files found under {}",
            under.join(", ")
        ));
    }
    Ok(Outcome {
        sources,
        unread,
        notes,
        findings,
        stats,
        fail_level: cfg.fail_level,
    })
}

/// The inputs every root of a scan shares.
#[derive(Clone, Copy)]
pub struct Input<'a> {
    stdin: Option<&'a (PathBuf, String)>,
    vars: &'a [(String, String)],
    var_files: &'a [PathBuf],
    param_files: &'a [PathBuf],
    plan: Option<&'a PlanInput<'a>>,
}

/// One evaluated root (a Terraform root module, or a template with one parameter set).
pub struct Built {
    /// The same root in another state (a git revision) has the same key.
    key: String,
    model: Model,
    /// EVAL002 findings of its evaluation.
    issues: Vec<Finding>,
    /// Where this state comes from, for notes (`the working tree`, `git revision HEAD`).
    origin: String,
    /// A plan's before-state of the same root.
    before: Option<Box<Built>>,
    /// Module sources this evaluation needed and could not read.
    unread: Vec<discover::Unread>,
}

/// A plan given with `--plan`: its resource changes and where it was planned.
pub struct PlanInput<'j> {
    changes: Vec<crate::frontends::plan::Change<'j>>,
    file: usize,
    /// The directory of the plan file: the Terraform root it belongs to, when one is there.
    dir: PathBuf,
}

impl PlanInput<'_> {
    /// The plan's after-state model and its before-state, located at `src` (the plan's
    /// Terraform root by address) where the configuration is scanned.
    fn models(
        &self,
        src: &HashMap<String, crate::model::terraform::Hcl<'_, '_, '_>>,
        sources: &SourceMap,
    ) -> (Model, Box<Built>) {
        let (before, after) = crate::model::plan::models(&self.changes, self.file, src);
        let before = Built {
            key: String::new(),
            model: before,
            issues: Vec::new(),
            origin: format!("the plan's before-state ({})", sources.name(self.file)),
            before: None,
            unread: Vec::new(),
        };
        (after, Box::new(before))
    }
}

/// Plans can be much larger than source files.
const MAX_PLAN_BYTES: u64 = 256 * 1024 * 1024;

/// Reads and parses a plan file (`--plan`); it is a named input, so problems are errors.
fn read_plan(
    p: &Path,
    sources: &mut SourceMap,
) -> Result<(crate::frontends::json::Json, usize, PathBuf), Error> {
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

/// Loads, evaluates and models every root of a scan, Terraform and ARM/Bicep.
fn build(
    tree: &Tree,
    scan: &discover::Scan,
    input: &Input<'_>,
    sources: &mut SourceMap,
    findings: &mut Vec<Finding>,
    unread: &mut Vec<discover::Unread>,
) -> Result<Vec<Built>, Error> {
    let mut out = terraform::build(tree, scan, input, sources, findings, unread)?;
    let roots = deployments::load(
        tree,
        &scan.deploy_files,
        input.param_files,
        input.stdin,
        &scan.root,
        sources,
        findings,
    )?;
    out.extend(deployments::build(&roots));
    let origin = match tree.revision() {
        Some(r) => format!("{r} (git revision)"),
        None => "the working tree".to_string(),
    };
    for b in &mut out {
        b.origin.clone_from(&origin);
    }
    Ok(out)
}

/// Runs the rules on one root's model, and the migration rules against its before-state.
fn check_built(
    after: &mut Built,
    before: Option<&mut Built>,
    reg: &registry::Registry,
    filter: &Filter,
    show_unknown: bool,
    sources: &SourceMap,
) -> Vec<Finding> {
    let subjects = subject::all(&mut after.model);
    let mut out = check_subjects(&subjects, reg, filter, show_unknown, sources);
    if let Some(before) = before {
        let old = subject::all(&mut before.model);
        let moves =
            migration::subjects(&before.origin, &before.model, &old, &after.model, &subjects);
        let mut found = check_subjects(&moves, reg, filter, show_unknown, sources);
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
    reg: &registry::Registry,
    filter: &Filter,
    show_unknown: bool,
    sources: &SourceMap,
) -> Vec<Finding> {
    if std::env::var_os("AKS_NETLINT_DEBUG_MODEL").is_some() {
        // Development aid: the documents rules see.
        for s in subjects {
            eprintln!(
                "{}",
                serde_json::to_string_pretty(&s.json).unwrap_or_default()
            );
        }
    }
    let mut out = Vec::new();
    for s in subjects {
        out.extend(engine::check(reg, s, filter, show_unknown, sources));
    }
    out
}

/// Deterministic order: file, position, rule, message.
fn sort(findings: &mut [Finding], sources: &SourceMap) {
    findings.sort_by(|a, b| {
        (
            sources.name(a.primary.span.file),
            a.primary.span.start,
            &a.rule,
            &a.message,
        )
            .cmp(&(
                sources.name(b.primary.span.file),
                b.primary.span.start,
                &b.rule,
                &b.message,
            ))
    });
}

/// Sorts, then merges the same finding reached through several roots or module calls into one,
/// naming the other resources in a note.
fn dedup(mut findings: Vec<Finding>, sources: &SourceMap) -> Vec<Finding> {
    sort(&mut findings, sources);
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings {
        if let Some(last) = out.last_mut() {
            if last.rule == f.rule
                && last.primary.span == f.primary.span
                && last.message == f.message
            {
                if let (Some(a), Some(b)) = (&last.resource, &f.resource) {
                    if a != b {
                        let note = format!("also reached through {b}");
                        if !last.notes.contains(&note) {
                            last.notes.push(note);
                        }
                    }
                }
                continue;
            }
        }
        out.push(f);
    }
    out
}
