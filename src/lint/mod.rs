//! The pipeline for one invocation: discover, load and parse (in parallel), evaluate each root
//! module (in parallel), build the model, run the rules, then sort and de-duplicate findings.
//! ARM and Bicep deployments take the same path from the model on ([`deployments`]).

mod deployments;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use hcl_edit::structure::Body;
use rayon::prelude::*;

use crate::config::{self, Config, FailLevel};
use crate::discover::{self, MAX_FILE_BYTES};
use crate::eval::terraform::{cli_value, const_value_in, Evaluator, Project};
use crate::eval::Value;
use crate::frontends::terraform::{self as tf, is_local_source, join_normalized, Module};
use crate::model::{subject, terraform as tfmodel};
use crate::rules::engine::{self, Selection};
use crate::rules::{registry, Finding, Label, Severity};
use crate::source::{SourceMap, Span};

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

#[derive(Default, Debug, Clone, Copy)]
pub struct Stats {
    pub files: usize,
    pub resources: usize,
    pub clusters: usize,
    pub parse_errors: usize,
    pub suppressed: usize,
    pub elapsed_ms: u128,
}

pub struct Outcome {
    pub sources: SourceMap,
    pub findings: Vec<Finding>,
    pub stats: Stats,
    /// The config file's fail level, for the CLI when no flag is given.
    pub fail_level: Option<FailLevel>,
}

/// A file that was read and parsed (or failed to).
struct Loaded {
    path: PathBuf,
    text: Result<String, String>,
    body: Option<Result<Body, (usize, String)>>,
}

fn load(path: PathBuf, stdin: Option<&(PathBuf, String)>) -> Loaded {
    let text = match stdin {
        Some((p, text)) if *p == path => Ok(text.clone()),
        _ => discover::read_text(&path, MAX_FILE_BYTES),
    };
    let body = text.as_ref().ok().map(|t| tf::parse_hcl(t));
    Loaded { path, text, body }
}

fn parse_error(sources: &SourceMap, file: usize, offset: usize, message: String) -> Finding {
    let len = sources.get(file).map_or(0, |f| f.text.len());
    let start = offset.min(len);
    let end = sources
        .get(file)
        .and_then(|f| f.text.get(start..))
        .and_then(|t| t.char_indices().nth(1))
        .map_or(len, |(i, _)| start + i);
    Finding {
        rule: "PARSE001".into(),
        severity: Severity::Error,
        message: format!("cannot parse {}: {message}", sources.name(file)),
        primary: Label {
            span: Span::new(file, start..end),
            message: message.clone(),
        },
        secondary: Vec::new(),
        notes: vec!["the rest of the scan goes on without this file".into()],
        why: None,
        help: Some("fix the syntax error; `terraform validate` shows the same problem".into()),
        resource: None,
    }
}

/// Runs the whole pipeline.
pub fn run(opts: &Options) -> Result<Outcome, String> {
    let started = Instant::now();
    // In editor mode the file may not exist yet: lint its directory with it in memory.
    let stdin = opts.stdin.as_ref().map(|(p, t)| {
        let abs = std::path::absolute(p).unwrap_or_else(|_| p.clone());
        let dir = abs.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
        let name = abs.file_name().map(PathBuf::from).unwrap_or_default();
        (dir.join(name), t.clone())
    });
    let paths = if let Some((p, _)) = &stdin {
        vec![p.parent().map(Path::to_path_buf).unwrap_or_default()]
    } else if opts.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.paths.clone()
    };
    let scan = discover::walk(&paths, opts.follow_outside_root);
    let root = scan.root.clone();
    let mut sources = SourceMap::default();
    let mut findings = Vec::new();
    if let Some((p, why)) = scan.skipped.first() {
        return Err(format!("{}: {why}", p.display()));
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
        select: if opts.select.is_empty() {
            cfg.select.clone()
        } else {
            opts.select.clone()
        },
        ignore: opts.ignore.iter().chain(&cfg.ignore).cloned().collect(),
    };
    let mut scan = scan;
    scan.module_dirs.retain(|d| !cfg.excluded(d));

    // Load module directories, following local module sources (inside the root) to a fixpoint.
    let mut dirs: Vec<PathBuf> = scan.module_dirs.clone();
    let mut seen: HashSet<PathBuf> = dirs.iter().cloned().collect();
    let mut bodies: Vec<(usize, PathBuf, Body)> = Vec::new();
    let mut downloaded: HashMap<PathBuf, HashMap<String, PathBuf>> = HashMap::new();
    let mut stats = Stats::default();
    let mut frontier = dirs.clone();
    while !frontier.is_empty() {
        let files: Vec<PathBuf> = frontier
            .iter()
            .flat_map(|d| {
                let mut files = discover::module_files(d, &root);
                if let Some((p, _)) = &stdin {
                    if p.parent() == Some(d.as_path())
                        && !files.contains(p)
                        && p.extension().is_some_and(|e| e == "tf")
                    {
                        files.push(p.clone());
                    }
                }
                files
            })
            .filter(|f| !cfg.excluded(f))
            .collect();
        let loaded: Vec<Loaded> = files
            .into_par_iter()
            .map(|f| load(f, stdin.as_ref()))
            .collect();
        let mut next = Vec::new();
        for l in loaded {
            let dir = l.path.parent().map(Path::to_path_buf).unwrap_or_default();
            match l.text {
                Err(why) => {
                    let id = sources.add(l.path.clone(), String::new());
                    findings.push(parse_error(&sources, id, 0, why));
                    stats.parse_errors += 1;
                }
                Ok(text) => {
                    let id = sources.add(l.path.clone(), text);
                    match l.body {
                        Some(Ok(body)) => {
                            for b in body.blocks().filter(|b| b.ident.as_str() == "module") {
                                let src =
                                    b.body.get_attribute("source").and_then(|a| match &a.value {
                                        hcl_edit::expr::Expression::String(s) => {
                                            Some(s.as_str().to_string())
                                        }
                                        _ => None,
                                    });
                                if let Some(src) = src.filter(|s| is_local_source(s)) {
                                    let target = join_normalized(&dir, &src);
                                    if target.starts_with(&root)
                                        && target.is_dir()
                                        && seen.insert(target.clone())
                                    {
                                        next.push(target);
                                    }
                                }
                            }
                            bodies.push((id, dir, body));
                        }
                        Some(Err((off, msg))) => {
                            findings.push(parse_error(&sources, id, off, msg));
                            stats.parse_errors += 1;
                        }
                        None => {}
                    }
                }
            }
        }
        // Modules fetched by `terraform init` next to a root.
        for d in &frontier {
            let mj = d.join(".terraform/modules/modules.json");
            if let Ok(text) = discover::read_text(&mj, MAX_FILE_BYTES) {
                let map = tf::read_modules_json(d, &text);
                for dir in map.values() {
                    if dir.starts_with(&root) && dir.is_dir() && seen.insert(dir.clone()) {
                        next.push(dir.clone());
                    }
                }
                downloaded.insert(d.clone(), map);
            }
        }
        dirs.extend(next.iter().cloned());
        frontier = next;
    }
    // Index modules by directory.
    let mut by_dir: HashMap<PathBuf, Vec<(usize, &Body)>> = HashMap::new();
    for (id, dir, body) in &bodies {
        by_dir.entry(dir.clone()).or_default().push((*id, body));
    }
    let mut modules = Vec::new();
    let mut index = HashMap::new();
    let mut dir_list: Vec<&PathBuf> = by_dir.keys().collect();
    dir_list.sort();
    for d in dir_list {
        if let Some(files) = by_dir.get(d) {
            index.insert(d.clone(), modules.len());
            modules.push(Module::index(d, files));
        }
    }
    let project = Project {
        modules,
        by_dir: index,
        downloaded,
    };

    // Roots: scanned directories no other module calls.
    let mut called: HashSet<PathBuf> = HashSet::new();
    for m in &project.modules {
        for c in &m.calls {
            if let Some(s) = c.source.as_deref().filter(|s| is_local_source(s)) {
                called.insert(join_normalized(&m.dir, s));
            }
        }
    }
    for map in project.downloaded.values() {
        called.extend(map.values().cloned());
    }
    let roots: Vec<usize> = scan
        .module_dirs
        .iter()
        .filter(|d| !called.contains(*d))
        .filter_map(|d| project.by_dir.get(d).copied())
        .collect();

    // Variable files: Terraform's automatic ones per root, then --var-file, then --var.
    let mut var_files: Vec<(PathBuf, Option<usize>)> = Vec::new();
    let mut var_texts: HashMap<PathBuf, usize> = HashMap::new();
    // Each root's automatic variable files, listed once (the directory is read once).
    let auto_vars: HashMap<usize, Vec<PathBuf>> = roots
        .iter()
        .filter_map(|&r| {
            project
                .modules
                .get(r)
                .map(|m| (r, discover::auto_var_files(&m.dir)))
        })
        .collect();
    let mut wanted: Vec<PathBuf> = auto_vars.values().flatten().cloned().collect();
    let named: Vec<PathBuf> = cfg
        .var_files
        .iter()
        .chain(&opts.var_files)
        .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
        .collect();
    wanted.extend(named.iter().cloned());
    for p in wanted {
        if var_texts.contains_key(&p) {
            continue;
        }
        match discover::read_text(&p, MAX_FILE_BYTES) {
            Ok(text) => {
                let id = sources.add(p.clone(), text);
                var_texts.insert(p.clone(), id);
                var_files.push((p, Some(id)));
            }
            Err(why) if named.contains(&p) => return Err(format!("{}: {why}", p.display())),
            Err(why) => {
                let id = sources.add(p.clone(), String::new());
                findings.push(parse_error(&sources, id, 0, why));
            }
        }
    }
    let mut var_bodies: HashMap<usize, Body> = HashMap::new();
    for (_, id) in &var_files {
        let Some(id) = *id else { continue };
        let text = sources.get(id).map(|f| f.text.as_str()).unwrap_or("");
        match tf::parse_hcl(text) {
            Ok(b) => {
                var_bodies.insert(id, b);
            }
            Err((offset, msg)) => {
                findings.push(parse_error(&sources, id, offset, msg));
                stats.parse_errors += 1;
            }
        }
    }
    let cli_files = named;

    // ARM and Bicep deployments.
    let deploy_files: Vec<PathBuf> = scan
        .deploy_files
        .iter()
        .filter(|f| !cfg.excluded(f))
        .cloned()
        .chain(stdin.as_ref().and_then(|(p, _)| {
            (discover::is_deploy_file(p) && !scan.deploy_files.contains(p)).then(|| p.clone())
        }))
        .collect();
    let param_files: Vec<PathBuf> = opts
        .param_files
        .iter()
        .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
        .collect();
    let deploy_roots = deployments::load(
        &deploy_files,
        &param_files,
        stdin.as_ref(),
        &root,
        &mut sources,
        &mut findings,
    )?;

    stats.files = sources.len();
    // Compiled only now: nothing before reading files waits for it.
    let reg = registry::get()?;
    let sources_ref = &sources;
    let text = |s: Span| sources_ref.snippet(s).to_string();
    let per_root: Vec<(Vec<Finding>, usize, usize)> = roots
        .par_iter()
        .map(|&r| {
            let Some(m) = project.modules.get(r) else {
                return (Vec::new(), 0, 0);
            };
            let mut inputs: HashMap<String, Value> = HashMap::new();
            let mut files = auto_vars.get(&r).cloned().unwrap_or_default();
            files.extend(cli_files.iter().cloned());
            for f in files {
                let Some(id) = var_texts.get(&f) else {
                    continue;
                };
                let Some(body) = var_bodies.get(id) else {
                    continue;
                };
                for a in body.attributes() {
                    inputs.insert(a.key.as_str().to_string(), const_value_in(&a.value, *id));
                }
            }
            for (k, v) in &opts.vars {
                let is_string = m.variables.get(k).is_some_and(|d| d.is_string);
                inputs.insert(
                    k.clone(),
                    cli_value(v, is_string).via(&format!("--var {k}")),
                );
            }
            let ev = Evaluator::new(&project, r, inputs, &text);
            let mut model = tfmodel::build(&ev);
            let mut out = check_model(&mut model, reg, &filter, opts.show_unknown, sources_ref);
            for i in ev.issues.borrow().iter() {
                out.push(eval_issue(i.span, i.message.clone()));
            }
            (out, model.resources, model.clusters.len())
        })
        .collect();
    let per_deploy =
        deployments::check(&deploy_roots, reg, &filter, opts.show_unknown, sources_ref);
    for (f, res, clusters) in per_root.into_iter().chain(per_deploy) {
        findings.extend(f);
        stats.resources += res;
        stats.clusters += clusters;
    }
    findings.retain(|f| {
        let path = sources.get(f.primary.span.file).map(|s| s.path.as_path());
        f.rule == "PARSE001"
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
        findings.retain(|f| !base.contains(&crate::report::sarif::fingerprint(&sources, f)));
    }
    stats.elapsed_ms = started.elapsed().as_millis();
    Ok(Outcome {
        sources,
        findings,
        stats,
        fail_level: cfg.fail_level,
    })
}

/// Runs the rules on one model (a Terraform root or a deployment).
fn check_model(
    model: &mut crate::model::Model,
    reg: &registry::Registry,
    filter: &Filter,
    show_unknown: bool,
    sources: &SourceMap,
) -> Vec<Finding> {
    let subjects = subject::all(model);
    if std::env::var_os("AKS_NETLINT_DEBUG_MODEL").is_some() {
        // Development aid: the documents rules see.
        for s in &subjects {
            eprintln!(
                "{}",
                serde_json::to_string_pretty(&s.json).unwrap_or_default()
            );
        }
    }
    let mut out = Vec::new();
    for s in &subjects {
        out.extend(engine::check(reg, s, filter, show_unknown, sources));
    }
    out
}

/// EVAL002: evaluation stopped (a cycle, a limit).
fn eval_issue(span: Span, message: String) -> Finding {
    Finding {
        rule: "EVAL002".into(),
        severity: Severity::Warning,
        message,
        primary: Label {
            span,
            message: "evaluation stopped here".into(),
        },
        secondary: Vec::new(),
        notes: vec!["values that depend on this are treated as unknown".into()],
        why: None,
        help: Some("break the cycle or simplify the expression".into()),
        resource: None,
    }
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
