"""Capture: screen detection on 640x480 preview frames, live tracking, and on 1600x1200
photos the rectification and the whole capture (find, rectify, viewport, gates, moiré).

Run: ``pytest benchmarks --benchmark-only`` (the ``bench`` extra; the ``train`` extra
for simulated photos). The x86 budgets are in ``benchmarks/targets.toml``, checked by
``python -m benchmarks.check``, never asserted here.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cathnet import capture
from cathnet.bench import Inputs
from cathnet.bench.runner import threads
from cathnet.bench.stages import capture_stages
from cathnet.capture import LiveTracker
from cathnet.capture.moire import NOTCH_RATIO
from cathnet.capture.pipeline import notched


def _stage(inputs: Inputs, name: str):
    return next(capture_stages(inputs, 256, 1, [name]))


def test_preview_detection(benchmark, sim_inputs, record) -> None:
    with threads(1):
        benchmark.pedantic(_stage(sim_inputs, "capture_preview").query, rounds=300, warmup_rounds=10)
    record("capture_preview", 1)


def test_live_tracker_update(benchmark, sim_inputs, record) -> None:
    tracker = LiveTracker()
    frames = itertools.cycle(sim_inputs.previews)
    with threads(1):
        benchmark.pedantic(lambda: tracker.update(next(frames)), rounds=300, warmup_rounds=10)
    record("live_tracker", 1)


def test_rectify_photo(benchmark, sim_inputs, record) -> None:
    with threads(1):
        benchmark.pedantic(_stage(sim_inputs, "rectify").query, rounds=200, warmup_rounds=5)
    record("rectify", 1)


def test_capture_photo(benchmark, sim_inputs, record) -> None:
    with threads(1):
        benchmark.pedantic(_stage(sim_inputs, "capture").query, rounds=64, warmup_rounds=2)
    record("capture", 1)


def _steps(photos):
    """Each photo's capture intermediates, computed once: the steps below time one each."""
    out = []
    for photo in photos:
        found = capture.find_screen(photo)
        rect = capture.rectify(photo, found.corners)
        box = capture.find_viewport(rect.image)
        x0, y0, x1, y1 = box
        out.append((photo, found, rect, box, np.ascontiguousarray(rect.image[y0:y1, x0:x1])))
    return out


STEPS = {
    "find_screen": lambda s: capture.find_screen(s[0]),
    "find_viewport": lambda s: capture.find_viewport(s[2].image),
    "quality_gates": lambda s: capture.assess(s[0], s[1].corners, s[2].image, s[3], np.linalg.inv(s[2].homography), 256),
    "moire_notch": lambda s: notched(s[4], 256),  # as the capture does it: at two model sides at most
}


@pytest.mark.parametrize("step", STEPS)
def test_capture_step(benchmark, sim_inputs, record, step: str) -> None:
    """Where ``capture`` spends its time: one step at a time over the same photos (the
    notch only over the photos whose moiré it would notch)."""
    steps = _steps(sim_inputs.photos)
    if step == "moire_notch":
        steps = [s for s in steps if capture.moire_score(s[4], 256) >= NOTCH_RATIO]
        if not steps:
            pytest.skip("no simulated photo here has a moiré the notch would act on")
    items = itertools.cycle(steps)
    with threads(1):
        benchmark.pedantic(lambda: STEPS[step](next(items)), rounds=48, warmup_rounds=2)
    record(f"capture/{step}", 1, photos=len(steps))
