"""Screen detection on simulated monitor photos (cathnet_train.photo_sim)."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from cathnet.capture import find_screen, order_corners, rectify

sim = pytest.importorskip("cathnet_train.photo_sim", reason="the photo simulator lives in the training package")
from cathnet_train.synth import generate  # noqa: E402


@pytest.mark.parametrize("rotation", [0, 1, 2, 3])
@pytest.mark.parametrize("flip", [False, True])
def test_order_corners_any_input_order(rotation: int, flip: bool) -> None:
    tl_tr_br_bl = np.array([[10.0, 12.0], [200.0, 30.0], [190.0, 160.0], [5.0, 140.0]])
    shuffled = np.roll(tl_tr_br_bl, rotation, axis=0)
    if flip:
        shuffled = shuffled[::-1]
    np.testing.assert_array_equal(order_corners(shuffled), tl_tr_br_bl)


def _true_viewport(photo: sim.MonitorPhoto) -> np.ndarray:
    """The displayed 512 px frame's outer corners in the photo (``ScreenQuad``'s convention)."""
    outline = np.array([[[-0.5, -0.5], [511.5, -0.5], [511.5, 511.5], [-0.5, 511.5]]])
    return cv2.perspectiveTransform(outline, photo.frame_to_photo)[0] + 0.5


def assert_found(found: object, photo: sim.MonitorPhoto) -> None:
    """The angiogram to 2 % of its diagonal (what the model reads), the lit panel to 2.5 %
    of its own (the maps' outline, fitted to the bezel's step where the two agree)."""
    assert found, getattr(found, "reason", "")
    truth = _true_viewport(photo)
    assert np.linalg.norm(found.viewport - truth, axis=1).max() <= 0.02 * np.linalg.norm(truth[2] - truth[0])
    diag = np.linalg.norm(photo.corners[2] - photo.corners[0])
    assert np.linalg.norm(found.corners - photo.corners, axis=1).max() <= 0.025 * diag


@pytest.mark.parametrize("seed", range(6))
def test_finds_the_angiogram_and_its_screen(seed: int) -> None:
    photo = sim.simulate(70_000 + seed, generate(70_000 + seed, size=512).image)
    assert_found(find_screen(photo.image), photo)


@pytest.mark.parametrize("seed", range(6))
def test_no_monitor_is_an_answer_with_guidance(seed: int) -> None:
    found = find_screen(sim.simulate(80_000 + seed, None).image)
    assert not found
    assert "no angiogram monitor found" in found.reason


def test_rectify_round_trips_coordinates_and_recovers_the_screen() -> None:
    frame = generate(71_000, size=512).image
    photo = sim.simulate(71_000, frame)
    rect = rectify(photo.image, photo.corners)
    h, w = rect.image.shape[:2]
    np.testing.assert_allclose(
        rect.to_rectified(photo.corners),
        [[-0.5, -0.5], [w - 0.5, -0.5], [w - 0.5, h - 0.5], [-0.5, h - 0.5]],
        atol=1e-3,
    )
    pts = np.array([[10.0, 20.0], [w / 2, h / 2], [w - 5.0, h - 7.0]])
    np.testing.assert_allclose(rect.to_rectified(rect.to_photo(pts)), pts, atol=1e-3)
    # The rectified photo shows what the monitor displayed (glare, blur and JPEG aside).
    shown = cv2.resize(
        cv2.cvtColor(rect.image, cv2.COLOR_BGR2GRAY), photo.screen.shape[::-1], interpolation=cv2.INTER_AREA
    )
    assert np.corrcoef(shown.ravel().astype(float), photo.screen.ravel().astype(float))[0, 1] > 0.9


def test_a_uniform_or_colourful_rectangle_is_not_a_screen() -> None:
    photo = np.full((600, 800, 3), 120, np.uint8)
    photo[100:500, 150:650] = (20, 200, 40)  # a green cabinet door: strong edges, colourful
    assert not find_screen(photo)
    photo[100:500, 150:650] = 30  # a flat dark panel: nothing displayed
    assert not find_screen(photo)


CLEAN = sim.Conditions(yaw=15.0, pitch=-8.0, roll=4.0, fraction=0.55, defocus=0.7, noise=2.0, jpeg=88)


@pytest.mark.parametrize("corner", [0, 1, 2, 3])
def test_a_hand_over_a_corner_does_not_move_it(corner: int) -> None:
    seed = 72_000 + corner
    conditions = dataclasses.replace(CLEAN, hand=corner)
    photo = sim.simulate(seed, generate(seed, size=512).image, conditions=conditions)
    assert_found(find_screen(photo.image), photo)


@pytest.mark.parametrize("other", ["monitor", "window"])
def test_a_haemodynamic_monitor_or_a_window_is_not_the_screen(other: str) -> None:
    seed = 73_000
    conditions = dataclasses.replace(CLEAN, other=other)
    photo = sim.simulate(seed, generate(seed, size=512).image, conditions=conditions)
    assert_found(find_screen(photo.image), photo)
    for k in range(4):  # and alone in a room they are no monitor at all
        alone = sim.simulate(seed + 1 + k, None, conditions=dataclasses.replace(conditions, other=other))
        assert not find_screen(alone.image)


@pytest.mark.parametrize("preview", [False, True])
def test_the_photo_frame_itself_is_never_the_screen(preview: bool) -> None:
    flat = np.full((480, 640, 3), 120, np.uint8)
    cv2.putText(flat, "monitor", (200, 240), cv2.FONT_HERSHEY_SIMPLEX, 2, (30, 30, 30), 5)
    assert not find_screen(flat, preview=preview)
