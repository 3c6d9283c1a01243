"""The learned locator: its input, how its maps become quads, and the shipped network on photos."""

from __future__ import annotations

import numpy as np
import pytest

from cathnet.capture.locator import (
    ANGIOGRAM,
    INPUT_WH,
    MAP_WH,
    OUTLINE,
    PANEL,
    STRIDE,
    Locator,
    locator_input,
    read_maps,
)
from cathnet.geometry import Letterbox


def _maps(*regions: tuple[int, int, int, int, int]) -> np.ndarray:
    """Crisp maps: each region (channel, x0, y0, x1, y1) in map pixels, exclusive ends."""
    maps = np.zeros((MAP_WH[1], MAP_WH[0], 3), np.float32)
    for channel, x0, y0, x1, y1 in regions:
        maps[y0:y1, x0:x1, channel] = 1.0
    return maps


@pytest.mark.parametrize(
    ("shape", "dtype"), [((600, 800, 3), np.uint8), ((720, 1280), np.uint8), ((480, 640, 4), np.uint16)]
)
def test_the_input_is_the_photo_letterboxed_in_colour(shape: tuple[int, ...], dtype: type) -> None:
    photo = np.full(shape, 200 * (257 if dtype == np.uint16 else 1), dtype)
    x, box = locator_input(photo)
    assert x.shape == (INPUT_WH[1], INPUT_WH[0], 3) and x.dtype == np.uint8
    cw, ch = box.content_size
    assert (x[box.pad_y : box.pad_y + ch, box.pad_x : box.pad_x + cw] == 200).all()
    assert x.sum() == 200 * 3 * cw * ch  # the letterbox is black


def test_map_regions_become_their_outer_edges_in_photo_pixels() -> None:
    box = Letterbox.fit(1600, 1200, *INPUT_WH)  # 6.25 photo pixels per input pixel
    found = read_maps(_maps((PANEL, 4, 3, 60, 45), (ANGIOGRAM, 20, 8, 50, 38)), box, (1200, 1600))
    scale = STRIDE / box.scale  # photo pixels per map pixel
    np.testing.assert_allclose(found.viewport, np.array([[20, 8], [50, 8], [50, 38], [20, 38]]) * scale, atol=0.5)
    np.testing.assert_allclose(found.panel, np.array([[4, 3], [60, 3], [60, 45], [4, 45]]) * scale, atol=0.5)
    assert found.confidence == pytest.approx(1.0)


def test_the_angiogram_nearest_the_photos_centre_is_taken() -> None:
    box = Letterbox.fit(1600, 1200, *INPUT_WH)
    maps = _maps(
        (PANEL, 0, 0, 64, 48), (ANGIOGRAM, 2, 4, 22, 24), (ANGIOGRAM, 30, 20, 52, 42), (ANGIOGRAM, 58, 2, 62, 6)
    )
    found = read_maps(maps, box, (1200, 1600))
    scale = STRIDE / box.scale
    np.testing.assert_allclose(found.viewport[0], np.array([30, 20]) * scale, atol=0.5)


def test_touching_tiles_are_parted_by_their_outlines() -> None:
    box = Letterbox.fit(1600, 1200, *INPUT_WH)
    maps = _maps((PANEL, 0, 0, 64, 48), (ANGIOGRAM, 8, 4, 56, 44))  # four tiles merged in the viewport map
    for x0, y0, x1, y1 in ((8, 4, 32, 24), (32, 4, 56, 24), (8, 24, 32, 44), (32, 24, 56, 44)):
        maps[y0:y1, x0, OUTLINE] = maps[y0:y1, x1 - 1, OUTLINE] = 1.0
        maps[y0, x0:x1, OUTLINE] = maps[y1 - 1, x0:x1, OUTLINE] = 1.0
    found = read_maps(maps, box, (1200, 1600))
    scale = STRIDE / box.scale
    side = np.linalg.norm(found.viewport[1] - found.viewport[0]) / scale
    assert 20 <= side <= 26  # one tile (24 map pixels), not the grid (48)


@pytest.mark.parametrize("regions", [(), ((PANEL, 4, 4, 60, 44),), ((ANGIOGRAM, 30, 20, 34, 24),)])
def test_no_angiogram_or_a_thumbnail_is_nothing_found(regions: tuple) -> None:
    found = read_maps(_maps(*regions), Letterbox.fit(1600, 1200, *INPUT_WH), (1200, 1600))
    assert found.viewport is None and found.panel is None


def test_the_shipped_network_loads_and_keeps_its_contract() -> None:
    locator = Locator()
    maps, _ = locator.maps(np.zeros((480, 640, 3), np.uint8))
    assert maps.shape == (MAP_WH[1], MAP_WH[0], 3) and maps.dtype == np.float32
    assert float(maps.min()) >= 0.0 and float(maps.max()) <= 1.0
    assert locator.locate(np.zeros((480, 640, 3), np.uint8)).viewport is None  # a black photo shows nothing
