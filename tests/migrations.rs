//! `--compare-to` and `--plan` as a user meets them: errors for a bad revision or a file that
//! is not a plan, and a pre-commit style comparison against `HEAD` with uncommitted changes.

#![allow(clippy::panic, reason = "tests fail by panicking")]

mod common;

use common::git;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_aks-netlint"))
}

const CLUSTER: &str = r#"resource "azurerm_kubernetes_cluster" "aks" {
  name               = "aks"
  kubernetes_version = "1.26.3"
  network_profile {
    network_plugin = "azure"
    service_cidr   = "172.16.0.0/16"
    dns_service_ip = "172.16.0.10"
  }
}
"#;

#[test]
fn compare_to_head_sees_uncommitted_changes_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    std::fs::write(repo.join("main.tf"), CLUSTER).unwrap_or_else(|e| panic!("{e}"));
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "flat"]);
    let overlay = CLUSTER.replace(
        "network_plugin = \"azure\"",
        "network_plugin = \"azure\"\n    network_plugin_mode = \"overlay\"\n    pod_cidr = \"192.168.0.0/16\"",
    );
    std::fs::write(repo.join("main.tf"), &overlay).unwrap_or_else(|e| panic!("{e}"));
    let status_before = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["status", "--porcelain"])
        .output()
        .map(|o| o.stdout)
        .unwrap_or_default();
    let out = bin()
        .args(["--no-config", "--format", "json", "--compare-to", "HEAD"])
        .arg(repo)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    let doc: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let mig: Vec<&serde_json::Value> = doc["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["rule"] == "MIG001")
        .collect();
    assert_eq!(mig.len(), 1, "{text}");
    // Located in the working tree; the before-state literal is a related location.
    assert_eq!(mig[0]["revision"], serde_json::Value::Null);
    assert_eq!(mig[0]["file"], "main.tf");
    assert_eq!(mig[0]["related"][0]["revision"], "HEAD");
    assert_eq!(out.status.code(), Some(1));
    // Without the flag the same tree has no migration findings.
    let plain = bin()
        .args(["--no-config", "--format", "json", "--select", "MIG"])
        .arg(repo)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plain.status.code(), Some(0));
    let status_after = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["status", "--porcelain"])
        .output()
        .map(|o| o.stdout)
        .unwrap_or_default();
    assert_eq!(
        status_before, status_after,
        "the scan changed the repository"
    );
}

#[test]
fn a_bad_revision_or_a_non_plan_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    std::fs::write(repo.join("main.tf"), CLUSTER).unwrap_or_else(|e| panic!("{e}"));
    let out = bin()
        .args(["--no-config", "--compare-to", "no-such-rev"])
        .arg(repo)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a commit"));
    let out = bin()
        .args(["--no-config", "--compare-to", "--upload-pack=evil"])
        .arg(repo)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    std::fs::write(repo.join("state.json"), "{\"values\": {}}").unwrap_or_else(|e| panic!("{e}"));
    let out = bin()
        .args(["--no-config", "--plan"])
        .arg(repo.join("state.json"))
        .arg(repo)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a Terraform plan"));
    std::fs::write(repo.join("broken.json"), "{\"format_version\": ")
        .unwrap_or_else(|e| panic!("{e}"));
    let out = bin()
        .args(["--no-config", "--plan"])
        .arg(repo.join("broken.json"))
        .arg(repo)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
}
