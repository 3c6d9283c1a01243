"""Curriculum level 4: a frame seen through a simulated photo and the SDK's capture path."""

from __future__ import annotations

import numpy as np

from cathnet.preprocess import InputSpec
from cathnet_train.photos import build, through_photo
from cathnet_train.synth import generate

SEED = 500_007  # a level-4 training seed whose photo the capture path accepts


def test_the_truth_follows_the_frame_into_the_viewport() -> None:
    frame = generate(SEED, size=512, positive=True)
    seen = through_photo(frame, SEED, 256)
    assert seen is not None and seen.stenosis == frame.stenosis
    h, w = seen.image.shape
    assert seen.vessel_mask.shape == (h, w) and max(h, w) >= 256  # at least the model's scale
    on = seen.vessel_mask > 127
    assert 0.5 * (frame.vessel_mask > 127).mean() < on.mean() < 2.0 * (frame.vessel_mask > 127).mean()
    assert seen.image[on].mean() < seen.image[~on].mean() - 10  # the warped mask lies on the dark vessels
    assert len(seen.lesions) == len(frame.lesions)
    for lesion in seen.lesions:  # each lesion still lies on a vessel of the viewport
        x, y = int(round(lesion.x)), int(round(lesion.y))
        assert 0 <= x < w and 0 <= y < h
        assert on[max(y - 6, 0) : y + 7, max(x - 6, 0) : x + 7].any()


def test_refused_photos_are_counted_not_kept() -> None:
    batch, refused = build(list(range(SEED, SEED + 12)), InputSpec(), workers=1)
    assert len(batch.x) + refused == 12 and len(batch.x) >= 8
    assert batch.x.shape[1:] == (256, 256, 1) and batch.lesion_map.shape[1:] == (32, 32, 3)
    assert np.isfinite(batch.x).all() and set(np.unique(batch.probability)) <= {0.0, 1.0}
