from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras", reason="training needs the 'train' extra (TensorFlow)")


@pytest.mark.slow
def test_curriculum_runs_all_stages_and_saves_the_product_model(tmp_path: Path) -> None:
    from cathnet_train.train import TrainConfig, train

    config = TrainConfig(level1=64, level2=32, level3=32, level4=12, budget=6, validation_size=24, growth=4, look="v1")
    summary = train(config, tmp_path)
    stages = summary["curriculum"]
    assert [(s["stage"], s["level"]) for s in stages] == [(1, 1), (2, 2), (3, 3), (4, 4)]
    # the budget is spent by compute: 2 of the 6 frame steps (of 32 frames) on 64x64 patches are
    # 32 patch steps of 32, or 128 of the recipe's 8
    assert config.batch == 8 and all(s["batch"] == 8 for s in stages)
    assert [s["steps"] for s in stages] == [128, 16, 8, 4]
    assert "64x64" in stages[0]["what"] and "photographed frames through the capture path" in stages[3]["what"]
    assert all(np.isfinite(v) for s in stages for v in s["losses"].values())
    saved = json.loads((tmp_path / "training.json").read_text())
    assert saved["config"]["budget"] == 6 and saved["data"]["train_seeds"]["4"][1] == 12
    model = keras.models.load_model(tmp_path / "cathnet.keras", compile=False)
    assert set(model.output_names) == {"probability", "lesion_map"}  # no training-only head
    out = model.predict(np.zeros((1, 256, 256, 1), np.float32), verbose=0)
    assert out["lesion_map"].shape == (1, 32, 32, 2)


@pytest.mark.slow
def test_a_run_reproduces_bit_for_bit(tmp_path: Path) -> None:
    from cathnet_train.train import TrainConfig, train

    config = TrainConfig(level1=64, level2=32, level3=32, level4=12, budget=6, validation_size=24, growth=4, look="v1")
    weights = []
    for run in ("a", "b"):
        summary = train(config, tmp_path / run)
        model = keras.models.load_model(tmp_path / run / "cathnet.keras", compile=False)
        weights.append((summary["validation_auc_float"], model.get_weights()))
    assert weights[0][0] == weights[1][0]
    assert all(np.array_equal(a, b) for a, b in zip(weights[0][1], weights[1][1], strict=True))
