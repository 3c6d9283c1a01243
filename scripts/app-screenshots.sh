#!/usr/bin/env bash
# Regenerates the README's screenshots of the bedside app with its scripted mode, on the
# sample photos in sdk/cathnet/samples/photos (headless: SDL's offscreen EGL), into docs/app/
# (as JPEG, quality 85, to keep the repository lean).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=docs/app
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT
mkdir -p "$OUT"
RUN=(.venv/bin/cathnet-bedside --data-dir "$DATA/store")
"${RUN[@]}" --image sdk/cathnet/samples/photos/monitor_photo.jpg --screen capture --screenshot "$DATA/capture.png"
"${RUN[@]}" --image sdk/cathnet/samples/photos/monitor_photo.jpg --screenshot "$DATA/review.png"
"${RUN[@]}" --image sdk/cathnet/samples/photos/no_monitor.jpg --screenshot "$DATA/no_monitor.png"
"${RUN[@]}" --frame sdk/cathnet/samples/synthetic_02_normal.png --screen history --screenshot "$DATA/history.png"
.venv/bin/python - "$DATA" "$OUT" <<'PY'
import sys
from pathlib import Path

import cv2

for png in sorted(Path(sys.argv[1]).glob("*.png")):
    out = Path(sys.argv[2]) / f"{png.stem}.jpg"
    cv2.imwrite(str(out), cv2.imread(str(png), cv2.IMREAD_COLOR), [cv2.IMWRITE_JPEG_QUALITY, 85])
    print(out)
PY
