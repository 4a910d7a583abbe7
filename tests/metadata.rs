//! What the project says about itself stays true: the minimum Rust version, one repository URL
//! that everything links to, one version that every pin names, and an `action.yml` whose inputs
//! are declared where they are used.

#![allow(
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking; YAML indexing in assertions"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn yaml(rel: &str) -> Yaml {
    let docs = YamlLoader::load_from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    docs.into_iter()
        .next()
        .unwrap_or_else(|| panic!("{rel} is empty"))
}

/// `owner/name` of the project, from Cargo.toml's `repository`.
fn slug() -> &'static str {
    REPOSITORY
        .strip_prefix("https://github.com/")
        .unwrap_or_else(|| panic!("repository {REPOSITORY} is not a GitHub URL"))
}

/// `1.89` and `1.89.0` are the same version: missing parts are zero.
fn parse_version(v: &str) -> [u64; 3] {
    let mut out = [0; 3];
    for (slot, part) in out.iter_mut().zip(v.split('.')) {
        *slot = part.parse().unwrap_or(0);
    }
    out
}

/// No locked package, dev-dependencies included, needs a newer Rust than `rust-version` says.
#[test]
fn rust_version_is_the_newest_any_dependency_needs() {
    let ours = parse_version(env!("CARGO_PKG_RUST_VERSION"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("cargo metadata: {e}"));
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let packages = meta["packages"].as_array().cloned().unwrap_or_default();
    assert!(packages.len() > 50, "{} packages", packages.len());
    let newer: Vec<String> = packages
        .iter()
        .filter_map(|p| {
            let rv = p["rust_version"].as_str()?;
            (parse_version(rv) > ours).then(|| format!("{} {} needs {rv}", p["name"], p["version"]))
        })
        .collect();
    assert!(
        newer.is_empty(),
        "Cargo.toml says rust-version = {}, but: {newer:#?}",
        env!("CARGO_PKG_RUST_VERSION")
    );
}

fn files_that_name_the_project() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = [
        "README.md",
        "CHANGELOG.md",
        "action.yml",
        "Dockerfile",
        "pyproject.toml",
        ".pre-commit-hooks.yaml",
        "pre-commit-mirror/.pre-commit-hooks.yaml",
        "pre-commit-mirror/pyproject.toml",
        "pre-commit-mirror/README.md",
    ]
    .iter()
    .map(|f| root().join(f))
    .collect();
    for dir in [".github/workflows", "docs/rules"] {
        if let Ok(rd) = std::fs::read_dir(root().join(dir)) {
            files.extend(rd.filter_map(Result::ok).map(|e| e.path()));
        }
    }
    files
}

/// Every GitHub, GHCR or raw link to the project uses the owner in Cargo.toml.
#[test]
fn every_link_to_the_project_uses_the_repository_in_cargo_toml() {
    let owner = slug().split('/').next().unwrap_or_default();
    let re = regex::Regex::new(
        r"(?:github\.com/|ghcr\.io/|ACTION_REPO:-|uses: )([A-Za-z0-9_.-]+)/(aks-netlint)\b",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut wrong = Vec::new();
    let mut seen = 0;
    for f in files_that_name_the_project() {
        let text = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        for c in re.captures_iter(&text) {
            seen += 1;
            if &c[1] != owner {
                wrong.push(format!("{}: {}", f.display(), &c[0]));
            }
        }
    }
    assert!(seen > 10, "only {seen} links found");
    assert!(wrong.is_empty(), "links not under {REPOSITORY}: {wrong:#?}");
    assert!(read("action.yml").contains(&format!("ACTION_REPO:-{}", slug())));
}

/// Pins name the version being built: the mirror's dependency, the container hook's tag, the
/// README's `rev:` and `@v...`, and a CHANGELOG section.
#[test]
fn every_pin_names_this_version() {
    let mirror = read("pre-commit-mirror/pyproject.toml");
    assert!(
        mirror.contains(&format!("version = \"{VERSION}\"")),
        "mirror version"
    );
    assert!(
        mirror.contains(&format!("\"aks-netlint=={VERSION}\"")),
        "mirror pin"
    );
    let hooks = read("pre-commit-mirror/.pre-commit-hooks.yaml");
    assert!(
        hooks.contains(&format!("aks-netlint:v{VERSION}")),
        "docker hook tag"
    );
    let readme = read("README.md");
    let pins = regex::Regex::new(r"(?:rev: |@|aks-netlint:|aks-netlint==)v?(\d+\.\d+\.\d+)")
        .unwrap_or_else(|e| panic!("{e}"));
    let mut n = 0;
    for c in pins.captures_iter(&readme) {
        n += 1;
        assert_eq!(&c[1], VERSION, "README pins {}", &c[0]);
    }
    assert!(n >= 3, "the README pins a version only {n} times");
    assert!(read("CHANGELOG.md").contains(&format!("## [{VERSION}]")));
}

fn hooks(rel: &str) -> Vec<(String, String)> {
    yaml(rel)
        .as_vec()
        .unwrap_or_else(|| panic!("{rel} is not a list"))
        .iter()
        .map(|h| {
            let field = |k: &str| h[k].as_str().unwrap_or_default().to_string();
            assert!(
                !field("entry").is_empty() && !field("files").is_empty(),
                "{rel}: {h:?}"
            );
            (field("id"), field("language"))
        })
        .collect()
}

#[test]
fn hook_files_offer_the_languages_the_readme_promises() {
    let root_hooks = hooks(".pre-commit-hooks.yaml");
    assert!(root_hooks.contains(&("aks-netlint".into(), "rust".into())));
    assert!(root_hooks.contains(&("aks-netlint-docker".into(), "docker_image".into())));
    let mirror = hooks("pre-commit-mirror/.pre-commit-hooks.yaml");
    assert!(mirror.contains(&("aks-netlint".into(), "python".into())));
    assert!(mirror.contains(&("aks-netlint-docker".into(), "docker_image".into())));
}

/// `action.yml` as GitHub reads it: a composite action whose every `inputs.X` is declared, every
/// declared input used, and no cache key built from `hashFiles` (it sees only the workspace).
#[test]
fn action_yml_declares_what_it_uses() {
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let declared: Vec<String> = action["inputs"]
        .as_hash()
        .unwrap_or_else(|| panic!("no inputs"))
        .keys()
        .filter_map(|k| k.as_str().map(str::to_string))
        .collect();
    for want in ["version", "paths", "fail-level", "args", "sarif", "map"] {
        assert!(declared.iter().any(|d| d == want), "input {want} missing");
    }
    let text = read("action.yml");
    let used = regex::Regex::new(r"inputs\.([A-Za-z0-9_-]+)").unwrap_or_else(|e| panic!("{e}"));
    for c in used.captures_iter(&text) {
        assert!(
            declared.iter().any(|d| d == &c[1]),
            "inputs.{} is not declared",
            &c[1]
        );
    }
    for d in &declared {
        assert!(
            text.contains(&format!("inputs.{d}")),
            "input {d} is never used"
        );
    }
    let steps = action["runs"]["steps"]
        .as_vec()
        .cloned()
        .unwrap_or_default();
    let uses: Vec<&str> = steps.iter().filter_map(|s| s["uses"].as_str()).collect();
    assert!(
        uses.contains(&"github/codeql-action/upload-sarif@v4"),
        "{uses:?}"
    );
    // `map: true` uploads the page as an artifact.
    assert!(uses.contains(&"actions/upload-artifact@v6"), "{uses:?}");
    for s in &steps {
        if let Some(key) = s["with"]["key"].as_str() {
            assert!(!key.contains("hashFiles"), "cache key {key}");
        }
        if s["run"].as_str().is_some() {
            assert!(
                s["shell"].as_str().is_some(),
                "composite run steps need a shell"
            );
        }
    }
}
