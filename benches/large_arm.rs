//! Criterion benchmark: one large ARM template (about 2 MB), generated here rather than copied
//! from anywhere: a hub of VNets with subnets, NSGs with rules and route tables, written with
//! the expressions real templates use (`format`, `resourceId`, `parameters`, `variables`), and
//! AKS clusters placed in some of the subnets. Parse alone, then the whole pipeline.
//! Run with `cargo bench --bench large_arm`.

use std::fmt::Write as _;
use std::hint::black_box;

use aks_netlint::lint::{self, Options};
use criterion::{criterion_group, criterion_main, Criterion};

aks_netlint::global_allocator!();

/// One spoke: a VNet with `subnets` subnets, an NSG with `rules` rules per subnet and a route
/// table, and (every fourth spoke) an AKS cluster in its first subnet.
fn spoke(out: &mut String, i: usize, subnets: usize, rules: usize) {
    let _ = write!(
        out,
        r#"{{"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01",
  "name": "[format('{{0}}-nsg-{i}', parameters('prefix'))]", "location": "[parameters('location')]",
  "properties": {{"securityRules": ["#
    );
    for r in 0..rules * subnets {
        let sep = if r == 0 { "" } else { "," };
        let _ = write!(
            out,
            r#"{sep}
    {{"name": "rule-{r}", "properties": {{"priority": {prio}, "direction": "Inbound", "access": "Allow",
      "protocol": "Tcp", "sourceAddressPrefix": "10.{i}.{r8}.0/24", "sourcePortRange": "*",
      "destinationAddressPrefix": "VirtualNetwork", "destinationPortRange": "{port}"}}}}"#,
            prio = 100 + r,
            r8 = r % 250,
            port = 1000 + r,
        );
    }
    let _ = write!(
        out,
        r#"]}}}},
{{"type": "Microsoft.Network/routeTables", "apiVersion": "2024-05-01",
  "name": "[format('{{0}}-rt-{i}', parameters('prefix'))]", "location": "[parameters('location')]",
  "properties": {{"routes": [{{"name": "default", "properties": {{"addressPrefix": "0.0.0.0/0",
    "nextHopType": "VirtualAppliance", "nextHopIpAddress": "[variables('firewallIp')]"}}}}]}}}},
{{"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01",
  "name": "[format('{{0}}-vnet-{i}', parameters('prefix'))]", "location": "[parameters('location')]",
  "dependsOn": ["[resourceId('Microsoft.Network/networkSecurityGroups', format('{{0}}-nsg-{i}', parameters('prefix')))]"],
  "properties": {{"addressSpace": {{"addressPrefixes": ["10.{i}.0.0/16"]}}, "subnets": ["#
    );
    for s in 0..subnets {
        let sep = if s == 0 { "" } else { "," };
        let _ = write!(
            out,
            r#"{sep}
    {{"name": "snet-{s}", "properties": {{"addressPrefix": "[format('10.{i}.{{0}}.0/24', {s})]",
      "networkSecurityGroup": {{"id": "[resourceId('Microsoft.Network/networkSecurityGroups', format('{{0}}-nsg-{i}', parameters('prefix')))]"}},
      "routeTable": {{"id": "[resourceId('Microsoft.Network/routeTables', format('{{0}}-rt-{i}', parameters('prefix')))]"}}}}}}"#
        );
    }
    out.push_str("]}}");
    if i.is_multiple_of(4) {
        let _ = write!(
            out,
            r#",
{{"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-09-01",
  "name": "[format('{{0}}-aks-{i}', parameters('prefix'))]", "location": "[parameters('location')]",
  "identity": {{"type": "SystemAssigned"}},
  "properties": {{"dnsPrefix": "aks{i}", "kubernetesVersion": "1.30.5",
    "networkProfile": {{"networkPlugin": "azure", "networkPluginMode": "overlay",
      "podCidr": "192.168.0.0/16", "serviceCidr": "172.16.0.0/16", "dnsServiceIP": "172.16.0.10"}},
    "agentPoolProfiles": [{{"name": "system", "mode": "System", "count": 3, "minCount": 3,
      "maxCount": "[parameters('maxNodes')]", "enableAutoScaling": true, "vmSize": "Standard_D4s_v5",
      "vnetSubnetID": "[resourceId('Microsoft.Network/virtualNetworks/subnets', format('{{0}}-vnet-{i}', parameters('prefix')), 'snet-0')]"}}]}}}}"#
        );
    }
}

/// A template of about `bytes` bytes.
fn large_template(bytes: usize) -> String {
    let mut out = String::from(
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
"contentVersion": "1.0.0.0",
"parameters": {"prefix": {"type": "string", "defaultValue": "lz"},
  "location": {"type": "string", "defaultValue": "westeurope"},
  "maxNodes": {"type": "int", "defaultValue": 20}},
"variables": {"firewallIp": "10.0.0.4"},
"resources": ["#,
    );
    let mut i = 1;
    while out.len() < bytes && i < 250 {
        if i > 1 {
            out.push(',');
        }
        spoke(&mut out, i, 8, 6);
        i += 1;
    }
    out.push_str("]}\n");
    out
}

fn bench(c: &mut Criterion) {
    let text = large_template(2 << 20);
    c.bench_function("parse a 2 MB ARM template (JSON tree + expressions)", |b| {
        b.iter(|| {
            let doc = aks_netlint::frontends::json::parse(black_box(&text));
            let t = doc.map(|d| {
                aks_netlint::frontends::arm::template(&d, 0, &text, &mut |_, _| None)
                    .resources
                    .len()
            });
            black_box(t.unwrap_or(0))
        })
    });
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    if std::fs::create_dir(dir.path().join(".git")).is_err()
        || std::fs::write(dir.path().join("azuredeploy.json"), &text).is_err()
    {
        return;
    }
    let opts = Options {
        paths: vec![dir.path().to_path_buf()],
        ..Options::default()
    };
    let mut g = c.benchmark_group("large ARM template");
    g.sample_size(20);
    g.bench_function("lint a 2 MB ARM template (evaluate, model, rules)", |b| {
        b.iter(|| black_box(lint::run(&opts).map(|o| o.findings.len()).unwrap_or(0)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
