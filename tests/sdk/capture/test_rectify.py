"""Lesions (outlines included) go from rectified pixels back to the photo through the inverse homography."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from cathnet.capture.rectify import Rectification
from cathnet.findings import Lesion

# A screen seen obliquely: its four corners in the photo, and the rectified 800x600 view.
PHOTO_CORNERS = np.array([[310, 220], [1480, 300], [1420, 1130], [260, 1010]], np.float32)
SIZE = (800, 600)
RECT_CORNERS = np.array([[0, 0], [SIZE[0] - 1, 0], [SIZE[0] - 1, SIZE[1] - 1], [0, SIZE[1] - 1]], np.float32)


def _rectification() -> Rectification:
    return Rectification(cv2.getPerspectiveTransform(PHOTO_CORNERS, RECT_CORNERS).astype(np.float64), SIZE)


def test_outline_vertices_map_through_the_inverse_homography() -> None:
    rect = _rectification()
    outline = ((100.0, 100.0), (160.0, 110.0), (150.0, 130.0), (95.0, 120.0))
    lesion = Lesion(
        x=120.0, y=112.0, box=(95.0, 100.0, 160.0, 130.0), score=0.9, diameter_stenosis_percent=72.0, outline=outline
    )
    photo = rect.lesion_to_photo(lesion)
    assert photo.outline is not None and len(photo.outline) == len(outline)
    # Each vertex, taken back by the forward homography, lands where it started.
    back = rect.to_rectified(np.array(photo.outline))
    np.testing.assert_allclose(back, np.array(outline), atol=1e-6)
    # The corners of the rectified view are the photo's screen corners.
    np.testing.assert_allclose(rect.to_photo(RECT_CORNERS), PHOTO_CORNERS, atol=1e-3)
    xs, ys = np.array(photo.outline).T
    x0, y0, x1, y1 = photo.box
    assert x0 <= xs.min() + 1e-6 and xs.max() <= x1 + 1e-6 and y0 <= ys.min() + 1e-6 and ys.max() <= y1 + 1e-6
    assert photo.diameter_stenosis_percent == lesion.diameter_stenosis_percent


def test_a_lesion_without_outline_keeps_none() -> None:
    lesion = Lesion(x=10.0, y=10.0, box=(5.0, 5.0, 15.0, 15.0), score=0.5, diameter_stenosis_percent=55.0)
    assert _rectification().lesion_to_photo(lesion).outline is None


@pytest.mark.parametrize("outline", [((0.0, 0.0), (1.0, 1.0)), ((0.0, 0.0), (1.0, float("nan")), (2.0, 0.0))])
def test_an_outline_must_be_a_finite_polygon(outline: tuple[tuple[float, float], ...]) -> None:
    with pytest.raises(ValueError, match="outline"):
        Lesion(x=1.0, y=1.0, box=(0.0, 0.0, 2.0, 2.0), score=0.5, diameter_stenosis_percent=55.0, outline=outline)
