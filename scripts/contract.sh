#!/usr/bin/env bash
# Contract test: schemathesis (pinned in scripts/contract/requirements.txt) against the real
# binary on a fresh SQLite file with the demo loaded, signed in, with every check and every phase,
# covering every operation of /api/openapi.json with a user its `security` allows. Fails on any
# server error, undocumented status or content type, schema violation or other check failure not
# listed (with its reason) in scripts/contract/allowances.toml, and on any operation that was not
# exercised. See scripts/contract/run.py for how the runs are planned.
#
# Environment: TONGYAO_CONTRACT_PORT (default 18090, or a free port if that one is taken), TONGYAO_CONTRACT_SEED,
# TONGYAO_CONTRACT_MAX_EXAMPLES, TONGYAO_CONTRACT_OUT (reports; default
# $CARGO_TARGET_DIR/contract), TONGYAO_VENV (default $HOME/.cache/tongyao-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tongyao-target}"
venv="${TONGYAO_VENV:-$HOME/.cache/tongyao-venv}"
req=scripts/contract/requirements.txt

# The pinned tools, installed once per change of requirements.txt.
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/st" ] || [ "$(cat "$venv/.tongyao-requirements" 2>/dev/null)" != "$want" ]; then
  echo "contract: installing the pinned schemathesis into $venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
  echo "$want" > "$venv/.tongyao-requirements"
fi

cargo build -p tongyao
exec env PYTHONDONTWRITEBYTECODE=1 "$venv/bin/python" scripts/contract/run.py \
  --binary "$CARGO_TARGET_DIR/debug/tongyao" \
  --st "$venv/bin/st" \
  --out "${TONGYAO_CONTRACT_OUT:-$CARGO_TARGET_DIR/contract}" "$@"
