"""Builds a model bundle: the int8 artifact, a calibrated threshold and the card."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import keras
import numpy as np

from cathnet.bundle import BUNDLE_FORMAT, CARD_NAME, sha256_of, size_of
from cathnet.backends.tflite import TFLiteBackend
from cathnet.findings import SEVERE_DS, SIGNIFICANT_DS
from cathnet.preprocess import InputSpec
from cathnet_train import dataset
from cathnet_train.metrics import binary_report, roc_auc, youden_threshold
from cathnet_train.synth import MIN_GRADABLE_DIAMETER_PX
from cathnet_convert.tflite import to_int8

INT8_FILE = "cathnet_int8.tflite"


def output_shapes(model: keras.Model) -> dict[str, list[int]]:
    """Card output name → shape without the batch axis."""
    return {name: [int(d) for d in t.shape[1:]] for name, t in zip(model.output_names, model.outputs)}


def build_bundle(
    keras_path: Path,
    out_dir: Path,
    model_id: str = "cathnet-stenosis",
    version: str = "0.1.0",
    calibration_frames: int = 200,
    validation_frames: int = 600,
) -> dict[str, Any]:
    """Converts ``keras_path`` and writes ``out_dir`` (card + int8 artifact).

    The decision threshold is calibrated (Youden's J) on the *int8* model's outputs
    for validation frames, so it matches what ships.

    Returns:
        The card written to ``out_dir/model.json``.
    """
    model = keras.models.load_model(keras_path, compile=False)
    spec = InputSpec(height=int(model.inputs[0].shape[1]), width=int(model.inputs[0].shape[2]))
    rep = dataset.build(dataset.seeds("calibration", calibration_frames), spec)
    tflite = to_int8(model, rep.x)
    outputs = output_shapes(model)

    staging = Path(tempfile.mkdtemp(prefix="cathnet-bundle-"))
    (staging / INT8_FILE).write_bytes(tflite)
    backend = TFLiteBackend("litert", staging / INT8_FILE, outputs, num_threads=2)
    val = dataset.build(dataset.seeds("validation", validation_frames), spec)
    scores = np.array([backend.run(x[None])["probability"].reshape(-1)[0] for x in val.x])
    backend.close()
    labels = val.probability[:, 0]
    threshold = youden_threshold(labels, scores)

    training_json = keras_path.parent / "training.json"
    training = json.loads(training_json.read_text()) if training_json.exists() else {}
    card: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "id": model_id,
        "version": version,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "task": "coronary stenosis (>= 50 % diameter stenosis) detection, localisation, grading",
        "disclaimer": "Research use only — not for clinical diagnosis.",
        "data_note": "trained and measured on synthetic angiograms only",
        "input": spec.to_card() | {"dtype": "float32 to the SDK; int8 inside the model",
                                    "quantization": "int8 (scale/zero point read from the model)"},
        "outputs": {
            "probability": {"shape": outputs["probability"],
                            "meaning": "P(a >= 50 % diameter stenosis anywhere in the frame)"},
            "lesion_map": {"shape": outputs["lesion_map"], "stride": dataset.OUTPUT_STRIDE,
                           "channels": ["lesion-centre heat [0, 1]", "% diameter stenosis / 100"]},
        },
        "postprocess": {
            "threshold": round(float(threshold), 6),
            "threshold_method": f"Youden's J on {validation_frames} synthetic validation frames (int8 model)",
            "lesion_threshold": 0.3,
            "max_lesions": 5,
            "significant_ds_percent": SIGNIFICANT_DS,
            "severe_ds_percent": SEVERE_DS,
        },
        "limits": {
            "smallest_gradable_reference_diameter_px_at_model_input": MIN_GRADABLE_DIAMETER_PX,
            "note": (
                f"stenoses are only trained on vessels >= {MIN_GRADABLE_DIAMETER_PX:g} px wide at "
                f"{spec.width} px input, i.e. >= {MIN_GRADABLE_DIAMETER_PX * 2:g} px in a 512 px "
                "frame (about 2.4 mm); narrower side branches are not graded"
            ),
        },
        "training": training,
        "metrics": {
            "validation_int8": {
                "test_set": f"synthetic validation seeds {dataset.SEED_RANGES['validation'][0]}+{validation_frames}",
                "auc": round(roc_auc(labels, scores), 4),
                **{k: round(v, 4) for k, v in binary_report(labels, scores, threshold).items()},
            }
        },
        "artifacts": {},
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(staging / INT8_FILE, out_dir / INT8_FILE)
    shutil.rmtree(staging, ignore_errors=True)
    card["artifacts"]["tflite_int8"] = {
        "file": INT8_FILE,
        "kind": "tflite",
        "quantization": "int8",
        "bytes": size_of(out_dir / INT8_FILE),
        "sha256": sha256_of(out_dir / INT8_FILE),
    }
    (out_dir / CARD_NAME).write_text(json.dumps(card, indent=2) + "\n")
    return card
