//! Criterion benchmarks: parse, evaluate+model+rules, and the whole pipeline, on the bundled
//! example and on every fixture. Run with `cargo bench`.

use std::hint::black_box;
use std::path::PathBuf;

use aks_netlint::lint::{self, Options};
use criterion::{criterion_group, criterion_main, Criterion};

aks_netlint::global_allocator!();

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bench(c: &mut Criterion) {
    let example = root().join("examples/aks-overlay");
    let module = std::fs::read_to_string(example.join("modules/aks/main.tf")).unwrap_or_default();
    c.bench_function("parse one module file", |b| {
        b.iter(|| black_box(aks_netlint::frontends::hcl::parse_body(black_box(&module)).is_ok()))
    });
    // The parser it replaced, for comparison (tests/hcl_parity.rs holds them to the same trees).
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
    // ARM and Bicep frontends: parse alone, then the whole pipeline on one twin pair.
    let twin = root().join("fixtures/NET012/fire/arm-param-flat-subnet");
    let arm_text = std::fs::read_to_string(twin.join("azuredeploy.json")).unwrap_or_default();
    c.bench_function("parse one ARM template (jsonc-parser + expressions)", |b| {
        b.iter(|| {
            let doc = aks_netlint::frontends::json::parse(black_box(&arm_text));
            let t = doc.map(|d| {
                aks_netlint::frontends::arm::template(&d, 0, &arm_text, &mut |_, _| None)
                    .resources
                    .len()
            });
            black_box(t.unwrap_or(0))
        })
    });
    let bicep_dir = root().join("fixtures/NET012/fire/bicep-param-flat-subnet");
    let bicep_text = std::fs::read_to_string(bicep_dir.join("main.bicep")).unwrap_or_default();
    c.bench_function("parse one Bicep file", |b| {
        b.iter(|| {
            black_box(
                aks_netlint::frontends::bicep::parse(black_box(&bicep_text), 0)
                    .template
                    .resources
                    .len(),
            )
        })
    });
    for (name, dir) in [("ARM template", twin), ("Bicep file", bicep_dir)] {
        let opts = Options {
            paths: vec![dir],
            ..Options::default()
        };
        c.bench_function(&format!("lint one {name} (evaluate, model, rules)"), |b| {
            b.iter(|| black_box(lint::run(&opts).map(|o| o.findings.len()).unwrap_or(0)))
        });
    }
    let all = Options {
        paths: vec![root().join("fixtures")],
        ..Options::default()
    };
    c.bench_function("lint all fixtures (Terraform, ARM and Bicep)", |b| {
        b.iter(|| black_box(lint::run(&all).map(|o| o.findings.len()).unwrap_or(0)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
