#!/usr/bin/env bash
# Sets everything up, then runs the checks (ruff, mypy, import-linter) and the whole test
# suite against a real keyring, real SQLite files and real loopback servers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/check.sh
export QT_QPA_PLATFORM=offscreen
keyring_dir=$(mktemp -d /tmp/rooftop-test-keyring.XXXXXX)
trap 'rm -rf "$keyring_dir"' EXIT
bash scripts/with-keyring.sh "$keyring_dir" .venv/bin/python -m pytest "$@"
