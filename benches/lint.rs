//! Criterion benchmarks: parse, evaluate+model+rules, and the whole pipeline, on the bundled
//! example and on every fixture. Run with `cargo bench`.

use std::hint::black_box;
use std::path::PathBuf;

use aks_netlint::lint::{self, Options};
use criterion::{criterion_group, criterion_main, Criterion};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bench(c: &mut Criterion) {
    let example = root().join("examples/aks-overlay");
    let module = std::fs::read_to_string(example.join("modules/aks/main.tf")).unwrap_or_default();
    c.bench_function("parse one module file (hcl-edit)", |b| {
        b.iter(|| black_box(hcl_edit::parser::parse_body(black_box(&module)).is_ok()))
    });
    let one = Options {
        paths: vec![example],
        ..Options::default()
    };
    c.bench_function("lint example project (3 files, 8 resources)", |b| {
        b.iter(|| black_box(lint::run(&one).map(|o| o.findings.len()).unwrap_or(0)))
    });
    let all = Options {
        paths: vec![root().join("fixtures")],
        ..Options::default()
    };
    c.bench_function("lint all fixtures (90 roots)", |b| {
        b.iter(|| black_box(lint::run(&all).map(|o| o.findings.len()).unwrap_or(0)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
