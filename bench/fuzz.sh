#!/usr/bin/env bash
# Large property-test run over mutated fixtures (not part of `cargo test`'s default budget).
# Usage: bench/fuzz.sh [CASES]   (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-100000}"
start=$(date +%s)
PROPTEST_CASES="$cases" cargo test --release --test robustness -- --nocapture
echo "cases=$cases seconds=$(( $(date +%s) - start ))"
