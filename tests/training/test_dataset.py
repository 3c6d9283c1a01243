from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cathnet.preprocess import InputSpec
from cathnet_train import dataset
from cathnet_train.synth import LOOK_REAL, LOOK_V1
from tests.paths import REAL


def test_held_out_frames_never_draw_on_the_training_backgrounds() -> None:
    assert dataset.LookSpec.for_split("real", "test", str(REAL)).part == "testing"
    for split in ("train", "calibration", "validation"):
        assert dataset.LookSpec.for_split("real", split, str(REAL)).part == "training"


def test_looks_resolve_and_say_what_they_are(tmp_path: Path) -> None:
    assert dataset.LookSpec().resolve() is LOOK_V1
    missing = dataset.LookSpec("real", str(tmp_path / "absent"))
    assert missing.resolve() is LOOK_REAL and "synthetic backgrounds only" in missing.describe()
    with pytest.raises(ValueError, match="expected look 'v1' or 'real'"):
        dataset.LookSpec("glossy").resolve()


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/real-angiograms is absent")
def test_real_look_batches_are_deterministic_and_use_real_backgrounds() -> None:
    look = dataset.LookSpec.for_split("real", "train", str(REAL))
    assert len(look.resolve().backgrounds) == 40 and "real frames" in look.describe()
    seeds = list(range(8))
    one = dataset.build(seeds, InputSpec(), workers=1, look=look)
    two = dataset.build(seeds, InputSpec(), workers=2, look=look)
    assert np.array_equal(one.x, two.x) and np.array_equal(one.lesion_map, two.lesion_map)
    assert not np.array_equal(one.x, dataset.build(seeds, InputSpec(), workers=1).x)


@pytest.mark.parametrize("level", [1, 2])
def test_level_patches_become_inputs_and_targets(level: int) -> None:
    side = {1: 64, 2: 128}[level]
    batch = dataset.build_level(list(range(4_000_000, 4_000_016)), level, workers=1)
    assert batch.x.shape == (16, side, side, 1) and batch.x.min() >= 0.0 and batch.x.max() <= 1.0
    assert batch.lesion_map.shape == (16, side // 8, side // 8, 3)
    assert batch.vessels.shape == (16, side // 4, side // 4, 1)
    positive = batch.probability[:, 0] == 1.0
    assert 0 < positive.sum() < 16
    assert (batch.lesion_map[positive, :, :, 0].max(axis=(1, 2)) > 0.5).all()  # the lesion is on the map
