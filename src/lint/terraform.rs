//! The Terraform half of the pipeline: load module directories (following local module
//! sources inside the root), find the roots, read their variable files, evaluate each root and
//! build its model.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use hcl_edit::structure::Body;
use rayon::prelude::*;

use super::{eval_issue, parse_error, Built, Input};
use crate::discover::{Scan, Tree, MAX_FILE_BYTES};
use crate::eval::terraform::{cli_value, const_value_in, Evaluator, Project};
use crate::eval::Value;
use crate::frontends::terraform::{self as tf, is_local_source, join_normalized, Module};
use crate::model::terraform as tfmodel;
use crate::rules::Finding;
use crate::source::{SourceMap, Span};

/// A file that was read and parsed (or failed to).
struct Loaded {
    path: PathBuf,
    text: Result<String, String>,
    body: Option<Result<Body, (usize, String)>>,
}

fn load(tree: &Tree, path: PathBuf, stdin: Option<&(PathBuf, String)>) -> Loaded {
    let text = match stdin {
        Some((p, text)) if *p == path => Ok(text.clone()),
        _ => tree.read_text(&path, MAX_FILE_BYTES),
    };
    let body = text.as_ref().ok().map(|t| tf::parse_hcl(t));
    Loaded { path, text, body }
}

/// The local module sources a file calls, as directories inside the root.
fn local_calls(body: &Body, dir: &Path) -> Vec<PathBuf> {
    body.blocks()
        .filter(|b| b.ident.as_str() == "module")
        .filter_map(|b| match &b.body.get_attribute("source")?.value {
            hcl_edit::expr::Expression::String(s) => Some(s.as_str().to_string()),
            _ => None,
        })
        .filter(|s| is_local_source(s))
        .map(|s| join_normalized(dir, &s))
        .collect()
}

/// Loads, evaluates and models every Terraform root of the scan.
pub fn build(
    tree: &Tree,
    scan: &Scan,
    input: &Input<'_>,
    sources: &mut SourceMap,
    findings: &mut Vec<Finding>,
) -> Result<Vec<Built>, String> {
    let root = &scan.root;
    let rev = tree.revision();
    let stdin = input.stdin;
    // Load module directories, following local module sources (inside the root) to a fixpoint.
    let mut seen: HashSet<PathBuf> = scan.module_dirs.iter().cloned().collect();
    let mut bodies: Vec<(usize, PathBuf, Body)> = Vec::new();
    let mut downloaded: HashMap<PathBuf, HashMap<String, PathBuf>> = HashMap::new();
    let mut frontier = scan.module_dirs.clone();
    while !frontier.is_empty() {
        let files: Vec<PathBuf> = frontier
            .iter()
            .flat_map(|d| {
                let mut files = tree.module_files(d, root);
                if let Some((p, _)) = stdin {
                    if p.parent() == Some(d.as_path())
                        && !files.contains(p)
                        && p.extension().is_some_and(|e| e == "tf")
                    {
                        files.push(p.clone());
                    }
                }
                files
            })
            .filter(|f| !input.cfg.excluded(f))
            .collect();
        let loaded: Vec<Loaded> = files
            .into_par_iter()
            .map(|f| load(tree, f, stdin))
            .collect();
        let mut next = Vec::new();
        for l in loaded {
            let dir = l.path.parent().map(Path::to_path_buf).unwrap_or_default();
            match l.text {
                Err(why) => {
                    let id = sources.add_at(l.path.clone(), String::new(), rev);
                    findings.push(parse_error(sources, id, 0, why));
                }
                Ok(text) => {
                    let id = sources.add_at(l.path.clone(), text, rev);
                    match l.body {
                        Some(Ok(body)) => {
                            for target in local_calls(&body, &dir) {
                                if target.starts_with(root)
                                    && tree.is_dir(&target)
                                    && seen.insert(target.clone())
                                {
                                    next.push(target);
                                }
                            }
                            bodies.push((id, dir, body));
                        }
                        Some(Err((off, msg))) => findings.push(parse_error(sources, id, off, msg)),
                        None => {}
                    }
                }
            }
        }
        // Modules fetched by `terraform init` next to a root.
        for d in &frontier {
            let mj = d.join(".terraform/modules/modules.json");
            if let Ok(text) = tree.read_text(&mj, MAX_FILE_BYTES) {
                let map = tf::read_modules_json(d, &text);
                for dir in map.values() {
                    if dir.starts_with(root) && tree.is_dir(dir) && seen.insert(dir.clone()) {
                        next.push(dir.clone());
                    }
                }
                downloaded.insert(d.clone(), map);
            }
        }
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

    let vars = VarFiles::read(tree, &project, &roots, input, sources, findings)?;
    // The root a plan was made in: the plan file's directory, else the only root.
    let plan_root = input.plan.and_then(|p| {
        roots
            .iter()
            .copied()
            .find(|&r| project.modules.get(r).is_some_and(|m| m.dir == p.dir))
            .or_else(|| (roots.len() == 1).then(|| roots.first().copied()).flatten())
    });
    let sources_ref: &SourceMap = sources;
    let text = |s: Span| sources_ref.snippet(s).to_string();
    let built = roots
        .par_iter()
        .filter_map(|&r| {
            let m = project.modules.get(r)?;
            let mut inputs = vars.inputs(r);
            for (k, v) in input.vars {
                let is_string = m.variables.get(k).is_some_and(|d| d.is_string);
                inputs.insert(
                    k.clone(),
                    cli_value(v, is_string).via(&format!("--var {k}")),
                );
            }
            let ev = Evaluator::new(&project, r, inputs, &text);
            let (model, before) = match input.plan.filter(|_| plan_root == Some(r)) {
                Some(p) => {
                    let mut count = 0;
                    let src = tfmodel::declared(&ev, &mut count)
                        .into_iter()
                        .map(|d| (d.addr, d.block))
                        .collect();
                    let (after, before) = p.models(&src, sources_ref);
                    (after, Some(before))
                }
                None => (tfmodel::build(&ev), None),
            };
            let issues = ev
                .issues
                .borrow()
                .iter()
                .map(|i| eval_issue(i.span, i.message.clone()))
                .collect();
            Some(Built {
                key: format!("tf:{}", m.dir.display()),
                model,
                issues,
                origin: String::new(),
                before,
            })
        })
        .collect();
    Ok(built)
}

/// Variable files: Terraform's automatic ones per root, then `--var-file`s, parsed once each.
struct VarFiles {
    auto: HashMap<usize, Vec<PathBuf>>,
    named: Vec<PathBuf>,
    ids: HashMap<PathBuf, usize>,
    bodies: HashMap<usize, Body>,
}

impl VarFiles {
    fn read(
        tree: &Tree,
        project: &Project<'_>,
        roots: &[usize],
        input: &Input<'_>,
        sources: &mut SourceMap,
        findings: &mut Vec<Finding>,
    ) -> Result<VarFiles, String> {
        let rev = tree.revision();
        let auto: HashMap<usize, Vec<PathBuf>> = roots
            .iter()
            .filter_map(|&r| {
                project
                    .modules
                    .get(r)
                    .map(|m| (r, tree.auto_var_files(&m.dir)))
            })
            .collect();
        let named: Vec<PathBuf> = input.var_files.to_vec();
        let mut wanted: Vec<PathBuf> = auto.values().flatten().cloned().collect();
        wanted.extend(named.iter().cloned());
        let mut ids = HashMap::new();
        let mut bodies = HashMap::new();
        for p in wanted {
            if ids.contains_key(&p) {
                continue;
            }
            let id = match tree.read_text(&p, MAX_FILE_BYTES) {
                Ok(text) => sources.add_at(p.clone(), text, rev),
                // A named file missing at a compared revision leaves its values unknown.
                Err(_) if rev.is_some() => continue,
                Err(why) if named.contains(&p) => return Err(format!("{}: {why}", p.display())),
                Err(why) => {
                    let id = sources.add_at(p.clone(), String::new(), rev);
                    findings.push(parse_error(sources, id, 0, why));
                    continue;
                }
            };
            ids.insert(p, id);
            let text = sources.get(id).map(|f| f.text.as_str()).unwrap_or("");
            match tf::parse_hcl(text) {
                Ok(b) => {
                    bodies.insert(id, b);
                }
                Err((offset, msg)) => findings.push(parse_error(sources, id, offset, msg)),
            }
        }
        Ok(VarFiles {
            auto,
            named,
            ids,
            bodies,
        })
    }

    /// A root's variable values, later files overriding earlier ones.
    fn inputs(&self, root: usize) -> HashMap<String, Value> {
        let mut inputs = HashMap::new();
        let files = self
            .auto
            .get(&root)
            .into_iter()
            .flatten()
            .chain(&self.named);
        for f in files {
            let Some(id) = self.ids.get(f) else { continue };
            let Some(body) = self.bodies.get(id) else {
                continue;
            };
            for a in body.attributes() {
                inputs.insert(a.key.as_str().to_string(), const_value_in(&a.value, *id));
            }
        }
        inputs
    }
}
