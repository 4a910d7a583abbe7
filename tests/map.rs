//! `aks-netlint map` end to end on the bundled examples: the JSON plan (insta snapshots), the
//! SVG parsed as XML (lanes, and the hatch each conflict references), the self-contained page
//! (no network), the default file name, and docs/map-example.svg kept current
//! (`UPDATE_DOCS=1 cargo test --test map` regenerates it).

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail by panicking; JSON indexing in assertions"
)]

mod common;

use std::path::Path;

use common::{run_in, stdout};
use serde_json::Value as Json;

const EXAMPLES: &[&str] = &["examples/aks-overlay", "examples/bicep-overlay"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn map(example: &str, format: &str) -> String {
    let out = run_in(root(), &["map", example, "--format", format]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    stdout(&out)
}

#[test]
fn json_plan_of_the_examples() {
    for ex in EXAMPLES {
        let text = map(ex, "json");
        let doc: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["version"], 1);
        let name = ex.replace('/', "__");
        insta::assert_snapshot!(format!("map_json_{name}"), text);
    }
}

#[test]
fn svg_has_lanes_and_every_conflict_is_hatched() {
    for ex in EXAMPLES {
        let plan: Json = serde_json::from_str(&map(ex, "json")).unwrap();
        let svg = map(ex, "svg");
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{ex}: {e}"));
        let has_class = |n: &roxmltree::Node<'_, '_>, c: &str| {
            n.attribute("class")
                .is_some_and(|k| k.split(' ').any(|x| x == c))
        };
        assert!(
            doc.descendants()
                .any(|n| n.has_tag_name("pattern") && n.attribute("id") == Some("hatch")),
            "{ex}: no hatch pattern"
        );
        let variant = &plan["variants"][0];
        let lanes: usize = variant["families"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| f["blocks"].as_array().unwrap())
            .map(|b| b["lanes"].as_array().unwrap().len())
            .sum();
        let drawn = doc.descendants().filter(|n| has_class(n, "lane")).count();
        assert_eq!(
            drawn, lanes,
            "{ex}: one <g class=lane> per lane of the plan"
        );
        for lane in doc.descendants().filter(|n| has_class(n, "lane")) {
            let scale = lane.attribute("data-scale").unwrap();
            assert!(variant["ranges"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["id"] == scale));
        }
        let conflicts = variant["conflicts"].as_array().unwrap();
        assert!(
            !conflicts.is_empty(),
            "{ex}: the example has an overlap finding"
        );
        for c in conflicts {
            let id = c["id"].as_str().unwrap();
            let hatched: Vec<_> = doc
                .descendants()
                .filter(|n| has_class(n, "conflict") && n.attribute("data-conflict") == Some(id))
                .collect();
            assert!(!hatched.is_empty(), "{ex}: conflict {id} is not drawn");
            for h in hatched {
                assert_eq!(h.attribute("fill"), Some("url(#hatch)"));
                assert_eq!(h.attribute("data-rule"), c["rule"].as_str());
                let link = h.parent().and_then(|a| a.attribute("href")).unwrap_or("");
                assert!(link.ends_with(&format!("docs/rules/{}.md", c["rule"].as_str().unwrap())));
            }
        }
        // Every verified fix that rewrites a drawn range is a dashed outline over that range.
        let proposals = variant["proposals"].as_array().unwrap();
        assert!(!proposals.is_empty(), "{ex}: the example has a CIDR fix");
        for p in proposals {
            let id = p["id"].as_str().unwrap();
            let range = p["range"].as_str().unwrap();
            let outlines: Vec<_> = doc
                .descendants()
                .filter(|n| has_class(n, "proposal") && n.attribute("data-proposal") == Some(id))
                .collect();
            assert!(!outlines.is_empty(), "{ex}: proposal {id} is not drawn");
            for o in outlines {
                assert_eq!(o.attribute("data-range"), Some(range));
                let lane = o.ancestors().find(|n| has_class(n, "lane")).unwrap();
                let members: Vec<&str> = variant["families"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|f| f["blocks"].as_array().unwrap())
                    .flat_map(|b| b["lanes"].as_array().unwrap())
                    .filter(|l| l["scale"].as_str() == lane.attribute("data-scale"))
                    .flat_map(|l| l["members"].as_array().unwrap())
                    .filter_map(|m| m.as_str())
                    .collect();
                assert!(
                    members.contains(&range),
                    "{ex}: {id} drawn outside its range's lane"
                );
            }
        }
    }
}

#[test]
fn html_is_self_contained_and_defaults_to_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let ex = root().join("examples/aks-overlay");
    let out = run_in(dir.path(), &["map", ex.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert!(stdout(&out).is_empty());
    let html = std::fs::read_to_string(dir.path().join("aks-netlint-map.html")).unwrap();
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("default-src 'none'"));
    for needle in [" src=", "url(http", "@import", "<link"] {
        assert!(!html.contains(needle), "the page loads something: {needle}");
    }
    assert!(html.contains("data-conflict=\"c0\""));
    // Nothing else was written.
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1);
}

#[test]
fn output_flag_writes_the_named_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("plan.json");
    let ex = root().join("examples/bicep-overlay");
    let out = run_in(
        dir.path(),
        &[
            "map",
            ex.to_str().unwrap(),
            "--format",
            "json",
            "-o",
            target.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let doc: Json = serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(doc["version"], 1);
}

#[test]
fn readme_example_svg_is_current() {
    let path = root().join("docs/map-example.svg");
    let want = map("examples/aks-overlay", "svg");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/map-example.svg is stale: run `UPDATE_DOCS=1 cargo test --test map`"
    );
}

/// Every key of the JSON plan is documented in docs/map.md.
#[test]
fn json_keys_are_documented() {
    fn keys(v: &Json, out: &mut std::collections::BTreeSet<String>) {
        match v {
            Json::Object(m) => {
                for (k, x) in m {
                    out.insert(k.clone());
                    keys(x, out);
                }
            }
            Json::Array(a) => a.iter().for_each(|x| keys(x, out)),
            _ => {}
        }
    }
    let doc = std::fs::read_to_string(root().join("docs/map.md")).unwrap();
    let mut all = std::collections::BTreeSet::new();
    for ex in EXAMPLES {
        keys(&serde_json::from_str(&map(ex, "json")).unwrap(), &mut all);
    }
    for k in all {
        assert!(
            doc.contains(&format!("`{k}`")),
            "docs/map.md does not document `{k}`"
        );
    }
}

fn vnets_of(variant: &Json) -> Vec<String> {
    variant["ranges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "vnet")
        .map(|r| r["cidr"].as_str().unwrap().to_string())
        .collect()
}

/// A template with two parameter files is two variants, as `check` evaluates it twice.
#[test]
fn each_parameter_file_is_a_variant() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("main.bicep"),
        "param vnetCidr string\nresource vnet 'Microsoft.Network/virtualNetworks@2023-05-01' = {\n  name: 'vnet-app'\n  location: 'westeurope'\n  properties: {\n    addressSpace: {\n      addressPrefixes: [\n        vnetCidr\n      ]\n    }\n  }\n}\n",
    )
    .unwrap();
    let params = |cidr: &str| {
        format!("{{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#\", \"contentVersion\": \"1.0.0.0\", \"parameters\": {{\"vnetCidr\": {{\"value\": \"{cidr}\"}}}}}}")
    };
    std::fs::write(p.join("main.parameters.dev.json"), params("10.1.0.0/16")).unwrap();
    std::fs::write(p.join("main.parameters.prod.json"), params("10.2.0.0/16")).unwrap();
    let out = run_in(p, &["map", ".", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let doc: Json = serde_json::from_str(&stdout(&out)).unwrap();
    let variants: Vec<(String, Vec<String>)> = doc["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["name"].as_str().unwrap().to_string(), vnets_of(v)))
        .collect();
    assert_eq!(
        variants,
        [
            (
                "main.parameters.dev.json".to_string(),
                vec!["10.1.0.0/16".to_string()]
            ),
            (
                "main.parameters.prod.json".to_string(),
                vec!["10.2.0.0/16".to_string()]
            ),
        ]
    );
    // The page offers both.
    let out = run_in(p, &["map", ".", "-o", "map.html"]);
    assert_eq!(out.status.code(), Some(0));
    let html = std::fs::read_to_string(p.join("map.html")).unwrap();
    assert!(html.contains("<select id=\"variant\">"));
    assert!(html.contains(">main.parameters.prod.json</option>"));
}

/// `--compare-to` adds the revision's plan as a variant beside the working tree's.
#[test]
fn compare_to_draws_before_and_after() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let tf = |cidr: &str| {
        format!("resource \"azurerm_virtual_network\" \"v\" {{\n  name = \"vnet\"\n  location = \"westeurope\"\n  resource_group_name = \"rg\"\n  address_space = [\"{cidr}\"]\n}}\n")
    };
    std::fs::write(p.join("main.tf"), tf("10.0.0.0/16")).unwrap();
    common::git(p, &["init", "-q"]);
    common::git(p, &["add", "."]);
    common::git(p, &["commit", "-q", "-m", "before"]);
    std::fs::write(p.join("main.tf"), tf("10.9.0.0/16")).unwrap();
    let out = run_in(p, &["map", ".", "--compare-to", "HEAD", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let doc: Json = serde_json::from_str(&stdout(&out)).unwrap();
    let v = doc["variants"].as_array().unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["name"], "working tree (after)");
    assert_eq!(vnets_of(&v[0]), ["10.9.0.0/16"]);
    assert_eq!(v[1]["name"], "HEAD (before)");
    assert_eq!(vnets_of(&v[1]), ["10.0.0.0/16"]);
}

/// An unknown value is a placeholder with its reason, never a guessed range.
#[test]
fn unknown_values_are_placeholders() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("main.tf"),
        "variable \"space\" { type = string }\nresource \"azurerm_virtual_network\" \"v\" {\n  name = \"vnet\"\n  location = \"westeurope\"\n  resource_group_name = \"rg\"\n  address_space = [var.space]\n}\n",
    )
    .unwrap();
    let out = run_in(p, &["map", ".", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let doc: Json = serde_json::from_str(&stdout(&out)).unwrap();
    let v = &doc["variants"][0];
    assert!(vnets_of(v).is_empty());
    let u = &v["unknowns"][0];
    assert_eq!(u["kind"], "vnet");
    assert_eq!(u["name"], "vnet");
    assert!(u["reason"].as_str().unwrap().contains("space"), "{u}");
    let svg = run_in(p, &["map", ".", "--format", "svg"]);
    assert!(stdout(&svg).contains("class=\"unknown\""));
}
