//! ARM and Bicep as a user meets them: syntax errors at the right line with the rest of the
//! file still linted, malformed or foreign JSON, cyclic variables, oversized templates,
//! parameter file pairing and `--param-file`, modules kept in hidden directories.

#![allow(clippy::panic, reason = "tests fail by panicking")]

use std::path::Path;

use aks_netlint::lint::{self, Options, Outcome};

fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
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

fn run(dir: &Path, param_files: Vec<std::path::PathBuf>) -> Outcome {
    lint::run(&Options {
        paths: vec![dir.to_path_buf()],
        param_files,
        ..Options::default()
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

fn line_of(out: &Outcome, rule: &str) -> Vec<usize> {
    out.findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| {
            out.sources
                .position(f.primary.span.file, f.primary.span.start as usize)
                .line
        })
        .collect()
}

const CLUSTER_BICEP: &str =
    "resource aks 'Microsoft.ContainerService/managedClusters@2024-09-01' = {
  name: 'aks'
  properties: {
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      podCidr: '172.16.0.0/12'
    }
  }
}
";

#[test]
fn bicep_syntax_error_is_reported_at_its_line_and_the_rest_still_lints() {
    let text =
        format!("param a string = 'x'\nvar b = concat(a,\nparam c int = 1\n\n{CLUSTER_BICEP}");
    let dir = repo(&[("main.bicep", &text)]);
    let out = run(dir.path(), Vec::new());
    assert_eq!(line_of(&out, "PARSE001"), vec![3], "{:?}", out.findings);
    let net = line_of(&out, "NET001");
    assert!(!net.is_empty() && net.iter().all(|l| *l == 11), "{net:?}");
}

#[test]
fn malformed_json_template_is_a_parse_error_not_a_panic() {
    let dir = repo(&[(
        "azuredeploy.json",
        "{\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",\n  \"resources\": [ {,\n}",
    )]);
    let out = run(dir.path(), Vec::new());
    assert_eq!(line_of(&out, "PARSE001"), vec![3]);
}

#[test]
fn foreign_json_is_ignored_and_a_wrong_azure_schema_is_reported() {
    let dir = repo(&[
        ("package.json", "{ \"name\": \"x\" }"),
        (
            "bad.json",
            "{\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplat.json#\",\n  \"resources\": []\n}",
        ),
    ]);
    let out = run(dir.path(), Vec::new());
    let parse: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.rule == "PARSE001")
        .collect();
    assert_eq!(parse.len(), 1, "{:?}", out.findings);
    assert!(parse[0].message.contains("bad.json"));
}

#[test]
fn cyclic_variables_stop_with_eval002_and_stay_unknown() {
    let dir = repo(&[(
        "azuredeploy.json",
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "variables": { "a": "[variables('b')]", "b": "[concat(variables('a'), '/16')]" },
  "resources": [{
    "type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-09-01", "name": "aks",
    "properties": { "networkProfile": { "networkPlugin": "azure", "networkPluginMode": "overlay", "podCidr": "[variables('a')]" } }
  }]
}"#,
    )]);
    let out = run(dir.path(), Vec::new());
    assert!(
        out.findings.iter().any(|f| f.rule == "EVAL002"),
        "{:?}",
        out.findings
    );
    assert!(!out
        .findings
        .iter()
        .any(|f| f.rule.starts_with("NET") || f.rule.starts_with("OVL")));
}

#[test]
fn huge_template_gets_a_clean_diagnostic() {
    let mut text = String::from(
        "{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\", \"variables\": {\"pad\": \"",
    );
    text.push_str(&"x".repeat(50 * 1024 * 1024));
    text.push_str("\"}}");
    let dir = repo(&[("big.json", &text)]);
    let out = run(dir.path(), Vec::new());
    let f = out.findings.iter().find(|f| f.rule == "PARSE001");
    assert!(
        f.is_some_and(|f| f.message.contains("limit")),
        "{:?}",
        out.findings
    );
}

#[test]
fn parameter_files_pair_by_name_and_by_flag() {
    let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": { "pods": { "type": "string" } },
  "resources": [{
    "type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-09-01", "name": "aks",
    "properties": { "networkProfile": { "networkPlugin": "azure", "networkPluginMode": "overlay", "podCidr": "[parameters('pods')]" } }
  }]
}"#;
    let params = |cidr: &str| {
        format!(
            "{{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#\", \"parameters\": {{\"pods\": {{\"value\": \"{cidr}\"}}}}}}"
        )
    };
    // No value: unknown, silent.
    let dir = repo(&[("main.json", template)]);
    assert!(run(dir.path(), Vec::new()).findings.is_empty());
    // Paired by name, one run per environment file.
    let prod = params("172.16.0.0/12");
    let dev = params("10.244.0.0/25");
    let dir = repo(&[
        ("main.json", template),
        ("main.parameters.prod.json", &prod),
        ("main.parameters.dev.json", &dev),
    ]);
    let out = run(dir.path(), Vec::new());
    let rules: Vec<&str> = out.findings.iter().map(|f| f.rule.as_str()).collect();
    assert!(
        rules.contains(&"NET001") && rules.contains(&"OVL009"),
        "{rules:?}"
    );
    // Named on the command line.
    let other = params("192.0.2.0/24");
    let dir = repo(&[("main.json", template), ("env/other.json", &other)]);
    let out = run(dir.path(), vec![dir.path().join("env/other.json")]);
    assert!(out.findings.iter().any(|f| f.rule == "NET001"));
}

#[test]
fn bicepparam_using_supplies_values() {
    let dir = repo(&[
        (
            "main.bicep",
            "param pods string\nresource aks 'Microsoft.ContainerService/managedClusters@2024-09-01' = {\n  name: 'aks'\n  properties: {\n    networkProfile: {\n      networkPlugin: 'azure'\n      networkPluginMode: 'overlay'\n      podCidr: pods\n    }\n  }\n}\n",
        ),
        ("main.bicepparam", "using './main.bicep'\n\nparam pods = '172.16.0.0/12'\n"),
    ]);
    let out = run(dir.path(), Vec::new());
    let f = out.findings.iter().find(|f| f.rule == "NET001");
    let f = f.unwrap_or_else(|| panic!("{:?}", out.findings));
    assert!(out
        .sources
        .name(f.primary.span.file)
        .ends_with("main.bicepparam"));
}

/// Where NET001 fires, as `file:line`.
/// `file:line` of each finding of `rule`.
fn located(out: &Outcome, rule: &str) -> Vec<String> {
    out.findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| {
            let at = out
                .sources
                .position(f.primary.span.file, f.primary.span.start as usize);
            format!("{}:{}", out.sources.name(f.primary.span.file), at.line)
        })
        .collect()
}

#[test]
fn modules_in_hidden_directories_are_read_through_their_caller() {
    // The walk skips hidden directories; what a scanned template deploys is read anyway, and a
    // hidden module named on its own finds its caller (ResourceModules keeps `.bicep/` modules).
    let main = "module aks '.bicep/aks.bicep' = {\n  name: 'aks'\n}\n";
    let dir = repo(&[("main.bicep", main), (".bicep/aks.bicep", CLUSTER_BICEP)]);
    let hidden = dir.path().join(".bicep/aks.bicep");
    let whole = run(dir.path(), Vec::new());
    let at = located(&whole, "NET001");
    assert!(
        !at.is_empty() && at.iter().all(|a| a.ends_with(".bicep/aks.bicep:7")),
        "{at:?}"
    );
    let alone = lint::run(&Options {
        paths: vec![hidden],
        ..Options::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(located(&alone, "NET001"), at);
}

#[test]
fn linked_templates_are_followed_whatever_the_key_case_and_slash_escapes() {
    // ARM property names are case-insensitive and JSON may escape `/`: the lowering reads
    // `"RelativePath": ".nested\/net.json"`, so the search for what a template deploys must too
    // (else the hidden template is never read and its cluster goes unchecked).
    let main = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [{
    "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "net",
    "properties": { "mode": "Incremental", "TemplateLink": { "RelativePath": ".nested\/net.json" } }
  }]
}"#;
    let nested = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [{
    "type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-09-01", "name": "aks",
    "properties": { "networkProfile": { "networkPlugin": "kubenet", "podCidr": "10.244.0.0/16" } }
  }]
}"#;
    let dir = repo(&[("main.json", main), (".nested/net.json", nested)]);
    let out = run(dir.path(), Vec::new());
    let kubenet: Vec<String> = out
        .findings
        .iter()
        .filter(|f| f.rule == "NET013")
        .map(|f| out.sources.name(f.primary.span.file).to_string())
        .collect();
    assert!(
        !kubenet.is_empty() && kubenet.iter().all(|f| f.ends_with(".nested/net.json")),
        "{kubenet:?} {:?}",
        out.unread
    );
    assert!(out.unread.is_empty(), "{:?}", out.unread);
}

#[test]
fn compiled_bicep_beside_its_source_is_not_linted_twice() {
    let compiled = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "metadata": { "_generator": { "name": "bicep", "version": "0.30.0" } },
  "resources": [{
    "type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-09-01", "name": "aks",
    "properties": { "networkProfile": { "networkPlugin": "azure", "networkPluginMode": "overlay", "podCidr": "172.16.0.0/12" } }
  }]
}"#;
    let dir = repo(&[("main.bicep", CLUSTER_BICEP), ("main.json", compiled)]);
    let out = run(dir.path(), Vec::new());
    let files: Vec<String> = out
        .findings
        .iter()
        .filter(|f| f.rule == "NET001")
        .map(|f| out.sources.name(f.primary.span.file).to_string())
        .collect();
    assert!(
        !files.is_empty() && files.iter().all(|f| f.ends_with("main.bicep")),
        "{files:?}"
    );
}

/// `bicep build` output with a syntax error after `pad` bytes of description, and `metadata`
/// before or after it.
fn compiled_broken_after(pad: usize, metadata_first: bool) -> String {
    let schema = r#""$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#""#;
    let metadata = r#""metadata": { "_generator": { "name": "bicep", "version": "0.30.0" } }"#;
    let filler = format!(r#""contentVersion": "1.0.0.{}""#, "0".repeat(pad));
    let (first, second) = if metadata_first {
        (metadata, filler.as_str())
    } else {
        (filler.as_str(), metadata)
    };
    format!("{{\n  {schema},\n  {first},\n  {second},\n  \"resources\": [1,, 2]\n}}\n")
}

#[test]
fn compiled_bicep_beside_its_source_is_read_by_its_head_only() {
    // Linted from its source: past the `$schema` and `metadata` that say what it is, nothing
    // of it is read, so a syntax error there goes unreported.
    let far = compiled_broken_after(40_000, true);
    let dir = repo(&[("main.bicep", CLUSTER_BICEP), ("main.json", &far)]);
    let out = run(dir.path(), Vec::new());
    assert!(line_of(&out, "PARSE001").is_empty(), "{:?}", out.findings);
    let mut at = located(&out, "NET001");
    at.dedup();
    assert_eq!(at, ["main.bicep:7"]);

    // Read whole, and its syntax checked, when: it has no source beside it,
    let dir = repo(&[("main.json", &far)]);
    assert_eq!(line_of(&run(dir.path(), Vec::new()), "PARSE001"), [5]);
    // its head does not say what it is,
    let late = compiled_broken_after(40_000, false);
    let dir = repo(&[("main.bicep", CLUSTER_BICEP), ("main.json", &late)]);
    assert_eq!(line_of(&run(dir.path(), Vec::new()), "PARSE001"), [5]);
    // or a parameter file pairs with it.
    let params = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "parameters": {}
}"#;
    let dir = repo(&[
        ("main.bicep", CLUSTER_BICEP),
        ("main.json", &far),
        ("main.parameters.json", params),
    ]);
    assert_eq!(line_of(&run(dir.path(), Vec::new()), "PARSE001"), [5]);
    // A suppression-like text in its head is not looked for: the report does not read it
    // again (it could not tell its whole text unchanged, and would say it changed).
    let marked = far.replace(
        "\"version\": \"0.30.0\"",
        "\"description\": \"aks-netlint: x\"",
    );
    let dir = repo(&[("main.bicep", CLUSTER_BICEP), ("main.json", &marked)]);
    let out = run(dir.path(), Vec::new());
    assert!(out.notes.is_empty(), "{:?}", out.notes);
    // A compiled file no longer than the head is read whole by it, and checked.
    let near = compiled_broken_after(0, true);
    let dir = repo(&[("main.bicep", CLUSTER_BICEP), ("main.json", &near)]);
    assert_eq!(line_of(&run(dir.path(), Vec::new()), "PARSE001"), [5]);
}

#[test]
fn a_template_read_only_for_its_top_is_parsed_whole_when_another_deploys_it() {
    // `bicep build` output beside its source is checked for syntax and only its `$schema` and
    // `metadata` are built; deployed by another template, it must be read whole.
    let main = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [{
    "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "aks",
    "properties": { "mode": "Incremental", "templateLink": { "relativePath": "modules/aks.json" } }
  }]
}"#;
    let compiled = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "metadata": { "_generator": { "name": "bicep", "version": "0.30.0" } },
  "resources": [{
    "type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-09-01", "name": "aks",
    "properties": { "networkProfile": { "networkPlugin": "azure", "networkPluginMode": "overlay",
      "podCidr": "172.16.0.0/12" } }
  }]
}"#;
    let broken = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [1,, 2]
}"#;
    let dir = repo(&[
        ("main.json", main),
        ("modules/aks.json", compiled),
        ("modules/aks.bicep", CLUSTER_BICEP),
        ("other/broken.json", broken),
    ]);
    let out = run(dir.path(), Vec::new());
    let mut at = located(&out, "NET001");
    at.sort();
    at.dedup();
    assert_eq!(
        at,
        ["modules/aks.bicep:7", "modules/aks.json:7"],
        "{:?}",
        out.unread
    );
    // A template that names no network resource is checked all the same.
    assert_eq!(line_of(&out, "PARSE001"), [3]);
}

#[test]
fn a_bicep_module_deployed_by_another_is_linted_through_it_with_its_syntax_errors() {
    // A module with no parameter set of its own is not a root: it is lowered only through
    // its callers, and its syntax errors are still reported, once, at their line.
    let main = "module net 'modules/net.bicep' = {\n  name: 'net'\n}\n";
    let net = "var b = concat('x',\nmodule aks 'aks.bicep' = {\n  name: 'aks'\n}\n";
    // A module with a parameter file of its own is a root with it as well: only that file
    // sets a pod CIDR NET001 reads.
    let solo = CLUSTER_BICEP.replace("'172.16.0.0/12'", "pod");
    let solo = format!("param pod string = '10.244.0.0/16'\n{solo}");
    let solo_params = "using 'solo.bicep'\nparam pod = '172.16.0.0/12'\n";
    let dir = repo(&[
        ("main.bicep", main),
        ("modules/net.bicep", net),
        ("modules/aks.bicep", CLUSTER_BICEP),
        ("other/solo.bicep", &solo),
        ("other/solo.bicepparam", solo_params),
        (
            "other/caller.bicep",
            "module s 'solo.bicep' = {\n  name: 's'\n}\n",
        ),
    ]);
    let out = run(dir.path(), Vec::new());
    assert_eq!(
        located(&out, "PARSE001"),
        ["modules/net.bicep:2"],
        "{:?}",
        out.findings
    );
    let mut at = located(&out, "NET001");
    at.sort();
    at.dedup();
    assert_eq!(at, ["modules/aks.bicep:7", "other/solo.bicepparam:2"]);
}

#[test]
fn inline_suppressions_work_in_bicep_and_arm() {
    let bicep = CLUSTER_BICEP.replace(
        "      podCidr:",
        "      // aks-netlint:ignore NET001 -- lab range, never deployed\n      podCidr:",
    );
    let arm = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [{
    "type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-09-01", "name": "aks",
    "properties": { "networkProfile": { "networkPlugin": "azure", "networkPluginMode": "overlay",
      // aks-netlint:ignore NET001 -- lab range, never deployed
      "podCidr": "172.16.0.0/12" } }
  }]
}"#;
    for (name, text) in [("main.bicep", bicep.as_str()), ("azuredeploy.json", arm)] {
        let dir = repo(&[(name, text)]);
        let out = run(dir.path(), Vec::new());
        assert!(
            !out.findings.iter().any(|f| f.rule == "NET001"),
            "{name}: {:?}",
            out.findings
        );
        assert!(out.stats.suppressed > 0, "{name}");
    }
}

/// The lines a rule's findings point at, once each (NET001 fires once per reserved range hit).
fn lines(out: &Outcome, rule: &str) -> Vec<usize> {
    let mut l = line_of(out, rule);
    l.dedup();
    l
}

/// The bodies of resources no rule reads are evaluated only when an expression reads them: a
/// value read through one is still known, and still located at its literal.
#[test]
fn a_value_read_from_a_resource_no_rule_reads_is_known_at_its_literal() {
    let cluster = |pods: &str| {
        format!(
            "resource aks 'Microsoft.ContainerService/managedClusters@2024-09-01' = {{
  name: 'aks'
  properties: {{
    networkProfile: {{
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      podCidr: {pods}
    }}
  }}
}}
"
        )
    };
    let tags = "resource cfg 'Microsoft.Resources/tags@2022-09-01' = {
  name: 'default'
  properties: {
    tags: {
      pods: '172.16.0.0/12'
    }
  }
}
";
    // Read by symbolic name, the resource declared before or after the reader.
    for (main, line) in [
        (format!("{tags}{}", cluster("cfg.properties.tags.pods")), 5),
        (format!("{}{tags}", cluster("cfg.properties.tags.pods")), 15),
    ] {
        let dir = repo(&[("main.bicep", main.as_str())]);
        let out = run(dir.path(), Vec::new());
        assert_eq!(lines(&out, "NET001"), vec![line], "{:?}", out.findings);
    }
    // Read by id with `reference()`, in a JSON template.
    let dir = repo(&[(
        "azuredeploy.json",
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [
    { "type": "Microsoft.Resources/tags", "apiVersion": "2022-09-01", "name": "default",
      "properties": { "tags": { "pods": "172.16.0.0/12" } } },
    { "type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-09-01", "name": "aks",
      "properties": { "networkProfile": { "networkPlugin": "azure", "networkPluginMode": "overlay",
        "podCidr": "[reference(resourceId('Microsoft.Resources/tags', 'default')).tags.pods]" } } }
  ]
}"#,
    )]);
    let out = run(dir.path(), Vec::new());
    assert_eq!(lines(&out, "NET001"), vec![5], "{:?}", out.findings);
}

/// A resource of a deployment that has finished (an earlier module) is read by id with its
/// properties unknown: never a wrong value, and no finding on it.
#[test]
fn a_resource_no_rule_reads_in_a_finished_module_is_unknown_when_read_by_id() {
    let module = "resource cfg 'Microsoft.Resources/tags@2022-09-01' = {
  name: 'default'
  properties: {
    tags: {
      pods: '172.16.0.0/12'
    }
  }
}
";
    let main = "module m 'm.bicep' = {
  name: 'm'
}
resource aks 'Microsoft.ContainerService/managedClusters@2024-09-01' = {
  name: 'aks'
  properties: {
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      podCidr: reference(resourceId('Microsoft.Resources/tags', 'default')).tags.pods
    }
  }
  dependsOn: [m]
}
";
    let dir = repo(&[("main.bicep", main), ("m.bicep", module)]);
    let out = run(dir.path(), Vec::new());
    assert!(line_of(&out, "NET001").is_empty(), "{:?}", out.findings);
    assert!(
        !out.findings.iter().any(|f| f.rule.starts_with("PARSE")),
        "{:?}",
        out.findings
    );
}
