//! The declared document schema (`model::subject::schema`, `docs/subjects.md`) matches what the
//! builders emit, in both directions, over every fixture: a field the code adds without
//! declaring it fails, and so does a declared field no fixture ever produces.

#![allow(clippy::panic, reason = "tests fail by panicking")]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use aks_netlint::model::subject::schema;
use aks_netlint::model::subject::SubjectKind;

/// Fire cases linted as a directory (or with their plan); git cases are covered by the
/// migration documents' own fields being declared through the cluster group.
fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    for rule in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        for kind in ["fire"] {
            for case in std::fs::read_dir(rule.path().join(kind))
                .into_iter()
                .flatten()
                .flatten()
            {
                if case.path().is_dir() && !case.path().join("before").is_dir() {
                    out.push(case.path());
                }
            }
        }
    }
    out.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/aks-overlay"));
    out.sort();
    out
}

/// Normalized paths of every document the rules saw, by kind.
fn emitted() -> BTreeMap<SubjectKind, BTreeSet<String>> {
    let mut seen: BTreeMap<SubjectKind, BTreeSet<String>> = BTreeMap::new();
    for case in cases() {
        let mut cmd = common::bin();
        cmd.env("AKS_NETLINT_DEBUG_MODEL", "1").arg(&case);
        let plan = case.join("plan.json");
        if plan.is_file() {
            cmd.arg("--plan").arg(&plan);
        }
        let out = cmd.output().unwrap_or_else(|e| panic!("{e}"));
        for line in String::from_utf8_lossy(&out.stderr).lines() {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let Some(kind) = v
                .get("kind")
                .and_then(|k| serde_json::from_value::<SubjectKind>(k.clone()).ok())
            else {
                continue;
            };
            let doc = v.get("document").cloned().unwrap_or_default();
            seen.entry(kind).or_default().extend(schema::emitted(&doc));
        }
    }
    seen
}

#[test]
fn the_schema_declares_what_the_builders_emit_and_nothing_else() {
    let seen = emitted();
    for kind in [SubjectKind::Cluster, SubjectKind::AgcAssociation] {
        let emitted = seen.get(&kind).cloned().unwrap_or_default();
        let declared: BTreeSet<String> = schema::fields(kind)
            .iter()
            .map(|f| f.path.clone())
            .collect();
        let undeclared: Vec<_> = emitted.difference(&declared).collect();
        assert!(
            undeclared.is_empty(),
            "{} documents have fields the schema does not declare: {undeclared:?}",
            kind.as_str()
        );
        // Groups repeat the same fields under several paths; a group field counts as emitted
        // when any of its places emits it.
        let group_of = |p: &str| -> String {
            for g in ["pools.subnet.", "pools.pod_subnet.", "api.subnet."] {
                if let Some(rest) = p.strip_prefix(g) {
                    return format!("<subnet>.{rest}");
                }
            }
            p.to_string()
        };
        let emitted_groups: BTreeSet<String> = emitted.iter().map(|p| group_of(p)).collect();
        let never: Vec<_> = declared
            .iter()
            .filter(|p| !emitted_groups.contains(&group_of(p)))
            .collect();
        assert!(
            never.is_empty(),
            "{} fields declared but never emitted by any fixture (stale schema?): {never:?}",
            kind.as_str()
        );
    }
}
