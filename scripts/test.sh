#!/usr/bin/env bash
# Every test: Rust unit and integration tests (each API test on SQLite and PostgreSQL),
# frontend unit tests, and browser tests against the real binary on a fresh SQLite file.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tongyao-target}"
start=$(date +%s)
scripts/setup.sh --all

echo "== Rust: format, unit and integration tests (SQLite and PostgreSQL)"
cargo fmt --all -- --check
cargo test --workspace --locked --no-fail-fast

echo "== Contract: schemathesis against the running binary, every operation signed in"
scripts/contract.sh

echo "== Frontend: API types from the server's OpenAPI, unit tests, type-checked build"
cargo build -p tongyao
"$CARGO_TARGET_DIR/debug/tongyao" openapi > frontend/openapi.json
(cd frontend && npm run --silent gen:api && npm test --silent && npm run build --silent)

echo "== One binary and browser tests"
# e2e.sh builds the binary again, after the frontend, so that it embeds this build of the app.
scripts/e2e.sh

echo "all tests passed in $(( $(date +%s) - start )) s"
