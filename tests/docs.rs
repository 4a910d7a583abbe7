//! `docs/rules.md` is generated from the rule files and `docs/subjects.md` from the document
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
