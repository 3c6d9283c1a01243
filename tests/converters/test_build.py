"""Keras → every variant of a bundle → SDK, end to end on a small untrained model."""

from __future__ import annotations

import json
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
    card = build_bundle(
        tmp_path / "m.keras", tmp_path / "bundle", calibration_frames=8, validation_frames=24, calibration_photos=4
    )
    assert set(card["artifacts"]) == {
        "tflite_int8",
        "tflite_fp16",
        "tflite_fp32",
        "coreml",
        "coreml_int8w",
        "reference",
    }
    art = card["artifacts"]["tflite_int8"]
    assert (tmp_path / "bundle" / art["file"]).stat().st_size == art["bytes"]
    assert "photographed" in card["int8_calibration"]
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

    # Every TFLite variant serves predict through the SDK; float ones match Keras closely.
    frame = np.full((256, 256), 128, np.uint8)
    frame[100:140, :] = 40
    probabilities = {}
    for variant in ("tflite_int8", "tflite_fp16", "tflite_fp32"):
        with cathnet.Analyzer(tmp_path / "bundle", backend="litert", variant=variant) as analyzer:
            probabilities[variant] = analyzer.predict(frame).stenosis_probability
            assert analyzer.model["sha256"] == card["artifacts"][variant]["sha256"]
    assert abs(probabilities["tflite_fp16"] - probabilities["tflite_fp32"]) < 0.01


@pytest.mark.slow
def test_core_ml_packages_carry_the_card(tmp_path: Path) -> None:
    pytest.importorskip("coremltools", reason="Core ML conversion needs coremltools (the 'convert' extra)")
    import cathnet
    from cathnet.preprocess import InputSpec
    from cathnet_convert.build import build_bundle
    from cathnet_convert.milexec import MLProgram
    from cathnet_train.model import build_model

    keras.utils.set_random_seed(2)
    build_model(InputSpec(), growth=4).save(tmp_path / "m.keras")
    card = build_bundle(
        tmp_path / "m.keras",
        tmp_path / "bundle",
        "cathnet-test",
        "1.2.3",
        calibration_frames=8,
        validation_frames=24,
        calibration_photos=4,
    )
    for name in ("coreml", "coreml_int8w"):
        program = MLProgram.load(tmp_path / "bundle" / card["artifacts"][name]["file"])
        meta = program.metadata
        assert meta["cathnet.id"] == "cathnet-test" and meta["cathnet.version"] == "1.2.3"
        assert float(meta["cathnet.threshold"]) == card["postprocess"]["threshold"]
        assert json.loads(meta["cathnet.input"])["width"] == 256
        assert meta["com.github.apple.coremltools.conversion_date"] == card["created"]
        assert [i.name for i in program.inputs] == ["image"]  # named as in TFLite and the card
        assert sorted(o.name for o in program.outputs) == sorted(card["outputs"])
    # The SDK verifies the packages (folders) like any artifact, and refuses an edit.
    bundle = cathnet.ModelBundle.load(tmp_path / "bundle")
    assert bundle.artifacts["coreml"].kind == "mlpackage"
    weights = next((tmp_path / "bundle" / "cathnet.mlpackage").rglob("weight.bin"))
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(cathnet.ModelIntegrityError):
        cathnet.ModelBundle.load(tmp_path / "bundle")


def test_a_rebuild_from_a_bundle_keeps_what_trained_it(tmp_path: Path) -> None:
    from cathnet_convert.build import _training_summary

    shipped = Path(__file__).resolve().parents[2] / "sdk" / "cathnet" / "models" / "cathnet-stenosis"
    summary = _training_summary(shipped / "reference.keras")
    assert summary["config"]["seed"] and summary["curriculum"]  # from the card
    (tmp_path / "training.json").write_text('{"config": {"look": "real"}}')
    assert _training_summary(tmp_path / "cathnet.keras") == {"config": {"look": "real"}}
    assert _training_summary(tmp_path / "elsewhere" / "cathnet.keras") == {}
