//! The Terraform half of the pipeline: load module directories (following local module
//! sources inside the root), find the roots, read their variable files, evaluate each root and
//! build its model.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use rayon::prelude::*;

use crate::frontends::hcl::Body;

use super::groups::Groups;
use super::var_files::VarFiles;
use super::{eval_issue, parse_error, read_error, Built, Input};
use crate::diagnostic::Finding;
use crate::discover::context::terraform_calls;
use crate::discover::walk::{path_order, relative};
use crate::discover::{ReadError, Scan, Tree, Unread, MAX_FILE_BYTES};
use crate::error::{Error, VarError};
use crate::eval::terraform::{cli_value, Evaluator, Project};
use crate::frontends::terraform::{self as tf, is_local_source, join_normalized, Module};
use crate::model::terraform as tfmodel;
use crate::source::{Measured, SourceMap, Span};

/// Files of one batch (a group of directories that call each other stays whole). Batches run in
/// parallel and drop their syntax trees when done, so memory follows the number of threads, not
/// the size of the repository; small batches also keep both CPUs busy.
const BATCH_FILES: usize = 64;

/// A file as read, with the directories its text may call.
struct ReadFile {
    path: PathBuf,
    text: Result<Loaded, ReadError>,
    calls: Vec<Call>,
}

/// A directory some text may call, and whether it is followed: it lies inside the root and
/// is a directory (asked while reading, in parallel).
struct Call {
    target: PathBuf,
    follow: bool,
}

/// A module directory as read: its files, and the modules `terraform init` fetched for it.
struct ReadDir {
    dir: PathBuf,
    files: Vec<ReadFile>,
    fetched: Option<(HashMap<String, PathBuf>, Vec<Call>)>,
    /// It lists variable files Terraform loads by itself.
    auto_vars: bool,
}

/// A text as the map takes it: kept when it cannot be read again from the working tree, else
/// measured, and held for its batch while the texts held so stay under [`HELD_AT_READ`] (past
/// that, its batch reads it again; see source.rs).
enum Loaded {
    Kept(String),
    Measured(Measured, Option<String>),
}

/// Bytes of Terraform text held from the scan's read until their batch runs, so that a
/// repository of up to that much Terraform is read once; a larger one reads the rest again in
/// its batches, so memory stays bounded whatever its size. (Deployment files are not held so:
/// most of their bytes are checked once, and their batches' trees are larger.)
const HELD_AT_READ: usize = 64 << 20;

/// Every module directory of the scan, read but not parsed, with the calls between them.
struct Dirs {
    /// File ids per directory (a hash map: ordered path keys cost a component-by-component
    /// comparison per tree level; [`Dirs::groups`] sorts the directories once).
    files: HashMap<PathBuf, Vec<usize>>,
    /// Directory -> directories it may call (text scan), and -> the modules `terraform init`
    /// downloaded for it.
    edges: HashMap<PathBuf, Vec<PathBuf>>,
    downloaded: HashMap<PathBuf, HashMap<String, PathBuf>>,
    /// Directories that list variable files Terraform loads by itself (read only for roots).
    auto_vars: HashSet<PathBuf>,
}

/// Records `dir`'s calls as edges, and queues the followed targets not seen yet.
fn link(
    edges: &mut HashMap<PathBuf, Vec<PathBuf>>,
    seen: &mut HashSet<PathBuf>,
    next: &mut Vec<PathBuf>,
    dir: &Path,
    calls: Vec<Call>,
) {
    if calls.is_empty() {
        return;
    }
    let out = edges.entry(dir.to_path_buf()).or_default();
    for Call { target, follow } in calls {
        if follow && seen.insert(target.clone()) {
            next.push(target.clone());
        }
        out.push(target);
    }
}

impl Dirs {
    /// Reads the scanned module directories, following local module sources inside the root to
    /// a fixpoint. Unreadable files become PARSE001.
    fn read(
        tree: &Tree,
        scan: &Scan,
        input: &Input<'_>,
        sources: &mut SourceMap,
        findings: &mut Vec<Finding>,
    ) -> Dirs {
        let root = &scan.root;
        let rev = tree.revision();
        let stdin = input.stdin;
        let mut d = Dirs {
            files: HashMap::new(),
            edges: HashMap::new(),
            downloaded: HashMap::new(),
            auto_vars: HashSet::new(),
        };
        let held_bytes = std::sync::atomic::AtomicUsize::new(0);
        let follow = |target: PathBuf| Call {
            follow: target.starts_with(root) && tree.is_dir(&target),
            target,
        };
        let mut seen: HashSet<PathBuf> = scan.module_dirs.iter().cloned().collect();
        let mut frontier = scan.module_dirs.clone();
        // The first frontier is the walk's; the next ones are module sources, resolved.
        let mut walked = true;
        while !frontier.is_empty() {
            // Everything that asks the file system runs here, in parallel; what follows only
            // numbers the files and links the directories, in frontier order.
            let read: Vec<ReadDir> = frontier
                .par_iter()
                .map(|dir| {
                    let listing = tree.module_files(dir, root, walked);
                    let mut paths = listing.files;
                    if let Some((p, _)) = stdin {
                        if p.parent() == Some(dir.as_path())
                            && !paths.contains(p)
                            && p.extension().is_some_and(|e| e == "tf")
                        {
                            paths.push(p.clone());
                        }
                    }
                    let files = paths
                        .into_par_iter()
                        .map(|path| {
                            let text = match stdin {
                                Some((p, text)) if *p == path => Ok(text.clone()),
                                _ => tree.read_text(&path, MAX_FILE_BYTES),
                            };
                            let calls = text.as_ref().map_or_else(
                                |_| Vec::new(),
                                |t| terraform_calls(t, dir).into_iter().map(follow).collect(),
                            );
                            let from_disk =
                                !tree.keeps(&path) && stdin.is_none_or(|(p, _)| *p != path);
                            let text = text.map(|t| {
                                if from_disk {
                                    let m = Measured::of(&t);
                                    let before = held_bytes.fetch_add(t.len(), Ordering::Relaxed);
                                    let keep = before + t.len() <= HELD_AT_READ;
                                    Loaded::Measured(m, keep.then_some(t))
                                } else {
                                    Loaded::Kept(t)
                                }
                            });
                            ReadFile { path, text, calls }
                        })
                        .collect();
                    // Modules fetched by `terraform init` next to a root.
                    let mj = dir.join(".terraform/modules/modules.json");
                    let fetched = tree.read_text(&mj, MAX_FILE_BYTES).ok().map(|text| {
                        let map = tf::read_modules_json(dir, &text);
                        let calls = map.values().cloned().map(follow).collect();
                        (map, calls)
                    });
                    ReadDir {
                        dir: dir.clone(),
                        files,
                        fetched,
                        auto_vars: listing.auto_vars,
                    }
                })
                .collect();
            let mut next = Vec::new();
            let mut fetched_by_dir = Vec::new();
            for ReadDir {
                dir,
                files,
                fetched,
                auto_vars,
            } in read
            {
                if auto_vars {
                    d.auto_vars.insert(dir.clone());
                }
                let mut ids = Vec::new();
                for ReadFile { path, text, calls } in files {
                    let id = match text {
                        Err(why) => {
                            let id = sources.add_at(path, String::new(), rev);
                            findings.push(read_error(sources, id, &why));
                            continue;
                        }
                        Ok(Loaded::Measured(m, held)) => {
                            let id = sources.add_measured(path, m, rev);
                            if let Some(t) = held {
                                sources.hold_read(id, t);
                            }
                            id
                        }
                        Ok(Loaded::Kept(t)) => sources.add_at(path, t, rev),
                    };
                    ids.push(id);
                    link(&mut d.edges, &mut seen, &mut next, &dir, calls);
                }
                if !ids.is_empty() {
                    d.files.entry(dir.clone()).or_default().extend(ids);
                }
                fetched_by_dir.push((dir, fetched));
            }
            // After every file's calls, as the frontier's order of directories to read next.
            for (dir, fetched) in fetched_by_dir {
                if let Some((map, calls)) = fetched {
                    link(&mut d.edges, &mut seen, &mut next, &dir, calls);
                    d.downloaded.insert(dir, map);
                }
            }
            frontier = next;
            walked = false;
        }
        d
    }

    /// Directories some other directory may call.
    fn called(&self) -> HashSet<&PathBuf> {
        self.edges.values().flatten().collect()
    }

    /// Directories joined by calls, each group in path order, groups in order of their first
    /// directory; then packed into batches of at most `limit` files (a larger group stays whole).
    #[cfg(test)]
    fn batches(&self, limit: usize) -> Vec<Vec<&PathBuf>> {
        self.pack(self.groups(), limit)
    }

    /// Directories joined by calls, each group in path order, groups in order of their first
    /// directory.
    fn groups(&self) -> Vec<Vec<&PathBuf>> {
        let mut dirs: Vec<&PathBuf> = self.files.keys().collect();
        // The paths are written as the walk writes them: its byte order is `Path`'s order.
        dirs.sort_unstable_by(|a, b| path_order(a, b));
        let pos: HashMap<&PathBuf, usize> = dirs.iter().enumerate().map(|(i, d)| (*d, i)).collect();
        // Union-find over directory indices, with path halving.
        let mut parent: Vec<usize> = (0..dirs.len()).collect();
        fn find(parent: &mut [usize], mut i: usize) -> usize {
            while let Some(&p) = parent.get(i).filter(|&&p| p != i) {
                let grand = parent.get(p).copied().unwrap_or(p);
                if let Some(slot) = parent.get_mut(i) {
                    *slot = grand;
                }
                i = grand;
            }
            i
        }
        for (from, tos) in &self.edges {
            let Some(&a) = pos.get(from) else { continue };
            for b in tos.iter().filter_map(|to| pos.get(to)) {
                let (ra, rb) = (find(&mut parent, a), find(&mut parent, *b));
                if let Some(slot) = parent.get_mut(ra.max(rb)) {
                    *slot = ra.min(rb);
                }
            }
        }
        let mut groups: BTreeMap<usize, Vec<&PathBuf>> = BTreeMap::new();
        for (i, d) in dirs.iter().enumerate() {
            groups.entry(find(&mut parent, i)).or_default().push(d);
        }
        groups.into_values().collect()
    }

    /// Groups packed into batches of at most `limit` files (a larger group stays whole).
    fn pack<'a>(&self, groups: Vec<Vec<&'a PathBuf>>, limit: usize) -> Vec<Vec<&'a PathBuf>> {
        let mut out: Vec<Vec<&PathBuf>> = Vec::new();
        let mut size = 0;
        for g in groups {
            let n: usize = g
                .iter()
                .filter_map(|d| self.files.get(*d))
                .map(Vec::len)
                .sum();
            match out.last_mut() {
                Some(last) if size + n <= limit => {
                    last.extend(g);
                    size += n;
                }
                _ => {
                    out.push(g);
                    size = n;
                }
            }
        }
        out
    }
}

/// Loads, evaluates and models every Terraform root of the scan, by batches of related
/// directories.
pub fn build(
    tree: &Tree,
    scan: &Scan,
    input: &Input<'_>,
    sources: &mut SourceMap,
    findings: &mut Vec<Finding>,
    unread: &mut Vec<Unread>,
    mut groups: Option<&mut Groups>,
) -> Result<Vec<Built>, Error> {
    let dirs = Dirs::read(tree, scan, input, sources, findings);
    // Roots: scanned directories nothing may call (checked against the parsed calls below).
    let called = dirs.called();
    let is_root = |d: &PathBuf| dirs.files.contains_key(d) && !called.contains(d);
    let roots: Vec<PathBuf> = scan
        .module_dirs
        .iter()
        .filter(|d| is_root(d))
        .cloned()
        .collect();
    let mut vars = VarFiles::with_passed(scan.var_files.clone());
    vars.read(tree, &roots, input, sources, findings)?;
    // The root a plan was made in: the plan file's directory, else the only root.
    let plan_root = input.plan.and_then(|p| {
        roots
            .iter()
            .find(|d| **d == p.dir)
            .or_else(|| (roots.len() == 1).then(|| roots.first()).flatten())
            .cloned()
    });
    let root_set: HashSet<PathBuf> = roots.iter().cloned().collect();
    let mut built = Vec::new();
    let mut truly_called: HashSet<PathBuf> = HashSet::new();
    let grouped = dirs.groups();
    if let Some(out) = groups.as_deref_mut() {
        for g in &grouped {
            let files = g
                .iter()
                .filter_map(|d| dirs.files.get(*d))
                .flatten()
                .filter_map(|id| sources.get(*id))
                .map(|s| s.path.clone())
                .collect();
            out.add_terraform(g.iter().map(|d| (*d).clone()).collect(), files);
        }
    }
    let batches = dirs.pack(grouped, BATCH_FILES);
    let sources_ref: &SourceMap = sources;
    let downloaded: HashSet<&PathBuf> = dirs.downloaded.values().flat_map(|m| m.values()).collect();
    let speculation = Speculation {
        walked: scan.module_dirs.iter().collect(),
        called: &called,
        downloaded: &downloaded,
    };
    let pass = Pass {
        dirs: &dirs,
        vars: &vars,
        input,
        plan_root: plan_root.as_ref(),
        root: &scan.root,
        speculate: Some(&speculation),
    };
    let done: Vec<BatchOut> = batches
        .par_iter()
        .map(|batch| pass.run(batch, &root_set, sources_ref))
        .collect();
    let mut declared: HashSet<String> = HashSet::new();
    let mut speculated = Vec::new();
    for (at, out) in done.into_iter().enumerate() {
        if let Some(e) = out.var_errors.into_iter().next() {
            return Err(e.into());
        }
        declared.extend(out.declared);
        built.extend(out.built);
        findings.extend(out.findings);
        truly_called.extend(out.called);
        if let Some(s) = out.speculated {
            speculated.push((at, s));
        }
    }
    // Directories the text scan took for called that no parsed module calls are roots too
    // (a `source` attribute of another resource, a commented-out call). Their batch evaluated
    // them already unless one has variable files to read: those batches are run again.
    let missed: HashSet<PathBuf> = scan
        .module_dirs
        .iter()
        .filter(|d| {
            dirs.files.contains_key(*d)
                && called.contains(d)
                && !truly_called.contains(*d)
                && !downloaded.contains(d)
        })
        .cloned()
        .collect();
    // Per batch, in batch order (as the second pass alone gave them).
    let mut later: Vec<(usize, Missed)> = speculated
        .into_iter()
        .map(|(at, list)| {
            let mut m = Missed::default();
            for s in list.into_iter().filter(|s| missed.contains(&s.dir)) {
                m.built.extend(s.built);
                m.declared.extend(s.declared);
                m.var_errors.extend(s.var_errors);
            }
            (at, m)
        })
        .collect();
    let done_early: HashSet<usize> = later.iter().map(|(at, _)| *at).collect();
    let rerun: Vec<(usize, &Vec<&PathBuf>)> = batches
        .iter()
        .enumerate()
        .filter(|(at, b)| !done_early.contains(at) && b.iter().any(|d| missed.contains(*d)))
        .collect();
    if !rerun.is_empty() {
        let again: Vec<PathBuf> = scan
            .module_dirs
            .iter()
            .filter(|d| missed.contains(*d))
            .filter(|d| rerun.iter().any(|(_, b)| b.contains(d)))
            .cloned()
            .collect();
        vars.read(tree, &again, input, sources, findings)?;
        let again: HashSet<PathBuf> = again.into_iter().collect();
        let pass = Pass {
            dirs: &dirs,
            vars: &vars,
            input,
            plan_root: plan_root.as_ref(),
            root: &scan.root,
            speculate: None,
        };
        let sources_ref: &SourceMap = sources;
        let outs: Vec<(usize, BatchOut)> = rerun
            .par_iter()
            .map(|(at, batch)| (*at, pass.run(batch, &again, sources_ref)))
            .collect();
        // Parse errors and calls were collected by the first pass.
        later.extend(outs.into_iter().map(|(at, out)| {
            let m = Missed {
                built: out.built,
                declared: out.declared,
                var_errors: out.var_errors,
            };
            (at, m)
        }));
    }
    later.sort_by_key(|(at, _)| *at);
    for (_, m) in later {
        if let Some(e) = m.var_errors.into_iter().next() {
            return Err(e.into());
        }
        declared.extend(m.declared);
        built.extend(m.built);
    }
    // A root's own variable files (the only ones a run that keeps its groups loads) count as
    // files of its directory.
    if let Some(out) = groups {
        for (root, files) in &vars.auto {
            out.add_var_files(root, files);
        }
    }
    let stray: Vec<&str> = input
        .vars
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| !declared.contains(*k))
        .collect();
    if let Some(e) = super::cli_vars::undeclared(&stray) {
        if tree.revision().is_none() {
            return Err(e.into());
        }
    }
    // Texts are no longer held: a directory asked about is read again once, its files
    // joined by NUL (which no declaration spans).
    let texts: RefCell<HashMap<&Path, String>> = RefCell::new(HashMap::new());
    let declares = |dir: &Path, name: &str| {
        let decl = format!("variable \"{name}\"");
        let mut texts = texts.borrow_mut();
        let (dir, ids) = match dirs.files.get_key_value(dir) {
            Some((d, ids)) => (d.as_path(), ids),
            None => return false,
        };
        texts
            .entry(dir)
            .or_insert_with(|| {
                ids.iter()
                    .filter_map(|id| sources.text_or_read(*id))
                    .collect::<Vec<_>>()
                    .join("\0")
            })
            .contains(&decl)
    };
    for f in vars.unapplied(&root_set, &declares) {
        unread.push(Unread {
            path: relative(f, &scan.root),
            reason: "no root module in its directory or above declares its variables".into(),
            referenced_from: None,
        });
    }
    Ok(built)
}

/// What a batch gives back: models, parse errors, and the local calls its modules make.
struct BatchOut {
    built: Vec<Built>,
    findings: Vec<Finding>,
    called: Vec<PathBuf>,
    /// `--var` values that do not fit their declaration, and the `--var` names its roots
    /// declare.
    var_errors: Vec<VarError>,
    declared: Vec<String>,
    /// With [`Pass::speculate`]: the batch's directories the text scan took for called that
    /// none of its modules calls, evaluated as roots; `None` when the batch left them to the
    /// second pass (one of them has variable files of its own to read first).
    speculated: Option<Vec<Speculated>>,
}

/// What one batch gives for the directories the text scan took for called that no module
/// calls: their models, the `--var` names they declare, and the values that do not fit.
#[derive(Default)]
struct Missed {
    built: Vec<Built>,
    declared: Vec<String>,
    var_errors: Vec<VarError>,
}

/// A directory evaluated as a root in case no parsed module calls it (see [`Speculation`]).
struct Speculated {
    dir: PathBuf,
    built: Option<Built>,
    var_errors: Vec<VarError>,
    declared: Vec<String>,
}

/// What lets the first pass evaluate, while it holds a batch's trees, the directories the text
/// scan took for called that no module of the batch calls. Whatever calls a directory is
/// joined to it in its batch, so unless a module of another batch calls it after all (which
/// the text scan would have seen), such a directory is a root the second pass would evaluate,
/// reading and parsing its whole batch again.
struct Speculation<'d> {
    /// The walk's directories (the second pass's roots are among them).
    walked: HashSet<&'d PathBuf>,
    called: &'d HashSet<&'d PathBuf>,
    downloaded: &'d HashSet<&'d PathBuf>,
}

/// What every batch of one pass shares: the directories, variable files and inputs.
struct Pass<'d, 'i> {
    dirs: &'d Dirs,
    vars: &'d VarFiles,
    input: &'d Input<'i>,
    plan_root: Option<&'d PathBuf>,
    /// The repository root, for notes about module sources.
    root: &'d Path,
    /// Set for the first pass.
    speculate: Option<&'d Speculation<'d>>,
}

impl Pass<'_, '_> {
    /// One batch of directories: parsed together, the `roots` among them evaluated, the syntax
    /// trees dropped on return.
    fn run(&self, members: &[&PathBuf], roots: &HashSet<PathBuf>, sources: &SourceMap) -> BatchOut {
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
                    Speculated {
                        dir: d.clone(),
                        built: self.evaluate(&project, r, sources, &text),
                        var_errors,
                        declared,
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
                if let Err(e) = super::cli_vars::check(k, v, decl, sources) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn called_directories_share_a_batch() {
        let dir = |s: &str| PathBuf::from(s);
        let mut files = HashMap::new();
        for (i, d) in ["/r/a", "/r/b", "/r/c", "/r/d"].iter().enumerate() {
            files.insert(dir(d), vec![i]);
        }
        let mut edges = HashMap::new();
        edges.insert(dir("/r/a"), vec![dir("/r/c")]);
        let dirs = Dirs {
            files,
            edges,
            downloaded: HashMap::new(),
            auto_vars: HashSet::new(),
        };
        let batches: Vec<Vec<&str>> = dirs
            .batches(1)
            .iter()
            .map(|b| b.iter().filter_map(|d| d.to_str()).collect())
            .collect();
        assert_eq!(
            batches,
            vec![vec!["/r/a", "/r/c"], vec!["/r/b"], vec!["/r/d"]]
        );
        assert_eq!(dirs.batches(10).len(), 1);
    }
}
