//! Each machine format read back as its consumer would: SARIF validated against the official
//! 2.1.0 JSON schema (from `../shared/schemas/`), JUnit and checkstyle through an XML parser, and
//! GitHub workflow commands against the runner's grammar.

#![allow(
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking; JSON indexing in assertions"
)]

use std::path::Path;
use std::process::Command;

fn lint(format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_aks-netlint"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["examples/aks-overlay", "--format", format])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1), "the example has findings");
    String::from_utf8(out.stdout).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn sarif_validates_against_the_2_1_0_schema() {
    let text = lint("sarif");
    let log: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let schema_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/schemas/sarif-schema-2.1.0.json");
    match std::fs::read_to_string(&schema_path) {
        Ok(schema) => {
            let schema: serde_json::Value =
                serde_json::from_str(&schema).unwrap_or_else(|e| panic!("{e}"));
            let validator = jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{e}"));
            let errors: Vec<String> = validator
                .iter_errors(&log)
                .map(|e| format!("{} at {}", e, e.instance_path))
                .collect();
            assert!(errors.is_empty(), "SARIF schema errors: {errors:#?}");
        }
        Err(_) => eprintln!(
            "note: {} is absent; SARIF schema validation skipped",
            schema_path.display()
        ),
    }
    // What GitHub code scanning relies on.
    let run = &log["runs"][0];
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(run["tool"]["driver"]["name"], "aks-netlint");
    let results = run["results"].as_array().map_or(0, Vec::len);
    assert_eq!(results, 7);
    let r = &run["results"][0];
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
        "%SRCROOT%"
    );
    assert!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .is_some_and(|u| !u.starts_with('/'))
    );
    assert!(r["partialFingerprints"]["aksNetlint/v1"]
        .as_str()
        .is_some_and(|f| f.len() == 16));
    let rule = &run["tool"]["driver"]["rules"][r["ruleIndex"].as_u64().unwrap_or(0) as usize];
    assert_eq!(rule["id"], r["ruleId"]);
    assert!(rule["helpUri"]
        .as_str()
        .is_some_and(|u| u.starts_with("https://")));
    assert!(rule["fullDescription"]["text"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    // Every rule, not only the ones that fired: GitHub shows the descriptor of any alert.
    let repo = env!("CARGO_PKG_REPOSITORY");
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(rules.len() > 90, "{} rules", rules.len());
    for rule in rules {
        let id = rule["id"].as_str().unwrap_or_default();
        let uri = rule["helpUri"].as_str().unwrap_or_default();
        assert!(uri.starts_with(repo), "{id}: helpUri {uri}");
        let page = uri.rsplit('/').next().unwrap_or_default();
        assert_eq!(page, format!("{id}.md"));
        assert!(docs.join(page).is_file(), "{id}: docs/rules/{page} missing");
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .is_some_and(|m| m.contains("|")),
            "{id}: no help.markdown"
        );
        let tags = rule["properties"]["tags"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(tags.len() >= 2, "{id}: tags {tags:?}");
        assert!(
            rule["properties"].get("security-severity").is_none(),
            "{id}: these are not security findings"
        );
    }
}

#[test]
fn github_commands_follow_the_runner_grammar() {
    let text = lint("github");
    let re = regex::Regex::new(
        r"^::(error|warning|notice) file=[^,:]+,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=[A-Z]+\d{3}::[^\r\n]+$",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7);
    for l in lines {
        assert!(re.is_match(l), "not a workflow command: {l}");
    }
    assert!(text.contains("::notice file=examples/aks-overlay/terraform.tfvars,line=1,col=12,endLine=1,endColumn=27,title=OVL009::"));
}

#[test]
fn junit_and_checkstyle_parse_as_xml() {
    let junit = lint("junit");
    let doc = roxmltree::Document::parse(&junit).unwrap_or_else(|e| panic!("{e}"));
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap_or_else(|| panic!("no testsuite"));
    assert_eq!(suite.attribute("tests"), Some("7"));
    assert_eq!(suite.attribute("failures"), Some("6"));
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 7);
    assert!(
        cases
            .iter()
            .filter(|c| c.children().any(|x| x.has_tag_name("failure")))
            .count()
            == 6
    );

    let cs = lint("checkstyle");
    let doc = roxmltree::Document::parse(&cs).unwrap_or_else(|e| panic!("{e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "checkstyle");
    let errors: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("error"))
        .collect();
    assert_eq!(errors.len(), 7);
    for e in errors {
        for a in ["line", "column", "severity", "message", "source"] {
            assert!(e.attribute(a).is_some(), "missing {a}");
        }
    }
}

#[test]
fn xml_escaping_survives_hostile_text() {
    let s = aks_netlint::report::xml::escape("a<b>&\"'\u{1}\nz");
    let doc = format!("<x a=\"{s}\">{s}</x>");
    let parsed = roxmltree::Document::parse(&doc).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed.root_element().attribute("a"), Some("a<b>&\"'\nz"));
}

/// The problem matchers we ship read the compact format as the editor or runner would: the
/// GitHub one (`.github/aks-netlint-matcher.json`) every error and warning line, the VS Code task
/// (`examples/vscode/tasks.json`, JSON with comments) every line, each group in its place.
#[test]
fn compact_lines_match_the_shipped_problem_matchers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = lint("compact");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7);

    let github: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join(".github/aks-netlint-matcher.json"))
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let tasks = std::fs::read_to_string(root.join("examples/vscode/tasks.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    let tasks = jsonc_value(&tasks);
    let rule_id = regex::Regex::new(r"^[A-Z]+\d{3}$").unwrap_or_else(|e| panic!("{e}"));
    let matchers = [
        (&github["problemMatcher"][0]["pattern"][0], false),
        (&tasks["tasks"][0]["problemMatcher"]["pattern"], true),
    ];
    for (pattern, takes_info) in matchers {
        let re = regex::Regex::new(pattern["regexp"].as_str().unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"));
        let group = |c: &regex::Captures<'_>, name: &str| {
            let i = pattern[name].as_u64().unwrap_or(0) as usize;
            c.get(i).map_or("", |m| m.as_str()).to_string()
        };
        for line in &lines {
            let is_info = line.contains(": info ");
            let Some(c) = re.captures(line) else {
                assert!(is_info && !takes_info, "{line} not matched by {pattern}");
                continue;
            };
            assert!(root.join(group(&c, "file")).is_file(), "{line}");
            assert!(group(&c, "line").parse::<u32>().is_ok_and(|n| n > 0));
            assert!(group(&c, "column").parse::<u32>().is_ok_and(|n| n > 0));
            assert!(["error", "warning", "info"].contains(&group(&c, "severity").as_str()));
            assert!(rule_id.is_match(&group(&c, "code")));
            assert!(!group(&c, "message").is_empty());
        }
    }
}

/// JSON with comments (VS Code's `tasks.json`) as a plain JSON value.
fn jsonc_value(text: &str) -> serde_json::Value {
    let stripped: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    serde_json::from_str(&stripped).unwrap_or_else(|e| panic!("tasks.json: {e}"))
}
