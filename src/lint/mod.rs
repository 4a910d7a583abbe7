//! The pipeline for one invocation: resolve the settings, discover, load and parse (in
//! parallel), evaluate each root module (in parallel), build the model, run the rules
//! ([`compare`], with the migration rules against a before-state), then post-process the
//! findings ([`post`]). ARM and Bicep deployments take the same path from the model on
//! ([`deployments`]).

mod cli_vars;
mod compare;
mod deploy_docs;
mod deploy_groups;
mod deployments;
mod groups;
pub mod observe;
mod packing;
mod plan;
mod post;
mod problems;
mod terraform;
mod var_files;

pub use crate::config::Options;
pub use groups::Groups;
pub use plan::PlanInput;

use problems::{eval_issue, expression_error, parse_error, read_error};

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crate::config::{FailLevel, Request, Settings};
use crate::diagnostic::Finding;
pub use crate::diagnostic::Stats;
use crate::discover::{self, Scan, Tree};
use crate::model::Model;
use crate::report::Report;
use crate::rules::registry;
use crate::source::SourceMap;
use crate::Error;

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
    /// The scan's groups, when each can be scanned again alone (see [`Groups`]): kept for
    /// verifying fixes.
    pub groups: Option<Arc<Groups>>,
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
    run_with(opts, None)
}

/// Runs the whole pipeline and shows the evaluated models to `observer` before dropping them
/// (so every model is kept until the rules have run on all of them).
pub fn run_observed(opts: &Options, observer: observe::Observer<'_>) -> Result<Outcome, Error> {
    run_with(opts, Some(observer))
}

fn run_with(opts: &Options, observer: Option<observe::Observer<'_>>) -> Result<Outcome, Error> {
    let started = Instant::now();
    // The rules compile on the pool while this thread finds and reads the files: a small run
    // would otherwise wait for them once its first model is built. The load itself stays
    // serial: a worker that joined inside `get_or_init` could steal a task that calls `get()`
    // and wait on itself.
    rayon::spawn(|| {
        let _ = registry::get();
    });
    let req = Request::new(opts)?;
    let mut scan = match &opts.rescan {
        Some(s) => Scan::clone(s),
        None => discover::walk(&Tree::Disk, &req.paths, opts.follow_outside_root),
    };
    if let Some((p, _)) = &req.stdin {
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
    let settings = Settings::resolve(opts, &req, &root)?;
    narrow(&mut scan, &settings, &req, opts);
    let plan_doc = match &opts.plan {
        Some(p) => Some(plan::read_plan(p, &mut sources)?),
        None => None,
    };
    let plan_input = plan_doc
        .as_ref()
        .map(|(doc, file, dir)| PlanInput::new(doc, *file, dir.clone()));
    // Without a before-state to pair with, a model is checked as soon as it is built, so its
    // batch drops it: only findings outlive the batch.
    let early = |b: &mut Built, sources: &SourceMap| {
        if let Ok(reg) = registry::get() {
            b.check(reg, &settings.filter, opts.show_unknown, sources);
        }
    };
    // An observer reads the models after the rules ran, so they must outlive their batches.
    let stand_alone = opts.compare_to.is_none() && opts.plan.is_none() && observer.is_none();
    let input = Input {
        plan: plan_input.as_ref(),
        stdin: req.stdin.as_ref(),
        vars: &opts.vars,
        var_files: &settings.var_files,
        param_files: &settings.param_files,
        early: stand_alone.then_some(&early as &Early),
    };
    let mut unread = std::mem::take(&mut scan.unread);
    let tree = match &opts.overlay {
        Some(o) => Tree::Overlay(o.clone()),
        None => Tree::Disk,
    };
    // Groups are kept only where a root reads nothing outside its group: no input that every
    // root shares (variable and parameter files, `--var`, the editor buffer) and no before-state.
    let separable = stand_alone
        && opts.overlay.is_none()
        && opts.rescan.is_none()
        && req.stdin.is_none()
        && opts.vars.is_empty()
        && settings.var_files.is_empty()
        && settings.param_files.is_empty()
        && scan.var_files.is_empty()
        && !opts.follow_outside_root;
    let mut groups = separable.then(|| Groups::new(&scan));
    let mut after = build(
        &tree,
        &scan,
        &input,
        &mut sources,
        &mut findings,
        &mut unread,
        groups.as_mut(),
    )?;
    if let Some(p) = &plan_input {
        p.stand_alone(&mut after, &sources);
    }
    let mut stats = Stats {
        files: sources.len(),
        ..Stats::default()
    };
    let mut notes = Vec::new();
    let mut before = compare::before_state(
        opts.compare_to.as_deref(),
        &req.paths,
        &root,
        &settings.config,
        &input,
        &mut sources,
        &mut notes,
    )?;
    // Compiled only now: nothing before reading files waits for it.
    let reg = registry::get()?;
    findings.extend(compare::check_all(
        &mut after,
        &mut before,
        reg,
        &settings.filter,
        opts.show_unknown,
        &sources,
        &mut stats,
    ));
    if let Some(observer) = observer {
        observe::show(
            observer,
            &mut after,
            &mut before,
            opts.compare_to.as_deref(),
            &sources,
        );
    }
    unread.extend(after.iter().flat_map(|b| b.unread.iter().cloned()));
    // Texts are read again only now, for the files the report shows (see source.rs).
    let shown = findings
        .iter()
        .flat_map(|f| std::iter::once(&f.primary).chain(&f.secondary))
        .map(|l| l.span.file);
    for name in sources.reload(shown) {
        notes.push(format!(
            "{name} changed while it was linted; its findings are shown without its lines"
        ));
    }
    let cx = post::Context {
        sources: &sources,
        scan: &scan,
        settings: &settings,
        stdin: req.stdin.as_ref().map(|(p, _)| p),
        baseline: opts.baseline.as_ref(),
    };
    let findings = post::process(findings, &cx, &mut unread, &mut stats);
    stats.elapsed_ms = started.elapsed().as_millis();
    if scan.module_dirs.is_empty() && scan.deploy_files.is_empty() && opts.plan.is_none() {
        let under: Vec<String> = req.paths.iter().map(|p| p.display().to_string()).collect();
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
        fail_level: settings.config.fail_level,
        groups: groups.map(Arc::new),
    })
}

/// Applies the settings to what the walk found: excluded directories are not roots of their
/// own (they are still read when called), the editor buffer is a deployment file when it
/// looks like one, and files named by flags are scope too: a finding on a `--param-file` line
/// is reported even when the file lies outside the scanned paths.
fn narrow(scan: &mut Scan, settings: &Settings, req: &Request, opts: &Options) {
    scan.module_dirs.retain(|d| !settings.config.excluded(d));
    if let Some((p, _)) = &req.stdin {
        if discover::is_deploy_file(p) && !scan.deploy_files.contains(p) {
            scan.deploy_files.push(p.clone());
        }
    }
    scan.scope.extend(settings.param_files.iter().cloned());
    scan.scope.extend(settings.named_var_files.iter().cloned());
    scan.scope
        .extend(opts.plan.iter().map(|p| discover::absolute(p)));
}

/// The inputs every root of a scan shares.
#[derive(Clone, Copy)]
pub struct Input<'a> {
    stdin: Option<&'a (PathBuf, String)>,
    vars: &'a [(String, String)],
    var_files: &'a [PathBuf],
    param_files: &'a [PathBuf],
    plan: Option<&'a PlanInput<'a>>,
    /// Runs the rules on a model as soon as it is built (see [`Built::check`]).
    early: Option<&'a Early<'a>>,
}

/// What runs the rules on a freshly built root.
type Early<'a> = dyn Fn(&mut Built, &SourceMap) + Sync + 'a;

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
    /// The findings, resources and clusters of a root already checked, its model dropped.
    checked: Option<(Vec<Finding>, usize, usize)>,
}

impl Built {
    /// Runs the rules on this root alone (no before-state) and drops its model.
    fn check(
        &mut self,
        reg: &registry::Registry,
        filter: &crate::config::resolve::Filter,
        show_unknown: bool,
        sources: &SourceMap,
    ) {
        let mut out = compare::check_built(self, None, reg, filter, show_unknown, sources);
        out.append(&mut self.issues);
        let counts = (self.model.resources, self.model.clusters.len());
        self.model = Model::default();
        self.checked = Some((out, counts.0, counts.1));
    }
}

/// Loads, evaluates and models every root of a scan, Terraform and ARM/Bicep.
fn build(
    tree: &Tree,
    scan: &discover::Scan,
    input: &Input<'_>,
    sources: &mut SourceMap,
    findings: &mut Vec<Finding>,
    unread: &mut Vec<discover::Unread>,
    mut groups: Option<&mut Groups>,
) -> Result<Vec<Built>, Error> {
    let mut out = terraform::build(
        tree,
        scan,
        input,
        sources,
        findings,
        unread,
        groups.as_deref_mut(),
    )?;
    out.extend(deployments::load_and_build(
        tree,
        &scan.deploy_files,
        input,
        &scan.root,
        sources,
        findings,
        groups,
    )?);
    let origin = match tree.revision() {
        Some(r) => format!("{r} (git revision)"),
        None => "the working tree".to_string(),
    };
    for b in &mut out {
        b.origin.clone_from(&origin);
    }
    Ok(out)
}
