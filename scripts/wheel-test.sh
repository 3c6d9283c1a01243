#!/usr/bin/env bash
# The wheel stands alone: builds the sdist and the wheel (the wheel from the sdist, as
# `python -m build` does), checks both with twine, installs the wheel into a fresh venv
# outside the checkout and runs the main job on the bundled samples, and `cathnet info`.
# Package data left out of either archive (the model bundle, the samples) fails here.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

.venv/bin/python -m build --outdir "$WORK/dist" . > "$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; exit 1; }
.venv/bin/python -m twine check --strict "$WORK"/dist/*

"$PY" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -q --upgrade pip
"$WORK/venv/bin/python" -m pip install -q "$WORK"/dist/cathnet-*.whl

cd "$WORK"  # nothing of the checkout is importable from here
"$WORK/venv/bin/cathnet" --version
SAMPLES=$("$WORK/venv/bin/python" -c "import cathnet, pathlib; print(pathlib.Path(cathnet.__file__).parent / 'samples')")
case "$SAMPLES" in "$WORK"/venv/*) ;; *) echo "cathnet imported from $SAMPLES, not from the wheel" >&2; exit 1 ;; esac
"$WORK/venv/bin/cathnet" analyze "$SAMPLES" --overlay "$WORK/overlays"
"$WORK/venv/bin/cathnet" analyze --json "$SAMPLES"/*.png > "$WORK/frames.jsonl"
"$WORK/venv/bin/cathnet" analyze --json --photo "$SAMPLES"/photos/monitor_photo.jpg > "$WORK/photo.jsonl"
"$WORK/venv/bin/python" - "$WORK/frames.jsonl" "$WORK/photo.jsonl" <<'PY'
import json, sys
rows = [json.loads(line) for path in sys.argv[1:] for line in open(path)]
bad = [(r["path"], r["error"]) for r in rows if not r["ok"]]
assert len(rows) >= 7 and not bad, f"expected findings for every sample, got {bad or len(rows)}"
assert rows[-1]["screen"] is not None, "expected the monitor found in the sample photo"
print(f"wheel: {len(rows)} samples analysed from the installed wheel")
PY
"$WORK/venv/bin/cathnet" info
ls "$WORK/overlays" | head -3
