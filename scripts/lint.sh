#!/usr/bin/env bash
# The guards CI runs (and .pre-commit-config.yaml before each commit): ruff's lint and
# format check over the whole tree, mypy --strict over the SDK (settings in pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
