//! The message loop: open buffers, units, cached results per unit, and what was published.
//!
//! Units are linted when they are *active*: they own an open buffer (or every unit, with
//! `workspace-diagnostics`). A change to a file makes stale exactly the units whose last run
//! read it, plus the file's own unit; only those are linted again. Diagnostics of a file are
//! the findings of the active units whose primary label lies in it, published whenever they
//! or the buffer's version change, and cleared when nothing active reports on it any more.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossbeam_channel::{select, Receiver, Sender};
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CodeActionParams, Diagnostic, DidChangeTextDocumentParams, DidChangeWatchedFilesParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
    FileChangeType, Hover, HoverContents, HoverParams, MarkupContent, MarkupKind,
    PublishDiagnosticsParams, Uri,
};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::settings::Settings;
use super::text::LineIndex;
use super::transport::Out;
use super::units::{lintable, Unit, Units};
use super::worker::{Done, Job, Snapshot};
use super::{actions, hover, uri};

struct Doc {
    version: i32,
    text: String,
}

pub struct Server {
    out: Sender<Out>,
    jobs: Sender<Job>,
    /// The workspace root; `None` until `initialize`.
    root: Option<PathBuf>,
    settings: Arc<Settings>,
    docs: BTreeMap<PathBuf, Doc>,
    units: Arc<Units>,
    cache: HashMap<Unit, Done>,
    /// The generation at which each unit last went stale; older results are dropped.
    stale_at: HashMap<Unit, u64>,
    generation: u64,
    published: HashMap<PathBuf, (Option<i32>, Vec<Diagnostic>)>,
    /// The URI the client used for each path (it may spell paths differently than disk).
    uris: HashMap<PathBuf, Uri>,
    /// Notes and errors already said, so a run repeated on every keystroke says them once.
    said: HashSet<String>,
    shutdown: bool,
    watch_dynamically: bool,
    /// The client's trace level (`initialize` `trace`, `$/setTrace`): with `messages` or
    /// `verbose`, each run is said with `$/logTrace`, so what a change re-linted can be seen.
    trace: bool,
}

impl Server {
    pub fn new(out: Sender<Out>, jobs: Sender<Job>) -> Server {
        Server {
            out,
            jobs,
            root: None,
            settings: Arc::default(),
            docs: BTreeMap::new(),
            units: Arc::default(),
            cache: HashMap::new(),
            stale_at: HashMap::new(),
            generation: 0,
            published: HashMap::new(),
            uris: HashMap::new(),
            said: HashSet::new(),
            shutdown: false,
            watch_dynamically: false,
            trace: false,
        }
    }

    /// Serves until `exit` (or the end of input); returns the exit code.
    pub fn serve(&mut self, incoming: &Receiver<Message>, done: &Receiver<Done>) -> u8 {
        loop {
            select! {
                recv(incoming) -> m => match m {
                    Ok(Message::Request(r)) => self.request(r),
                    Ok(Message::Notification(n)) if n.method == "exit" => {
                        return if self.shutdown { 0 } else { 1 };
                    }
                    Ok(Message::Notification(n)) => self.notification(n),
                    Ok(Message::Response(_)) => {}
                    Err(_) => return 1,
                },
                recv(done) -> d => {
                    if let Ok(d) = d {
                        self.accept(d);
                    }
                }
            }
        }
    }

    fn send(&self, m: impl Into<Message>) {
        let _ = self.out.send(Out::Message(m.into()));
    }

    fn notify(&self, method: &str, params: impl serde::Serialize) {
        self.send(Notification::new(method.to_string(), params));
    }

    fn error(&self, id: RequestId, code: ErrorCode, message: String) {
        self.send(Response::new_err(id, code as i32, message));
    }

    /// Shows a message once per session (type 1 error, 2 warning, 3 info).
    fn say_once(&mut self, typ: u8, message: String, show: bool) {
        if self.said.insert(message.clone()) {
            let method = if show {
                "window/showMessage"
            } else {
                "window/logMessage"
            };
            self.notify(method, json!({"type": typ, "message": message}));
        }
    }

    fn request(&mut self, r: Request) {
        if self.root.is_none() && r.method != "initialize" {
            return self.error(
                r.id,
                ErrorCode::ServerNotInitialized,
                "initialize first".into(),
            );
        }
        match r.method.as_str() {
            "initialize" => self.initialize(r),
            "shutdown" => {
                self.shutdown = true;
                self.send(Response::new_ok(r.id, ()));
            }
            "textDocument/hover" => match params::<HoverParams>(&r) {
                Ok(p) => {
                    let h = self.hover(&p);
                    self.send(Response::new_ok(r.id, h));
                }
                Err(e) => self.error(r.id, ErrorCode::InvalidParams, e),
            },
            "textDocument/codeAction" => match params::<CodeActionParams>(&r) {
                Ok(p) => {
                    let a = self.code_actions(&p);
                    self.send(Response::new_ok(r.id, a));
                }
                Err(e) => self.error(r.id, ErrorCode::InvalidParams, e),
            },
            m => self.error(r.id, ErrorCode::MethodNotFound, format!("no method {m}")),
        }
    }

    fn initialize(&mut self, r: Request) {
        if self.root.is_some() {
            return self.error(
                r.id,
                ErrorCode::InvalidRequest,
                "initialize was already called".into(),
            );
        }
        let p = &r.params;
        let folder = p
            .pointer("/workspaceFolders/0/uri")
            .or_else(|| p.get("rootUri"))
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Uri>().ok())
            .and_then(|u| uri::to_path(&u))
            .or_else(|| p.get("rootPath").and_then(Value::as_str).map(PathBuf::from))
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        let root = std::fs::canonicalize(&folder).unwrap_or(folder);
        match Settings::from_value(p.get("initializationOptions").unwrap_or(&Value::Null)) {
            Ok(s) => self.settings = Arc::new(s),
            Err(e) => self.say_once(2, e, true),
        }
        self.watch_dynamically = p
            .pointer("/capabilities/workspace/didChangeWatchedFiles/dynamicRegistration")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        self.trace = p
            .get("trace")
            .and_then(Value::as_str)
            .is_some_and(|t| t != "off");
        self.units = Arc::new(Units::discover(&root));
        self.root = Some(root);
        let caps = json!({
            "capabilities": {
                "positionEncoding": "utf-16",
                "textDocumentSync": {"openClose": true, "change": 2, "save": {"includeText": true}},
                "hoverProvider": true,
                "codeActionProvider": {"codeActionKinds": ["quickfix"]},
                "workspace": {"workspaceFolders": {"supported": false}}
            },
            "serverInfo": {"name": "aks-netlint", "version": env!("CARGO_PKG_VERSION")}
        });
        self.send(Response::new_ok(r.id, caps));
    }

    fn notification(&mut self, n: Notification) {
        if self.root.is_none() {
            return;
        }
        let bad = |e: String| format!("{}: {e}", n.method);
        match n.method.as_str() {
            "initialized" => {
                self.register_watchers();
                self.changed(&[]);
            }
            "textDocument/didOpen" => match extract::<DidOpenTextDocumentParams>(&n) {
                Ok(p) => {
                    let d = p.text_document;
                    if let Some(path) = self.path_of(&d.uri) {
                        self.docs.insert(
                            path.clone(),
                            Doc {
                                version: d.version,
                                text: d.text,
                            },
                        );
                        self.changed(&[path]);
                    }
                }
                Err(e) => self.say_once(2, bad(e), false),
            },
            "textDocument/didChange" => match extract::<DidChangeTextDocumentParams>(&n) {
                Ok(p) => {
                    let Some(path) = self.path_of(&p.text_document.uri) else {
                        return;
                    };
                    if let Some(doc) = self.docs.get_mut(&path) {
                        doc.version = p.text_document.version;
                        for c in p.content_changes {
                            apply_change(&mut doc.text, c);
                        }
                        self.changed(&[path]);
                    }
                }
                Err(e) => self.say_once(2, bad(e), false),
            },
            "textDocument/didSave" => match extract::<DidSaveTextDocumentParams>(&n) {
                Ok(p) => {
                    let Some(path) = self.path_of(&p.text_document.uri) else {
                        return;
                    };
                    let text = p.text;
                    if let (Some(doc), Some(t)) = (self.docs.get_mut(&path), text) {
                        if doc.text != t {
                            doc.text = t;
                            self.changed(&[path]);
                        }
                    }
                }
                Err(e) => self.say_once(2, bad(e), false),
            },
            "textDocument/didClose" => match extract::<DidCloseTextDocumentParams>(&n) {
                Ok(p) => {
                    if let Some(path) = self.path_of(&p.text_document.uri) {
                        self.docs.remove(&path);
                        self.changed(&[path]);
                        let all: Vec<PathBuf> = self.published.keys().cloned().collect();
                        self.publish(all);
                    }
                }
                Err(e) => self.say_once(2, bad(e), false),
            },
            "workspace/didChangeWatchedFiles" => match extract::<DidChangeWatchedFilesParams>(&n) {
                Ok(p) => self.files_changed(&p),
                Err(e) => self.say_once(2, bad(e), false),
            },
            "$/setTrace" => {
                self.trace = n
                    .params
                    .get("value")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t != "off");
            }
            "workspace/didChangeConfiguration" => {
                let v = n.params.get("settings").cloned().unwrap_or(Value::Null);
                match Settings::from_value(&v) {
                    Ok(s) => {
                        self.settings = Arc::new(s);
                        self.relint_all();
                    }
                    Err(e) => self.say_once(2, e, true),
                }
            }
            _ => {}
        }
    }

    /// The canonical path of a document (symlinked directories resolved, as the pipeline
    /// resolves them), remembering the client's URI for it.
    fn path_of(&mut self, u: &Uri) -> Option<PathBuf> {
        let p = uri::to_path(u)?;
        let dir = p.parent()?;
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let path = dir.join(p.file_name()?);
        self.uris.insert(path.clone(), u.clone());
        Some(path)
    }

    fn uri_of(&self, p: &Path) -> Option<Uri> {
        self.uris.get(p).cloned().or_else(|| uri::from_path(p))
    }

    fn register_watchers(&self) {
        if !self.watch_dynamically {
            return;
        }
        let watchers = json!([
            {"globPattern": "**/*.{tf,tfvars,bicep,bicepparam,json,jsonc}"},
            {"globPattern": "**/.aks-netlint.toml"}
        ]);
        self.send(Request::new(
            RequestId::from("aks-netlint/watch".to_string()),
            "client/registerCapability".into(),
            json!({"registrations": [{
                "id": "aks-netlint/watch",
                "method": "workspace/didChangeWatchedFiles",
                "registerOptions": {"watchers": watchers}
            }]}),
        ));
    }

    fn files_changed(&mut self, p: &DidChangeWatchedFilesParams) {
        let Some(root) = self.root.clone() else {
            return;
        };
        let paths: Vec<PathBuf> = p
            .changes
            .iter()
            .filter_map(|c| self.path_of(&c.uri))
            .collect();
        if paths
            .iter()
            .any(|p| p.file_name().is_some_and(|n| n == crate::config::FILE_NAME))
        {
            return self.relint_all();
        }
        if p.changes.iter().any(|c| c.typ != FileChangeType::CHANGED) {
            self.units = Arc::new(Units::discover(&root));
            // Units that no longer exist report nothing.
            let units = self.units.clone();
            self.cache.retain(|u, _| units.all().any(|x| &x == u));
        }
        let lintable: Vec<PathBuf> = paths.into_iter().filter(|p| lintable(p)).collect();
        self.changed(&lintable);
        let all: Vec<PathBuf> = self.published.keys().cloned().collect();
        self.publish(all);
    }

    fn relint_all(&mut self) {
        self.cache.clear();
        self.stale_at.clear();
        self.changed(&[]);
    }

    /// The units whose findings are shown.
    fn active(&self) -> BTreeSet<Unit> {
        let mut out: BTreeSet<Unit> = self
            .docs
            .keys()
            .filter_map(|p| self.units.owner(p))
            .collect();
        if self.settings.workspace_diagnostics {
            out.extend(self.units.all());
        }
        out
    }

    /// `paths` changed (in a buffer or on disk): lints again the active units that read them,
    /// their own units, and active units never linted; forgets inactive ones that read them.
    fn changed(&mut self, paths: &[PathBuf]) {
        self.generation += 1;
        let active = self.active();
        let mut stale: BTreeSet<Unit> = paths.iter().filter_map(|p| self.units.owner(p)).collect();
        for (u, d) in &self.cache {
            if paths.iter().any(|p| d.deps.contains(p)) {
                stale.insert(u.clone());
            }
        }
        for u in &active {
            if !self.cache.contains_key(u) && !self.stale_at.contains_key(u) {
                stale.insert(u.clone());
            }
        }
        let mut send = Vec::new();
        for u in stale {
            if active.contains(&u) {
                self.stale_at.insert(u.clone(), self.generation);
                send.push(u);
            } else {
                self.cache.remove(&u);
                self.stale_at.remove(&u);
            }
        }
        if send.is_empty() {
            return;
        }
        let snapshot = Snapshot {
            overlay: Arc::new(
                self.docs
                    .iter()
                    .map(|(p, d)| (p.clone(), d.text.clone()))
                    .collect(),
            ),
            versions: self
                .docs
                .iter()
                .map(|(p, d)| (p.clone(), d.version))
                .collect(),
            settings: self.settings.clone(),
            units: self.units.clone(),
        };
        let _ = self.jobs.send(Job::Lint {
            generation: self.generation,
            snapshot: Arc::new(snapshot),
            units: send,
        });
    }

    /// A unit's results arrived: kept unless the unit went stale again meanwhile.
    fn accept(&mut self, d: Done) {
        if self
            .stale_at
            .get(&d.unit)
            .is_some_and(|g| *g > d.generation)
            || !self.active().contains(&d.unit)
        {
            return;
        }
        if let Some(e) = &d.error {
            self.say_once(1, format!("aks-netlint: {e}"), true);
        }
        if self.trace {
            let message = format!(
                "{} {} in {} ms ({} files read, {} findings)",
                if d.verified {
                    "verified the fixes of"
                } else {
                    "linted"
                },
                d.unit,
                d.elapsed_ms,
                d.deps.len(),
                d.found.len()
            );
            self.notify("$/logTrace", json!({ "message": message }));
        }
        for n in &d.notes {
            self.say_once(3, format!("aks-netlint: {n}"), false);
        }
        let mut files: BTreeSet<PathBuf> = d.found.iter().map(|f| f.path.clone()).collect();
        if let Some(old) = self.cache.get(&d.unit) {
            files.extend(old.found.iter().map(|f| f.path.clone()));
        }
        self.cache.insert(d.unit.clone(), d);
        self.publish(files);
    }

    /// Publishes the diagnostics of `files` that changed since last published.
    fn publish(&mut self, files: impl IntoIterator<Item = PathBuf>) {
        let active = self.active();
        for f in files {
            let mut diags: Vec<Diagnostic> = Vec::new();
            let mut version: Option<(u64, i32)> = None;
            for d in active.iter().filter_map(|u| self.cache.get(u)) {
                let mut here = false;
                for x in d.found.iter().filter(|x| x.path == f) {
                    here = true;
                    if !diags.contains(&x.diagnostic) {
                        diags.push(x.diagnostic.clone());
                    }
                }
                if let (true, Some(v)) = (here, d.versions.get(&f)) {
                    if version.is_none_or(|(g, _)| g < d.generation) {
                        version = Some((d.generation, *v));
                    }
                }
            }
            let doc_version = self.docs.get(&f).map(|d| d.version);
            let version = doc_version.and(version.map(|(_, v)| v).or(doc_version));
            diags.sort_by(|a, b| (a.range.start, &a.message).cmp(&(b.range.start, &b.message)));
            let now = (version, diags);
            let before = self.published.get(&f);
            if before == Some(&now) || (before.is_none() && now.1.is_empty()) {
                continue;
            }
            let Some(uri) = self.uri_of(&f) else {
                continue;
            };
            self.notify(
                "textDocument/publishDiagnostics",
                PublishDiagnosticsParams::new(uri, now.1.clone(), now.0),
            );
            if now.1.is_empty() {
                self.published.remove(&f);
            } else {
                self.published.insert(f, now);
            }
        }
    }

    fn hover(&mut self, p: &HoverParams) -> Option<Hover> {
        let at = &p.text_document_position_params;
        let path = self.path_of(&at.text_document.uri)?;
        let active = self.active();
        let results: Vec<&Done> = active.iter().filter_map(|u| self.cache.get(u)).collect();
        let entries: Vec<(PathBuf, hover::Entry)> = results
            .iter()
            .flat_map(|d| d.hovers.iter().filter(|(f, _)| *f == path).cloned())
            .collect();
        let here = hover::at(&entries, &path, at.position);
        let range = here.first()?.range;
        let fired: BTreeSet<String> = results
            .iter()
            .flat_map(|d| &d.found)
            .filter(|f| {
                f.path == path
                    && f.diagnostic.range.start <= range.start
                    && range.end <= f.diagnostic.range.end
            })
            .map(|f| f.rule.clone())
            .collect();
        let root = self.root.clone().unwrap_or_default();
        let text = hover::render(&here, &fired, &root)?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: text,
            }),
            range: Some(range),
        })
    }

    fn code_actions(&mut self, p: &CodeActionParams) -> Vec<lsp_types::CodeActionOrCommand> {
        let Some(path) = self.path_of(&p.text_document.uri) else {
            return Vec::new();
        };
        let active = self.active();
        let found: Vec<&super::convert::Found> = active
            .iter()
            .filter_map(|u| self.cache.get(u))
            .flat_map(|d| &d.found)
            .filter(|f| f.path == path && actions::overlaps(&f.diagnostic.range, &p.range))
            .collect();
        if found.is_empty() {
            return Vec::new();
        }
        let text = match self.docs.get(&path) {
            Some(d) => d.text.clone(),
            None => std::fs::read_to_string(&path).unwrap_or_default(),
        };
        let uris: BTreeMap<PathBuf, Uri> = found
            .iter()
            .flat_map(|f| f.fix.iter().flat_map(|x| x.edits.keys()))
            .chain(std::iter::once(&path))
            .filter_map(|p| Some((p.clone(), self.uri_of(p)?)))
            .collect();
        actions::for_findings(&found, &path, &LineIndex::new(text), &uris)
    }
}

/// Applies one change of `didChange`: a range edit, or the whole text.
fn apply_change(text: &mut String, c: lsp_types::TextDocumentContentChangeEvent) {
    match c.range {
        None => *text = c.text,
        Some(r) => {
            let idx = LineIndex::new(std::mem::take(text));
            let (start, end) = (idx.offset(r.start), idx.offset(r.end));
            let mut t = idx.into_text();
            if start <= end && t.is_char_boundary(start) && t.is_char_boundary(end) {
                t.replace_range(start..end, &c.text);
            }
            *text = t;
        }
    }
}

fn params<P: DeserializeOwned>(r: &Request) -> Result<P, String> {
    serde_json::from_value(r.params.clone()).map_err(|e| format!("invalid params: {e}"))
}

fn extract<P: DeserializeOwned>(n: &Notification) -> Result<P, String> {
    serde_json::from_value(n.params.clone()).map_err(|e| format!("invalid params: {e}"))
}
