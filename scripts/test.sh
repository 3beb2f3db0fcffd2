#!/usr/bin/env bash
# Every test: format and clippy; Rust unit and integration tests (each API test on SQLite and
# PostgreSQL); the schemathesis contract test against the running binary; the FHIR export checked
# by an independent R5 implementation; frontend unit tests and
# type-checked build; the binary alone from an empty folder; browser tests against the real binary.
#
# On 2 cores the slow parts overlap where they share nothing: the frontend builds while clippy
# checks, and once everything is compiled (one compile, with the web app embedded) the
# integration tests, the contract test and the browser tests run side by side, each on its own
# databases and port. Each part writes its log to $TONGYAO_TEST_LOGS (default a temp folder);
# a failing part's log is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tongyao-target}"
export CI="${CI:-}"
start=$(date +%s)
logs="${TONGYAO_TEST_LOGS:-$(mktemp -d)}"
mkdir -p "$logs"
scripts/setup.sh --all

# Run the named parts (shell functions) side by side; fail, showing its log, if any fails.
side_by_side() {
  local pids=() names=() failed=0
  for part in "$@"; do
    ( set -euo pipefail; "$part" ) >"$logs/$part.log" 2>&1 &
    pids+=($!)
    names+=("$part")
  done
  for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then
      echo "   ok: ${names[$i]} ($(grep -v "^[[:space:]]*$" "$logs/${names[$i]}.log" | tail -n 1 | cut -c1-120))"
    else
      echo "FAILED: ${names[$i]} — its log:"
      tail -n 200 "$logs/${names[$i]}.log"
      failed=1
    fi
  done
  return $failed
}

frontend() {
  # API types from the committed OpenAPI snapshot (a Rust test proves it is the document).
  cp api/openapi.snapshot.json frontend/openapi.json
  cd frontend
  npm run --silent gen:api
  git diff --exit-code -- src/api/schema.ts \
    || { echo "src/api/schema.ts is not generated from the current document: run npm run gen:api and commit it"; exit 1; }
  npm test --silent
  npm run build --silent
  echo "frontend unit tests and build passed"
}

lint() {
  cargo fmt --all -- --check
  # Unsafe code is denied; the one FFI call (kernel::memory) is the only exception.
  if grep -rln "unsafe_code" --include=*.rs api entity migration tests | grep -v "^api/src/kernel/memory.rs$"; then
    echo "unsafe code outside api/src/kernel/memory.rs"; exit 1
  fi
  cargo clippy --workspace --all-targets --locked -- -D warnings
  echo "fmt and clippy clean"
}

integration() {
  cargo test --workspace --locked --no-fail-fast
  # The summary line: the totals over every test binary (the last binary alone may run none).
  grep -h "^test result:" "$logs/integration.log" \
    | awk '{p+=$4; f+=$6; i+=$8} END {printf "all test binaries: %d passed, %d failed, %d ignored\n", p, f, i}'
}

contract() {
  scripts/contract.sh
  # The FHIR R5 export, checked by an independent implementation (fhir.resources).
  scripts/fhir-check.sh
}

browser() {
  scripts/e2e.sh
}

echo "== Frontend (unit tests, build) beside fmt and clippy"
side_by_side frontend lint

echo "== Compile everything once, with the web app built in"
cargo build -p tongyao --locked
cargo test --workspace --locked --no-run

echo "== Integration tests (SQLite and PostgreSQL), contract test and browser tests, side by side"
side_by_side integration contract browser

echo "all tests passed in $(( $(date +%s) - start )) s (logs in $logs)"
