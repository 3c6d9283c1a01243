"""Capture: screen detection on 640x480 preview frames, live tracking, and on 1600x1200
photos the rectification and the whole capture (find, rectify, viewport, gates, moiré).

Run: ``pytest benchmarks --benchmark-only`` (the ``bench`` extra; the ``train`` extra
for simulated photos). The x86 budgets are in ``benchmarks/targets.toml``, checked by
``python -m benchmarks.check``, never asserted here.
"""

from __future__ import annotations

import itertools

from cathnet.bench import Inputs
from cathnet.bench.runner import threads
from cathnet.bench.stages import capture_stages
from cathnet.capture import LiveTracker


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
        benchmark.pedantic(_stage(sim_inputs, "capture").query, rounds=30, warmup_rounds=2)
    record("capture", 1)
