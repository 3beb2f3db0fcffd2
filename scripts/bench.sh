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

echo "## the next search after an approval (5 approvals of a price change, each then one search)"
cookie2=$(curl -s -i -X POST "http://127.0.0.1:$port/api/v1/session" -H 'x-tongyao-csrf: 1' -H 'content-type: application/json' \
  -d '{"username":"demo-committee-2","password":"tongyao-demo"}' | awk -F'[=;]' '/^set-cookie/ {print $2}')
first=$(curl -s -H "Cookie: tongyao_session=$cookie" "http://127.0.0.1:$port/api/v1/formulary/search?q=amxl&limit=1")
entry=$(echo "$first" | jq '.items[0].entry.id')
code=$(echo "$first" | jq -r '.items[0].entry.approval_number | sub("^国药准字"; "")')
for i in 1 2 3 4 5; do
  pid=$(curl -s -X POST "http://127.0.0.1:$port/api/v1/formulary/proposals" -H "Cookie: tongyao_session=$cookie" \
    -H 'x-tongyao-csrf: 1' -H 'content-type: application/json' \
    -d "{\"kind\":\"amend\",\"entry_id\":$entry,\"fields\":{\"unit_price\":\"3.$i\"},\"reason\":\"bench\",\"effective_date\":\"$(date -u -d '+8 hours' +%F)\"}" | jq .id)
  curl -s -o /dev/null -w "approval $i: %{http_code} in %{time_total} s; " -X POST \
    "http://127.0.0.1:$port/api/v1/formulary/proposals/$pid/approve" -H "Cookie: tongyao_session=$cookie2" \
    -H 'x-tongyao-csrf: 1' -H 'content-type: application/json' -d '{}'
  curl -s -o "$work/after.json" -w "next search %{time_total} s" -H "Cookie: tongyao_session=$cookie" \
    "http://127.0.0.1:$port/api/v1/formulary/search?q=$code&limit=20"
  echo " (finds entry $entry at the price $(jq -r --argjson e "$entry" '[.items[] | select(.entry.id == $e)][0].entry.unit_price' "$work/after.json")); RSS $(rss $server)"
done
echo "RSS after the approvals: $(rss $server)"
echo "## whole-formulary reads over HTTP (one request each, after the approvals)"
for u in "formulary/export?format=csv" "formulary/export?format=xlsx" "formulary/export?format=fhir" \
         "formulary/diff?from=2025-12-31&to=$(date -u -d '+8 hours' +%F)"; do
  curl -s -o /dev/null -w "$u: %{time_total} s, %{size_download} bytes\n" -H "Cookie: tongyao_session=$cookie" "http://127.0.0.1:$port/api/v1/$u"
done
echo "RSS after the whole-formulary reads: $(rss $server)"
kill $server; wait $server 2>/dev/null || true; server=""

echo "## the naive way: SQL LIKE '%q%' over name, pinyin and code columns, ranked, in-process, concurrency 8"
"$B" bench naive-search --concurrency 8 --seconds 10 --queries "amxl,mxl,硝苯地平,阿莫,amoxicillin,H3000,J01C,xbdp,yxsg,fufang,gmz,dxp"

echo "## formulary as of a day, diff, import dry run"
"$B" bench formulary --runs 5

echo "## stock: a ledger of 1,000,000 movements at one institution (SQLite)"
export TONGYAO__DATABASE__URL="sqlite://$work/stock.db?mode=rwc"
"$B" demo >/dev/null
"$B" bench stock --movements 1000000 --runs 5
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "## stock: the same on PostgreSQL (loopback)"
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS tongyao_bench_stock" -c "CREATE DATABASE tongyao_bench_stock" 2>/dev/null
  export TONGYAO__DATABASE__URL="postgres://postgres@127.0.0.1:5432/tongyao_bench_stock"
  "$B" demo >/dev/null
  "$B" bench stock --movements 1000000 --runs 5
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS tongyao_bench_stock" 2>/dev/null
fi

echo "## procurement: 1,000,000 approved order lines of 200 members into purchase orders, and a 500-line order's suggestions (SQLite)"
export TONGYAO__DATABASE__URL="sqlite://$work/procurement.db?mode=rwc"
"$B" demo --entries 5000 >/dev/null
"$B" bench procurement --lines 1000000 --members 200 --runs 5
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "## procurement: the same on PostgreSQL (loopback)"
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS tongyao_bench_procurement" -c "CREATE DATABASE tongyao_bench_procurement" 2>/dev/null
  export TONGYAO__DATABASE__URL="postgres://postgres@127.0.0.1:5432/tongyao_bench_procurement"
  "$B" demo --entries 5000 >/dev/null
  "$B" bench procurement --lines 1000000 --members 200 --runs 5
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS tongyao_bench_procurement" 2>/dev/null
fi

echo "## fefo: 100,000 approved order lines of 200 members allocated first-expiry-first-out over 1,000,000 warehouse lots (SQLite)"
export TONGYAO__DATABASE__URL="sqlite://$work/fefo.db?mode=rwc"
"$B" demo --entries 5000 >/dev/null
"$B" bench fefo --lines 100000 --lots 1000000 --members 200 --runs 5
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "## fefo: the same on PostgreSQL (loopback)"
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS tongyao_bench_fefo" -c "CREATE DATABASE tongyao_bench_fefo" 2>/dev/null
  export TONGYAO__DATABASE__URL="postgres://postgres@127.0.0.1:5432/tongyao_bench_fefo"
  "$B" demo --entries 5000 >/dev/null
  "$B" bench fefo --lines 100000 --lots 1000000 --members 200 --runs 5
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS tongyao_bench_fefo" 2>/dev/null
fi
