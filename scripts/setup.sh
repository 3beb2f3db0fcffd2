#!/usr/bin/env bash
# Install what the build and the tests need on a fresh Debian machine of this project's kind
# (Rust and Node are preinstalled there): Debian's chromium for browser tests, PostgreSQL
# running on 127.0.0.1:5432, and the frontend's npm packages. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then $SUDO apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

if [ "${1:-}" = "--browser" ] || [ "${1:-}" = "--all" ]; then
  if [ ! -x /usr/bin/chromium ]; then
    echo "setup: installing Debian's chromium for the browser tests"
    apt_install chromium
  fi
fi

# Printed purchase orders (and later dispatch notes) are typeset with Noto CJK (a font with the
# Chinese glyphs; the PDF embeds only the glyphs it uses).
if ! ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1; then
  echo "setup: installing Debian's fonts-noto-cjk for printing"
  apt_install fonts-noto-cjk
fi

if [ "${1:-}" = "--all" ] && [ "${TONGYAO_TEST_SKIP_POSTGRES:-}" != 1 ]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if [ ! -d /etc/postgresql ]; then
      echo "setup: installing PostgreSQL"
      apt_install postgresql
    fi
    echo "setup: starting PostgreSQL"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
  fi
fi

if [ ! -d frontend/node_modules ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then
  echo "setup: installing the frontend's npm packages"
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
fi
