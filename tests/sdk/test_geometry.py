from __future__ import annotations

import numpy as np
import pytest

from cathnet.geometry import Letterbox


@pytest.mark.parametrize(
    ("w", "h", "scale", "pad_x", "pad_y"),
    [
        (256, 256, 1.0, 0, 0),
        (512, 512, 0.5, 0, 0),
        (512, 256, 0.5, 0, 64),
        (300, 600, 256 / 600, 64, 0),
        (100, 100, 2.56, 0, 0),
    ],
)
def test_fit(w: int, h: int, scale: float, pad_x: int, pad_y: int) -> None:
    box = Letterbox.fit(w, h, 256, 256)
    assert box.scale == pytest.approx(scale)
    assert (box.pad_x, box.pad_y) == (pad_x, pad_y)


def test_round_trip_and_clipping() -> None:
    box = Letterbox.fit(640, 480, 256, 256)
    pts = np.array([[0.0, 0.0], [639.0, 479.0], [320.5, 100.25]])
    np.testing.assert_allclose(box.to_image(box.to_model(pts)), pts, atol=1e-9)
    # A point in the padding maps to the nearest image pixel, never outside the image.
    outside = box.to_image([[128.0, 0.0]])[0]
    assert 0.0 <= outside[1] <= 479.0


def test_a_model_map_goes_back_to_the_image_pixels() -> None:
    box = Letterbox.fit(400, 200, 256, 256)  # scale 0.64, pad_y 64
    model_map = np.zeros((256, 256), np.float32)
    mx, my = box.to_model([[300.0, 50.0]])[0]
    model_map[round(my) - 2 : round(my) + 3, round(mx) - 2 : round(mx) + 3] = 1.0
    image_map = box.map_to_image(model_map)
    assert image_map.shape == (200, 400)
    y, x = np.unravel_index(np.argmax(image_map), image_map.shape)
    assert abs(x - 300) <= 3 and abs(y - 50) <= 3
