from __future__ import annotations

import itertools

import numpy as np
import pytest

from cathnet_train import dataset
from cathnet_train.synth import LOOK_V1, MIN_GRADABLE_DIAMETER_PX, SIGNIFICANT_DS, generate


def test_a_seed_determines_the_frame() -> None:
    a, b = generate(123), generate(123)
    assert np.array_equal(a.image, b.image) and a.lesions == b.lesions
    assert not np.array_equal(a.image, generate(124).image)


@pytest.mark.parametrize("seed", range(20))
def test_forced_labels_and_lesion_truth(seed: int) -> None:
    pos = generate(seed, positive=True)
    assert pos.stenosis
    assert any(lesion.diameter_stenosis_percent >= SIGNIFICANT_DS for lesion in pos.lesions)
    neg = generate(seed, positive=False)
    assert not neg.stenosis
    assert all(lesion.diameter_stenosis_percent < SIGNIFICANT_DS for lesion in neg.lesions)
    for frame in (pos, neg):
        assert frame.image.shape == (256, 256) and frame.image.dtype == np.uint8
        for lesion in frame.lesions:
            x0, y0, x1, y1 = lesion.box
            assert x0 <= lesion.x <= x1 and y0 <= lesion.y <= y1
            assert lesion.reference_diameter_px >= MIN_GRADABLE_DIAMETER_PX - 1e-9


def test_lesions_lie_on_vessels_and_vessels_are_dark() -> None:
    frame = generate(7, positive=True)
    mask = frame.vessel_mask > 0
    assert frame.image[mask].mean() < frame.image[~mask].mean()
    for lesion in frame.lesions:
        y, x = int(round(lesion.y)), int(round(lesion.x))
        assert mask[max(y - 3, 0) : y + 4, max(x - 3, 0) : x + 4].any()


def test_a_severe_narrowing_lets_more_light_through() -> None:
    # At a 90 % stenosis the lumen is thin: the centre is brighter than the vessel upstream.
    frame = generate(11, positive=True)
    lesion = max(frame.lesions, key=lambda lesion: lesion.diameter_stenosis_percent)
    img = frame.image.astype(float)
    y, x = int(round(lesion.y)), int(round(lesion.x))
    centre = img[y - 1 : y + 2, x - 1 : x + 2].min()
    assert centre > img[frame.vessel_mask > 0].mean()


def test_geometry_scales_with_size() -> None:
    small, big = generate(5, size=256, positive=True), generate(5, size=512, positive=True)
    assert big.image.shape == (512, 512)
    assert big.lesions[0].x == pytest.approx(2 * small.lesions[0].x)


def test_seed_ranges_are_disjoint() -> None:
    spans = sorted(dataset.SEED_RANGES.values())
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    with pytest.raises(ValueError):
        dataset.seeds("samples", 1000)


def test_the_real_look_draws_occlusions_collimators_and_is_deterministic() -> None:
    from cathnet_train.realism import remove_vessels
    from cathnet_train.synth import LOOK_REAL

    a, b = generate(3_000_005, look=LOOK_REAL), generate(3_000_005, look=LOOK_REAL)
    assert np.array_equal(a.image, b.image) and a.lesions == b.lesions
    assert not np.array_equal(a.image, generate(3_000_005).image)
    occluded, collimated = 0, 0
    for seed in range(3_000_000, 3_000_040):
        frame = generate(seed, positive=True, look=LOOK_REAL)
        assert frame.stenosis
        image = frame.image.astype(np.float32)
        border = min(image[:3].mean(), image[-3:].mean(), image[:, :3].mean(), image[:, -3:].mean())
        collimated += border < 0.5 * image[64:192, 64:192].mean()
        for lesion in frame.lesions:
            if lesion.diameter_stenosis_percent == 100.0:
                occluded += 1
                background = remove_vessels(frame.image, frame.vessel_mask > 0).astype(np.float32)
                y, x = int(round(lesion.y)), int(round(lesion.x))
                # the lumen is shut: at the lesion's centre no contrast is left
                assert image[y, x] > 0.93 * background[y, x]
    assert occluded >= 1 and collimated >= 5


@pytest.mark.parametrize("level", [1, 2])
def test_curriculum_patches_carry_their_label_and_truth(level: int) -> None:
    from cathnet_train.synth import LOOK_REAL, SEGMENT_SIDES, generate_level

    side = SEGMENT_SIDES[level]
    for seed in range(4_000_000, 4_000_012):
        for look in (LOOK_V1, LOOK_REAL):
            pos = generate_level(seed, level, positive=True, look=look)
            neg = generate_level(seed, level, positive=False, look=look)
            assert pos.stenosis and not neg.stenosis
            assert pos.image.shape == (side, side) == neg.vessel_mask.shape
            assert neg.vessel_mask.mean() > 255 * 0.02  # a vessel crosses the patch
            if level == 1:
                assert len(pos.lesions) == 1
            for lesion in pos.lesions:
                y, x = int(round(lesion.y)), int(round(lesion.x))
                assert 0 <= x < side and 0 <= y < side
                assert (
                    pos.vessel_mask[max(y - 3, 0) : y + 4, max(x - 3, 0) : x + 4] > 0
                ).any() or lesion.diameter_stenosis_percent == 100.0
    a, b = generate_level(4_000_001, level), generate_level(4_000_001, level)
    assert np.array_equal(a.image, b.image) and a.lesions == b.lesions


def test_a_patch_level_outside_1_and_2_is_refused() -> None:
    from cathnet_train.synth import generate_level

    with pytest.raises(ValueError, match="expected curriculum level 1 or 2"):
        generate_level(1, 3)
