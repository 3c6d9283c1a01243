#!/usr/bin/env bash
# Assembles buildozer's source folder (bedside_app/build/android): main.py, the SDK with
# the int8 model only (the artifact tflite-runtime runs), and the app package.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=bedside_app/build/android
rm -rf "$OUT"
mkdir -p "$OUT"
cp bedside_app/android/main.py "$OUT/"
cp -r sdk/cathnet bedside_app/cathnet_bedside "$OUT/"
find "$OUT" -name __pycache__ -prune -exec rm -rf {} +
python3 - "$OUT/cathnet/models/cathnet-stenosis" <<'PY'
import json, shutil, sys
from pathlib import Path

bundle = Path(sys.argv[1])
card = json.loads((bundle / "model.json").read_text())
keep = {"tflite_int8"}
for name, art in list(card["artifacts"].items()):
    if name not in keep:
        path = bundle / art["file"]
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        del card["artifacts"][name]
(bundle / "model.json").write_text(json.dumps(card, indent=2))
print(f"staged {bundle}: artifacts {sorted(card['artifacts'])}")
PY
echo "staged $OUT"
