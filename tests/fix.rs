//! `--fix`, `--unsafe-fixes` and `--diff` on a copy of the bundled example, as a user runs them:
//! what is written, what is printed, what is left alone, and that a run killed at any moment
//! leaves every file either as it was or as fixed, byte for byte.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{bin, copy_tree, git, run_in};

/// A git repository holding a copy of `examples/aks-overlay`.
fn example_repo() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = std::fs::canonicalize(tmp.path()).unwrap();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/aks-overlay");
    copy_tree(&from, &repo);
    git(&repo, &["init", "-q"]);
    (tmp, repo)
}

/// Every file under `dir` (not `.git`) and its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if e.file_name() == ".git" {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn diff_prints_the_safe_fix_and_writes_nothing() {
    let (_tmp, repo) = example_repo();
    let before = snapshot(&repo);
    let out = run_in(&repo, &["--diff"]);
    assert_eq!(out.status.code(), Some(1));
    let diff = text(&out.stdout);
    assert!(
        diff.starts_with("--- a/modules/aks/main.tf\n+++ b/modules/aks/main.tf\n"),
        "{diff}"
    );
    assert!(
        diff.contains(
            "-      outbound_ports_allocated  = 4000\n+      outbound_ports_allocated  = 496\n"
        ),
        "{diff}"
    );
    // Unsafe fixes are left out without --unsafe-fixes.
    assert!(!diff.contains("terraform.tfvars"), "{diff}");
    assert!(text(&out.stderr).contains("would apply 1 fix in 1 file"));
    assert_eq!(snapshot(&repo), before, "--diff wrote a file");
}

#[test]
fn fix_writes_verified_fixes_and_reports_what_remains() {
    let (_tmp, repo) = example_repo();
    let out = run_in(&repo, &["--fix", "--unsafe-fixes", "--format", "compact"]);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("applied 4 fixes in 3 files:"), "{stderr}");
    // What remains: the node subnet (written as an expression) and the VM size (no value to
    // compute), so the exit code still says findings remain.
    assert_eq!(out.status.code(), Some(1));
    let remaining = text(&out.stdout);
    let rules: Vec<&str> = remaining
        .lines()
        .filter_map(|l| l.split(' ').nth(2))
        .collect();
    assert_eq!(rules, ["NET012", "OVL005"], "{remaining}");
    let tfvars = std::fs::read_to_string(repo.join("terraform.tfvars")).unwrap();
    assert_eq!(tfvars, "pod_cidr = \"10.2.0.0/16\"\n");
    let main = std::fs::read_to_string(repo.join("main.tf")).unwrap();
    assert!(main.contains("default = \"10.1.0.0/16\""), "{main}");
    assert!(main.contains("max_count = 20, max_pods = 250 }"), "{main}");
    // A second run finds nothing left to fix and changes nothing.
    let again = snapshot(&repo);
    let out = run_in(&repo, &["--fix", "--unsafe-fixes", "--format", "compact"]);
    assert!(!text(&out.stderr).contains("applied"));
    assert_eq!(snapshot(&repo), again);
}

#[test]
fn fixes_are_shown_with_their_applicability_in_every_format() {
    let (_tmp, repo) = example_repo();
    let out = run_in(&repo, &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fixes: Vec<&serde_json::Value> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d.get("fix"))
        .collect();
    let of = |a: &str| fixes.iter().filter(|f| f["applicability"] == a).count();
    assert_eq!(
        (of("safe"), of("unsafe"), of("display")),
        (1, 4, 1),
        "{fixes:#?}"
    );
    let egr = fixes.iter().find(|f| f["applicability"] == "safe").unwrap();
    assert_eq!(egr["edits"][0]["file"], "modules/aks/main.tf");
    assert_eq!(egr["edits"][0]["replacement"], "496");
    let text_out = text(&run_in(&repo, &[]).stdout);
    assert!(
        text_out.contains(
            "= fix: replace 4000 with 496, the largest multiple of 8 that covers the nodes (safe)"
        ),
        "{text_out}"
    );
    let github = text(&run_in(&repo, &["--format", "github"]).stdout);
    assert!(github.contains("%0Afix: replace 4000 with 496"), "{github}");
    let sarif: serde_json::Value =
        serde_json::from_slice(&run_in(&repo, &["--format", "sarif"]).stdout).unwrap();
    let with_fixes: Vec<&serde_json::Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("fixes").is_some())
        .collect();
    assert_eq!(with_fixes.len(), 5);
    let change = &with_fixes[0]["fixes"][0]["artifactChanges"][0];
    assert!(change["replacements"][0]["insertedContent"]["text"].is_string());
    assert!(change["replacements"][0]["deletedRegion"]["startLine"].is_number());
}

#[test]
fn fix_refuses_editor_mode_and_baseline_writing() {
    let (_tmp, repo) = example_repo();
    for args in [
        &["--fix", "--stdin-filename", "main.tf"][..],
        &["--fix", "--write-baseline", "b.json"][..],
        &["--fix", "--diff"][..],
    ] {
        let out = run_in(&repo, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

/// SIGKILL at random moments of `--fix --unsafe-fixes`: each file is then wholly the original or
/// wholly the fixed version, never a mix, and no temporary file is left where it would be read.
#[test]
fn a_killed_fix_run_leaves_every_file_old_or_new() {
    let (_tmp, fixed_repo) = example_repo();
    let original = snapshot(&fixed_repo);
    run_in(&fixed_repo, &["--fix", "--unsafe-fixes", "--quiet"]);
    let fixed = snapshot(&fixed_repo);
    assert_ne!(original, fixed);
    // A deterministic spread of kill times across the run (a few ms to tens of ms).
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..24 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let (_t, repo) = example_repo();
        let mut child = bin()
            .current_dir(&repo)
            .args(["--fix", "--unsafe-fixes", "--quiet"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(seed % 60_000));
        let _ = child.kill();
        let _ = child.wait();
        let now = snapshot(&repo);
        for (path, bytes) in &now {
            let name = path.to_string_lossy();
            if name.contains(".aks-netlint-") {
                // An interrupted temporary file: never an IaC file the scan would read.
                assert!(name.ends_with(".tmp"), "{name}");
                continue;
            }
            let old = original.get(path);
            let new = fixed.get(path);
            assert!(
                Some(bytes) == old || Some(bytes) == new,
                "{name} is neither the original nor the fixed version:\n{}",
                text(bytes)
            );
        }
    }
}

/// Two roots calling one module under different names, so the same finding in the module is
/// reached as two resources and merged under the first: a fix is checked by scanning again only
/// the groups its files belong to, and that must offer exactly the fixes a rescan of the whole
/// tree offers (fixes in either root, in the module and in a root's `terraform.tfvars`).
#[test]
fn fixes_checked_in_their_groups_match_a_whole_rescan() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = std::fs::canonicalize(tmp.path()).unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/aks-overlay");
    copy_tree(&example.join("modules"), &repo.join("modules"));
    let main = std::fs::read_to_string(example.join("main.tf"))
        .unwrap()
        .replace("\"./modules/aks\"", "\"../modules/aks\"");
    let vars = std::fs::read_to_string(example.join("terraform.tfvars")).unwrap();
    for (env, pods) in [("prod", "10.244.0.0/20"), ("dev", "10.245.0.0/16")] {
        std::fs::create_dir_all(repo.join(env)).unwrap();
        let main = main.replace("module \"aks\" {", &format!("module \"aks_{env}\" {{"));
        std::fs::write(repo.join(env).join("main.tf"), main).unwrap();
        let vars = vars.replace("10.244.0.0/20", pods);
        std::fs::write(repo.join(env).join("terraform.tfvars"), vars).unwrap();
    }
    // A root of its own, in a group of its own.
    copy_tree(&example, &repo.join("other"));
    git(&repo, &["init", "-q"]);
    let opts = aks_netlint::lint::Options {
        paths: vec![repo.clone()],
        ..aks_netlint::lint::Options::default()
    };
    let verified = |narrow: bool| {
        let mut out = aks_netlint::lint::run(&opts).unwrap();
        assert!(out.groups.is_some(), "a plain scan keeps its groups");
        if !narrow {
            out.groups = None;
        }
        aks_netlint::fix::verify_all(&opts, &mut out);
        out.findings
            .iter()
            .map(|f| {
                let file = out.sources.name(f.primary.span.file).to_string();
                (
                    f.rule.to_string(),
                    file,
                    f.primary.span.start,
                    format!("{:?}", f.fix),
                )
            })
            .collect::<Vec<_>>()
    };
    let narrow = verified(true);
    assert!(
        narrow.iter().any(|(_, _, _, fix)| fix != "None"),
        "the example offers fixes: {narrow:?}"
    );
    assert_eq!(narrow, verified(false));
}
