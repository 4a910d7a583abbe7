#!/usr/bin/env bash
# Time and peak RSS of aks-netlint on N copies of a corpus, next to `rg` reading the same copies in
# the same run (the cost of reading the files), so numbers from different machines compare.
#
# Usage: bench/scale.sh CORPUS_DIR [COPIES...] [--bin PATH] [--runs N]
#   COPIES defaults to "1 5 10 20". --bin defaults to a fresh release build of this checkout.
#   Prints one markdown table row per copy count: copies, files, time (best of --runs, default 3),
#   peak RSS (of that best run), rg time (best of the same number of runs).
# Needs GNU time (/usr/bin/time) and ripgrep. Not part of `cargo test`.
#
# The corpus is not committed. The README's table used a mixed one (about 1,300 files, 17 MB):
# `git archive HEAD` of public AKS repositories, keeping only .tf, .tfvars, .bicep, .bicepparam and
# .json files (package.json, tsconfig*.json, *.schema.json, launch/settings/bicepconfig/version.json
# dropped), layout kept: Azure/AKS-Construction, Azure/AKS-Landing-Zone-Accelerator,
# Azure/ResourceModules, Azure/aks-baseline-windows, Azure/terraform-azurerm-aks,
# Azure/terraform-azurerm-avm-ptn-aks-production,
# Azure/terraform-azurerm-avm-res-containerservice-managedcluster, Azure-Samples/aks-agic,
# Azure-Samples/aks-api-server-vnet-integration-bicep, Azure-Samples/aks-nat-agic,
# Azure-Samples/private-aks-cluster-terraform-devops, HoussemDellai/aks-enterprise,
# HoussemDellai/private-aks, ThorstenHans/tf-aks-with-nat-gateway, amitmavgupta/azure-terraform,
# ivee-tech/wp-tech-brief, joshhannon22/kubernetes, lsc-sde/iac-terraform-azure,
# paolosalvatori/{aks-application-gateway-for-containers-overlay-bicep,aks-kaito-terraform,
# private-aks-cluster}, patuzov/terraform-private-aks, rnemeth90/terraform-aks-with-nat-gateway,
# and from Azure/bicep-registry-modules: avm/res/{container-service,service-networking,
# network/{virtual-network,network-security-group,route-table,application-gateway}},
# avm/ptn/{azd/aks,azd/aks-automatic-cluster,network,lz}.
set -euo pipefail
corpus=""
copies=()
bin=""
runs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift ;;
    --runs) runs="$2"; shift ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) if [ -z "$corpus" ]; then corpus="$1"; else copies+=("$1"); fi ;;
  esac
  shift
done
[ -n "$corpus" ] || { echo "usage: bench/scale.sh CORPUS_DIR [COPIES...] [--bin PATH] [--runs N]" >&2; exit 2; }
[ ${#copies[@]} -gt 0 ] || copies=(1 5 10 20)
corpus="$(cd "$corpus" && pwd)"
if [ -z "$bin" ]; then
  here="$(cd "$(dirname "$0")/.." && pwd)"
  cargo build --release --quiet --manifest-path "$here/Cargo.toml"
  bin="${CARGO_TARGET_DIR:-$here/target}/release/aks-netlint"
fi
# The runs happen inside each copy directory, so a relative --bin must be made absolute first.
bin="$(realpath "$bin")"
[ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# best_of CMD...: the fastest of $runs runs, as "seconds peak_kib".
best_of() {
  local best="" line
  for _ in $(seq 1 "$runs"); do
    line=$(/usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -n 1)
    if [ -z "$best" ] || awk -v a="${line% *}" -v b="${best% *}" 'BEGIN{exit !(a<b)}'; then
      best="$line"
    fi
  done
  echo "$best"
}

echo "| copies | files | MB | aks-netlint time | peak RSS | rg -c resource time |"
echo "|---|---|---|---|---|---|"
for n in "${copies[@]}"; do
  dir="$work/x$n"
  mkdir -p "$dir"
  git init -q "$dir"
  for i in $(seq 1 "$n"); do cp -r "$corpus" "$dir/copy$i"; done
  files=$(find "$dir" -path "$dir/.git" -prune -o -type f -print | wc -l)
  mb=$(du -sm --exclude=.git "$dir" | cut -f1)
  find "$dir" -path "$dir/.git" -prune -o -type f -exec cat {} + > /dev/null # warm the cache
  read -r t rss < <(cd "$dir" && best_of "$bin" . --fail-level never --no-config --format json)
  read -r rt _ < <(cd "$dir" && best_of rg -c resource .)
  echo "| $n | $files | $mb | ${t} s | $((rss / 1024)) MB | ${rt} s |"
  rm -rf "$dir"
done
