"""Live mode on 640x480 preview frames: outline found, smoothed, steady only when still."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cathnet.capture import LiveTracker
from cathnet.capture.live import HOLD_STILL, NO_SCREEN, READY

sim = pytest.importorskip("cathnet_train.photo_sim", reason="the photo simulator lives in the training package")
from cathnet_train.synth import generate  # noqa: E402

SEED = 9_810_000
POSE = sim.Conditions(yaw=12.0, pitch=-6.0, roll=2.0, fraction=0.55, defocus=0.7, noise=2.0, jpeg=85)


def _frame(seed: int, **changes: object) -> sim.MonitorPhoto:
    frame = generate(SEED, size=512).image
    return sim.simulate(seed, frame, photo_size=(640, 480), conditions=dataclasses.replace(POSE, **changes))


def test_a_still_camera_becomes_steady_and_the_outline_fits() -> None:
    tracker = LiveTracker(steady_frames=4)
    states = [tracker.update(_frame(SEED + k).image) for k in range(8)]  # same pose, fresh noise
    assert [s.code for s in states[:4]] == [HOLD_STILL] * 4
    assert states[-1].steady and states[-1].code == READY and "ready" in states[-1].message
    truth = _frame(SEED).corners
    diag = np.linalg.norm(truth[2] - truth[0])
    assert np.linalg.norm(states[-1].corners - truth, axis=1).max() <= 0.01 * diag


def test_a_moving_camera_is_not_steady() -> None:
    tracker = LiveTracker(steady_frames=4)
    states = [tracker.update(_frame(SEED + k, offset=(0.2 + 0.1 * k, 0.5)).image) for k in range(7)]
    assert all(s.corners is not None for s in states)
    assert not any(s.steady for s in states)


def test_the_outline_survives_one_lost_frame_and_drops_after_several() -> None:
    tracker = LiveTracker(steady_frames=2, lost_after=3)
    for k in range(4):
        tracker.update(_frame(SEED + k).image)
    empty = sim.simulate(SEED + 99, None, photo_size=(640, 480)).image
    first_miss = tracker.update(empty)
    assert first_miss.code == NO_SCREEN and first_miss.corners is not None and not first_miss.steady
    tracker.update(empty)
    assert tracker.update(empty).corners is None


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        LiveTracker(smoothing=1.0)
