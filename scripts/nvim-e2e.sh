#!/usr/bin/env bash
# End-to-end check of `aks-netlint server` with a real editor client: headless Neovim opens the
# bundled example, waits for diagnostics, hovers, edits a buffer (editors/nvim-e2e.lua).
# Installs Neovim with apt-get when it is missing and we may; otherwise says it skipped.
# Usage: scripts/nvim-e2e.sh [BINARY]   (default: target/debug/aks-netlint, built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v nvim >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get install -y -q neovim >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q neovim >/dev/null 2>&1; } || true
  fi
fi
if ! command -v nvim >/dev/null 2>&1; then
  echo "nvim-e2e: SKIPPED (no Neovim, and it could not be installed)"
  exit 0
fi
bin="${1:-target/debug/aks-netlint}"
[ -x "$bin" ] || cargo build --locked --quiet
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r examples/aks-overlay/. "$work/"
mkdir "$work/.git"   # its own repository root: the walk stays inside the copy
echo "nvim-e2e: $(nvim --version | head -1), $bin"
AKS_NETLINT_BIN="$bin" WORKSPACE="$work" timeout 120 \
  nvim --headless --clean -u NONE -c "luafile editors/nvim-e2e.lua" </dev/null
echo "nvim-e2e: passed"
