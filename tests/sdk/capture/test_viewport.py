"""The angiogram viewport inside a rectified screen: UI text, margins and reflections excluded."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from cathnet.capture import find_viewport, rectify

sim = pytest.importorskip("cathnet_train.photo_sim", reason="the photo simulator lives in the training package")
from cathnet_train.synth import generate  # noqa: E402


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


# 100_006 and 100_034 once failed: a light-bezel sliver; a reflection below the image.
@pytest.mark.parametrize("seed", [100_006, 100_014, 100_023, 100_034, 100_005, 100_011, 100_017, 100_033])
def test_viewport_is_the_displayed_frame(seed: int) -> None:
    frame = generate(seed, size=512).image
    photo = sim.simulate(seed, frame)
    rect = rectify(photo.image, photo.corners)
    h, w = frame.shape
    outline = np.array([[[-0.5, -0.5], [w - 0.5, -0.5], [w - 0.5, h - 0.5], [-0.5, h - 0.5]]])
    c = cv2.perspectiveTransform(outline, rect.homography @ photo.frame_to_photo)[0] + 0.5
    truth = (c[:, 0].min(), c[:, 1].min(), c[:, 0].max(), c[:, 1].max())
    assert _iou(find_viewport(rect.image), truth) >= 0.98


def test_a_screen_without_an_image_area_is_kept_whole() -> None:
    blank = np.full((300, 400), 40, np.uint8)
    cv2.putText(blank, "LAO 30 CRA 20", (10, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 200, 1, cv2.LINE_AA)
    assert find_viewport(blank) == (0, 0, 400, 300)
