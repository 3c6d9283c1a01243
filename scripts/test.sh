#!/usr/bin/env bash
# Installs the system libraries the app needs, CathNet with every extra into .venv, and the
# tflite-runtime fallback environment into .venv-tflite (tflite-runtime 2.14 needs numpy < 2;
# OpenCV 4.12, as on Android). Then: the guards (ruff, mypy), the documentation site built
# with --strict, the wheel alone in a fresh venv, the whole test suite (whose converter
# checks also drive .venv-tflite), a smoke of the benchmarks, and the tflite-runtime
# fallback tests inside .venv-tflite.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

# System libraries first (the app's headless SDL/EGL and libmtdev): a fresh machine has none.
bash scripts/install-system-deps.sh

[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev]"

[ -x .venv-tflite/bin/python ] || "$PY" -m venv .venv-tflite
.venv-tflite/bin/python -m pip install -q --upgrade pip
.venv-tflite/bin/python -m pip install -q -r requirements/tflite-runtime.txt
.venv-tflite/bin/python -m pip install -q --no-deps opencv-python-headless==4.12.0.88
.venv-tflite/bin/python -m pip install -q --no-deps -e .

bash scripts/lint.sh
NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --quiet --site-dir "$(mktemp -d)"
bash scripts/wheel-test.sh

.venv/bin/python -m pytest "$@"
# A smoke of the benchmark suites: every benchmark runs once, untimed (no timing assertions).
.venv/bin/python -m pytest -q benchmarks --benchmark-disable
.venv-tflite/bin/python -m pytest -m tflite_runtime tests/sdk/test_tflite_runtime.py tests/app/test_android_stack.py
