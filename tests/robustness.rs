//! Property tests: every fixture file (Terraform, ARM JSON, Bicep), mutated (byte flips, truncation, line deletion and
//! duplication, inserted unicode and brackets, CRLF, BOM), must lint without panicking, within a
//! time bound, with every reported range inside its file. `PROPTEST_CASES` raises the budget
//! (`bench/fuzz.sh` runs a large one).

#![allow(
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking; JSON indexing in assertions"
)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aks_netlint::lint::{self, Options};
use proptest::prelude::*;

/// Every fixture file: the name to write it under, and its text.
fn fixture_files() -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let name = match p.extension().and_then(|x| x.to_str()) {
                    Some("tf" | "tfvars") => "main.tf",
                    Some("json") => "azuredeploy.json",
                    Some("bicep") => "main.bicep",
                    _ => continue,
                };
                out.push((name, std::fs::read_to_string(&p).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    DeleteLine(usize),
    DuplicateLine(usize),
    Insert(usize, String),
    Crlf,
    Bom,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (
            any::<usize>(),
            prop_oneof![
                "\\PC{0,8}",
                Just("{".repeat(80)),
                Just("${".to_string()),
                Just("\"".to_string()),
                Just("local.x".to_string()),
                Just("[concat(parameters('a'), variables('".to_string()),
                Just("'${".to_string()),
                Just("[for x in ".to_string()),
                Just("resource x 'Microsoft.Network/virtualNetworks@2023' = {".to_string()),
                Just("cidrsubnet(\"10.0.0.0/8\", 40, 1)".to_string()),
            ]
        )
            .prop_map(|(i, s)| Mutation::Insert(i, s)),
        Just(Mutation::Crlf),
        Just(Mutation::Bom),
    ]
}

fn apply(text: &str, muts: &[Mutation]) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for m in muts {
        let n = bytes.len().max(1);
        match m {
            Mutation::Flip(i, b) => {
                if let Some(x) = bytes.get_mut(i % n) {
                    *x ^= b;
                }
            }
            Mutation::Truncate(i) => bytes.truncate(i % n),
            Mutation::DeleteLine(i) | Mutation::DuplicateLine(i) => {
                let lines: Vec<&[u8]> = bytes.split(|c| *c == b'\n').collect();
                let k = i % lines.len().max(1);
                let mut out: Vec<&[u8]> = Vec::new();
                for (j, l) in lines.iter().enumerate() {
                    if j != k || matches!(m, Mutation::DuplicateLine(_)) {
                        out.push(l);
                    }
                    if j == k && matches!(m, Mutation::DuplicateLine(_)) {
                        out.push(l);
                    }
                }
                bytes = out.join(&b'\n');
            }
            Mutation::Insert(i, s) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, s.bytes());
            }
            Mutation::Crlf => {
                bytes = String::from_utf8_lossy(&bytes)
                    .replace('\n', "\r\n")
                    .into_bytes()
            }
            Mutation::Bom => {
                bytes.splice(0..0, [0xEF, 0xBB, 0xBF]);
            }
        }
    }
    bytes
}

/// 64 cases by default; `PROPTEST_CASES` raises it.
fn budget() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

fn check(dir: &Path) {
    let started = Instant::now();
    let out = lint::run(&Options {
        paths: vec![PathBuf::from(dir)],
        ..Options::default()
    });
    assert!(started.elapsed() < Duration::from_secs(5), "too slow");
    if let Ok(o) = out {
        for f in &o.findings {
            for l in std::iter::once(&f.primary).chain(&f.secondary) {
                let len = o.sources.get(l.span.file).map_or(0, |s| s.len());
                assert!(
                    l.span.start <= l.span.end && (l.span.end as usize) <= len,
                    "range outside file: {f:?}"
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: budget(), ..ProptestConfig::default() })]
    #[test]
    fn mutated_fixtures_never_panic(idx in any::<usize>(), muts in proptest::collection::vec(mutation(), 1..6)) {
        let files = fixture_files();
        let Some((name, src)) = files.get(idx % files.len().max(1)) else { return Ok(()) };
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir(dir.path().join(".git")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join(name), apply(src, &muts)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("terraform.tfvars"), apply("pod_cidr = \"10.244.0.0/20\"\n", &muts)).unwrap_or_else(|e| panic!("{e}"));
        check(dir.path());
    }
}
