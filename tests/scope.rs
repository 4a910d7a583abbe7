//! "Paths are scope, not context" and "no silent zero" (DESIGN.md): the real binary on small
//! repositories, as pre-commit and CI run it.

#![allow(
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking; JSON indexing in assertions"
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{copy_tree, run_in, stderr, stdout};

/// A git repository holding a copy of a bundled example.
fn repo_with(example: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = std::fs::canonicalize(tmp.path()).unwrap_or_else(|e| panic!("{e}"));
    common::git(&repo, &["init", "-q"]);
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(example),
        &repo,
    );
    (tmp, repo)
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"));
    assert!(text.contains(from), "{} lacks {from}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap_or_else(|e| panic!("{e}"));
}

/// `file:line rule` of every compact line.
fn hits(out: &Output) -> Vec<String> {
    stdout(out)
        .lines()
        .filter_map(|l| {
            let mut parts = l.splitn(4, ':');
            let (file, line, _, rest) =
                (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
            let rule = rest.split_whitespace().nth(1)?;
            Some(format!("{file}:{line} {rule}"))
        })
        .collect()
}

#[test]
fn a_bicep_template_passed_alone_is_evaluated_with_its_parameter_file() {
    let (_tmp, repo) = repo_with("bicep-overlay");
    let whole = run_in(&repo, &["--format", "compact"]);
    assert!(hits(&whole).contains(&"main.bicepparam:4 NET014".to_string()));
    // pre-commit passes only the changed file: NET014's secondary label is in main.bicep.
    let template = run_in(&repo, &["main.bicep", "--format", "compact"]);
    assert!(
        hits(&template).contains(&"main.bicepparam:4 NET014".to_string()),
        "{}",
        stdout(&template)
    );
    assert_eq!(template.status.code(), Some(1));
    let params = run_in(&repo, &["main.bicepparam", "--format", "compact"]);
    assert!(
        hits(&params).contains(&"main.bicepparam:4 NET014".to_string()),
        "{}",
        stdout(&params)
    );
}

#[test]
fn a_terraform_module_file_passed_alone_is_evaluated_through_its_caller() {
    let (_tmp, repo) = repo_with("aks-overlay");
    let module = repo.join("modules/aks/main.tf");
    edit(
        &module,
        "service_cidr        = var.service_cidr",
        "service_cidr        = \"10.0.1.0/24\"",
    );
    let out = run_in(&repo, &["modules/aks/main.tf", "--format", "compact"]);
    let hits = hits(&out);
    assert!(
        hits.contains(&"modules/aks/main.tf:35 NET002".to_string()),
        "{}",
        stdout(&out)
    );
    // From inside the module directory: the root is still the repository's.
    let inside = run_in(
        &repo.join("modules/aks"),
        &["main.tf", "--format", "compact"],
    );
    assert!(
        stdout(&inside).contains("modules/aks/main.tf:35:27: error NET002"),
        "{}",
        stdout(&inside)
    );
}

#[test]
fn outside_git_a_module_outside_the_root_is_said() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let base = std::fs::canonicalize(tmp.path()).unwrap_or_else(|e| panic!("{e}"));
    if base.ancestors().any(|d| d.join(".git").exists()) {
        return; // the temporary directory is inside a repository on this machine
    }
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/aks-overlay/modules/aks"),
        &base.join("modules/aks"),
    );
    let prod = base.join("envs/prod");
    std::fs::create_dir_all(&prod).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        prod.join("main.tf"),
        "module \"aks\" {\n  source = \"../../modules/aks\"\n}\n\nmodule \"net\" {\n  source  = \"Azure/network/azurerm\"\n  version = \"5.3.0\"\n}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = run_in(&prod, &[]);
    let text = stdout(&out);
    assert!(
        text.contains(
            "note: ../../modules/aks was not read: module source outside the repository root"
        ),
        "{text}"
    );
    assert!(text.contains("note: Azure/network/azurerm was not read: registry or git module"));
    assert!(text.contains("(referenced from main.tf:1)"), "{text}");
    let json = run_in(&prod, &["--format", "json"]);
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&json)).unwrap_or_else(|e| panic!("{e}"));
    let unread = v["summary"]["unread"]
        .as_array()
        .unwrap_or_else(|| panic!("no summary.unread"));
    assert_eq!(unread.len(), 2, "{unread:?}");
    assert_eq!(unread[0]["path"], "../../modules/aks");
    assert_eq!(unread[0]["referenced_from"], "main.tf:1");
    assert!(stderr(&json).contains("note: ../../modules/aks was not read"));
}

#[test]
fn excluded_modules_are_read_when_called() {
    let (_tmp, repo) = repo_with("aks-overlay");
    let before = hits(&run_in(&repo, &["--format", "compact"]));
    std::fs::write(
        repo.join(".aks-netlint.toml"),
        "exclude = [\"modules/**\"]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let after = hits(&run_in(&repo, &["--format", "compact"]));
    assert!(!after.is_empty());
    let outside_modules: Vec<&String> = before
        .iter()
        .filter(|h| !h.starts_with("modules/"))
        .collect();
    assert_eq!(after.iter().collect::<Vec<_>>(), outside_modules);
}

#[test]
fn no_iac_files_is_said_and_passes() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(tmp.path().join("README.md"), "# nothing here\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let out = run_in(tmp.path(), &["."]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("note: no Terraform, Bicep or ARM files found under ."),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_passed_tfvars_file_applies_to_the_root_that_declares_it() {
    let (_tmp, repo) = repo_with("aks-overlay");
    std::fs::create_dir_all(repo.join("envs")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        repo.join("envs/prod.tfvars"),
        "pod_cidr = \"10.244.0.0/24\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(repo.join("envs/stray.tfvars"), "not_declared = 1\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let out = run_in(
        &repo,
        &[
            "envs/prod.tfvars",
            "envs/stray.tfvars",
            "--format",
            "compact",
        ],
    );
    assert!(
        stdout(&out).contains("envs/prod.tfvars:1:12: error OVL002 pod CIDR 10.244.0.0/24"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("note: envs/stray.tfvars was not read: no root module"),
        "{}",
        stderr(&out)
    );
    // A directory scan does not load a tfvars file Terraform would not load.
    let dir = run_in(&repo, &["--format", "compact"]);
    assert!(!stdout(&dir).contains("envs/prod.tfvars"));
}

#[test]
fn paths_are_relative_to_the_repository_root_whatever_the_current_directory() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = std::fs::canonicalize(tmp.path()).unwrap_or_else(|e| panic!("{e}"));
    common::git(&repo, &["init", "-q"]);
    let infra = repo.join("my infra&co");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/aks-overlay"),
        &infra,
    );
    // A baseline written from inside the directory hides the same findings from the top.
    let o = run_in(&infra, &["--write-baseline", "baseline.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("wrote a baseline of 7 findings"),
        "{}",
        stdout(&o)
    );
    let o = run_in(
        &repo,
        &[
            "my infra&co",
            "--baseline",
            "my infra&co/baseline.json",
            "--format",
            "compact",
        ],
    );
    assert_eq!((o.status.code(), stdout(&o)), (Some(0), String::new()));
    // Compact and SARIF name files from the root, even when scanning `..`.
    let o = run_in(&infra.join("modules"), &["..", "--format", "compact"]);
    assert!(
        stdout(&o).starts_with("my infra&co/main.tf:"),
        "{}",
        stdout(&o)
    );
    let o = run_in(&infra.join("modules"), &["..", "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{e}"));
    let uri = v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(uri.starts_with("my%20infra%26co/"), "{uri}");
}

#[test]
fn compare_to_in_a_new_repository_has_an_empty_before_state() {
    let (_tmp, repo) = repo_with("aks-overlay");
    let plain = run_in(&repo, &["--format", "compact"]);
    let o = run_in(&repo, &["--compare-to", "HEAD", "--format", "compact"]);
    assert_eq!(o.status.code(), plain.status.code());
    assert_eq!(stdout(&o), stdout(&plain));
    assert!(stderr(&o).contains("no commits yet"), "{}", stderr(&o));
}

#[test]
fn compare_to_puts_migration_findings_on_working_tree_lines() {
    let case =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/MIG001/fire/git-kubernetes-1-26");
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = std::fs::canonicalize(tmp.path()).unwrap_or_else(|e| panic!("{e}"));
    common::git(&repo, &["init", "-q"]);
    copy_tree(&case.join("before"), &repo);
    common::git(&repo, &["add", "-A"]);
    common::git(&repo, &["commit", "-q", "-m", "before"]);
    copy_tree(&case.join("after"), &repo);
    let after = std::fs::read_to_string(repo.join("main.tf")).unwrap_or_default();
    for format in ["compact", "github", "checkstyle", "junit", "sarif"] {
        let o = run_in(&repo, &["--compare-to", "HEAD", "--format", format]);
        let text = stdout(&o);
        let line = match format {
            "compact" => text
                .lines()
                .find(|l| l.contains("MIG001"))
                .and_then(|l| l.split(':').nth(1))
                .and_then(|n| n.parse::<usize>().ok()),
            _ => None,
        };
        if let Some(line) = line {
            let at = after.lines().nth(line - 1).unwrap_or_default();
            assert!(
                at.contains("network_plugin_mode"),
                "{format}: line {line} is `{at}`"
            );
        }
        // No machine format names a before-state line as the primary location.
        assert!(!text.contains(":32:25"), "{format}: {text}");
    }
}

#[test]
fn long_lines_are_cut_around_the_label_in_text_output() {
    let case =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/MIG001/fire/plan-kubernetes-1-26");
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let text = std::fs::read_to_string(case.join("plan.json")).unwrap_or_default();
    let mut plan: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    // `terraform show -json` writes one long line; pad it as a real plan would be.
    plan["padding"] = serde_json::Value::String("x".repeat(200_000));
    let one_line = serde_json::to_string(&plan).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(tmp.path().join("plan.json"), &one_line).unwrap_or_else(|e| panic!("{e}"));
    let o = run_in(tmp.path(), &["--plan", "plan.json"]);
    let out = stdout(&o);
    assert!(out.contains("MIG001"), "{out}");
    assert!(out.len() < 10_000, "{} bytes of output", out.len());
    assert!(out.contains('…'), "{out}");
    assert!(out.lines().all(|l| l.chars().count() < 200), "{out}");
}

#[test]
fn templated_files_get_one_parse002_info_each() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        tmp.path().join("main.tf"),
        "resource \"azurerm_kubernetes_cluster\" \"aks\" {\n  name = \"{{ .Values.name }}\"\n  {{- if .Values.private }}\n  private_cluster_enabled = true\n  {{- end }}\n}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        tmp.path().join("main.bicepparam"),
        "using './main.bicep'\n{% for p in params %}\nparam {{ p.name }} = '{{ p.value }}'\n{% endfor %}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let o = run_in(tmp.path(), &["--format", "compact"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(
        stdout(&o),
        "main.bicepparam:2:1: info PARSE002 main.bicepparam looks like a template for another tool (`{{ ... }}` outside strings); skipped\n\
         main.tf:3:3: info PARSE002 main.tf looks like a template for another tool (`{{ ... }}` outside strings); skipped\n"
    );
}

/// A module that was not read may create what a rule found missing: the rule stays silent and
/// `--show-unknown` names the module (issue 16).
#[test]
fn unread_modules_make_absence_unknown_and_are_named() {
    let cases = [
        (
            "fixtures/NET010/pass/unknown-registry-module-unread",
            "NET010",
            "Azure/avm-res-authorization-roleassignment/azurerm",
        ),
        (
            "fixtures/NET010/pass/unknown-missing-local-module-unread",
            "NET010",
            "./modules/aks-rbac",
        ),
        (
            "fixtures/NET010/pass/bicep-unknown-registry-module-unread",
            "NET010",
            "br/public:avm/ptn/authorization/resource-role-assignment:0.1.1",
        ),
        (
            "fixtures/NET010/pass/bicep-unknown-linked-template-unread",
            "NET010",
            "unknown-linked-template-unread/modules/rbac.bicep",
        ),
        (
            "fixtures/NET010/pass/arm-unknown-linked-template-unread",
            "NET010",
            "unknown-linked-template-unread/nested/rbac.json",
        ),
        (
            "fixtures/NET016/pass/unknown-registry-module-unread",
            "NET016",
            "contoso/hub-routes/azurerm",
        ),
    ];
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (case, rule, module) in cases {
        let o = run_in(root, &["--format", "compact", "--show-unknown", case]);
        let out = stdout(&o);
        assert!(
            out.contains(&format!("EVAL001 {rule} could not decide: module `"))
                && out.contains(&format!("{module}` was not read and may create")),
            "{case}:\n{out}"
        );
        assert!(
            !out.contains(&format!("warning {rule} ")) && !out.contains(&format!("error {rule} ")),
            "{case}:\n{out}"
        );
    }
}

#[test]
fn a_directory_only_a_comment_calls_is_linted_as_a_root() {
    // The text scan takes `source = "../net1"` in a comment for a call: the directory joins its
    // "caller's" batch, and is evaluated as a root when no parsed module calls it. With no
    // variable files of its own, its batch evaluates it at once; with some (net2), the batch
    // runs again once they are read. Either way, the findings are those of the directory
    // scanned alone.
    let (_tmp, repo) = repo_with("aks-overlay");
    let example = repo.clone();
    for net in ["net1", "net2"] {
        copy_tree(&example.join("modules"), &repo.join(net).join("modules"));
        for f in ["main.tf", "terraform.tfvars"] {
            std::fs::copy(example.join(f), repo.join(net).join(f))
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    for f in ["main.tf", "terraform.tfvars"] {
        std::fs::remove_file(repo.join(f)).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::remove_dir_all(repo.join("modules")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::remove_file(repo.join("net1/terraform.tfvars")).unwrap_or_else(|e| panic!("{e}"));
    edit(
        &repo.join("net1/main.tf"),
        "variable \"pod_cidr\" {\n  type = string\n",
        "variable \"pod_cidr\" {\n  type    = string\n  default = \"10.244.0.0/20\"\n",
    );
    let alone = hits(&run_in(&repo, &["--format", "compact"]));
    assert!(
        alone.contains(&"net1/main.tf:16 OVL002".to_string()),
        "{alone:?}"
    );
    assert!(
        alone.contains(&"net2/terraform.tfvars:1 OVL002".to_string()),
        "{alone:?}"
    );
    for (app, net) in [("app1", "net1"), ("app2", "net2")] {
        std::fs::create_dir_all(repo.join(app)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            repo.join(app).join("main.tf"),
            format!("# module \"net\" {{\n#   source = \"../{net}\"\n# }}\n"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }
    let commented = hits(&run_in(&repo, &["--format", "compact"]));
    assert_eq!(commented, alone);
    // A `--var` only such a directory declares is declared.
    let var = run_in(
        &repo,
        &["--format", "compact", "--var", "pod_cidr=10.244.0.0/20"],
    );
    assert_eq!(var.status.code(), Some(1), "{}", stderr(&var));
}
