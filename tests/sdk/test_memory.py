"""Memory (issue 8): predictions do not leak.

After a warm-up, a run of predictions may grow the process's resident memory by at most
10 MB. CI runs 2,000 frame predictions and 100 photo predictions; the full campaign is

    CATHNET_MEMORY_CALLS=10000 .venv/bin/python -m pytest -s tests/sdk/test_memory.py

(``-s`` shows the growth measured). The resident set is read from ``/proc`` (Linux).
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import cv2
import pytest

import cathnet
from cathnet.bench import Inputs

CALLS = int(os.environ.get("CATHNET_MEMORY_CALLS", "2000"))
PHOTO_CALLS = max(CALLS // 20, 50)
LIMIT_MB = 10.0
STATM = Path("/proc/self/statm")

pytestmark = pytest.mark.skipif(not STATM.exists(), reason="reads the resident set from /proc/self/statm (Linux only)")


def _resident_mb() -> float:
    gc.collect()
    return int(STATM.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _growth(predict, inputs: list, calls: int) -> float:
    for item in inputs * 10:  # warm-up: the runtime's and OpenCV's buffers reach their size
        predict(item)
    before = _resident_mb()
    for k in range(calls):
        predict(inputs[k % len(inputs)])
    growth = _resident_mb() - before
    print(f"\n{calls} calls: resident set {before:.1f} MB -> {before + growth:.1f} MB ({growth:+.2f} MB)")
    return growth


def test_frame_predictions_do_not_grow_memory(analyzer: cathnet.Analyzer, sample_paths: list[Path]) -> None:
    frames = [cv2.imread(str(p), cv2.IMREAD_UNCHANGED) for p in sample_paths]
    assert _growth(analyzer.predict, frames, CALLS) <= LIMIT_MB


def test_photo_predictions_do_not_grow_memory(analyzer: cathnet.Analyzer) -> None:
    photo = Inputs.load().photos[0]
    photos = [photo, cv2.resize(photo, (1280, 960), interpolation=cv2.INTER_AREA)]
    assert _growth(lambda p: analyzer.predict(p, photo=True, keep_view=True), photos, PHOTO_CALLS) <= LIMIT_MB
