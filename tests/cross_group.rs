//! Deployment files are evaluated by groups (a template, what it deploys, its parameter files),
//! each group by one worker. Two groups whose resources refer to each other only through ids (a
//! peering to the other's VNet, a role assignment on the other's subnet) must give the same
//! findings whether they are scanned together or each on its own.

#![allow(clippy::panic, reason = "tests fail by panicking")]

use std::path::{Path, PathBuf};

use aks_netlint::lint::{self, Options, Outcome};

fn fixture(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn repo(files: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir(dir.path().join(".git")).unwrap_or_else(|e| panic!("{e}"));
    for (name, text) in files {
        let p = dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(p, text).unwrap_or_else(|e| panic!("{e}"));
    }
    dir
}

fn run(paths: Vec<PathBuf>) -> Outcome {
    lint::run(&Options {
        paths,
        ..Options::default()
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

/// What a user sees of each finding: rule, file, line, message, related locations.
fn seen(out: &Outcome) -> Vec<String> {
    let at = |s: aks_netlint::source::Span| {
        format!(
            "{}:{}",
            out.sources.name(s.file),
            out.sources.position(s.file, s.start as usize).line
        )
    };
    let mut v: Vec<String> = out
        .findings
        .iter()
        .map(|f| {
            let related: Vec<String> = f.secondary.iter().map(|l| at(l.span)).collect();
            format!(
                "{} {} {} [{}]",
                f.rule,
                at(f.primary.span),
                f.message,
                related.join(", ")
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn groups_linked_only_by_peering_and_role_assignment_give_the_same_findings_apart() {
    // Each template peers its VNet with a VNet of the other scan and assigns a role on a
    // subnet by id: nothing deploys the other, so they are two groups.
    let dir = repo(&[
        (
            "hub/azuredeploy.json",
            fixture("AGC004/fire/arm-agc-in-peered-vnet/azuredeploy.json"),
        ),
        (
            "spoke/azuredeploy.json",
            fixture("AGIC005/fire/arm-gateway-in-peered-vnet/azuredeploy.json"),
        ),
        (
            "spoke/main.bicep",
            "resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' existing = {\n  name: 'hub-vnet'\n}\n"
                .to_string(),
        ),
    ]);
    let together = seen(&run(vec![dir.path().to_path_buf()]));
    assert!(
        together.iter().any(|f| f.starts_with("AGC004"))
            && together.iter().any(|f| f.starts_with("AGIC005")),
        "{together:#?}"
    );
    let mut apart = seen(&run(vec![dir.path().join("hub")]));
    apart.extend(seen(&run(vec![dir.path().join("spoke")])));
    apart.sort();
    assert_eq!(together, apart);
}
