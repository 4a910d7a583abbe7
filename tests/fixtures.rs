//! Runs every fixture under `fixtures/<RULE>/{fire,pass}/<case>/`.
//!
//! A case is a project directory, linted as is; a case with `plan.json` is linted with
//! `--plan`; a case with `before/` and `after/` becomes a temporary git repository with two
//! commits (before, then after) and is linted with `--compare-to HEAD~1`.
//!
//! `fire` cases must produce the rule; their rendered text and JSON are snapshot-tested (the
//! snapshot lives beside the case), with the fixes the CLI would offer (verified) and, when any
//! fix edits code, the diff `--diff --unsafe-fixes` prints. Applying those fixes must leave
//! files that parse, the fixed findings gone and no rule firing that did not fire before. `pass` cases must not produce the rule or any parse error.
//! A meta-test requires every active rule to have a fire case, a pass case and a pass case whose
//! name says it is about an unknown value.

#![allow(
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking; JSON indexing in assertions"
)]

mod common;

use common::git;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use aks_netlint::fix;
use aks_netlint::lint::{self, Options};
use aks_netlint::report;
use aks_netlint::rules::registry;
use aks_netlint::rules::schema::Status;

fn cases(kind: &str) -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    for rule in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        let id = rule.file_name().to_string_lossy().into_owned();
        for case in std::fs::read_dir(rule.path().join(kind))
            .into_iter()
            .flatten()
            .flatten()
        {
            if case.path().is_dir() {
                out.push((id.clone(), case.path()));
            }
        }
    }
    out.sort();
    out
}

fn relative(p: &Path) -> PathBuf {
    p.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| p.to_path_buf())
}

fn lint(dir: &Path) -> lint::Outcome {
    lint_case(dir).0
}

/// Lints a case; also returns the text to replace in snapshots (a temporary path) and the
/// options it was linted with.
fn lint_case(dir: &Path) -> (lint::Outcome, Option<String>, Options) {
    if dir.join("before").is_dir() {
        return lint_git(dir);
    }
    let plan = dir.join("plan.json");
    let opts = Options {
        paths: vec![relative(dir)],
        plan: plan.is_file().then(|| relative(&plan)),
        ..Options::default()
    };
    match lint::run(&opts) {
        Ok(o) => (o, None, opts),
        Err(e) => panic!("{}: {e}", dir.display()),
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).into_iter().flatten().flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap_or_else(|e| panic!("{e}"));
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// `before/` committed, then replaced by `after/` and committed; compared with `HEAD~1`.
fn lint_git(dir: &Path) -> (lint::Outcome, Option<String>, Options) {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = std::fs::canonicalize(tmp.path()).unwrap_or_else(|e| panic!("{e}"));
    git(&repo, &["init", "-q"]);
    copy_tree(&dir.join("before"), &repo);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "before"]);
    for e in std::fs::read_dir(&repo).into_iter().flatten().flatten() {
        if e.file_name() != ".git" {
            let p = e.path();
            let _ = if p.is_dir() {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            };
        }
    }
    copy_tree(&dir.join("after"), &repo);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "--allow-empty", "-m", "after"]);
    let opts = Options {
        paths: vec![repo.clone()],
        compare_to: Some("HEAD~1".into()),
        ..Options::default()
    };
    match lint::run(&opts) {
        Ok(o) => (o, Some(format!("{}/", repo.display())), opts),
        Err(e) => panic!("{}: {e}", dir.display()),
    }
}

#[test]
fn fire_cases_fire_and_match_snapshots() {
    for (rule, dir) in cases("fire") {
        let (mut out, tmp, opts) = lint_case(&dir);
        assert!(
            out.findings.iter().any(|f| f.rule == rule),
            "{} does not fire {rule}:\n{}",
            dir.display(),
            report::text::render(&out.report(), false)
        );
        fix::verify_all(&opts, &mut out);
        out.stats.elapsed_ms = 0;
        let mut text = report::text::render(&out.report(), false);
        let mut json = report::json::render(&out.report());
        text.push_str(&fixed_diff(&dir, &opts, out));
        if let Some(tmp) = tmp {
            text = text.replace(&tmp, "");
            json = json.replace(&tmp, "");
        }
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(&dir);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_input_file(&dir);
        settings.bind(|| insta::assert_snapshot!("findings", format!("{text}\n{json}")));
    }
}

/// Applies every fix (`--fix --unsafe-fixes`, in memory) and checks what a user would: the files
/// still parse, every finding whose fix was applied is gone, and no rule fires on a resource it
/// did not fire on before. Returns the diff for the snapshot (empty when nothing is edited).
fn fixed_diff(dir: &Path, opts: &Options, out: lint::Outcome) -> String {
    let fixable = out
        .findings
        .iter()
        .any(|f| f.fix.as_ref().is_some_and(|x| !x.edits.is_empty()));
    if !fixable {
        return String::new();
    }
    let before: BTreeSet<(String, Option<String>)> = out
        .findings
        .iter()
        .map(|f| (f.rule.to_string(), f.resource.clone()))
        .collect();
    let applied = fix::apply::run(opts, out, true);
    assert!(
        !applied.descriptions.is_empty(),
        "{}: a verified fix was offered but none applied",
        dir.display()
    );
    let after = &applied.outcome;
    for f in &after.findings {
        assert!(
            f.rule != "PARSE001",
            "{}: a fixed file no longer parses: {}",
            dir.display(),
            f.message
        );
        assert!(
            before.contains(&(f.rule.to_string(), f.resource.clone())),
            "{}: fixing made {} fire: {}",
            dir.display(),
            f.rule,
            f.message
        );
    }
    let mut diff = String::from("\n--- fixes applied by --fix --unsafe-fixes ---\n");
    for d in &applied.descriptions {
        diff.push_str(&format!("{d}\n"));
    }
    for (path, new) in &applied.overlay {
        if let Some((name, old)) = applied.originals.get(path).filter(|(_, old)| old != new) {
            diff.push_str(&fix::diff::unified(name, old, new));
        }
    }
    diff
}

#[test]
fn pass_cases_stay_silent() {
    for (rule, dir) in cases("pass") {
        let out = lint(&dir);
        let bad: Vec<_> = out
            .findings
            .iter()
            .filter(|f| f.rule == rule || f.rule == "PARSE001")
            .collect();
        assert!(
            bad.is_empty(),
            "{} must not fire {rule}:\n{}",
            dir.display(),
            report::text::render(&out.report(), false)
        );
    }
}

#[test]
fn every_active_rule_has_fire_pass_and_unknown_cases() {
    let reg = registry::get().unwrap_or_else(|e| panic!("{e}"));
    let fire = cases("fire");
    let pass = cases("pass");
    for r in reg
        .rules
        .iter()
        .filter(|r| r.file.status != Status::Retired)
    {
        let id = &r.file.id;
        assert!(
            fire.iter().any(|(i, _)| i == id),
            "{id} has no fire fixture"
        );
        assert!(
            pass.iter().any(|(i, _)| i == id),
            "{id} has no pass fixture"
        );
        assert!(
            pass.iter()
                .any(|(i, d)| i == id && d.to_string_lossy().contains("unknown")),
            "{id} has no pass fixture for an unknown value"
        );
    }
    for (id, d) in pass.iter().chain(&fire) {
        assert!(
            reg.find(id).is_some(),
            "fixtures/{id} is not a rule ({})",
            d.display()
        );
    }
    for (_, d) in &fire {
        assert!(
            d.join("findings.snap").exists(),
            "{} has no snapshot",
            d.display()
        );
    }
}

/// The dialects a rule must have fire cases in: all three, less those its rule file exempts
/// (with a reason). The migration rules are tested on Terraform plans and git revisions; their
/// ARM/Bicep path (the same model) has its own git cases where written.
fn dialects(r: &registry::Rule) -> Vec<&'static str> {
    if r.file.id.starts_with("MIG") {
        return Vec::new();
    }
    ["terraform", "arm", "bicep"]
        .into_iter()
        .filter(|d| !r.file.exempt.iter().any(|e| e.dialect == *d))
        .collect()
}

/// The dialect of a fixture case, from its name (`arm-…`, `bicep-…`; plans and the rest are
/// Terraform, azapi included).
fn dialect_of(case: &Path) -> &'static str {
    let name = case
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.starts_with("arm-") {
        "arm"
    } else if name.starts_with("bicep-") {
        "bicep"
    } else {
        "terraform"
    }
}

#[test]
fn every_migration_rule_has_plan_and_git_cases() {
    let reg = registry::get().unwrap_or_else(|e| panic!("{e}"));
    let all: Vec<(String, PathBuf)> = cases("fire").into_iter().chain(cases("pass")).collect();
    for r in reg.rules.iter().filter(|r| r.file.id.starts_with("MIG")) {
        for (kind, prefix) in [
            ("fire", "plan-"),
            ("fire", "git-"),
            ("pass", "plan-"),
            ("pass", "git-"),
        ] {
            assert!(
                all.iter().any(|(i, d)| i == &r.file.id
                    && d.parent().is_some_and(|p| p.ends_with(kind))
                    && d.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with(prefix))),
                "{} has no {kind}/{prefix}* case",
                r.file.id
            );
        }
    }
}

#[test]
fn every_rule_has_arm_and_bicep_twins_that_agree() {
    let reg = registry::get().unwrap_or_else(|e| panic!("{e}"));
    let fire = cases("fire");
    for r in reg
        .rules
        .iter()
        .filter(|r| r.file.status != Status::Retired)
    {
        let id = &r.file.id;
        for e in &r.file.exempt {
            assert!(
                ["terraform", "arm", "bicep"].contains(&e.dialect.as_str()) && !e.reason.is_empty(),
                "{id} exempts `{}` without a known dialect and a reason",
                e.dialect
            );
        }
        for dialect in dialects(r) {
            assert!(
                fire.iter()
                    .any(|(i, d)| i == id && dialect_of(d) == dialect),
                "{id} has no {dialect} fire fixture"
            );
        }
    }
    // The same case written in ARM and in Bicep gives the same findings.
    for kind in ["fire", "pass"] {
        for (_, arm) in cases(kind).into_iter().filter(|(_, d)| {
            d.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("arm-"))
        }) {
            let name = arm
                .file_name()
                .map(|n| n.to_string_lossy().replacen("arm-", "bicep-", 1));
            let bicep = arm.with_file_name(name.unwrap_or_default());
            let rules = |d: &Path| {
                let mut r: Vec<String> = lint(d)
                    .findings
                    .into_iter()
                    .map(|f| String::from(f.rule))
                    .collect();
                r.sort();
                r
            };
            assert!(bicep.is_dir(), "{} has no Bicep twin", arm.display());
            assert_eq!(
                rules(&arm),
                rules(&bicep),
                "{} and its Bicep twin differ",
                arm.display()
            );
        }
    }
}

/// `rule file:line:col message` of each finding, for comparing runs.
fn keys(out: &lint::Outcome) -> std::collections::BTreeSet<String> {
    out.findings
        .iter()
        .map(|f| {
            let p = out
                .sources
                .position(f.primary.span.file, f.primary.span.start as usize);
            format!(
                "{} {}:{}:{} {}",
                f.rule,
                out.sources.name(f.primary.span.file),
                p.line,
                p.column,
                f.message
            )
        })
        .collect()
}

/// The IaC files of a case that a pre-commit hook would pass one by one. `.tfvars` files that
/// Terraform does not load by itself are left out: passed alone they are applied (DESIGN.md),
/// which a directory scan does not do.
fn passable_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(passable_files(&p));
            continue;
        }
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        let auto_tfvars = name == "terraform.tfvars" || name.ends_with(".auto.tfvars");
        if matches!(ext, "tf" | "json" | "jsonc" | "bicep" | "bicepparam")
            || (ext == "tfvars" && auto_tfvars)
        {
            out.push(p);
        }
    }
    out
}

/// "Paths are scope, not context": for every case, the findings of a directory scan are the
/// union of the findings of scans of each of its files alone.
#[test]
fn directory_scan_equals_the_union_of_per_file_scans() {
    use rayon::prelude::*;
    let all: Vec<(String, PathBuf)> = cases("fire").into_iter().chain(cases("pass")).collect();
    let failures: Vec<String> = all
        .par_iter()
        .filter(|(_, dir)| !dir.join("before").is_dir() && !dir.join("plan.json").is_file())
        .filter_map(|(_, dir)| {
            let whole = keys(&lint(dir));
            let mut union = std::collections::BTreeSet::new();
            for file in passable_files(dir) {
                let opts = Options {
                    paths: vec![relative(&file)],
                    ..Options::default()
                };
                match lint::run(&opts) {
                    Ok(o) => union.extend(keys(&o)),
                    Err(e) => return Some(format!("{}: {e}", file.display())),
                }
            }
            (whole != union).then(|| {
                format!(
                    "{}:\n  only in the directory scan: {:?}\n  only in per-file scans: {:?}",
                    dir.display(),
                    whole.difference(&union).collect::<Vec<_>>(),
                    union.difference(&whole).collect::<Vec<_>>()
                )
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
