#!/usr/bin/env bash
# Times aks-netlint against reading the files (ripgrep) and, with --with-checkov, against
# `checkov -d` on the same corpus: the whole corpus, a 20x copy of it, and one file.
# Usage: bench/compare.sh CORPUS_DIR [--with-checkov] [--runs N]
# Needs hyperfine (Debian package) and ripgrep; checkov is installed into a throwaway virtualenv.
# Not part of `cargo test`.
set -euo pipefail
corpus="${1:?usage: bench/compare.sh CORPUS_DIR [--with-checkov] [--runs N]}"
shift
with_checkov=false
runs=10
while [ $# -gt 0 ]; do
  case "$1" in
    --with-checkov) with_checkov=true ;;
    --runs) runs="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
here="$(cd "$(dirname "$0")/.." && pwd)"
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
bin="$here/target/release/aks-netlint"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The corpus: only Terraform files (and tfvars), layout kept; a .git marks the root.
mkdir -p "$work/x1"
(cd "$corpus" && find . \( -name '*.tf' -o -name '*.tfvars' \) -type f -print0 | cpio -0 -pdm --quiet "$work/x1")
git init -q "$work/x1"
files=$(find "$work/x1" -name '*.tf' | wc -l)
echo "corpus: $files .tf files, $(du -sh "$work/x1" | cut -f1)"
mkdir -p "$work/x20" && git init -q "$work/x20"
for i in $(seq 1 20); do cp -r "$work/x1" "$work/x20/copy$i"; rm -rf "$work/x20/copy$i/.git"; done
one=$(find "$work/x1" -name 'main.tf' -size -4k -print -quit)

lint() { echo "$bin $1 --fail-level never --no-config --format compact"; }
hyperfine -N --warmup 2 --runs "$runs" --export-markdown "$work/x1.md" \
  "$(lint "$work/x1")" "rg -c resource -g *.tf $work/x1"
hyperfine -N --warmup 1 --runs "$runs" "$(lint "$work/x20")"
hyperfine -N --warmup 5 --runs $((runs * 10)) "$(lint "$one")"
/usr/bin/time -f "x20 peak RSS: %M KiB" $bin "$work/x20" --fail-level never --no-config --format compact > /dev/null

if $with_checkov; then
  python3 -m venv "$work/venv" && "$work/venv/bin/pip" install --quiet checkov
  checkov="$work/venv/bin/checkov"
  hyperfine --warmup 0 --runs 1 \
    "$checkov -d $work/x1 --framework terraform --quiet --compact --skip-download -o cli > /dev/null || true" \
    "$(lint "$work/x1")"
  hyperfine --warmup 0 --runs 3 "$checkov -f $one --framework terraform --quiet --skip-download > /dev/null || true"
fi
