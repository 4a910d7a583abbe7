//! `aks-netlint server` driven as an editor drives it: the real binary, JSON-RPC over stdio.
//! Open a module, edit a tfvars buffer without saving, close, hover, apply a code action, a
//! burst of keystrokes, bad messages, UTF-16 columns, settings.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail by panicking; JSON indexing in assertions"
)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(20);

struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    next_id: i64,
    /// Messages read while waiting for something else.
    seen: Vec<Value>,
}

impl Client {
    fn start(root: &Path, options: Value) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_aks-netlint"))
            .arg("server")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = 0;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length:") {
                        len = v.trim().parse().unwrap();
                    }
                }
                let mut body = vec![0; len];
                r.read_exact(&mut body).unwrap();
                if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        let mut c = Client {
            child,
            stdin,
            rx,
            next_id: 0,
            seen: Vec::new(),
        };
        let init = c.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "capabilities": {},
                "initializationOptions": options,
            }),
        );
        assert_eq!(init["result"]["capabilities"]["hoverProvider"], true);
        c.notify("initialized", json!({}));
        c
    }

    fn raw(&mut self, body: &str) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        let m = json!({"jsonrpc": "2.0", "method": method, "params": params});
        self.raw(&m.to_string());
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let m = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.raw(&m.to_string());
        self.wait(|m| m["id"] == id && m.get("method").is_none())
    }

    /// The first message (seen before or arriving) that matches.
    fn wait(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.seen.iter().position(&pred) {
            return self.seen.remove(i);
        }
        let end = Instant::now() + WAIT;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            let m = self
                .rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("timed out; seen: {:#?}", self.seen));
            if pred(&m) {
                return m;
            }
            self.seen.push(m);
        }
    }

    /// The next diagnostics published for `file` whose list passes `pred`, skipping older ones.
    fn diagnostics(&mut self, file: &Path, pred: impl Fn(&[Value]) -> bool) -> Value {
        let u = uri(file);
        let m = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == u
                && pred(m["params"]["diagnostics"].as_array().unwrap())
        });
        m["params"].clone()
    }

    fn open(&mut self, file: &Path, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(file), "languageId": "terraform", "version": 1, "text": text}}),
        );
    }

    fn change(&mut self, file: &Path, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(file), "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    fn exit(mut self) -> i32 {
        let r = self.request("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null);
        let end = Instant::now() + WAIT;
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s.code().unwrap_or(-1);
            }
            assert!(Instant::now() < end, "the server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn uri(p: &Path) -> String {
    format!("file://{}", p.display()).replace(' ', "%20")
}

fn codes(diags: &[Value]) -> Vec<String> {
    diags
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

/// An empty repository of its own (a `.git` directory), so the walk stays inside it.
fn repository() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir(root.join(".git")).unwrap();
    (dir, root)
}

/// An AKS cluster whose `network_profile` holds `network` (its lines, indented by four).
fn cluster(network: &str) -> String {
    format!(
        r#"resource "azurerm_kubernetes_cluster" "aks" {{
  name                = "aks"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "aks"
  default_node_pool {{
    name       = "system"
    vm_size    = "Standard_D4s_v5"
    node_count = 3
  }}
  identity {{
    type = "SystemAssigned"
  }}
  network_profile {{
{network}
  }}
}}
"#
    )
}

/// The bundled Terraform example in a repository of its own.
fn example() -> (tempfile::TempDir, PathBuf) {
    let (dir, root) = repository();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/aks-overlay");
    common::copy_tree(&from, &root);
    (dir, root)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn a_module_gets_diagnostics_that_follow_unsaved_tfvars_and_clear_on_close() {
    let (_dir, root) = example();
    let main = root.join("main.tf");
    let tfvars = root.join("terraform.tfvars");
    let mut c = Client::start(&root, Value::Null);
    c.open(&main, &read(&main));
    let d = c.diagnostics(&main, |d| !d.is_empty());
    assert!(codes(d["diagnostics"].as_array().unwrap()).contains(&"NET002".to_string()));
    assert_eq!(d["version"], 1);
    let net002 = &d["diagnostics"].as_array().unwrap()[0];
    assert_eq!(net002["source"], "aks-netlint");
    assert!(net002["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .ends_with("/docs/rules/NET002.md"));
    assert!(!net002["relatedInformation"].as_array().unwrap().is_empty());

    // The pod CIDR is written in terraform.tfvars: too small for the pools (OVL002).
    let text = read(&tfvars);
    c.open(&tfvars, &text);
    let d = c.diagnostics(&tfvars, |d| codes(d).contains(&"OVL002".to_string()));
    assert_eq!(d["diagnostics"][0]["range"]["start"]["line"], 0);
    // Edited without saving: the finding goes away, the file on disk is untouched.
    c.change(&tfvars, 2, &text.replace("10.244.0.0/20", "10.244.0.0/16"));
    let d = c.diagnostics(&tfvars, |d| !codes(d).contains(&"OVL002".to_string()));
    assert_eq!(d["version"], 2);
    assert_eq!(read(&tfvars), text);

    // Closing both files clears what they showed.
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&tfvars)}}),
    );
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&main)}}),
    );
    let d = c.diagnostics(&main, <[Value]>::is_empty);
    assert!(d["version"].is_null());
    assert_eq!(c.exit(), 0);
}

#[test]
fn hover_shows_the_value_chain_and_the_rules_that_read_it() {
    let (_dir, root) = example();
    let tfvars = root.join("terraform.tfvars");
    let mut c = Client::start(&root, Value::Null);
    c.open(&tfvars, &read(&tfvars));
    c.diagnostics(&tfvars, |d| !d.is_empty());
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&tfvars)}, "position": {"line": 0, "character": 14}}),
    );
    let text = h["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains(
            "\"10.244.0.0/20\" ← module.aks.var.pod_cidr ← var.pod_cidr ← terraform.tfvars:1"
        ),
        "{text}"
    );
    assert!(text.contains("OVL002 (fires here)"), "{text}");
    assert!(text.contains("network.pod_cidr"), "{text}");
    // Nothing a rule reads under the cursor: no hover.
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&tfvars)}, "position": {"line": 0, "character": 0}}),
    );
    assert!(h["result"].is_null(), "{h}");
    assert_eq!(c.exit(), 0);
}

#[test]
fn a_code_action_applied_makes_its_finding_go_away() {
    let (_dir, root) = example();
    let tfvars = root.join("terraform.tfvars");
    let text = read(&tfvars);
    let mut c = Client::start(&root, Value::Null);
    c.open(&tfvars, &text);
    let d = c.diagnostics(&tfvars, |d| codes(d).contains(&"OVL002".to_string()));
    let diag = d["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "OVL002")
        .unwrap()
        .clone();
    // Fixes are verified after the diagnostics are published: ask until they are there.
    let end = Instant::now() + WAIT;
    let fix = loop {
        let a = c.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri(&tfvars)}, "range": diag["range"], "context": {"diagnostics": [diag]}}),
        );
        let actions = a["result"].as_array().unwrap().clone();
        assert!(actions
            .iter()
            .any(|a| a["title"] == "Ignore OVL002 here (aks-netlint:ignore)"));
        if let Some(f) = actions.iter().find(|a| {
            a["edit"]["changes"][uri(&tfvars)].is_array()
                && a["title"].as_str().unwrap().starts_with("replace")
        }) {
            break f.clone();
        }
        assert!(Instant::now() < end, "no fix offered: {actions:#?}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(fix["kind"], "quickfix");
    let edit = &fix["edit"]["changes"][uri(&tfvars)][0];
    let line = text.lines().next().unwrap();
    let (s, e) = (
        edit["range"]["start"]["character"].as_u64().unwrap() as usize,
        edit["range"]["end"]["character"].as_u64().unwrap() as usize,
    );
    let fixed_line = format!(
        "{}{}{}",
        &line[..s],
        edit["newText"].as_str().unwrap(),
        &line[e..]
    );
    let fixed = text.replacen(line, &fixed_line, 1);
    c.change(&tfvars, 2, &fixed);
    let d = c.diagnostics(&tfvars, |d| !codes(d).contains(&"OVL002".to_string()));
    assert_eq!(d["version"], 2);

    // The suppression action inserts a comment that suppresses (with a reason placeholder).
    let a = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&root.join("main.tf"))}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": []}}),
    );
    assert!(a["result"].as_array().unwrap().is_empty(), "{a}");
    assert_eq!(c.exit(), 0);
}

#[test]
fn a_burst_of_changes_publishes_the_last_version() {
    let (_dir, root) = example();
    let tfvars = root.join("terraform.tfvars");
    let text = read(&tfvars);
    let mut c = Client::start(&root, Value::Null);
    c.open(&tfvars, &text);
    c.diagnostics(&tfvars, |d| !d.is_empty());
    let started = Instant::now();
    for v in 2..=21 {
        // Alternate between a pod CIDR that is too small and one that is large enough; the
        // last one (version 21) is too small again.
        let cidr = if v % 2 == 0 {
            "10.244.0.0/16"
        } else {
            "10.244.0.0/20"
        };
        c.change(&tfvars, v, &text.replace("10.244.0.0/20", cidr));
        std::thread::sleep(Duration::from_millis(4));
    }
    assert!(started.elapsed() < Duration::from_millis(100) + Duration::from_millis(400));
    let d = c.diagnostics(&tfvars, |_| true);
    // Whatever was published in between, the last publication is for version 21.
    let mut last = d;
    while let Ok(m) = c.rx.recv_timeout(Duration::from_millis(1500)) {
        if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri(&tfvars) {
            last = m["params"].clone();
        }
    }
    assert_eq!(last["version"], 21, "{last:#}");
    assert!(codes(last["diagnostics"].as_array().unwrap()).contains(&"OVL002".to_string()));
    assert_eq!(c.exit(), 0);
}

#[test]
fn bad_messages_and_unparsable_buffers_do_not_stop_the_server() {
    let (_dir, root) = example();
    let main = root.join("main.tf");
    let mut c = Client::start(&root, Value::Null);
    // Not JSON, not a message, unknown method, bad params: each answered, none fatal.
    c.raw("{this is not json");
    let e = c.wait(|m| m["error"]["code"] == -32700);
    assert!(e["id"].is_null());
    let e = c.request("textDocument/hover", json!({"textDocument": 5}));
    assert_eq!(e["error"]["code"], -32602);
    let e = c.request("workspace/symbol", json!({"query": ""}));
    assert_eq!(e["error"]["code"], -32601);
    c.notify("textDocument/didChange", json!({"nonsense": true}));
    // A buffer that does not parse is a PARSE001 diagnostic on it.
    c.open(
        &main,
        "resource \"azurerm_kubernetes_cluster\" \"x\" {\n  name = \n",
    );
    let d = c.diagnostics(&main, |d| codes(d).contains(&"PARSE001".to_string()));
    assert_eq!(d["version"], 1);
    // Fixed in the buffer: the parse error goes.
    c.change(&main, 2, &read(&main));
    c.diagnostics(&main, |d| !codes(d).contains(&"PARSE001".to_string()));
    assert_eq!(c.exit(), 0);
}

#[test]
fn columns_are_utf16_code_units() {
    let (_dir, root) = repository();
    let main = root.join("main.tf");
    // `é` is two bytes and one UTF-16 unit, `😀` four bytes and two units.
    let text = &cluster(r#"    /* é😀 */ network_plugin = "kubenet""#);
    std::fs::write(&main, text).unwrap();
    let mut c = Client::start(&root, Value::Null);
    c.open(&main, text);
    let d = c.diagnostics(&main, |d| !d.is_empty());
    let line = text.lines().position(|l| l.contains("é😀")).unwrap();
    let on_line: Vec<&Value> = d["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["range"]["start"]["line"] == line)
        .collect();
    assert!(!on_line.is_empty(), "{d:#}");
    let l = text.lines().nth(line).unwrap();
    let byte = l.find("\"kubenet").unwrap();
    let units = l[..byte].encode_utf16().count();
    assert_ne!(units, byte);
    assert!(
        on_line
            .iter()
            .all(|d| d["range"]["start"]["character"] == units),
        "{on_line:#?}"
    );
    assert_eq!(c.exit(), 0);
}

#[test]
fn settings_use_the_config_files_keys_and_unknown_ones_are_said() {
    let (_dir, root) = example();
    let tfvars = root.join("terraform.tfvars");
    let mut c = Client::start(
        &root,
        json!({"ignore": ["OVL002"], "severity": {"OVL009": "info"}}),
    );
    c.open(&tfvars, &read(&tfvars));
    let d = c.diagnostics(&tfvars, |d| !d.is_empty());
    let diags = d["diagnostics"].as_array().unwrap();
    assert_eq!(codes(diags), vec!["OVL009"], "{diags:#?}");
    assert_eq!(diags[0]["severity"], 3);
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"aks-netlint": {"selct": ["OVL"]}}}),
    );
    let m = c.wait(|m| m["method"] == "window/showMessage");
    assert!(
        m["params"]["message"].as_str().unwrap().contains("selct"),
        "{m}"
    );
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"aks-netlint": {}}}),
    );
    c.diagnostics(&tfvars, |d| codes(d).contains(&"OVL002".to_string()));
    assert_eq!(c.exit(), 0);
}

#[test]
fn hover_on_an_unknown_value_says_why() {
    let (_dir, root) = repository();
    let main = root.join("main.tf");
    let network = r#"    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    pod_cidr            = var.pod_cidr"#;
    let text = &format!(
        "variable \"pod_cidr\" {{ type = string }}\n{}",
        cluster(network)
    );
    std::fs::write(&main, text).unwrap();
    let mut c = Client::start(&root, json!({"show-unknown": true}));
    c.open(&main, text);
    // EVAL001 is shown because it was asked for; it says the same as the hover.
    c.diagnostics(&main, |d| codes(d).contains(&"EVAL001".to_string()));
    let line = text
        .lines()
        .position(|l| l.contains("var.pod_cidr") && l.contains("pod_cidr  "))
        .unwrap();
    let col = text
        .lines()
        .nth(line)
        .unwrap()
        .find("var.pod_cidr")
        .unwrap()
        + 2;
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&main)}, "position": {"line": line, "character": col}}),
    );
    let value = h["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(value.starts_with("**unknown**: "), "{h:#}");
    assert!(value.contains("pod_cidr"), "{value}");
    assert_eq!(c.exit(), 0);
}

#[test]
fn a_change_re_lints_only_the_units_that_read_it() {
    let (_dir, root) = repository();
    let cluster = |plugin: &str| cluster(&format!("    network_plugin = \"{plugin}\""));
    for d in ["a", "b"] {
        std::fs::create_dir(root.join(d)).unwrap();
        std::fs::write(root.join(d).join("main.tf"), cluster("kubenet")).unwrap();
    }
    let (a, b) = (root.join("a/main.tf"), root.join("b/main.tf"));
    let mut c = Client::start(&root, Value::Null);
    c.notify("$/setTrace", json!({"value": "verbose"}));
    c.open(&a, &cluster("kubenet"));
    c.open(&b, &cluster("kubenet"));
    c.diagnostics(&a, |d| codes(d).contains(&"NET013".to_string()));
    c.diagnostics(&b, |d| codes(d).contains(&"NET013".to_string()));
    std::thread::sleep(Duration::from_millis(500));
    while c.rx.try_recv().is_ok() {}
    c.seen.clear();
    // Editing a/main.tf re-lints a's directory; b's cached result stands.
    c.change(&a, 2, &cluster("none"));
    c.diagnostics(&a, |d| !codes(d).contains(&"NET013".to_string()));
    std::thread::sleep(Duration::from_millis(500));
    while let Ok(m) = c.rx.try_recv() {
        c.seen.push(m);
    }
    let runs: Vec<String> = c
        .seen
        .iter()
        .filter(|m| m["method"] == "$/logTrace")
        .map(|m| m["params"]["message"].as_str().unwrap().to_string())
        .collect();
    let dir_a = format!("linted directory {} ", root.join("a").display());
    assert!(runs.iter().any(|r| r.starts_with(&dir_a)), "{runs:#?}");
    assert!(
        runs.iter()
            .all(|r| !r.contains(&root.join("b").display().to_string())),
        "{runs:#?}"
    );
    assert_eq!(c.exit(), 0);
}
