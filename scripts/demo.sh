#!/usr/bin/env bash
# Build everything and start tongyao on SQLite with the demo consortium.
# Data lives in ./data/tongyao.db; accounts demo-* with password tongyao-demo (demo only).
# The web app is built first: the binary embeds frontend/dist when it is compiled.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tongyao-target}"
scripts/setup.sh
(cd frontend && npm run build --silent)
cargo build --release -p tongyao
exec "$CARGO_TARGET_DIR/release/tongyao" demo --serve
