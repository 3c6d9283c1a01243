from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cathnet.geometry import Letterbox
from cathnet.postprocess import PostprocessConfig, decode, find_lesions

CONFIG = PostprocessConfig(threshold=0.5, lesion_threshold=0.3, max_lesions=5, stride=8)


def _map(peaks: list[tuple[float, float, float, float]]) -> np.ndarray:
    """(cx, cy, height, ds) gaussian peaks on a 32x32 map, cell coordinates."""
    yy, xx = np.mgrid[0:32, 0:32].astype(np.float32)
    heat = np.zeros((32, 32), np.float32)
    ds = np.zeros((32, 32), np.float32)
    for cx, cy, h, d in peaks:
        g = h * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / 2.0)
        heat = np.maximum(heat, g)
        ds[g > 0.05] = d
    return np.stack([heat, ds], axis=-1)


def test_peak_maps_back_through_the_letterbox() -> None:
    box = Letterbox.fit(1024, 512, 256, 256)  # scale 0.25, pad_y 64
    lesions = find_lesions(_map([(10.0, 16.0, 0.9, 0.72)]), box, CONFIG)
    assert len(lesions) == 1
    model_x, model_y = 10 * 8 + 3.5, 16 * 8 + 3.5
    assert lesions[0].x == pytest.approx(model_x / 0.25, abs=1.0)
    assert lesions[0].y == pytest.approx((model_y - 64) / 0.25, abs=1.0)
    assert lesions[0].diameter_stenosis_percent == pytest.approx(72.0, abs=0.5)
    assert lesions[0].severity == "severe"


def test_sorted_thresholded_and_capped() -> None:
    peaks = [(4, 4, 0.5, 0.3), (20, 20, 0.95, 0.6), (28, 6, 0.2, 0.5)]
    lesions = find_lesions(_map(peaks), Letterbox.fit(256, 256, 256, 256), CONFIG)
    assert [round(lesion.score, 2) for lesion in lesions] == [0.95, 0.5]
    capped = find_lesions(_map(peaks), Letterbox.fit(256, 256, 256, 256), PostprocessConfig(0.5, 0.1, 1, 8))
    assert len(capped) == 1


def test_positive_call_always_shows_where() -> None:
    weak = _map([(12, 12, 0.2, 0.55)])
    box = Letterbox.fit(256, 256, 256, 256)
    assert find_lesions(weak, box, CONFIG) == ()
    assert len(find_lesions(weak, box, CONFIG, force_top=True)) == 1


def test_empty_map_gives_no_lesions() -> None:
    assert find_lesions(np.zeros((32, 32, 2), np.float32), Letterbox.fit(300, 300, 256, 256), CONFIG, True) == ()


def test_an_int8_plateau_is_one_lesion() -> None:
    # Quantised maps have plateaus: two neighbouring cells with the same value are both
    # ">= their neighbourhood"; they are one narrowing, reported once.
    lesion_map = _map([(12, 12, 0.8, 0.6)])
    lesion_map[12, 13, 0] = lesion_map[12, 12, 0]
    lesions = find_lesions(lesion_map, Letterbox.fit(256, 256, 256, 256), CONFIG)
    assert len(lesions) == 1
    assert 12 * 8 + 3.5 <= lesions[0].x <= 13 * 8 + 3.5  # between the two cells' centres


def test_lesions_three_cells_apart_stay_two() -> None:
    lesions = find_lesions(_map([(10, 12, 0.8, 0.6), (13, 12, 0.7, 0.6)]), Letterbox.fit(256, 256, 256, 256), CONFIG)
    assert len(lesions) == 2


REGIONS = PostprocessConfig(threshold=0.5, lesion_threshold=0.3, max_lesions=5, stride=2, decoder="regions")


def _region_map(blobs: list[tuple[int, int, int, int, float, float]], side: int = 128) -> np.ndarray:
    """(x0, y0, x1, y1, value, ds) rectangles of region on a (side, side, 3) stride-2 map, cells."""
    out = np.zeros((side, side, 3), np.float32)
    for x0, y0, x1, y1, value, ds in blobs:
        out[y0:y1, x0:x1, 0] = value
        out[y0:y1, x0:x1, 1] = ds
    return out


def test_a_region_is_one_lesion_outlined_in_image_pixels() -> None:
    box = Letterbox.fit(512, 512, 256, 256)  # scale 0.5: a cell (stride 2) is 4 image pixels
    lesions = decode(_region_map([(40, 50, 60, 54, 0.9, 0.65)]), box, REGIONS)
    assert len(lesions) == 1
    lesion = lesions[0]
    outline = np.array(lesion.outline)
    # cells 40..59 x 50..53 cover image pixels 160..239 x 200..215
    assert outline[:, 0].min() == pytest.approx(160, abs=3) and outline[:, 0].max() == pytest.approx(239, abs=3)
    assert outline[:, 1].min() == pytest.approx(200, abs=3) and outline[:, 1].max() == pytest.approx(215, abs=3)
    assert lesion.diameter_stenosis_percent == pytest.approx(65, abs=1)
    assert lesion.box[0] <= lesion.x <= lesion.box[2] and lesion.box[1] <= lesion.y <= lesion.box[3]
    assert lesion.to_dict()["outline"][0] == [round(v, 2) for v in lesion.outline[0]]


def test_regions_are_disjoint_sorted_and_thresholded() -> None:
    blobs = [(10, 10, 20, 14, 0.6, 0.5), (70, 70, 90, 74, 0.95, 0.8), (100, 20, 110, 24, 0.35, 0.5)]
    box = Letterbox.fit(256, 256, 256, 256)
    lesions = decode(_region_map(blobs), box, REGIONS)
    assert [round(lesion.score, 2) for lesion in lesions] == [0.95, 0.6]  # the 0.35 region is below region_threshold
    assert decode(_region_map(blobs), box, dataclasses.replace(REGIONS, max_lesions=1))[0].score == pytest.approx(0.95)


def test_a_positive_frame_shows_its_strongest_region() -> None:
    weak = _region_map([(30, 30, 40, 33, 0.3, 0.6)])
    box = Letterbox.fit(256, 256, 256, 256)
    assert decode(weak, box, REGIONS) == ()
    assert len(decode(weak, box, REGIONS, force_top=True)) == 1
    assert decode(np.zeros((128, 128, 3), np.float32), box, REGIONS, force_top=True) == ()


def test_outline_follows_the_letterbox_of_a_wide_frame() -> None:
    box = Letterbox.fit(1024, 512, 256, 256)  # scale 0.25, pad_y 64 model px = 32 cells
    (lesion,) = decode(_region_map([(10, 60, 20, 64, 0.9, 0.6)]), box, REGIONS)
    ys = np.array(lesion.outline)[:, 1]
    # cells 60..63 are model rows 120..127, image rows (120 - 64) / 0.25 = 224 .. 255
    assert ys.min() == pytest.approx(224, abs=4) and ys.max() == pytest.approx(255, abs=4)
