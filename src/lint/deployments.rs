//! The ARM/Bicep half of the pipeline: recognise templates and parameter files among the
//! scanned `.json`/`.jsonc` files, lower templates to the IR (following local linked
//! templates), pair them with their parameter files, then evaluate each pairing and run the
//! rules on its model.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use rayon::prelude::*;

use super::deploy_docs::{beside_source, mentions_networking, only_checked, Doc};
use super::deploy_groups::{self, is_bicep, Scanned};
use super::groups::Groups;
use super::{eval_issue, expression_error, parse_error, Built, Early, Input};
use crate::diagnostic::Finding;
use crate::discover::context::template_stem;
use crate::discover::{walk::relative, Tree, Unread};
use crate::eval::arm::{Shared, TemplateEval};
use crate::eval::{Kind, Value};
use crate::frontends::arm::{self, DocKind};
use crate::frontends::bicep;
use crate::frontends::ir::Template;
use crate::frontends::json::{Json, JsonValue};
use crate::frontends::terraform::join_normalized;
use crate::model::deployment;
use crate::source::{SourceMap, Span};
use crate::Error;

/// Linked templates deeper than this are not followed.
const MAX_LINK_DEPTH: usize = 8;

/// A template to evaluate, once per parameter set.
pub struct Root {
    path: PathBuf,
    /// Modules and linked templates it deploys that could not be read.
    unread: Vec<Unread>,
    template: Template,
    /// Parameter sets, each named by its file ("" for the template's defaults).
    configs: Vec<(String, HashMap<String, Value>)>,
}

struct Parsed {
    file: usize,
    path: PathBuf,
    doc: Doc,
    kind: DocKind,
    /// Whether the text names anything the rules read (see [`mentions_networking`]).
    networking: bool,
    /// Whether a `.bicep` file of the same name lies beside it (then a template that
    /// `bicep build` wrote is linted from that source).
    source_beside: bool,
    /// Set for `.bicep`/`.bicepparam` files (then `doc` is null).
    bicep: Option<bicep::File>,
}

/// Reads the deployment files, then parses, lowers, evaluates and models them by batches of
/// groups ([`deploy_groups`]): each batch holds its texts and syntax trees only while it runs.
pub fn load_and_build(
    tree: &Tree,
    files: &[PathBuf],
    input: &Input<'_>,
    root: &Path,
    sources: &mut SourceMap,
    findings: &mut Vec<Finding>,
    groups: Option<&mut Groups>,
) -> Result<Vec<Built>, Error> {
    let (param_files, early) = (input.param_files, input.early);
    let scanned = deploy_groups::read(tree, files, input, root, sources, findings)?;
    // Models come back in scan order, as if all files were one batch: merging the same finding
    // reached through several roots keeps the first one's resource.
    let order: HashMap<&Path, usize> = scanned
        .iter()
        .enumerate()
        .map(|(i, s)| (s.path.as_path(), i))
        .collect();
    let batches = if param_files.is_empty() {
        let grouped = deploy_groups::groups(&scanned);
        if let Some(out) = groups {
            for g in &grouped {
                out.add_deployments(g.iter().map(|s| s.path.clone()).collect());
            }
        }
        deploy_groups::pack(grouped)
    } else {
        deploy_groups::batches(&scanned, true)
    };
    let src: &SourceMap = sources;
    type Done = (Result<Vec<(usize, Built)>, Error>, Vec<Finding>);
    let done: Vec<Done> = batches
        .par_iter()
        .map(|batch| {
            let ids: Vec<usize> = batch.iter().map(|s| s.id).collect();
            let unchecked: Vec<usize> = batch
                .iter()
                .filter(|s| s.checked.is_none())
                .map(|s| s.id)
                .collect();
            src.hold(&unchecked);
            let mut found = Vec::new();
            let members = batch.to_vec();
            let roots = lower_all(tree, members, param_files, root, src, &mut found);
            // The IR needs no text: evaluation and modelling run without it.
            src.release(&ids);
            let built = roots.map(|roots| {
                let mut out = Vec::new();
                for r in &roots {
                    let at = order.get(r.path.as_path()).copied().unwrap_or(usize::MAX);
                    out.extend(build_root(r, early, src).into_iter().map(|b| (at, b)));
                }
                out
            });
            (built, found)
        })
        .collect();
    let mut built = Vec::new();
    for (b, found) in done {
        findings.extend(found);
        built.extend(b?);
    }
    built.sort_by_key(|(at, _)| *at);
    Ok(built.into_iter().map(|(_, b)| b).collect())
}

/// Parses and lowers the deployment files read by [`load`], whose texts are held (but for
/// those checked at their first read, read again only if they are lowered).
fn lower_all(
    tree: &Tree,
    members: Vec<&Scanned>,
    param_files: &[PathBuf],
    root: &Path,
    src: &SourceMap,
    findings: &mut Vec<Finding>,
) -> Result<Vec<Root>, Error> {
    let parsed: Vec<Result<Parsed, Box<Finding>>> = members
        .into_par_iter()
        .map(|s| {
            let (file, path) = (s.id, s.path.clone());
            if let Some(c) = &s.checked {
                return Ok(Parsed {
                    file,
                    path,
                    kind: arm::kind(&c.top),
                    doc: Doc::Top {
                        top: c.top.clone(),
                        whole: OnceLock::new(),
                    },
                    networking: c.networking,
                    source_beside: c.source_beside,
                    bicep: None,
                });
            }
            let text = src.text(file);
            let text = text.as_deref().unwrap_or("");
            if is_bicep(&path) {
                let b = bicep::parse(text, file);
                let kind =
                    if b.using.is_some() || path.extension().is_some_and(|e| e == "bicepparam") {
                        DocKind::Parameters
                    } else {
                        DocKind::Template
                    };
                return Ok(Parsed {
                    file,
                    path,
                    doc: Doc::Whole(Json {
                        v: JsonValue::Null,
                        span: 0..0,
                    }),
                    kind,
                    networking: true,
                    source_beside: false,
                    bicep: Some(b),
                });
            }
            let networking = mentions_networking(text);
            let source_beside = beside_source(tree, &path);
            match Doc::parse(text, only_checked(networking, source_beside)) {
                Ok(doc) => {
                    let kind = arm::kind(doc.top());
                    Ok(Parsed {
                        file,
                        path,
                        doc,
                        kind,
                        networking,
                        source_beside,
                        bicep: None,
                    })
                }
                Err((off, msg)) => Err(Box::new(parse_error(src, file, off, msg))),
            }
        })
        .collect();
    let mut docs = Vec::new();
    for p in parsed {
        match p {
            Ok(p) => docs.push(p),
            Err(f) => findings.push(*f),
        }
    }
    for d in &docs {
        // A deployment schema that is not a template or parameters file is a typo worth
        // saying; other Azure schemas (portal forms, policy) are simply not templates.
        let deployment_like = d
            .doc
            .top()
            .get("$schema")
            .and_then(|s| s.as_str())
            .is_some_and(|s| s.to_ascii_lowercase().contains("deployment"));
        if d.kind == DocKind::Other && schema_is_azure(d.doc.top()) && deployment_like {
            let span = d.doc.top().get("$schema").map_or(0..0, |s| s.span.clone());
            findings.push(parse_error(
                src,
                d.file,
                span.start,
                "`$schema` is not an ARM deployment template or parameters schema".into(),
            ));
        }
    }
    let by_path: HashMap<&Path, &Parsed> = docs.iter().map(|d| (d.path.as_path(), d)).collect();
    // A named parameter file that is not one would be ignored: say so instead.
    for p in param_files {
        let why = match by_path.get(p.as_path()) {
            Some(d) if d.kind == DocKind::Parameters => continue,
            Some(d) if d.kind == DocKind::Template => "it is a deployment template".to_string(),
            Some(_) => "its `$schema` is not deploymentParameters.json".to_string(),
            None => findings
                .iter()
                .find(|f| src.get(f.primary.span.file).is_some_and(|s| s.path == *p))
                .map_or("it is not JSON".to_string(), |f| {
                    format!("it does not parse: {}", f.primary.message)
                }),
        };
        return Err(Error::NotParameters {
            path: p.clone(),
            why,
        });
    }
    let named_params: Vec<&Parsed> = param_files
        .iter()
        .filter_map(|p| by_path.get(p.as_path()).copied())
        .collect();
    // `.bicepparam` files name their template with `using`.
    let mut using: HashMap<PathBuf, Vec<&Parsed>> = HashMap::new();
    for d in docs.iter().filter(|d| d.kind == DocKind::Parameters) {
        if let Some(u) = d.bicep.as_ref().and_then(|b| b.using.as_deref()) {
            let dir = d.path.parent().map(Path::to_path_buf).unwrap_or_default();
            using.entry(join_normalized(&dir, u)).or_default().push(d);
        }
    }
    // The parameter sets of a template: its `.parameters.json`, the `.bicepparam` files that
    // use it, and `--param-file`s (a deployed module takes a named one only when it lies beside
    // it; the caller's parameters do not fit its own).
    let listings = Listings::new(tree);
    let sets = |d: &Parsed, is_linked: bool| -> Vec<&Parsed> {
        let mut out: Vec<&Parsed> = paired(&listings, &d.path)
            .iter()
            .filter_map(|p| by_path.get(p.as_path()).copied())
            .filter(|p| p.kind == DocKind::Parameters)
            .collect();
        out.extend(using.get(&d.path).into_iter().flatten().copied());
        out.extend(
            named_params
                .iter()
                .copied()
                .filter(|p| !is_linked || p.path.parent() == d.path.parent()),
        );
        out
    };
    let modules = BicepModules::of(&docs, &by_path, root);
    // A Bicep module deployed by another Bicep file, with no parameter set of its own, is not
    // a root (see below): it is lowered only through its callers. (Its own lowering as a root
    // would link nothing they do not: it deploys only Bicep files, each lowered as a root.)
    let through_callers = |d: &Parsed| {
        d.bicep.is_some()
            && modules.deployed.contains(&d.path)
            && !modules.deploy_json.contains(&d.path)
            && sets(d, true).is_empty()
    };
    let cache = Mutex::new(HashMap::new());
    type Lowered<'d> = (Option<Template>, HashSet<PathBuf>, Vec<Unread>, &'d Parsed);
    let lowered: Vec<Lowered<'_>> = docs
        .par_iter()
        .filter(|d| d.kind == DocKind::Template && !compiled_beside_source(d))
        .filter(|d| d.networking)
        .map(|d| {
            let mut linked = HashSet::new();
            let mut unread = Vec::new();
            if through_callers(d) {
                return (None, linked, unread, d);
            }
            let cx = Lowering {
                by_path: &by_path,
                src,
                root,
                cache: &cache,
            };
            let t = lower(d, &cx, 0, &mut linked, &mut unread);
            (Some(t), linked, unread, d)
        })
        .collect();
    let linked: HashSet<PathBuf> = lowered
        .iter()
        .flat_map(|(_, l, _, _)| l.iter().cloned())
        .chain(modules.deployed.iter().cloned())
        .collect();
    for d in docs.iter().filter(|d| d.kind == DocKind::Parameters) {
        if let Some(b) = &d.bicep {
            for (span, msg) in &b.template.errors {
                findings.push(parse_error(
                    src,
                    span.file,
                    span.start as usize,
                    msg.clone(),
                ));
            }
        }
    }
    let mut roots = Vec::new();
    for (t, _, unread, d) in lowered {
        // A module lowered only through its callers has the syntax errors of its file.
        let errors = match (&t, &d.bicep) {
            (Some(t), _) => &t.errors,
            (None, Some(b)) => &b.template.errors,
            (None, None) => continue,
        };
        for (span, msg) in errors {
            // Bicep errors are syntax; a JSON template's are in its `[...]` expressions.
            let is_json = src.get(span.file).is_some_and(|f| !is_bicep(&f.path));
            let report = if is_json {
                expression_error
            } else {
                parse_error
            };
            findings.push(report(src, span.file, span.start as usize, msg.clone()));
        }
        let Some(t) = t else {
            continue;
        };
        let is_linked = linked.contains(&d.path);
        let mut configs: Vec<(String, HashMap<String, Value>)> = sets(d, is_linked)
            .into_iter()
            .map(|p| values(p, src))
            .collect();
        // A template another one deploys is evaluated through its caller; it is a root of
        // its own only with parameter sets made for it (its `.parameters.json`, a
        // `.bicepparam` that uses it, `--param-file`), which would otherwise go unused.
        if is_linked && configs.is_empty() {
            continue;
        }
        if configs.is_empty() {
            configs.push((String::new(), HashMap::new()));
        }
        roots.push(Root {
            path: d.path.clone(),
            unread,
            template: t,
            configs,
        });
    }
    Ok(roots)
}

/// Evaluates a root with each of its parameter sets and builds its models.
fn build_root(r: &Root, early: Option<&Early<'_>>, src: &SourceMap) -> Vec<Built> {
    r.configs
        .par_iter()
        .map(|(label, config)| {
            // The model reads only the bodies of types some kind maps.
            let shared = Shared::reading(crate::model::kinds::reads_arm);
            let ctx = TemplateEval::new(&r.template, &shared, config.clone());
            ctx.expand();
            let instances = shared.out.borrow();
            if std::env::var_os("AKS_NETLINT_DEBUG_MODEL").is_some() {
                for i in instances.iter() {
                    eprintln!("instance {} {} {}", i.addr, i.ty, i.id);
                }
            }
            let mut model = deployment::build(&instances);
            model.unread_modules = r.unread.iter().map(|u| u.path.clone()).collect();
            let issues = shared
                .issues
                .borrow()
                .iter()
                .map(|(span, msg)| eval_issue(*span, msg.clone()))
                .collect();
            let mut built = Built {
                key: format!("arm:{}#{label}", r.path.display()),
                model,
                issues,
                origin: String::new(),
                before: None,
                checked: None,
                unread: r.unread.clone(),
            };
            if let Some(check) = early {
                check(&mut built, src);
            }
            built
        })
        .collect()
}

/// A linked template as lowered at one depth: the IR, what it links and what it could not read.
type Lowered = (Arc<Template>, HashSet<PathBuf>, Vec<Unread>);

/// What lowering a batch's templates shares.
struct Lowering<'a> {
    by_path: &'a HashMap<&'a Path, &'a Parsed>,
    src: &'a SourceMap,
    root: &'a Path,
    /// Linked templates already lowered, by path and depth: a module deployed by many callers
    /// (every test of a module deploys it) is lowered once, not once per caller.
    cache: &'a Mutex<HashMap<(PathBuf, usize), Lowered>>,
}

fn lower(
    d: &Parsed,
    cx: &Lowering<'_>,
    depth: usize,
    linked: &mut HashSet<PathBuf>,
    unread: &mut Vec<Unread>,
) -> Template {
    let (by_path, src, root) = (cx.by_path, cx.src, cx.root);
    // First: a JSON document checked at its first read is read again here.
    let doc = d.doc.whole(src, d.file);
    let text = src.text(d.file);
    let text = text.as_deref().unwrap_or("");
    let dir = d.path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut found = Vec::new();
    let mut missed = Vec::new();
    let mut registry = Vec::new();
    let mut linker = |_: usize, rel: &str| -> Option<Arc<Template>> {
        let target = join_normalized(&dir, rel);
        let why = if depth >= MAX_LINK_DEPTH {
            "linked templates nest too deep"
        } else if !target.starts_with(root) {
            "outside the repository root"
        } else if !by_path.contains_key(target.as_path()) {
            "not found, or not a template that could be read"
        } else {
            ""
        };
        if !why.is_empty() {
            missed.push(Unread {
                path: relative(&target, root),
                reason: format!("deployed module {why}"),
                referenced_from: Some(src.name(d.file).to_string()),
            });
            return None;
        }
        let doc = by_path.get(target.as_path())?;
        let key = (target.clone(), depth + 1);
        let hit = cx.cache.lock().ok().and_then(|c| c.get(&key).cloned());
        let (t, inner, inner_missed) = match hit {
            Some(l) => l,
            None => {
                let mut inner = HashSet::new();
                let mut inner_missed = Vec::new();
                let t = lower(doc, cx, depth + 1, &mut inner, &mut inner_missed);
                let l = (Arc::new(t), inner, inner_missed);
                if let Ok(mut c) = cx.cache.lock() {
                    c.insert(key, l.clone());
                }
                l
            }
        };
        found.push(target);
        found.extend(inner);
        missed.extend(inner_missed);
        Some(t)
    };
    let t = match &d.bicep {
        Some(b) => {
            let mut t = b.template.clone();
            for (idx, path) in &b.modules {
                let inner = if !is_registry(path) {
                    linker(d.file, path)
                } else {
                    registry.push(Unread {
                        path: path.clone(),
                        reason: "registry module: its resources are not read".into(),
                        referenced_from: Some(src.name(d.file).to_string()),
                    });
                    None
                };
                if let Some(n) = t.resources.get_mut(*idx).and_then(|r| r.nested.as_mut()) {
                    match inner {
                        Some(inner) => n.template = inner,
                        // A registry module or one outside the scan: its outputs are unknown.
                        None => n.unresolved = true,
                    }
                }
            }
            t
        }
        None => arm::template(doc, d.file, text, &mut linker),
    };
    linked.extend(found);
    unread.extend(missed);
    unread.extend(registry);
    t
}

/// A Bicep module path that names a registry or template spec rather than a local file.
fn is_registry(path: &str) -> bool {
    ["br:", "br/", "ts:", "ts/"]
        .iter()
        .any(|p| path.starts_with(p))
}

/// What the Bicep templates of a batch deploy, as their lowering links it: local modules inside
/// the root that the batch read.
struct BicepModules {
    deployed: HashSet<PathBuf>,
    /// Bicep templates that deploy something other than a Bicep template (a JSON template,
    /// whose own links only its lowering finds).
    deploy_json: HashSet<PathBuf>,
}

impl BicepModules {
    fn of(docs: &[Parsed], by_path: &HashMap<&Path, &Parsed>, root: &Path) -> BicepModules {
        let mut out = BicepModules {
            deployed: HashSet::new(),
            deploy_json: HashSet::new(),
        };
        for d in docs.iter().filter(|d| d.kind == DocKind::Template) {
            let Some(b) = &d.bicep else {
                continue;
            };
            let dir = d.path.parent().map(Path::to_path_buf).unwrap_or_default();
            for (_, path) in b.modules.iter().filter(|(_, p)| !is_registry(p)) {
                let target = join_normalized(&dir, path);
                let Some(t) = by_path.get(target.as_path()) else {
                    continue;
                };
                if !target.starts_with(root) {
                    continue;
                }
                if t.bicep.is_none() || t.kind != DocKind::Template {
                    out.deploy_json.insert(d.path.clone());
                }
                out.deployed.insert(target);
            }
        }
        out
    }
}

/// Directories listed once each for a batch: the templates of one directory, each asked for
/// its parameter sets once or twice, share one listing.
struct Listings<'t> {
    tree: &'t Tree,
    listed: Mutex<HashMap<PathBuf, Arc<[PathBuf]>>>,
}

impl<'t> Listings<'t> {
    fn new(tree: &'t Tree) -> Listings<'t> {
        Listings {
            tree,
            listed: Mutex::new(HashMap::new()),
        }
    }

    /// The files directly inside `dir`, sorted ([`Tree::list`]).
    fn list(&self, dir: &Path) -> Arc<[PathBuf]> {
        if let Some(l) = self.listed.lock().ok().and_then(|m| m.get(dir).cloned()) {
            return l;
        }
        // Listed without the lock held: another thread may list it too, and both agree.
        let l: Arc<[PathBuf]> = self.tree.list(dir).into();
        if let Ok(mut m) = self.listed.lock() {
            m.insert(dir.to_path_buf(), Arc::clone(&l));
        }
        l
    }
}

/// Parameter files that go with a template: `<stem>.parameters.json`,
/// `<stem>.parameters.<env>.json` (and `.jsonc`).
fn paired(listings: &Listings<'_>, template: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(stem)) = (
        template.parent(),
        template.file_stem().and_then(|s| s.to_str()),
    ) else {
        return Vec::new();
    };
    listings
        .list(dir)
        .iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| pairs_with(n, stem))
        })
        .cloned()
        .collect()
}

/// Whether a file name is a parameter file of the template `<stem>.json`.
pub fn pairs_with(name: &str, stem: &str) -> bool {
    template_stem(name) == Some(stem)
}

/// `bicep build` output next to its `.bicep` source is linted from the source instead.
fn compiled_beside_source(d: &Parsed) -> bool {
    d.source_beside && arm::is_bicep_output(d.doc.top())
}

fn schema_is_azure(doc: &Json) -> bool {
    doc.get("$schema").and_then(Json::as_str).is_some_and(|s| {
        s.to_ascii_lowercase()
            .contains("schema.management.azure.com")
    })
}

/// A parameter file's values, each located at its JSON literal.
fn values(p: &Parsed, src: &SourceMap) -> (String, HashMap<String, Value>) {
    let label = p.path.display().to_string();
    if let Some(b) = &p.bicep {
        let shared = Shared::default();
        let ctx = TemplateEval::new(&b.template, &shared, HashMap::new());
        let map = b
            .template
            .params
            .iter()
            .filter(|x| x.default.is_some())
            .map(|x| (x.name.clone(), ctx.param(&x.name, x.span)))
            .collect();
        return (label, map);
    }
    let map = arm::parameter_values(p.doc.whole(src, p.file))
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                Some(j) => json_value(j, p.file),
                None => Value::unknown(format!("parameter `{k}` comes from a Key Vault reference")),
            };
            (k, v)
        })
        .collect();
    (label, map)
}

/// A JSON literal as a value located where it is written.
pub fn json_value(j: &Json, file: usize) -> Value {
    let span = Some(Span::new(file, j.span.clone()));
    let k = match &j.v {
        JsonValue::Null => Kind::Null,
        JsonValue::Bool(b) => Kind::Bool(*b),
        JsonValue::Num(n) => Kind::Num(*n),
        JsonValue::Str(s) => Kind::Str(Arc::from(s.as_str())),
        JsonValue::Arr(a) => Kind::List(Arc::new(a.iter().map(|x| json_value(x, file)).collect())),
        JsonValue::Obj(o) => Kind::Map(Arc::new(
            o.iter()
                .map(|(k, _, v)| (k.clone(), json_value(v, file)))
                .collect(),
        )),
    };
    Value::at(k, span)
}

#[cfg(test)]
mod tests {
    use super::pairs_with;

    #[test]
    fn parameter_files_pair_by_both_environment_spellings() {
        assert!(pairs_with("azuredeploy.parameters.json", "azuredeploy"));
        assert!(pairs_with(
            "azuredeploy.parameters.prod.json",
            "azuredeploy"
        ));
        assert!(pairs_with(
            "azuredeploy.private.parameters.json",
            "azuredeploy"
        ));
        assert!(pairs_with("main.parameters.jsonc", "main"));
        assert!(!pairs_with("azuredeploy.json", "azuredeploy"));
        assert!(!pairs_with("azuredeploy2.parameters.json", "azuredeploy"));
        assert!(!pairs_with(
            "azuredeploy.a.b.parameters.json",
            "azuredeploy"
        ));
    }
}
