//! `docs/rules.md` and `docs/rules/<ID>.md` are generated from the rule files and `docs/subjects.md` from the document
//! schema; these fail when either is stale. Regenerate with `UPDATE_DOCS=1 cargo test --test docs`.

#![allow(
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking; JSON indexing in assertions"
)]

use std::path::Path;

#[test]
fn rules_doc_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let want = aks_netlint::cli::explain::docs_markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).unwrap_or_else(|e| panic!("{e}"));
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/rules.md is stale: run `UPDATE_DOCS=1 cargo test --test docs`"
    );
}

/// `docs/rules/<ID>.md`: one page per rule and per tool ID, none missing, none left over from a
/// removed rule.
#[test]
fn rule_pages_are_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    let pages = aks_netlint::rules::docs::pages();
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    if update {
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    }
    let mut stale = Vec::new();
    for (name, want) in &pages {
        let path = dir.join(name);
        if update {
            std::fs::write(&path, want).unwrap_or_else(|e| panic!("{e}"));
        }
        if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            stale.push(name.clone());
        }
    }
    let on_disk = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(Result::ok).collect::<Vec<_>>())
        .unwrap_or_default();
    for e in on_disk {
        let name = e.file_name().to_string_lossy().into_owned();
        if !pages.iter().any(|(n, _)| *n == name) {
            if update {
                std::fs::remove_file(e.path()).unwrap_or_else(|e| panic!("{e}"));
            } else {
                stale.push(format!("{name} (no such rule)"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "docs/rules/ is stale ({}): run `UPDATE_DOCS=1 cargo test --test docs`",
        stale.join(", ")
    );
}

#[test]
fn subjects_doc_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/subjects.md");
    let want = aks_netlint::model::subject::schema::markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).unwrap_or_else(|e| panic!("{e}"));
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/subjects.md is stale: run `UPDATE_DOCS=1 cargo test --test docs`"
    );
}

#[test]
fn every_catalog_id_is_listed() {
    let list = aks_netlint::cli::explain::list(false);
    for id in [
        "NET001",
        "NET015",
        "OVL006",
        "OVL010",
        "PARSE001",
        "PARSE002",
        "EVAL001",
        "EVAL002",
        "SUPPRESS003",
    ] {
        assert!(list.contains(id), "{id} missing from `rules`");
    }
}
