#!/usr/bin/env bash
# Crash safety of order submission (issue 10, O7): the release binary on a fresh SQLite file with
# the demo consortium; two orderers (demo-pharmacist, demo-village) create drafts, put lines and
# submit them with an Idempotency-Key in a loop while the server is SIGKILLed at random moments
# (some a few milliseconds after a submission was sent, some right after a restart, some during
# start-up) and started again on the same file; a request cut off by a kill is sent again, the
# same key and body for a submission. At the end the database file itself must hold every
# acknowledged order exactly once with exactly the lines sent, no other submitted order, one
# idempotency key per order, and pass PRAGMA integrity_check; every acknowledged order is then
# read once more through the API. The driver is scripts/crash/driver.py (Python 3, standard
# library only); it prints one summary line and exits 1 on any violation, keeping the folder
# with the database and the server's log.
#
#   scripts/crash.sh [KILLS] [driver options: --clients N --max-lines N --seed N --keep]
#
# KILLS defaults to 100. The release binary is built here (as scripts/demo.sh builds it, without
# the web app, which this test does not use) unless TONGYAO_BIN names one.
# Time on this 2-core machine with the binary built: about 35 s for the default 100 kills
# (a restart answers /readyz in ~20 ms; ~15 s for 30 kills, ~5 min for 1,000); a release build
# from cold adds 10-15 minutes. Results: docs/BENCHMARKS.md, "Crash safety (issue 10, O7)".
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tongyao-target}"
kills=100
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
  kills=$1
  shift
fi
if [ -n "${TONGYAO_BIN:-}" ]; then
  bin=$TONGYAO_BIN
else
  cargo build --release -p tongyao
  bin="$CARGO_TARGET_DIR/release/tongyao"
fi
[ -x "$bin" ] || { echo "crash.sh: no binary at $bin" >&2; exit 2; }
exec python3 scripts/crash/driver.py --bin "$bin" --kills "$kills" "$@"
