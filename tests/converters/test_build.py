"""Keras → int8 bundle → SDK, end to end on a small untrained model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras", reason="conversion needs the 'convert' extra (TensorFlow)")


@pytest.mark.slow
def test_build_bundle_loads_in_the_sdk(tmp_path: Path) -> None:
    import cathnet
    from cathnet.backends.tflite import TFLiteBackend
    from cathnet.preprocess import InputSpec
    from cathnet_convert.build import build_bundle
    from cathnet_train.model import build_model

    keras.utils.set_random_seed(1)
    model = build_model(InputSpec(), growth=4)
    model.save(tmp_path / "m.keras")
    card = build_bundle(tmp_path / "m.keras", tmp_path / "bundle", calibration_frames=8, validation_frames=24)
    art = card["artifacts"]["tflite_int8"]
    assert (tmp_path / "bundle" / art["file"]).stat().st_size == art["bytes"]
    assert 0.0 <= card["postprocess"]["threshold"] <= 1.0
    assert "synthetic" in card["metrics"]["validation_int8"]["test_set"]

    keras_out = model.predict(np.full((1, 256, 256, 1), 0.5, np.float32), verbose=0)
    bundle = cathnet.ModelBundle.load(tmp_path / "bundle")
    outputs = {k: v["shape"] for k, v in bundle.card["outputs"].items()}
    backend = TFLiteBackend("litert", bundle.artifacts["tflite_int8"].path, outputs)
    run = backend.run(np.full((1, 256, 256, 1), 0.5, np.float32))
    # int8 against float on the same input: within a few quantisation steps.
    assert abs(float(run["probability"][0, 0]) - float(keras_out["probability"][0, 0])) < 0.05
    assert np.abs(run["lesion_map"] - keras_out["lesion_map"]).max() < 0.1
