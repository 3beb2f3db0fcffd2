#!/usr/bin/env bash
# One binary: the `tongyao` binary alone, started from an empty folder with nothing but its
# built-in settings (no config folder, no TONGYAO_CONFIG_DIR), serves the API and the web app
# built into it — `/`, a deep link, a hashed asset (gzipped when asked) and the API's 404.
# Usage: scripts/one-binary.sh [path/to/tongyao]   (default $CARGO_TARGET_DIR/debug/tongyao)
# Build the frontend first, then the binary (scripts/e2e.sh runs this between the two steps and
# the browser tests). Fails, never skips, when the web app is missing or stale.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tongyao-target}"
bin="${1:-$CARGO_TARGET_DIR/debug/tongyao}"
dist="$PWD/frontend/dist"

work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "one-binary: FAILED: $*" >&2
  if [ -s "$work/server.log" ]; then tail -n 20 "$work/server.log" | sed 's/^/  server: /' >&2; fi
  exit 1
}

[ -x "$bin" ] || fail "no binary at $bin (cargo build -p tongyao)"
[ -f "$dist/index.html" ] || fail "$dist/index.html is missing: build the frontend, then the binary"

# Only the binary is copied (also out of reach of a concurrent build replacing it); it runs in
# an empty folder of its own.
mkdir "$work/bin" "$work/run"
cp "$bin" "$work/bin/tongyao"
cd "$work/run"
[ -z "$(ls -A)" ] || fail "the run folder is not empty"
env -i PATH="$PATH" HOME="$work/run" \
  TONGYAO__DATABASE__URL="sqlite://$work/run/tongyao.db?mode=rwc" \
  TONGYAO__SERVER__ADDR="127.0.0.1:0" \
  "$work/bin/tongyao" serve >"$work/server.out" 2>"$work/server.log" &
server=$!

# The server binds port 0 (a free port) and prints the address it got.
port=""
for _ in $(seq 1 200); do
  if ! kill -0 "$server" 2>/dev/null; then
    code=0
    wait "$server" || code=$?
    server=""
    fail "tongyao serve exited with code $code"
  fi
  port=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/server.out" 2>/dev/null | head -1 | cut -d: -f3 || true)
  [ -n "$port" ] && curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 0.05
done
[ -n "$port" ] || fail "tongyao serve did not say where it listens"
curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || fail "/readyz is not 200"
url="http://127.0.0.1:$port"

# status CODE PATH [curl options…]: GET PATH and fail unless it answers CODE; the headers are
# in $work/h, the body in $work/b.
status() {
  local want=$1 path=$2 got
  shift 2
  got=$(curl -s -o "$work/b" -D "$work/h" -w '%{http_code}' "$@" "$url$path") || true
  [ "$got" = "$want" ] || fail "GET $path $*: expected $want, got '$got': $(head -c 400 "$work/b" 2>/dev/null)"
}
header() { grep -i "^$1:" "$work/h" | head -1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'; }
expect() { [ "$2" = "$3" ] || fail "$1: expected $3, got '$2'"; }
matches() { printf '%s' "$2" | grep -Eq "$3" || fail "$1: expected /$3/, got '$2'"; }

# `/`: the built app's index.html, byte for byte the one in frontend/dist (else the binary was
# not rebuilt after the frontend, or holds no web app at all).
status 200 /
matches "GET / content-type" "$(header content-type)" '^text/html'
grep -q '<div id="root"></div>' "$work/b" || fail "GET / has no <div id=\"root\"></div>: $(head -c 300 "$work/b")"
cmp -s "$work/b" "$dist/index.html" || fail "GET / is not frontend/dist/index.html: rebuild the binary after the frontend"
expect "GET / cache-control" "$(header cache-control)" "no-cache"
matches "GET / etag" "$(header etag)" '"'
cp "$work/b" "$work/index.html"

# A deep link: the same index.html.
status 200 /formulary/proposals
matches "GET /formulary/proposals content-type" "$(header content-type)" '^text/html'
cmp -s "$work/b" "$work/index.html" || fail "GET /formulary/proposals is not index.html"

# A hashed asset that index.html loads: JavaScript, immutable, plain without Accept-Encoding…
asset=$(grep -o 'src="/assets/[^"]*\.js"' "$work/index.html" | head -1 | cut -d'"' -f2)
[ -n "$asset" ] || fail "index.html references no /assets/*.js"
status 200 "$asset"
matches "GET $asset content-type" "$(header content-type)" '^(text|application)/javascript'
expect "GET $asset content-encoding" "$(header content-encoding)" ""
matches "GET $asset cache-control" "$(header cache-control)" 'immutable'
cmp -s "$work/b" "$dist$asset" || fail "GET $asset is not frontend/dist$asset"
# …and gzip, once (not compressed twice), with Accept-Encoding: gzip.
status 200 "$asset" -H 'Accept-Encoding: gzip'
expect "GET $asset (gzip) content-encoding" "$(header content-encoding)" "gzip"
matches "GET $asset (gzip) content-type" "$(header content-type)" '^(text|application)/javascript'
gzip -dc <"$work/b" >"$work/unzipped" 2>/dev/null || fail "GET $asset (gzip) body is not gzip"
cmp -s "$work/unzipped" "$dist$asset" || fail "GET $asset (gzip) does not decompress to frontend/dist$asset"

# An unknown API path is still the API's 404 problem, not the web app.
status 404 /api/nope
matches "GET /api/nope content-type" "$(header content-type)" '^application/problem\+json'

[ ! -e "$work/run/config" ] || fail "a config folder appeared in the run folder"
echo "one-binary: ok — $bin alone in an empty folder serves /, a deep link, $asset (plain and gzip) and the API's 404"
