#!/usr/bin/env bash
# FHIR check: the formulary's FHIR R5 export, validated by an independent R5 implementation
# (fhir.resources, pinned in scripts/fhir/requirements.txt, see scripts/fhir/validate.py).
#
# Builds the binary; makes two fresh SQLite databases in a temporary folder, the demo (442
# products) and the demo with 10,000 synthetic products more; serves each on a free port,
# signs in as demo-committee-1, downloads GET /api/v1/formulary/export?format=fhir and requires
# 0 errors and every product (a MedicationKnowledge, its pack a contained
# PackagedProductDefinition).
# First, a self-test proves the validator can fail: it must refuse broken copies of a bundle.
#
# Environment: TONGYAO_FHIR_VENV (default $HOME/.cache/tongyao-venv-fhir), TONGYAO_FHIR_KEEP=1
# keeps the temporary folder (databases, exports, server logs) and prints where it is.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tongyao-target}"
venv="${TONGYAO_FHIR_VENV:-$HOME/.cache/tongyao-venv-fhir}"
req=scripts/fhir/requirements.txt
start=$(date +%s)

# The pinned validator, installed once per change of requirements.txt.
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.tongyao-requirements" 2>/dev/null)" != "$want" ]; then
  echo "fhir: installing the pinned fhir.resources into $venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
  echo "$want" > "$venv/.tongyao-requirements"
fi
py="$venv/bin/python"
validate() { PYTHONDONTWRITEBYTECODE=1 "$py" scripts/fhir/validate.py "$@"; }

cargo build -p tongyao
bin="$CARGO_TARGET_DIR/debug/tongyao"

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ "${TONGYAO_FHIR_KEEP:-}" = 1 ]; then echo "fhir: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
export TONGYAO_ENV=development
export TONGYAO_CONFIG_DIR="$PWD/config"
export TONGYAO__LOG__LEVEL=warn
export TONGYAO__SERVER__STATIC_DIR="$work/no-web-app"

# export NAME [demo options...]: a fresh database with the demo, served, its FHIR export
# written to $work/NAME.json.
export_fhir() {
  local name=$1; shift
  local t0 port base
  t0=$(date +%s)
  export TONGYAO__DATABASE__URL="sqlite://$work/$name.db?mode=rwc"
  "$bin" demo "$@" >"$work/$name-demo.log" 2>&1 || { cat "$work/$name-demo.log"; return 1; }
  port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  base="http://127.0.0.1:$port"
  TONGYAO__SERVER__ADDR="127.0.0.1:$port" "$bin" serve >"$work/$name-server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do
    curl -fs "$base/readyz" >/dev/null && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  curl -fs "$base/readyz" >/dev/null || { echo "fhir: the server did not start"; cat "$work/$name-server.log"; return 1; }
  curl -fsS -c "$work/$name.cookies" -H 'X-Tongyao-Csrf: 1' -H 'Content-Type: application/json' \
    -d '{"username":"demo-committee-1","password":"tongyao-demo"}' "$base/api/v1/session" >/dev/null
  curl -fsS -b "$work/$name.cookies" -H 'X-Tongyao-Csrf: 1' -o "$work/$name.json" \
    "$base/api/v1/formulary/export?format=fhir"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
  echo "fhir: $name: database, server and export in $(( $(date +%s) - t0 )) s ($(du -h "$work/$name.json" | cut -f1))"
}

# must_fail NAME FILE PATTERN: the validator refuses FILE and names PATTERN (the broken entry).
must_fail() {
  local out
  if out=$(validate "$2" 2>&1); then
    echo "fhir: self-test FAILED: the validator accepted $1"; echo "$out"; exit 1
  fi
  if ! grep -q -- "$3" <<<"$out"; then
    echo "fhir: self-test FAILED: the validator refused $1 without naming $3"; echo "$out"; exit 1
  fi
  echo "fhir: self-test: refused $1 ($(grep -c '^error:' <<<"$out") errors)"
}

echo "== The demo formulary"
export_fhir demo
n=$("$py" -c 'import json, sys; print(sum(1 for e in json.load(open(sys.argv[1]))["entry"] if e["resource"]["resourceType"] == "MedicationKnowledge"))' "$work/demo.json")

echo "== Self-test: broken copies of the demo export must be refused"
"$py" - "$work/demo.json" "$work" <<'EOF'
import copy, json, sys
bundle = json.load(open(sys.argv[1]))
out = sys.argv[2]
def broken(name, change):
    b = copy.deepcopy(bundle)
    change(b)
    json.dump(b, open(f"{out}/broken-{name}.json", "w"), ensure_ascii=False)
def mk(b, i=1):
    return b["entry"][i]["resource"]
# The old shape: packagedProduct as a list of quantities where R5 has one Reference.
broken("pack-list", lambda b: mk(b)["packaging"][0].__setitem__(
    "packagedProduct", [{"quantity": {"value": 24, "unit": "粒"}}]))
# The pack size as a string, in the contained pack.
broken("pack-size-string", lambda b: mk(b)["contained"][0]["containedItemQuantity"][0].__setitem__("value", "24"))
# A decimal as a string.
broken("price-string", lambda b: mk(b)["packaging"][0]["cost"][0]["costMoney"].__setitem__("value", "8.50"))
# Empty array and empty string.
broken("empty-array", lambda b: mk(b).__setitem__("medicineClassification", []))
broken("empty-name", lambda b: mk(b).__setitem__("name", ["阿莫西林", ""]))
# A status outside R5's required value set.
broken("status", lambda b: mk(b).__setitem__("status", "suspended"))
# A reference that resolves nowhere: the pack is gone.
broken("dangling", lambda b: mk(b).pop("contained"))
# No entries at all.
broken("empty-bundle", lambda b: b.__setitem__("entry", []))
EOF
must_fail "a packagedProduct list" "$work/broken-pack-list.json" "entry\[1\] .*packagedProduct"
must_fail "a pack size as a string" "$work/broken-pack-size-string.json" "entry\[1\] .*contained\[0\].containedItemQuantity\[0\].value"
must_fail "a price as a string" "$work/broken-price-string.json" "entry\[1\] .*costMoney.value"
must_fail "an empty array" "$work/broken-empty-array.json" "entry\[1\] .*medicineClassification"
must_fail "an empty name" "$work/broken-empty-name.json" "entry\[1\] .*name"
must_fail "an unknown status" "$work/broken-status.json" "entry\[1\] .*status"
must_fail "a dangling reference" "$work/broken-dangling.json" "entry\[1\] .*packagedProduct.reference"
must_fail "an empty bundle" "$work/broken-empty-bundle.json" "no entries"

echo "== Validate the demo export ($n products)"
[ "$n" -ge 442 ] || { echo "fhir: the demo export has $n products, not 442"; exit 1; }
validate "$work/demo.json" --min MedicationKnowledge=442 --min PackagedProductDefinition=442

echo "== The demo with 10,000 synthetic products"
export_fhir synthetic --entries 10000
t0=$(date +%s)
validate "$work/synthetic.json" --min MedicationKnowledge=10442 --min PackagedProductDefinition=10442
echo "fhir: synthetic validated in $(( $(date +%s) - t0 )) s"

echo "fhir check passed in $(( $(date +%s) - start )) s"
