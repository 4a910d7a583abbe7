#!/usr/bin/env bash
# Builds the VS Code extension as a user would: `npm ci && npm run compile && npx vsce package`
# in editors/vscode, then checks the .vsix holds the compiled extension and its manifest starts
# `aks-netlint server`. Skips, saying so, without npm or the npm registry.
set -euo pipefail
cd "$(dirname "$0")/../editors/vscode"
if ! command -v npm >/dev/null 2>&1; then
  echo "check-vscode: SKIPPED (no npm)"
  exit 0
fi
if ! npm ci --no-audit --no-fund --loglevel=error >/tmp/aks-netlint-npm.log 2>&1; then
  if grep -qiE "ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN" /tmp/aks-netlint-npm.log; then
    echo "check-vscode: SKIPPED (the npm registry is not reachable)"
    exit 0
  fi
  cat /tmp/aks-netlint-npm.log
  exit 1
fi
npm run --silent compile
rm -f ./*.vsix
npx --no-install vsce package --out aks-netlint.vsix >/dev/null
python3 - <<'PY'
import json, zipfile
z = zipfile.ZipFile("aks-netlint.vsix")
names = set(z.namelist())
assert "extension/out/extension.js" in names, sorted(names)[:20]
js = z.read("extension/out/extension.js").decode()
assert '"server"' in js, "the extension does not start `aks-netlint server`"
pkg = json.loads(z.read("extension/package.json"))
assert pkg["main"] == "./out/extension.js"
assert "aks-netlint.path" in pkg["contributes"]["configuration"]["properties"]
cargo = open("../../Cargo.toml").read()
assert f'version = "{pkg["version"]}"' in cargo, "the extension's version differs from Cargo.toml's"
print(f"check-vscode: aks-netlint.vsix ok ({len(names)} files)")
PY
