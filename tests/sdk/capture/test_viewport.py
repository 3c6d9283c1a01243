"""The angiogram's box on the rectified screen, from its corners in the photo (``viewport_box``)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from cathnet.capture import rectification
from cathnet.capture.pipeline import viewport_box, viewport_corners

sim = pytest.importorskip("cathnet_train.photo_sim", reason="the photo simulator lives in the training package")
from cathnet_train.synth import generate  # noqa: E402


@pytest.mark.parametrize("seed", [100_006, 100_014, 100_023, 100_034])
def test_the_box_is_the_displayed_frame_and_maps_back_to_its_corners(seed: int) -> None:
    frame = generate(seed, size=512).image
    photo = sim.simulate(seed, frame)
    h, w = frame.shape
    outline = np.array([[[-0.5, -0.5], [w - 0.5, -0.5], [w - 0.5, h - 0.5], [-0.5, h - 0.5]]])
    truth = cv2.perspectiveTransform(outline, photo.frame_to_photo)[0] + 0.5  # outer edge, as ScreenQuad gives it
    rect = rectification(photo.corners, (photo.image.shape[1], photo.image.shape[0]))
    box = viewport_box(rect, truth)
    edges = rect.to_rectified(truth) + 0.5
    assert box[0] == pytest.approx(edges[[0, 3], 0].mean(), abs=0.51)
    assert box[2] == pytest.approx(edges[[1, 2], 0].mean(), abs=0.51)
    assert box[1] == pytest.approx(edges[[0, 1], 1].mean(), abs=0.51)
    assert box[3] == pytest.approx(edges[[2, 3], 1].mean(), abs=0.51)
    # what the model reads, reported in the photo: the true corners, to the rounding of the box
    diag = np.linalg.norm(truth[2] - truth[0])
    assert np.linalg.norm(viewport_corners(rect, box) - truth, axis=1).max() < 0.005 * diag


def test_a_box_is_never_empty_or_outside_the_screen() -> None:
    rect = rectification(np.array([[0.0, 0.0], [400.0, 0.0], [400.0, 300.0], [0.0, 300.0]]), (400, 300))
    x0, y0, x1, y1 = viewport_box(rect, np.array([[-50.0, -20.0], [900.0, -20.0], [900.0, 700.0], [-50.0, 700.0]]))
    assert (x0, y0) == (0, 0) and (x1, y1) == rect.size
    x0, y0, x1, y1 = viewport_box(rect, np.array([[10.0, 10.0], [10.2, 10.0], [10.2, 10.1], [10.0, 10.1]]))
    assert x1 > x0 and y1 > y0
