//! What the user types is checked, so a typo can never disable linting (DESIGN.md "Selectors are
//! checked", "Values given by the user"): the real binary on small repositories.

#![allow(clippy::panic, reason = "tests fail by panicking")]

use common::{run_in, run_with_stdin, stderr as err, stdout as out};

mod common;

const MAIN: &str = r#"
variable "max_pods" {
  type    = number
  default = 110
}

variable "pod_cidr" {
  type    = string
  default = "10.244.0.0/16"
}

resource "azurerm_kubernetes_cluster" "aks" {
  name                = "aks"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "aks"
  default_node_pool {
    name       = "system"
    vm_size    = "Standard_D4s_v5"
    node_count = 3
    max_pods   = var.max_pods
  }
  identity {
    type = "SystemAssigned"
  }
  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    pod_cidr            = var.pod_cidr
  }
}
"#;

fn project() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(tmp.path().join("main.tf"), MAIN).unwrap_or_else(|e| panic!("{e}"));
    tmp
}

#[test]
fn unknown_selectors_are_usage_errors_with_a_suggestion() {
    let tmp = project();
    let o = run_in(tmp.path(), &["--select", "NOPE"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("--select: `NOPE` is not a rule ID or family"),
        "{}",
        err(&o)
    );
    let o = run_in(tmp.path(), &["--ignore", "OLV"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("did you mean OVL?"), "{}", err(&o));
    for config in [
        "select = [\"NOPE\"]\n",
        "[severity]\nNET99 = \"error\"\n",
        "[per-path-ignores]\n\"envs/**\" = [\"OVL0001\"]\n",
    ] {
        std::fs::write(tmp.path().join(".aks-netlint.toml"), config)
            .unwrap_or_else(|e| panic!("{e}"));
        let o = run_in(tmp.path(), &[]);
        assert_eq!(o.status.code(), Some(2), "{config}: {}", out(&o));
        assert!(
            err(&o).contains("is not a rule ID or family"),
            "{}",
            err(&o)
        );
    }
}

#[test]
fn comma_lists_ignore_whitespace() {
    let tmp = project();
    let all = run_in(
        tmp.path(),
        &["--format", "compact", "--var", "max_pods=300"],
    );
    let some = run_in(
        tmp.path(),
        &[
            "--format",
            "compact",
            "--var",
            "max_pods=300",
            "--select",
            "OVL, NET",
        ],
    );
    assert_eq!(some.status.code(), Some(1));
    assert!(out(&some).contains("OVL001"), "{}", out(&some));
    assert_eq!(out(&all), out(&some));
}

#[test]
fn a_suppression_naming_an_unknown_rule_is_an_error() {
    let tmp = project();
    let text = MAIN.replace(
        "    max_pods   = var.max_pods",
        "    max_pods   = 300 # aks-netlint: ignore OVL0001 -- load test",
    );
    std::fs::write(tmp.path().join("main.tf"), text).unwrap_or_else(|e| panic!("{e}"));
    let o = run_in(tmp.path(), &["--format", "compact"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("error OVL001"), "{}", out(&o));
    assert!(out(&o).contains("error SUPPRESS003"), "{}", out(&o));
    // Spelled right (and with a space after the colon), it suppresses.
    let text = MAIN.replace(
        "    max_pods   = var.max_pods",
        "    max_pods   = 300 # aks-netlint: ignore OVL001 -- load test",
    );
    std::fs::write(tmp.path().join("main.tf"), text).unwrap_or_else(|e| panic!("{e}"));
    let o = run_in(tmp.path(), &["--format", "compact"]);
    assert!(!out(&o).contains("OVL001"), "{}", out(&o));
}

#[test]
fn bad_vars_are_usage_errors_naming_the_declaration() {
    let tmp = project();
    let o = run_in(tmp.path(), &["--var", "max_pods=abc"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("--var max_pods: `abc` is not a number value")
            && err(&o).contains("declared in main.tf"),
        "{}",
        err(&o)
    );
    let o = run_in(tmp.path(), &["--var", "max_pods=[\"a\""]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("does not parse"), "{}", err(&o));
    let o = run_in(tmp.path(), &["--var", "undeclared=1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("declares variable \"undeclared\""),
        "{}",
        err(&o)
    );
    // A string variable takes any text, as Terraform does.
    let o = run_in(tmp.path(), &["--var", "pod_cidr=abc"]);
    assert_ne!(o.status.code(), Some(2), "{}", err(&o));
}

#[test]
fn a_var_without_a_type_is_taken_as_a_string() {
    // Terraform parses `-var` values as HCL only for collection and structural types; an untyped
    // variable takes `overlay` as text, not as a reference to something named overlay.
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let main = MAIN
        .replace(
            "variable \"pod_cidr\" {",
            "variable \"mode\" {}\n\nvariable \"pod_cidr\" {",
        )
        .replace(
            "network_plugin_mode = \"overlay\"",
            "network_plugin_mode = var.mode",
        )
        .replace("\"10.244.0.0/16\"", "\"10.244.0.0/24\"");
    std::fs::write(tmp.path().join("main.tf"), main).unwrap_or_else(|e| panic!("{e}"));
    let o = run_in(
        tmp.path(),
        &["--var", "mode=overlay", "--format", "compact"],
    );
    assert!(
        out(&o).contains("OVL002 pod CIDR 10.244.0.0/24"),
        "{}{}",
        out(&o),
        err(&o)
    );
}

#[test]
fn a_param_file_that_is_not_one_is_a_usage_error() {
    let tmp = project();
    std::fs::write(tmp.path().join("p.json"), "{\"a\": 1}\n").unwrap_or_else(|e| panic!("{e}"));
    let o = run_in(tmp.path(), &["--param-file", "p.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("p.json: not an ARM parameters file or .bicepparam"),
        "{}",
        err(&o)
    );
}

#[test]
fn stdin_variable_files_use_the_buffer() {
    let tmp = project();
    std::fs::write(
        tmp.path().join("terraform.tfvars"),
        "pod_cidr = \"10.244.0.0/16\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let o = run_with_stdin(
        tmp.path(),
        &[
            "--stdin-filename",
            "terraform.tfvars",
            "--format",
            "compact",
        ],
        "pod_cidr = \"10.244.0.0/26\"\n",
    );
    assert!(
        out(&o).contains("terraform.tfvars:1:12: error OVL002"),
        "{}{}",
        out(&o),
        err(&o)
    );
}

const POLICY_TEMPLATE: &str = "param networkPolicy string = 'cilium'
resource aks 'Microsoft.ContainerService/managedClusters@2024-02-01' = {
  name: 'aks'
  location: 'westeurope'
  identity: { type: 'SystemAssigned' }
  properties: {
    agentPoolProfiles: [ { name: 'sys', mode: 'System', count: 3, vmSize: 'Standard_D4s_v5' } ]
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      networkPolicy: networkPolicy
      networkDataplane: 'azure'
    }
  }
}
";

const AZURE_POLICY_PARAMS: &str = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
 "contentVersion": "1.0.0.0", "parameters": {"networkPolicy": {"value": "azure"}}}
"#;

#[test]
fn a_param_file_applies_to_a_deployed_module_beside_it_and_outside_the_paths() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("t")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(dir.join("caller")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("t/main.bicep"), POLICY_TEMPLATE).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.join("caller/main.bicep"),
        "module m '../t/main.bicep' = { name: 'm' }\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("t/p.json"), AZURE_POLICY_PARAMS).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("other.json"), AZURE_POLICY_PARAMS).unwrap_or_else(|e| panic!("{e}"));
    // The template is deployed by `caller`; the parameter file made for it still applies.
    let o = run_in(
        dir,
        &["--param-file", "t/p.json", "t", "--format", "compact"],
    );
    assert!(
        out(&o).contains("t/p.json:2:73: warning NET019"),
        "{}{}",
        out(&o),
        err(&o)
    );
    // A parameter file outside the scanned paths is in scope: its finding is reported.
    std::fs::remove_dir_all(dir.join("caller")).unwrap_or_else(|e| panic!("{e}"));
    let o = run_in(
        dir,
        &["--param-file", "other.json", "t", "--format", "compact"],
    );
    assert!(
        out(&o).contains("other.json:2:73: warning NET019"),
        "{}{}",
        out(&o),
        err(&o)
    );
}

#[test]
fn azure_json_that_is_not_a_template_is_skipped_quietly() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        tmp.path().join("ui.json"),
        r#"{"$schema": "https://schema.management.azure.com/schemas/2021-09-09/uiFormDefinition.schema.json",
 "view": {"kind": "Form", "properties": {"title": "My Deployment"}}}
"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let o = run_in(tmp.path(), &["--format", "compact"]);
    assert_eq!((o.status.code(), out(&o)), (Some(0), String::new()));
}
