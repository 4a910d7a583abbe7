//! "Unknown stays unknown, every link is found": when a link cannot be made (a subnet id from
//! a variable nobody sets), every rule that needed it says so with `--show-unknown` (EVAL001)
//! at the place that holds the unknown, naming what was unknown; when it can be made through an
//! id's shape, the rule decides. The real binary on small repositories.

#![allow(
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking; JSON indexing in assertions"
)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// A cluster whose only pool uses `SUBNET`, with user-defined routing.
const CLUSTER: &str = r#"
resource "azurerm_kubernetes_cluster" "aks" {
  name                = "aks"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "aks"

  default_node_pool {
    name           = "system"
    vm_size        = "Standard_D4s_v5"
    node_count     = 3
    vnet_subnet_id = SUBNET
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    pod_cidr            = "10.244.0.0/16"
    service_cidr        = "10.0.0.0/16"
    dns_service_ip      = "10.0.0.10"
    outbound_type       = "userDefinedRouting"
  }
}
"#;

/// A node subnet in a VNet named by `VNET_NAME`.
const SUBNET: &str = r#"
resource "azurerm_subnet" "nodes" {
  name                 = "nodes"
  resource_group_name  = "rg"
  virtual_network_name = VNET_NAME
  address_prefixes     = ["10.1.0.0/20"]
}
"#;

const VNET: &str = r#"
resource "azurerm_virtual_network" "v" {
  name                = "v"
  location            = "westeurope"
  resource_group_name = "rg"
  address_space       = ["10.1.0.0/16"]
}
"#;

/// An NSG and a route table associated with a subnet whose id is a variable nobody sets.
const ASSOCIATIONS: &str = r#"
variable "other_subnet_id" {
  type = string
}

resource "azurerm_network_security_group" "deny" {
  name                = "deny"
  location            = "westeurope"
  resource_group_name = "rg"

  security_rule {
    name                       = "deny-all-in"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_range     = "*"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
}

resource "azurerm_subnet_network_security_group_association" "a" {
  subnet_id                 = var.other_subnet_id
  network_security_group_id = azurerm_network_security_group.deny.id
}

resource "azurerm_route_table" "rt" {
  name                = "rt"
  location            = "westeurope"
  resource_group_name = "rg"
}

resource "azurerm_subnet_route_table_association" "a" {
  subnet_id      = var.other_subnet_id
  route_table_id = azurerm_route_table.rt.id
}
"#;

/// One EVAL001: the rule it is about, its line and its message.
struct Undecided {
    rule: String,
    line: u64,
    message: String,
}

/// EVAL001 findings of a scan of `path` (relative to `dir`) with `--show-unknown`.
fn undecided(dir: &Path, path: &str) -> Vec<Undecided> {
    let out = Command::new(env!("CARGO_BIN_EXE_aks-netlint"))
        .current_dir(dir)
        .args(["--show-unknown", "--format", "json", path])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    json["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["rule"] == "EVAL001")
        .map(|d| {
            let message = d["message"].as_str().unwrap_or_default().to_string();
            Undecided {
                rule: message
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
                line: d["range"]["start"]["line"].as_u64().unwrap_or(0),
                message,
            }
        })
        .collect()
}

/// A git repository holding one `main.tf`.
fn repo(main_tf: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    common::git(tmp.path(), &["init", "-q"]);
    std::fs::write(tmp.path().join("main.tf"), main_tf).unwrap_or_else(|e| panic!("{e}"));
    tmp
}

fn line_of(text: &str, needle: &str) -> u64 {
    let i = text
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle}"));
    u64::try_from(i + 1).unwrap_or(0)
}

/// Every rule in `want` is undecided at `line`, with a message naming `reason`.
fn assert_undecided(found: &[Undecided], want: &[&str], line: u64, reason: &str) {
    let rules: BTreeSet<&str> = found.iter().map(|u| u.rule.as_str()).collect();
    for r in want {
        assert!(rules.contains(r), "{r} is not undecided; got {rules:?}");
    }
    for u in found.iter().filter(|u| want.contains(&u.rule.as_str())) {
        assert_eq!(u.line, line, "{}", u.message);
        assert!(u.message.contains(reason), "{}", u.message);
    }
}

#[test]
fn a_node_subnet_that_cannot_be_linked_leaves_every_subnet_rule_undecided_at_its_reference() {
    let main = format!(
        "variable \"subnet_id\" {{\n  type = string\n}}\n{}",
        CLUSTER.replace("SUBNET", "var.subnet_id")
    );
    let tmp = repo(&main);
    let found = undecided(tmp.path(), ".");
    assert_undecided(
        &found,
        &[
            "NET001", "NET002", "NET008", "NET009", "NET010", "NET011", "NET012", "NET014",
            "NET016",
        ],
        line_of(&main, "vnet_subnet_id"),
        "var.subnet_id has no value",
    );
}

#[test]
fn a_node_subnet_whose_vnet_cannot_be_linked_leaves_the_vnet_rules_undecided() {
    let main = format!(
        "variable \"vnet_name\" {{\n  type = string\n}}\n{}{}",
        CLUSTER.replace("SUBNET", "azurerm_subnet.nodes.id"),
        SUBNET.replace("VNET_NAME", "var.vnet_name")
    );
    let tmp = repo(&main);
    let found = undecided(tmp.path(), ".");
    assert_undecided(
        &found,
        &["NET002", "NET004", "NET014", "NET015"],
        line_of(&main, "virtual_network_name"),
        "the VNet of node subnet nodes is unknown: var.vnet_name has no value",
    );
}

#[test]
fn associations_to_an_unknown_subnet_leave_nsg_and_route_rules_undecided_at_the_node_subnet() {
    let main = format!(
        "{}{}{}{}",
        CLUSTER.replace("SUBNET", "azurerm_subnet.nodes.id"),
        VNET,
        SUBNET.replace("VNET_NAME", "azurerm_virtual_network.v.name"),
        ASSOCIATIONS
    );
    let tmp = repo(&main);
    let found = undecided(tmp.path(), ".");
    let subnet_header = line_of(&main, "resource \"azurerm_subnet\" \"nodes\"");
    assert_undecided(
        &found,
        &["NET009"],
        subnet_header,
        "a network security group association is unknown: var.other_subnet_id",
    );
    assert_undecided(
        &found,
        &["NET016"],
        subnet_header,
        "a route table association is unknown: var.other_subnet_id",
    );
}

#[test]
fn a_role_assignment_scope_from_an_unset_parameter_names_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for case in [
        "bicep-unknown-module-subnet-id-param",
        "arm-unknown-module-subnet-id-param",
    ] {
        let found = undecided(root, &format!("fixtures/NET010/pass/{case}"));
        let net010: Vec<&Undecided> = found.iter().filter(|u| u.rule == "NET010").collect();
        assert_eq!(net010.len(), 1, "{case}");
        assert!(
            net010.iter().all(
                |u| u.message.contains("a role assignment's scope is unknown")
                    && u.message.contains("`grantSubnetId` has no value")
            ),
            "{case}: {}",
            net010
                .iter()
                .map(|u| u.message.as_str())
                .collect::<String>()
        );
    }
}

#[test]
fn ids_taken_apart_by_position_link_so_net010_decides() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for case in [
        "bicep-module-subnet-id-from-vnet-id",
        "bicep-module-subnet-id-from-resourceid",
        "bicep-module-subnet-id-from-subnet-id",
        "bicep-module-subnet-id-format",
        "bicep-module-inline-subnet-id",
        "arm-module-subnet-id-from-vnet-id",
        "arm-module-subnet-id-concat",
        "bicep-module-subnet-id-concat",
        "arm-module-subnet-id-from-resourceid",
    ] {
        let found = undecided(root, &format!("fixtures/NET010/pass/{case}"));
        let net010: Vec<&str> = found
            .iter()
            .filter(|u| u.rule == "NET010")
            .map(|u| u.message.as_str())
            .collect();
        assert!(net010.is_empty(), "{case}: {net010:?}");
    }
}
