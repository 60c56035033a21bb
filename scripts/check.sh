#!/usr/bin/env bash
# Static checks: lint + format, types, and the layer contracts (Qt only in app/ui).
set -euo pipefail
cd "$(dirname "$0")/.."
V=.venv/bin
echo "== ruff"
$V/ruff check .
$V/ruff format --check .
echo "== mypy"
$V/mypy
echo "== import-linter"
$V/lint-imports
