//! End-to-end tests: the real binary in temporary directories, checking stdout and exit codes.

#![allow(
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking; JSON indexing in assertions"
)]

use std::process::Command;

use common::{bin, run_in, stdout};
use std::path::Path;

mod common;

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(p, text).unwrap_or_else(|e| panic!("{e}"));
}

const CLUSTER: &str = r#"
variable "max_pods" {
  type    = number
  default = 110
}

resource "azurerm_kubernetes_cluster" "aks" {
  name                = "aks"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "aks"
  default_node_pool {
    name       = "system"
    vm_size    = "Standard_D4s_v5"
    node_count = 3
    max_pods   = var.max_pods
  }
  identity {
    type = "SystemAssigned"
  }
  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
  }
}
"#;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir(dir.path().join(".git")).unwrap_or_else(|e| panic!("{e}"));
    write(dir.path(), "main.tf", CLUSTER);
    dir
}

#[test]
fn clean_project_exits_zero() {
    let dir = project();
    let o = run_in(dir.path(), &["--format", "compact"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(stdout(&o), "");
}

#[test]
fn var_flag_and_var_file_feed_the_model_and_fail() {
    let dir = project();
    let o = run_in(
        dir.path(),
        &["--format", "compact", "--var", "max_pods=300"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("error OVL001"), "{}", stdout(&o));
    write(dir.path(), "envs/prod.tfvars", "max_pods = 5\n");
    let o = run_in(
        dir.path(),
        &["--format", "compact", "--var-file", "envs/prod.tfvars"],
    );
    assert!(
        stdout(&o).starts_with("envs/prod.tfvars:1:12: error OVL001"),
        "{}",
        stdout(&o)
    );
    // Not named: other .tfvars files are not read (Terraform semantics).
    let o = run_in(dir.path(), &["--format", "compact"]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn fail_level_select_and_ignore() {
    let dir = project();
    let args = ["--format", "compact", "--var", "max_pods=300"];
    let o = run_in(
        dir.path(),
        &[&args[..], &["--fail-level", "never"]].concat(),
    );
    assert_eq!(o.status.code(), Some(0));
    let o = run_in(dir.path(), &[&args[..], &["--ignore", "OVL"]].concat());
    assert_eq!((o.status.code(), stdout(&o)), (Some(0), String::new()));
    let o = run_in(dir.path(), &[&args[..], &["--select", "NET"]].concat());
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn broken_file_reports_parse001_and_scan_goes_on() {
    let dir = project();
    write(
        dir.path(),
        "broken/main.tf",
        "resource \"x\" \"y\" {\n  a = \n",
    );
    let o = run_in(
        dir.path(),
        &["--format", "compact", "--var", "max_pods=300"],
    );
    let out = stdout(&o);
    assert!(
        out.contains("broken/main.tf:2:") && out.contains("error PARSE001"),
        "{out}"
    );
    assert!(out.contains("error OVL001"), "{out}");
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn hostile_files_are_reported_not_fatal() {
    let dir = project();
    write(dir.path(), "bin/main.tf", "");
    std::fs::write(dir.path().join("bin/main.tf"), [0u8, 159, 146, 150, 0, 1])
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("latin1.tf"), b"# caf\xe9\n").unwrap_or_else(|e| panic!("{e}"));
    write(dir.path(), "empty/main.tf", "");
    std::fs::create_dir_all(dir.path().join("dir.tf")).unwrap_or_else(|e| panic!("{e}"));
    let o = run_in(dir.path(), &["--format", "compact"]);
    let out = stdout(&o);
    assert!(
        out.contains("bin/main.tf:1:1: error PARSE001") && out.contains("binary"),
        "{out}"
    );
    assert!(
        out.contains("latin1.tf:1:1: error PARSE001") && out.contains("UTF-8"),
        "{out}"
    );
    assert!(!out.contains("empty/main.tf"), "{out}");
}

#[test]
fn reference_cycle_gives_eval002_not_a_hang() {
    let dir = project();
    write(dir.path(), "cycle/main.tf", "locals {\n  a = local.b\n  b = local.a\n}\n\nresource \"azurerm_kubernetes_cluster\" \"c\" {\n  name = \"c\"\n  default_node_pool {\n    name     = \"s\"\n    max_pods = local.a\n  }\n  network_profile {\n    network_plugin      = \"azure\"\n    network_plugin_mode = \"overlay\"\n  }\n}\n");
    let o = run_in(dir.path(), &["--format", "compact"]);
    let out = stdout(&o);
    assert!(
        out.contains("warning EVAL002") && out.contains("cycle"),
        "{out}"
    );
    assert!(!out.contains("OVL001"), "{out}");
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_root_are_not_followed() {
    let outside = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write(
        outside.path(),
        "evil/main.tf",
        &CLUSTER.replace("default = 110", "default = 999"),
    );
    let dir = project();
    std::os::unix::fs::symlink(outside.path().join("evil"), dir.path().join("linked"))
        .unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(
        outside.path().join("evil/main.tf"),
        dir.path().join("linked.tf"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    write(
        dir.path(),
        "caller/main.tf",
        "module \"m\" {\n  source = \"../../outside\"\n}\n",
    );
    let o = run_in(dir.path(), &["--format", "compact"]);
    assert!(!stdout(&o).contains("999"), "{}", stdout(&o));
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn json_output_follows_the_contract() {
    let dir = project();
    let o = run_in(dir.path(), &["--format", "json", "--var", "max_pods=300"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["version"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["rule"], "OVL001");
    assert_eq!(d["file"], "main.tf");
    assert_eq!(d["range"]["start"]["line"], 16);
    assert_eq!(d["resource"], "azurerm_kubernetes_cluster.aks");
    for k in [
        "files",
        "resources",
        "clusters",
        "errors",
        "warnings",
        "infos",
        "parse_errors",
        "suppressed",
        "elapsed_ms",
    ] {
        assert!(v["summary"][k].is_u64(), "summary.{k}");
    }
}

#[test]
fn show_unknown_explains_what_could_not_be_decided() {
    let dir = project();
    write(
        dir.path(),
        "main.tf",
        &CLUSTER.replace("  default = 110\n", ""),
    );
    let o = run_in(dir.path(), &["--format", "compact", "--show-unknown"]);
    let out = stdout(&o);
    assert!(
        out.contains("info EVAL001 OVL001 could not decide: var.max_pods has no value"),
        "{out}"
    );
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn rules_and_explain() {
    let o = bin()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert!(v.as_array().is_some_and(|a| a
        .iter()
        .any(|r| r["id"] == "OVL006" && r["status"] == "retired")));
    let o = bin()
        .args(["explain", "OVL006"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(stdout(&o).contains("RETIRED") && stdout(&o).contains("2024-07-02"));
    let o = bin()
        .args(["explain", "ovl002"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(stdout(&o).contains("Sources:") && stdout(&o).contains("2026-07-31"));
    let o = bin()
        .args(["explain", "NOPE999"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn missing_path_is_a_usage_error() {
    let dir = project();
    let o = run_in(dir.path(), &["does-not-exist"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn deep_nesting_and_long_chains_stay_bounded() {
    let dir = project();
    let deep = format!(
        "locals {{\n  x = {}{}\n}}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    write(dir.path(), "deep/main.tf", &deep);
    let mut chain = String::from("locals {\n  a0 = 300\n");
    for i in 1..5000 {
        chain.push_str(&format!("  a{i} = local.a{}\n", i - 1));
    }
    chain.push_str("}\n");
    write(dir.path(), "chain/locals.tf", &chain);
    write(
        dir.path(),
        "chain/main.tf",
        &CLUSTER.replace("max_pods   = var.max_pods", "max_pods   = local.a4999"),
    );
    let started = std::time::Instant::now();
    let o = run_in(dir.path(), &["--format", "compact"]);
    let out = stdout(&o);
    assert!(
        out.contains("deep/main.tf:2:") && out.contains("PARSE001"),
        "{out}"
    );
    assert!(out.contains("EVAL002"), "{out}");
    assert!(started.elapsed().as_secs() < 10);
}

#[test]
fn config_file_selects_overrides_and_ignores_paths() {
    let dir = project();
    write(
        dir.path(),
        "envs/dev/main.tf",
        &CLUSTER.replace("default = 110", "default = 300"),
    );
    write(
        dir.path(),
        "envs/prod/main.tf",
        &CLUSTER.replace("default = 110", "default = 300"),
    );
    write(
        dir.path(),
        ".aks-netlint.toml",
        "fail-level = \"error\"\nexclude = [\"sandbox/**\"]\n[severity]\nOVL001 = \"warning\"\n[per-path-ignores]\n\"envs/dev/**\" = [\"OVL\"]\n",
    );
    write(dir.path(), "sandbox/main.tf", "this is not HCL {");
    let o = run_in(dir.path(), &["--format", "compact"]);
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.starts_with("envs/prod/main.tf:4:13: warning OVL001"),
        "{out}"
    );
    // A warning is below the configured fail level; the flag wins over the file.
    assert_eq!(o.status.code(), Some(0));
    let o = run_in(
        dir.path(),
        &["--format", "compact", "--fail-level", "warning"],
    );
    assert_eq!(o.status.code(), Some(1));
    let o = run_in(dir.path(), &["--format", "compact", "--no-config"]);
    assert!(
        stdout(&o).contains("PARSE001") && stdout(&o).contains("envs/dev"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn config_with_unknown_key_is_a_usage_error_naming_the_line() {
    let dir = project();
    write(
        dir.path(),
        ".aks-netlint.toml",
        "select = [\"NET\"]\nfail_levle = \"error\"\n",
    );
    let o = run_in(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("line 2") && err.contains("fail_levle"),
        "{err}"
    );
}

#[test]
fn inline_suppressions_need_a_reason_and_unused_ones_are_reported() {
    let dir = project();
    let src = CLUSTER
        .replace(
            "default = 110",
            "default = 300 # aks-netlint:ignore OVL001 -- sandbox cluster",
        )
        .replace(
            "    node_count = 3",
            "    # aks-netlint:ignore NET012 -- not needed\n    node_count = 3",
        );
    write(dir.path(), "main.tf", &src);
    let o = run_in(dir.path(), &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["summary"]["suppressed"], 1, "{v}");
    let rules: Vec<&str> = v["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["rule"].as_str())
        .collect();
    assert_eq!(rules, ["SUPPRESS001"]);
    write(
        dir.path(),
        "main.tf",
        &CLUSTER.replace("default = 110", "default = 300 # aks-netlint:ignore OVL001"),
    );
    let o = run_in(dir.path(), &["--format", "compact"]);
    let out = stdout(&o);
    assert!(
        out.contains("error OVL001") && out.contains("warning SUPPRESS002"),
        "{out}"
    );
}

#[test]
fn stdin_filename_lints_buffer_with_siblings_from_disk() {
    use std::io::Write as _;
    let dir = project();
    write(
        dir.path(),
        "variables.tf",
        "variable \"pods\" {\n  type    = number\n  default = 300\n}\n",
    );
    let buffer = CLUSTER.replace("max_pods   = var.max_pods", "max_pods   = var.pods");
    let mut child = bin()
        .current_dir(dir.path())
        .args(["--stdin-filename", "main.tf", "--format", "compact"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut si) = child.stdin.take() {
        si.write_all(buffer.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let o = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    // The finding's value lives in variables.tf, so nothing is reported for main.tf itself...
    assert_eq!(stdout(&o), "", "{}", stdout(&o));
    // ...but an edit in the buffer is seen without saving.
    let buffer = CLUSTER.replace("max_pods   = var.max_pods", "max_pods   = 9");
    let mut child = bin()
        .current_dir(dir.path())
        .args(["--stdin-filename", "main.tf", "--format", "compact"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut si) = child.stdin.take() {
        si.write_all(buffer.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let o = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        stdout(&o).starts_with("main.tf:16:18: error OVL001"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn baseline_hides_known_findings_even_after_lines_shift() {
    let dir = project();
    write(
        dir.path(),
        "main.tf",
        &CLUSTER.replace("default = 110", "default = 300"),
    );
    let o = run_in(
        dir.path(),
        &["--write-baseline", "baseline.json", "--format", "compact"],
    );
    // Recording accepts the findings: exit 0 and a one-line summary.
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        "wrote a baseline of 1 finding to baseline.json\n"
    );
    // Shift every line down; the finding is the same one.
    write(
        dir.path(),
        "main.tf",
        &format!(
            "# header\n\n{}",
            CLUSTER.replace("default = 110", "default = 300")
        ),
    );
    let o = run_in(
        dir.path(),
        &["--baseline", "baseline.json", "--format", "compact"],
    );
    assert_eq!((o.status.code(), stdout(&o)), (Some(0), String::new()));
    // A new problem still shows.
    write(
        dir.path(),
        "other/main.tf",
        &CLUSTER.replace("default = 110", "default = 5"),
    );
    let o = run_in(
        dir.path(),
        &["--baseline", "baseline.json", "--format", "compact"],
    );
    assert!(
        stdout(&o).starts_with("other/main.tf:4:13: error OVL001"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_tfvars_path_lints_its_module() {
    let dir = project();
    write(dir.path(), "terraform.tfvars", "max_pods = 300\n");
    let o = run_in(dir.path(), &["terraform.tfvars", "--format", "compact"]);
    assert!(
        stdout(&o).starts_with("terraform.tfvars:1:12: error OVL001"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn completions_and_man_page() {
    let o = bin()
        .args(["completions", "bash"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(stdout(&o).contains("aks-netlint") && stdout(&o).contains("--stdin-filename"));
    let o = bin()
        .arg("manpage")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        stdout(&o).starts_with(".ie") || stdout(&o).contains(".TH"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn downloaded_modules_are_evaluated_with_their_inputs() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir(dir.path().join(".git")).unwrap_or_else(|e| panic!("{e}"));
    write(dir.path(), "main.tf", "module \"aks\" {\n  source   = \"Azure/aks/azurerm\"\n  version  = \"10.0.0\"\n  max_pods = 300\n}\n\nmodule \"remote\" {\n  source = \"git::https://example.com/aks.git\"\n}\n");
    write(
        dir.path(),
        ".terraform/modules/modules.json",
        r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"aks","Source":"registry.terraform.io/Azure/aks/azurerm","Version":"10.0.0","Dir":".terraform/modules/aks"}]}"#,
    );
    write(
        dir.path(),
        ".terraform/modules/aks/main.tf",
        &CLUSTER.replace("  default = 110\n", ""),
    );
    let o = run_in(dir.path(), &["--format", "compact"]);
    let out = stdout(&o);
    assert!(out.starts_with("main.tf:4:14: error OVL001"), "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
}

#[cfg(unix)]
#[test]
fn follow_outside_root_is_opt_in() {
    let outside = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write(
        outside.path(),
        "evil/main.tf",
        &CLUSTER.replace("default = 110", "default = 999"),
    );
    let dir = project();
    std::os::unix::fs::symlink(
        outside.path().join("evil/main.tf"),
        dir.path().join("linked.tf"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::remove_file(dir.path().join("main.tf")).unwrap_or_else(|e| panic!("{e}"));
    let o = run_in(dir.path(), &["--format", "compact"]);
    assert_eq!(stdout(&o), "");
    let o = run_in(
        dir.path(),
        &["--format", "compact", "--follow-outside-root"],
    );
    assert!(stdout(&o).contains("OVL001"), "{}", stdout(&o));
}

#[cfg(unix)]
#[test]
fn fifos_and_symlink_loops_never_block() {
    let dir = project();
    let fifo = dir.path().join("pipe.tf");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    std::os::unix::fs::symlink(dir.path().join("loop_b"), dir.path().join("loop_a"))
        .unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(dir.path().join("loop_a"), dir.path().join("loop_b"))
        .unwrap_or_else(|e| panic!("{e}"));
    let started = std::time::Instant::now();
    let o = run_in(dir.path(), &["--format", "compact"]);
    assert!(started.elapsed().as_secs() < 10);
    if made {
        assert!(
            stdout(&o).contains("pipe.tf:1:1: error PARSE001")
                && stdout(&o).contains("not a regular file"),
            "{}",
            stdout(&o)
        );
    }
    let o = run_in(
        dir.path(),
        &["--format", "compact", "--follow-outside-root"],
    );
    assert!(o.status.code().is_some());
}

#[test]
fn a_thousand_binary_tf_files_finish_quickly_with_parse001() {
    let dir = project();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..1000 {
        let bytes: Vec<u8> = (0..512)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed & 0xff) as u8
            })
            .chain(std::iter::once(0))
            .collect();
        let d = dir.path().join(format!("junk/m{}", i % 50));
        std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(d.join(format!("f{i}.tf")), bytes).unwrap_or_else(|e| panic!("{e}"));
    }
    let started = std::time::Instant::now();
    let o = run_in(dir.path(), &["--format", "json"]);
    assert!(started.elapsed().as_secs() < 10);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["summary"]["parse_errors"], 1000);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn very_long_lines_are_fine() {
    let dir = project();
    let long = format!(
        "locals {{\n  tags = {{ x = \"{}\" }}\n}}\n",
        "a".repeat(2_000_000)
    );
    write(dir.path(), "long/main.tf", &long);
    let started = std::time::Instant::now();
    let o = run_in(dir.path(), &["--format", "compact"]);
    assert!(started.elapsed().as_secs() < 10);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_reported_not_fatal() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project();
    write(dir.path(), "locked/main.tf", "locals {}\n");
    let p = dir.path().join("locked/main.tf");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000))
        .unwrap_or_else(|e| panic!("{e}"));
    if std::fs::read(&p).is_ok() {
        // Running as root: permissions do not apply, nothing to test.
        return;
    }
    let o = run_in(dir.path(), &["--format", "compact"]);
    assert!(
        stdout(&o).contains("locked/main.tf:1:1: error PARSE001")
            && stdout(&o).contains("ermission"),
        "{}",
        stdout(&o)
    );
}
