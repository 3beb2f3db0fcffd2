#!/usr/bin/env bash
# The benchmarks of docs/BENCHMARKS.md, in one run on this machine (loopback only, bounded).
# Usage: scripts/bench.sh [entries]   (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tongyao-target}"
N=${1:-100000}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release -p tongyao 2>&1 | tail -1
B="$CARGO_TARGET_DIR/release/tongyao"
work=$(mktemp -d)
port=18090
export TONGYAO_CONFIG_DIR="$PWD/config" TONGYAO__SERVER__ADDR="127.0.0.1:$port" TONGYAO__LOG__LEVEL=warn
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
rss() { awk '/VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$1/status"; }
ready() { for _ in $(seq 1 400); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && return 0; sleep 0.005; done; return 1; }

echo "## machine: $(nproc) cores, $(uname -r), $(date -u +%F)"
echo "## cold start: release binary, empty SQLite file, to a ready /readyz (5 runs)"
for i in 1 2 3 4 5; do
  export TONGYAO__DATABASE__URL="sqlite://$work/cold$i.db?mode=rwc"
  t0=$(date +%s%N); "$B" serve >/dev/null 2>&1 & server=$!; ready; t1=$(date +%s%N)
  echo "run $i: $(( (t1 - t0) / 1000000 )) ms"
  kill $server; wait $server 2>/dev/null || true; server=""
done

echo "## memory and /healthz"
export TONGYAO__DATABASE__URL="sqlite://$work/bench.db?mode=rwc"
"$B" demo --entries "$N" | tail -1
"$B" serve >"$work/server.log" 2>&1 & server=$!; ready
sleep 1; echo "RSS idle: $(rss $server)"
wrk -t2 -c8 -d10s "http://127.0.0.1:$port/healthz" | tee "$work/healthz.txt" | grep -E "Requests/sec|Latency"
echo "RSS after $(awk '/requests in/ {print $1}' "$work/healthz.txt") /healthz requests: $(rss $server)"

echo "## search over the formulary at concurrency 8 (signed in as demo-committee-1)"
cookie=$(curl -s -i -X POST "http://127.0.0.1:$port/api/v1/session" -H 'x-tongyao-csrf: 1' -H 'content-type: application/json' \
  -d '{"username":"demo-committee-1","password":"tongyao-demo"}' | awk -F'[=;]' '/^set-cookie/ {print $2}')
cat > "$work/search.lua" <<LUA
local qs = {"amxl", "mxl", "硝苯地平", "阿莫", "amoxicillin", "H3000", "J01C", "xbdp", "yxsg", "fufang", "gmz", "dxp"}
local i = 0
request = function()
  i = i + 1
  local q = qs[(i % #qs) + 1]
  return wrk.format("GET", "/api/v1/formulary/search?limit=20&q=" .. q, {["Cookie"] = "tongyao_session=$cookie"})
end
LUA
curl -s -o /dev/null -w "first search (builds the index): %{time_total} s\n" -H "Cookie: tongyao_session=$cookie" "http://127.0.0.1:$port/api/v1/formulary/search?q=amxl"
echo "RSS with the search index built: $(rss $server)"
wrk -t2 -c8 -d10s --latency -s "$work/search.lua" "http://127.0.0.1:$port" | grep -E "Requests/sec|Latency|99%|50%|Non-2xx"
echo "## healthz again in the same run (for the ratio)"
wrk -t2 -c8 -d10s "http://127.0.0.1:$port/healthz" | grep -E "Requests/sec"
kill $server; wait $server 2>/dev/null || true; server=""

echo "## the naive way: SQL LIKE '%q%' over name, pinyin and code columns, ranked, in-process, concurrency 8"
"$B" bench naive-search --concurrency 8 --seconds 10 --queries "amxl,mxl,硝苯地平,阿莫,amoxicillin,H3000,J01C,xbdp,yxsg,fufang,gmz,dxp"

echo "## formulary as of a day, diff, import dry run"
"$B" bench formulary --runs 5
