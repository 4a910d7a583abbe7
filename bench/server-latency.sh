#!/usr/bin/env bash
# Latency of `aks-netlint server` on a real workspace: the time from a `didChange` of FILE to the
# `publishDiagnostics` for that version, over N edits (each appends or removes a trailing
# comment, so the text changes but the findings stay). Prints the median, p90 and max.
#
# Usage: bench/server-latency.sh WORKSPACE FILE [--bin PATH] [--edits N]
#   FILE must have findings (a file with none gets no diagnostics to wait for).
# The closing note of the language-server issue used a fetched copy of Azure/bicep-registry-
# modules' avm/res/container-service/managed-cluster (21 Bicep/JSON files; not committed), with
#   FILE = tests/e2e/kubenet/main.test.bicep, in a directory with its own .git.
# Needs python3. Not part of `cargo test`.
set -euo pipefail
workspace=""; file=""; bin=""; edits=50
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift ;;
    --edits) edits="$2"; shift ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) if [ -z "$workspace" ]; then workspace="$1"; else file="$1"; fi ;;
  esac
  shift
done
[ -n "$workspace" ] && [ -n "$file" ] || { sed -n 2,12p "$0"; exit 2; }
if [ -z "$bin" ]; then
  (cd "$(dirname "$0")/.." && cargo build --release --locked --quiet)
  bin="$(cd "$(dirname "$0")/.." && pwd)/target/release/aks-netlint"
fi
BIN="$bin" WS="$(cd "$workspace" && pwd -P)" FILE="$file" EDITS="$edits" python3 - <<'PY'
import json, os, queue, statistics, subprocess, threading, time, urllib.parse
ws, name, n = os.environ["WS"], os.environ["FILE"], int(os.environ["EDITS"])
p = subprocess.Popen([os.environ["BIN"], "server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
q = queue.Queue()
def reader():
    while True:
        size = 0
        while True:
            line = p.stdout.readline()
            if not line:
                return
            if not line.strip():
                break
            if line.lower().startswith(b"content-length"):
                size = int(line.split(b":")[1])
        q.put(json.loads(p.stdout.read(size)))
threading.Thread(target=reader, daemon=True).start()
def send(m):
    b = json.dumps(m).encode()
    p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(b) + b)
    p.stdin.flush()
uri = "file://" + urllib.parse.quote(os.path.join(ws, name))
def published(version, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        m = q.get(timeout=max(0.01, end - time.time()))
        if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri \
                and m["params"].get("version") == version:
            return m["params"]["diagnostics"]
    raise SystemExit(f"no diagnostics for version {version} of {name} (does it have findings?)")
send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
      "params": {"rootUri": "file://" + urllib.parse.quote(ws), "capabilities": {}}})
send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
text = open(os.path.join(ws, name)).read()
t0 = time.time()
send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
      "params": {"textDocument": {"uri": uri, "languageId": "", "version": 1, "text": text}}})
first = published(1)
print(f"open: {len(first)} diagnostics in {(time.time() - t0) * 1000:.1f} ms")
times = []
for v in range(2, n + 2):
    body = text + ("// edit\n" if v % 2 == 0 else "")
    t = time.time()
    send({"jsonrpc": "2.0", "method": "textDocument/didChange",
          "params": {"textDocument": {"uri": uri, "version": v}, "contentChanges": [{"text": body}]}})
    published(v)
    times.append((time.time() - t) * 1000)
    time.sleep(0.05)
send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
send({"jsonrpc": "2.0", "method": "exit"})
times.sort()
p90 = times[int(len(times) * 0.9) - 1]
print(f"didChange -> publishDiagnostics over {n} edits: median {statistics.median(times):.1f} ms, "
      f"p90 {p90:.1f} ms, max {times[-1]:.1f} ms")
PY
