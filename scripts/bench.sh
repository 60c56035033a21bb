#!/usr/bin/env bash
# Runs one bench script in the same environment as the tests (venv, private keyring).
# Usage: bash scripts/bench.sh bench/bench_sync.py [args...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
keyring_dir=$(mktemp -d /tmp/rooftop-bench-keyring.XXXXXX)
trap 'rm -rf "$keyring_dir"' EXIT
bash scripts/with-keyring.sh "$keyring_dir" .venv/bin/python "$@"
