#!/usr/bin/env bash
# Browser tests (Playwright on Debian's chromium) against the real binary, started on a fresh
# SQLite file with the demo consortium and serving the web app built into it. Before them,
# scripts/one-binary.sh checks that the binary alone, in an empty folder, serves the app.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tongyao-target}"
scripts/setup.sh --browser
[ -f frontend/dist/index.html ] || (cd frontend && npm run build --silent)
# After the frontend: build.rs embeds frontend/dist and reruns whenever a file in it changed.
cargo build -p tongyao
scripts/one-binary.sh "$CARGO_TARGET_DIR/debug/tongyao"
work=$(mktemp -d)
port=${TONGYAO_E2E_PORT:-18080}
export TONGYAO_CONFIG_DIR="$PWD/config"
export TONGYAO__DATABASE__URL="sqlite://$work/e2e.db?mode=rwc"
export TONGYAO__SERVER__ADDR="127.0.0.1:$port"
export TONGYAO__LOG__LEVEL=warn
"$CARGO_TARGET_DIR/debug/tongyao" demo >/dev/null
"$CARGO_TARGET_DIR/debug/tongyao" serve >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 0.1
done
curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$work/server.log"; exit 1; }
(cd frontend && TONGYAO_E2E_URL="http://127.0.0.1:$port" npx playwright test "$@") || {
  echo "browser tests failed; the server's log (warnings and errors) ends:"
  tail -n 60 "$work/server.log"
  exit 1
}
