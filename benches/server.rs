//! The language server's latency: from a `didChange` of a `terraform.tfvars` buffer to the
//! `publishDiagnostics` for that version, in a generated 30-file workspace (a root calling a
//! network and a cluster module, 24 more files of resources). The server runs in-process on
//! channels, as it runs on stdio. `cargo bench --bench server`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a benchmark fails by panicking"
)]

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use aks_netlint::server::{self, Out};
use criterion::{criterion_group, criterion_main, Criterion};
use crossbeam_channel::{Receiver, Sender};
use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::{json, Value};

aks_netlint::global_allocator!();

/// Writes the workspace: 30 files.
fn workspace(root: &Path) {
    let w = |p: &str, t: &str| {
        let p = root.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, t).unwrap();
    };
    std::fs::create_dir_all(root.join(".git")).unwrap();
    w("terraform.tfvars", "pod_cidr = \"10.244.0.0/20\"\n");
    w(
        "variables.tf",
        "variable \"pod_cidr\" { type = string }\nvariable \"space\" {\n  type    = string\n  default = \"10.0.0.0/16\"\n}\n",
    );
    w(
        "main.tf",
        r#"module "net" {
  source = "./modules/net"
  space  = var.space
}
module "aks" {
  source    = "./modules/aks"
  subnet_id = module.net.subnet_id
  pod_cidr  = var.pod_cidr
}
"#,
    );
    w(
        "modules/net/main.tf",
        r#"variable "space" { type = string }
resource "azurerm_virtual_network" "v" {
  name                = "vnet"
  location            = "westeurope"
  resource_group_name = "rg"
  address_space       = [var.space]
}
resource "azurerm_subnet" "nodes" {
  name                 = "nodes"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = [cidrsubnet(var.space, 8, 1)]
}
output "subnet_id" { value = azurerm_subnet.nodes.id }
"#,
    );
    w(
        "modules/aks/main.tf",
        r#"variable "subnet_id" { type = string }
variable "pod_cidr" { type = string }
resource "azurerm_kubernetes_cluster" "this" {
  name                = "aks"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "aks"
  default_node_pool {
    name                 = "system"
    vm_size              = "Standard_D4s_v5"
    vnet_subnet_id       = var.subnet_id
    auto_scaling_enabled = true
    min_count            = 1
    max_count            = 30
  }
  identity { type = "SystemAssigned" }
  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    pod_cidr            = var.pod_cidr
    service_cidr        = "172.16.0.0/16"
    dns_service_ip      = "172.16.0.10"
  }
}
"#,
    );
    for i in 0..25 {
        let mut t = String::new();
        for j in 0..4 {
            writeln!(
                t,
                "resource \"azurerm_network_security_group\" \"n{i}_{j}\" {{\n  name                = \"nsg-{i}-{j}\"\n  location            = \"westeurope\"\n  resource_group_name = \"rg\"\n}}"
            )
            .unwrap();
        }
        w(&format!("extra_{i:02}.tf"), &t);
    }
}

struct Harness {
    to: Sender<Message>,
    from: Receiver<Out>,
    uri: String,
    version: i32,
}

impl Harness {
    fn new(root: &Path) -> Harness {
        let (to, incoming) = crossbeam_channel::unbounded();
        let (outgoing, from) = crossbeam_channel::unbounded();
        std::thread::spawn(move || server::serve(&incoming, outgoing));
        let h = Harness {
            to,
            from,
            uri: format!("file://{}/terraform.tfvars", root.display()),
            version: 1,
        };
        h.to
            .send(Message::Request(Request::new(
                RequestId::from(1),
                "initialize".into(),
                json!({"rootUri": format!("file://{}", root.display()), "capabilities": {}, "initializationOptions": {"debounce-ms": 0}}),
            )))
            .unwrap();
        h.notify("initialized", json!({}));
        let text = std::fs::read_to_string(root.join("terraform.tfvars")).unwrap();
        h.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": h.uri, "languageId": "terraform-vars", "version": 1, "text": text}}),
        );
        h.published(1);
        h
    }

    fn notify(&self, method: &str, params: Value) {
        self.to
            .send(Message::Notification(Notification::new(
                method.into(),
                params,
            )))
            .unwrap();
    }

    /// Waits for the diagnostics of the tfvars file at `version`.
    fn published(&self, version: i32) {
        loop {
            let Ok(Out::Message(Message::Notification(n))) =
                self.from.recv_timeout(Duration::from_secs(30))
            else {
                continue;
            };
            if n.method == "textDocument/publishDiagnostics"
                && n.params["uri"] == self.uri
                && n.params["version"] == version
            {
                return;
            }
        }
    }

    /// One edit and its diagnostics: alternates a pod CIDR that is too small with one that is
    /// not, so every edit changes what is published.
    fn edit(&mut self) -> Duration {
        self.version += 1;
        let cidr = if self.version % 2 == 0 { "/20" } else { "/16" };
        let start = Instant::now();
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": self.uri, "version": self.version}, "contentChanges": [{"text": format!("pod_cidr = \"10.244.0.0{cidr}\"\n")}]}),
        );
        self.published(self.version);
        start.elapsed()
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    workspace(&root);
    let mut h = Harness::new(&root);
    c.bench_function(
        "server: didChange to publishDiagnostics (30-file workspace)",
        |b| b.iter_custom(|n| (0..n).map(|_| h.edit()).sum()),
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
