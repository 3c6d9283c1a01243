"""The real-data curriculum's material, sampling and model, on generated frames (no shared data needed)."""

from __future__ import annotations

import numpy as np
import pytest

from cathnet.preprocess import InputSpec
from cathnet_train import dataset, real_data
from cathnet_train.real_curriculum import Material, sample
from cathnet_train.real_train import RealTrainConfig

keras = pytest.importorskip("keras", reason="training needs the 'train' extra (TensorFlow)")


@pytest.fixture(scope="module")
def frames() -> real_data.FrameSet:
    seeds = dataset.seeds("train", 12, offset=800_000)
    return real_data.synthetic(seeds, InputSpec(), dataset.LookSpec("v1"), workers=1)


def test_generated_targets_label_regions_vessels_and_ds(frames: real_data.FrameSet) -> None:
    y = frames.y.astype(np.float32)
    assert frames.x.shape == (12, 256, 256, 1) and y.shape == (12, 128, 128, 6)
    assert (y[:, 0, 0, 1] == 1).all() and (y[:, 0, 0, 5] == 1).all()  # generated frames label everything
    positive = frames.p[:, 0] == 1
    assert positive.any() and (~positive).any()
    # A significant narrowing is drawn as region; a frame without one has none.
    assert all(y[i, ..., 0].sum() > 0 for i in np.flatnonzero(positive))
    assert all(y[i, ..., 0].sum() == 0 for i in np.flatnonzero(~positive))
    assert (y[..., 0] <= y[..., 4] + 1e-3).all()  # a region lies on vessel


@pytest.mark.parametrize("level,side", [(1, 64), (2, 128), (3, 256)])
def test_batches_of_each_level(frames: real_data.FrameSet, level: int, side: int) -> None:
    material = Material.from_frames(frames)
    assert len(material.positives) and len(material.negatives)
    x, y, p = sample(material, level, 8, np.random.default_rng(0))
    assert x.shape == (8, side, side, 1) and y.shape == (8, side // 2, side // 2, 6) and p.shape == (8, 2)
    assert x.min() >= 0.0 and x.max() <= 1.0
    if level < 3:
        # Crops alternate: centred on a stenosis, then on vessel away from every stenosis.
        assert p[0::2, 0].sum() >= 3 and (p[1::2, 0] == (y[1::2, ..., 0] >= 0.5).sum(axis=(1, 2)).clip(0, 1)).all()


def test_level_4_mixes_photographed_and_digital_frames(frames: real_data.FrameSet) -> None:
    photos = frames.subset(np.arange(4))
    photos.p[:, 0] = 0.5  # recognisable: what a level-4 batch draws from the photos
    x, y, p = sample(Material.from_frames(frames, photos), 4, 8, np.random.default_rng(0))
    assert x.shape == (8, 256, 256, 1) and y.shape == (8, 128, 128, 6) and p.shape == (8, 2)
    assert (p[:, 0] == 0.5).sum() == 4  # half of the batch photographed, half digital
    with pytest.raises(ValueError, match="level-4 photos"):
        sample(Material.from_frames(frames), 4, 8, np.random.default_rng(0))


def test_equal_compute_for_both_arms() -> None:
    def cost(plan: list[tuple[int, int, int]]) -> float:
        return sum(
            steps * batch * (side / 256) ** 2
            for (level, steps, batch), side in zip(plan, [{1: 64, 2: 128, 3: 256, 4: 256}[lvl] for lvl, _, _ in plan])
        )

    curriculum = RealTrainConfig(budget=400).plan()
    direct = RealTrainConfig(budget=400, arm="direct").plan()
    assert [lvl for lvl, _, _ in curriculum] == [1, 2, 3, 4] and [lvl for lvl, _, _ in direct] == [3]
    assert cost(curriculum) == pytest.approx(cost(direct), rel=0.01)


@pytest.mark.parametrize("dilations", [((1,), (1, 1), (2, 4)), ((1, 1), (1, 1, 2), (4,))])
def test_region_model_outputs_and_fixed_size_copy(dilations: tuple[tuple[int, ...], ...]) -> None:
    from cathnet_train.region_model import build_region_model, fixed_size

    keras.utils.set_random_seed(2)
    free = build_region_model(None, widths=(8, 8, 16, 16), dilations=dilations)
    x = np.random.default_rng(0).random((2, 64, 64, 1), np.float32)
    out = free.predict(x, verbose=0)
    assert out["probability"].shape == (2, 1) and out["lesion_map"].shape == (2, 32, 32, 3)
    fixed = fixed_size(free, InputSpec(height=64, width=64))
    np.testing.assert_allclose(fixed.predict(x, verbose=0)["lesion_map"], out["lesion_map"], atol=1e-5)


def test_a_term_counts_only_where_the_frame_labels_it() -> None:
    from cathnet_train.real_losses import lesion_map_loss, probability_loss

    y = np.zeros((1, 8, 8, 6), np.float32)
    y[..., 0] = 1.0  # region everywhere, but not labelled (valid 0): a SYNTAX frame
    y[..., 4], y[..., 5] = 1.0, 1.0  # vessel everywhere, labelled
    right = np.zeros((1, 8, 8, 3), np.float32)
    right[..., 2] = 0.99
    wrong_region = right.copy()
    wrong_region[..., 0] = 0.01
    assert float(lesion_map_loss(y, right)) == pytest.approx(float(lesion_map_loss(y, wrong_region)))
    y[..., 1] = 1.0  # now the region is labelled: missing it costs
    found = right.copy()
    found[..., 0] = 0.99
    assert float(lesion_map_loss(y, wrong_region)) > float(lesion_map_loss(y, found)) + 1.0
    unknown = np.array([[1.0, 0.0]], np.float32)
    assert float(probability_loss(unknown, np.array([[0.01]], np.float32))) == pytest.approx(0.0)
