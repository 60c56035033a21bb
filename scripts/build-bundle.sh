#!/usr/bin/env bash
# Builds the Linux bundle (PyInstaller, onedir) and proves it works: --version, the
# self-test offscreen against a private keyring, one headless demo run against the
# simulated DMS/CRM servers, the unpacked size (target < 250 MiB), and a compile of the
# Windows installer script with makensis. Takes several minutes, so it is NOT part of
# scripts/test.sh. Usage: bash scripts/build-bundle.sh [--customers N]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CUSTOMERS=300
if [ "${1:-}" = "--customers" ]; then CUSTOMERS=$2; fi

bash scripts/setup.sh
if ! .venv/bin/python -c "import PyInstaller" 2>/dev/null; then
  echo "build-bundle: installing PyInstaller (the 'package' extra of pyproject.toml)"
  .venv/bin/python -m pip install -q -c constraints.txt "pyinstaller>=6.5"
fi
if ! command -v makensis >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "build-bundle: makensis is missing; run as root once, or: sudo apt-get install nsis" >&2
    exit 1
  fi
  echo "build-bundle: installing NSIS (makensis)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nsis >/dev/null
fi

started=$(date +%s)
.venv/bin/python installer/build.py --max-mib 250
built=$(date +%s)

EXE=$ROOT/build/dist/RooftopSync/RooftopSync
work=$(mktemp -d /tmp/rooftop-bundle-check.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work" # nothing may come from the source tree: run the bundle from elsewhere
export QT_QPA_PLATFORM=offscreen
unset PYTHONPATH PYTHONHOME

echo "== RooftopSync --version"
"$EXE" --version
echo "== RooftopSync self-test (frozen app, real keyring in a private D-Bus session)"
bash "$ROOT/scripts/with-keyring.sh" "$work/keyring" "$EXE" --data-dir "$work/data" self-test
echo "== RooftopSync demo --headless --customers $CUSTOMERS (simulated servers on 127.0.0.1)"
bash "$ROOT/scripts/with-keyring.sh" "$work/keyring" \
  "$EXE" --data-dir "$work/demo" demo --headless --customers "$CUSTOMERS"
if "$EXE" --help | grep -q "bundle-check"; then
  echo "== RooftopSync bundle-check (libraries that load modules and data by name)"
  "$EXE" --data-dir "$work/data" bundle-check
else
  echo "(bundle-check is not wired into app/cli/__init__.py yet; skipped)"
fi
checked=$(date +%s)

echo "== Windows installer script (makensis)"
cd "$ROOT"
.venv/bin/python installer/build.py --check-only
finished=$(date +%s)
echo "Bundle build $((built - started)) s, frozen-app checks $((checked - built)) s," \
  "installer compile $((finished - checked)) s; total $((finished - started)) s."
