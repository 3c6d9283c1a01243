#!/usr/bin/env bash
# The long fuzz campaign (CI runs the bounded one with the test suite):
#   hypothesis: every tests/fuzz property with random seeds and SCALE times CI's examples
#               (SCALE=20: about 220,000 cases, an hour on 2 cores);
#   atheris:    coverage-guided fuzzing of the file decoder for ATHERIS_SECONDS
#               (corpus kept in .fuzz/corpus, crashes written to .fuzz/crashes/).
# Needs the dev install (bash scripts/test.sh, or pip install -e ".[dev]").
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${SCALE:-20}
ATHERIS_SECONDS=${ATHERIS_SECONDS:-600}
mkdir -p .fuzz/corpus .fuzz/crashes
CATHNET_FUZZ=long CATHNET_FUZZ_SCALE="$SCALE" .venv/bin/python -m pytest -q -p no:cacheprovider \
  tests/fuzz --hypothesis-show-statistics -k "not atheris"
if .venv/bin/python -c "import atheris" 2>/dev/null; then
  .venv/bin/python -m tests.fuzz.atheris_decode .fuzz/corpus -max_total_time="$ATHERIS_SECONDS" \
    -rss_limit_mb=2048 -timeout=30 -artifact_prefix=.fuzz/crashes/ -print_final_stats=1
else
  echo "atheris is not installed here (x86-64 Linux wheels only): hypothesis campaign only"
fi
