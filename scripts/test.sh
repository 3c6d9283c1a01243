#!/usr/bin/env bash
# Installs CathNet with every extra into .venv and runs the whole test suite, then runs
# the tflite-runtime fallback tests in .venv-tflite (tflite-runtime 2.14 needs numpy < 2).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev]"
.venv/bin/python -m pytest "$@"

[ -x .venv-tflite/bin/python ] || "$PY" -m venv .venv-tflite
.venv-tflite/bin/python -m pip install -q --upgrade pip
.venv-tflite/bin/python -m pip install -q -r requirements/tflite-runtime.txt
.venv-tflite/bin/python -m pip install -q --no-deps -e .
.venv-tflite/bin/python -m pytest -m tflite_runtime tests/sdk/test_tflite_runtime.py
