"""Capture: screen detection on 640x480 preview frames, live tracking, and on 1600x1200
photos the rectification of the whole screen, and the whole capture step by step (find the
screen and the viewport with the locator network, warp only the viewport, gates, moiré notch).

Run: ``pytest benchmarks --benchmark-only`` (the ``bench`` extra; the ``train`` extra
for simulated photos). The x86 budgets are in ``benchmarks/targets.toml``, checked by
``python -m benchmarks.check``, never asserted here.
"""

from __future__ import annotations

import itertools

import pytest

from cathnet import capture
from cathnet.bench import Inputs
from cathnet.bench.runner import threads
from cathnet.bench.stages import capture_stages
from cathnet.capture import LiveTracker
from cathnet.capture.moire import NOTCH_RATIO, moire_map
from cathnet.capture.pipeline import anchored, fit_to_model, notched, viewport_corners, warp_viewport
from cathnet.capture.rectify import rectification
from cathnet.capture.screen import locate_screen


def _stage(inputs: Inputs, name: str):
    return next(capture_stages(inputs, 256, 1, [name]))


def test_preview_detection(benchmark, sim_inputs, record) -> None:
    with threads(1):
        benchmark.pedantic(_stage(sim_inputs, "capture_preview").query, rounds=300, warmup_rounds=10)
    record("capture_preview", 1)


def test_live_tracker_update(benchmark, sim_inputs, record) -> None:
    tracker = LiveTracker(locator=LOCATOR)
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


LOCATOR = capture.Locator(num_threads=1)


def _steps(photos):
    """Each photo's capture intermediates, computed once: the steps below time one each."""
    out = []
    for photo in photos:
        found, grey = locate_screen(photo, LOCATOR)
        rect, box = anchored(rectification(found.corners, (photo.shape[1], photo.shape[0])), found.viewport)
        view = warp_viewport(grey, rect, box)
        fitted = fit_to_model(view, 256)
        out.append((photo, found, grey, rect, box, view, fitted, moire_map(fitted, 256)))
    return out


def _gates(s):
    """The gates as the capture runs them: the viewport fitted to the model, its moiré map, the gates."""
    fitted = fit_to_model(s[5], 256)
    ratios = moire_map(fitted, 256)
    return capture.assess(s[2], s[1].corners, s[5], viewport_corners(s[3], s[4]), 256, float(ratios.max()))


STEPS = {  # as ``capture_angiogram`` runs them, in its order
    "find_screen": lambda s: locate_screen(s[0], LOCATOR),
    "warp_viewport": lambda s: warp_viewport(s[2], s[3], s[4]),
    "quality_gates": _gates,
    "moire_notch": lambda s: notched(s[5], 256, s[7], s[6]),  # at the model's scale, the gates' map and fit reused
}


@pytest.mark.parametrize("step", STEPS)
def test_capture_step(benchmark, sim_inputs, record, step: str) -> None:
    """Where ``capture`` spends its time: one step at a time over the same photos (the
    notch only over the photos whose moiré it would notch)."""
    steps = _steps(sim_inputs.photos)
    if step == "moire_notch":
        steps = [s for s in steps if s[7].max() >= NOTCH_RATIO]
        if not steps:
            pytest.skip("no simulated photo here has a moiré the notch would act on")
    items = itertools.cycle(steps)
    with threads(1):
        benchmark.pedantic(lambda: STEPS[step](next(items)), rounds=48, warmup_rounds=2)
    record(f"capture/{step}", 1, photos=len(steps))
