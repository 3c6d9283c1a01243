from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras", reason="training needs the 'train' extra (TensorFlow)")


@pytest.mark.slow
def test_curriculum_runs_all_stages_and_saves_the_product_model(tmp_path: Path) -> None:
    from cathnet_train.train import TrainConfig, train

    config = TrainConfig(train_size=48, validation_size=24, segment_epochs=1, frame_size=32, photo_size=12, growth=4)
    summary = train(config, tmp_path)
    assert [s["stage"] for s in summary["curriculum"]] == [1, 2, 3]
    assert "photographed frames (of 12 photos" in summary["curriculum"][2]["what"]
    saved = json.loads((tmp_path / "training.json").read_text())
    assert saved["config"]["train_size"] == 48
    model = keras.models.load_model(tmp_path / "cathnet.keras", compile=False)
    assert set(model.output_names) == {"probability", "lesion_map"}  # no training-only head
    out = model.predict(np.zeros((1, 256, 256, 1), np.float32), verbose=0)
    assert out["lesion_map"].shape == (1, 32, 32, 2)
