from __future__ import annotations

import numpy as np
import pytest

from cathnet.geometry import Letterbox
from cathnet.postprocess import PostprocessConfig, find_lesions

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
    assert [round(l.score, 2) for l in lesions] == [0.95, 0.5]
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
