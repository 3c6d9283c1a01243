"""Builds a model bundle: every variant of one trained model, a calibrated threshold and the card.

Variants: full-integer int8, float16 and float32 TFLite; a float16 Core ML ML Program and
one with int8 weights; and the float Keras model itself (``reference``), which the SDK
never loads but ``cathnet-convert verify`` compares every variant against (and from
which the rest can be rebuilt).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import keras
import numpy as np

from cathnet.backends.tflite import TFLiteBackend
from cathnet.bundle import BUNDLE_FORMAT, CARD_NAME, sha256_of, size_of
from cathnet.findings import SEVERE_DS, SIGNIFICANT_DS
from cathnet.preprocess import InputSpec
from cathnet_convert import real_calibration
from cathnet_convert.coreml import DEPLOYMENT_TARGET, to_mlpackage
from cathnet_convert.tflite import to_float, to_int8
from cathnet_train import arcade, dataset, region_model
from cathnet_train import photos as photo_data
from cathnet_train.metrics import binary_report, roc_auc, youden_threshold
from cathnet_train.synth import MIN_GRADABLE_DIAMETER_PX

INT8_FILE = "cathnet_int8.tflite"
# artifact name → (file, kind, what it is)
VARIANTS: dict[str, tuple[str, str, dict[str, str]]] = {
    "tflite_int8": (INT8_FILE, "tflite", {"quantization": "int8 weights and activations (full integer)"}),
    "tflite_fp16": ("cathnet_fp16.tflite", "tflite", {"quantization": "float16 weights, float32 compute"}),
    "tflite_fp32": ("cathnet_fp32.tflite", "tflite", {"quantization": "none (float32)"}),
    "coreml": (
        "cathnet.mlpackage",
        "mlpackage",
        {"quantization": "float16 weights and compute", "deployment_target": DEPLOYMENT_TARGET},
    ),
    "coreml_int8w": (
        "cathnet_int8w.mlpackage",
        "mlpackage",
        {
            "quantization": "int8 weights per output channel (layers >= 2048 weights), float16 compute",
            "deployment_target": DEPLOYMENT_TARGET,
        },
    ),
    "reference": (
        "reference.keras",
        "keras",
        {"quantization": "none: the trained float model, for verify and rebuilds"},
    ),
}
# What the repository ships (<= 8 MiB): every variant but float16 TFLite, which on a CPU
# computes in float32 like tflite_fp32 once its weights are expanded (Core ML carries the
# float16 model); ``cathnet-convert build --variants`` makes it on request.
SHIPPED = ("tflite_int8", "tflite_fp32", "coreml", "coreml_int8w", "reference")
PHOTO_CALIBRATION_OFFSET = 50_000  # level-4 representative photos draw from here in the calibration split
DATA_NOTE_REAL = (
    "trained on real angiograms (ARCADE train split), real vessel masks and synthetic frames; measured on ARCADE val"
)
# The data a region model learns from, with the citations and licences its use asks for.
DATA_SOURCES = [
    {
        "name": "ARCADE (stenosis and SYNTAX tasks, train split; val for selection and reporting)",
        "citation": "Popov M. et al., 'Dataset for Automatic Region-based Coronary Artery Disease Diagnostics Using "
        "X-Ray Angiography Images', Scientific Data 11, 20 (2024); MICCAI 2023 ARCADE challenge; "
        "Zenodo record 10390295",
        "licence": "CC0 1.0",
    },
    {
        "name": "real-angiograms (40 training frames, vessel masks only)",
        "citation": "fercer/Coronary (Angios_40_training), copyright 2016 fercer; CIMAT (the DCA1 group)",
        "licence": "BSD-3-Clause",
    },
    {
        "name": "synthetic angiograms",
        "citation": "cathnet_train.synth (this repository): %DS and stenosis-free frames",
        "licence": "Apache-2.0 (this repository)",
    },
]
# The code and the weights it trains; the data's own licences are in DATA_SOURCES and NOTICE.
LICENCE = "Apache-2.0 (code and model weights); training data under their own licences: see data_sources and NOTICE"


def output_shapes(model: keras.Model) -> dict[str, list[int]]:
    """Card output name → shape without the batch axis."""
    return {name: [int(d) for d in t.shape[1:]] for name, t in zip(model.output_names, model.outputs)}


def _training_summary(keras_path: Path) -> dict[str, Any]:
    """What trained ``keras_path``: ``training.json`` beside it (a training run), else the
    card's ``training`` section (a bundle's ``reference.keras`` being rebuilt), else {}."""
    for path, key in ((keras_path.parent / "training.json", None), (keras_path.parent / "model.json", "training")):
        if path.exists():
            data = json.loads(path.read_text())
            return dict(data.get(key, {}) if key else data)
    return {}


def _save_deflated(model: keras.Model, path: Path) -> None:
    """``model.save`` (loaded without its optimizer: weights only), re-zipped with deflate:
    Keras stores its zip uncompressed, and float weights still shrink by ~15 %."""
    raw = path.with_suffix(".stored.keras")
    model.save(raw)
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))  # no build time: reproducible
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(info))
    raw.unlink()


def _limits(spec: InputSpec, regions: bool) -> dict[str, Any]:
    """What the model can grade, in the card's words."""
    frame_px = MIN_GRADABLE_DIAMETER_PX * 512 / spec.width
    if not regions:
        return {
            "smallest_gradable_reference_diameter_px_at_model_input": MIN_GRADABLE_DIAMETER_PX,
            "note": (
                f"stenoses are only trained on vessels >= {MIN_GRADABLE_DIAMETER_PX:g} px wide at {spec.width} px "
                f"input, i.e. >= {frame_px:g} px in a 512 px frame (about 2.4 mm); narrower side branches are "
                "not graded"
            ),
        }
    return {
        "smallest_gradable_reference_diameter_px_at_model_input": MIN_GRADABLE_DIAMETER_PX,
        "note": (
            f"a 512 px frame is read at {spec.width} px, so a vessel {frame_px:g} px wide in it (about 2.4 mm at "
            f"ARCADE's scale) is {MIN_GRADABLE_DIAMETER_PX:g} px at the input and two cells of the stride-2 "
            "region map; %DS is learned from generated vessels >= that width only. How often real stenoses "
            "of each width are found is measured, not assumed: metrics.arcade_val_tflite_int8."
            "recall_by_stenosis_width (widths of the experts' outlined stretches in frame pixels)"
        ),
    }


def build_bundle(
    keras_path: Path,
    out_dir: Path,
    model_id: str = "cathnet-stenosis",
    version: str = "0.1.0",
    calibration_frames: int = 200,
    validation_frames: int = 600,
    calibration_photos: int = 100,
    variants: tuple[str, ...] = tuple(VARIANTS),
) -> dict[str, Any]:
    """Converts ``keras_path`` into every variant and writes ``out_dir`` (card + artifacts).

    The int8 model's activation ranges come from curriculum level 3 (whole frames) and
    level 4 (frames photographed on a monitor, through the capture path). The decision
    threshold is calibrated (Youden's J) on the *int8* model's outputs for validation
    frames, so it matches what the SDK runs by default; the Core ML packages carry it.

    Args:
        variants: the artifacts to write (``VARIANTS`` names; ``tflite_int8`` always).

    Returns:
        The card written to ``out_dir/model.json``.

    Raises:
        ValueError: an unknown variant name.
        FileNotFoundError: a region model, and no ARCADE to calibrate it on.
    """
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        raise ValueError(f"expected variants among {sorted(VARIANTS)}, got {sorted(unknown)}")
    variants = tuple(v for v in VARIANTS if v in variants or v == "tflite_int8")
    model = keras.models.load_model(keras_path, compile=False)
    spec = InputSpec(height=int(model.inputs[0].shape[1]), width=int(model.inputs[0].shape[2]))
    training = _training_summary(keras_path)
    outputs = output_shapes(model)
    # The lesion map's layout names the decoder: 3 channels (region, %DS, vessel) outline regions.
    regions = outputs["lesion_map"][-1] == 3
    # calibrate and set the threshold on frames that look like the ones it was trained on
    look = training.get("config", {}).get("look", "real" if regions else "v1")
    real_dir = training.get("config", {}).get("real_dir")
    arcade_root = Path(training.get("config", {}).get("arcade_root", arcade.DEFAULT_ROOT))
    if regions and not arcade.available(arcade_root):
        raise FileNotFoundError(f"a region model is calibrated on ARCADE: expected it at {arcade_root}")
    frames = dataset.build(
        dataset.seeds("calibration", calibration_frames),
        spec,
        look=dataset.LookSpec.for_split(look, "calibration", real_dir),
    )
    photos, _ = photo_data.build(
        dataset.seeds("calibration", calibration_photos, offset=PHOTO_CALIBRATION_OFFSET),
        spec,
        look=dataset.LookSpec.for_split(look, "calibration", real_dir),
    )
    real_rep = real_calibration.representative(spec, arcade_root) if regions else np.zeros((0, *frames.x.shape[1:]))
    rep = np.concatenate([real_rep, frames.x, photos.x]).astype(np.float32)
    tflite = to_int8(model, rep)

    staging = Path(tempfile.mkdtemp(prefix="cathnet-bundle-"))
    (staging / INT8_FILE).write_bytes(tflite)
    backend = TFLiteBackend("litert", staging / INT8_FILE, outputs, num_threads=2)
    val_look = dataset.LookSpec.for_split(look, "validation", real_dir)
    val = dataset.build(dataset.seeds("validation", validation_frames), spec, look=val_look)
    scores = np.array([backend.run(x[None])["probability"].reshape(-1)[0] for x in val.x])
    labels = val.probability[:, 0]
    decoder: dict[str, Any] = {"lesion_threshold": 0.3}
    if regions:
        threshold, threshold_method = real_calibration.frame_threshold(
            backend, spec, arcade_root, validation_frames, val_look
        )
        tuned = real_calibration.tune_decoder(backend, spec, arcade_root, region_model.OUTPUT_STRIDE, threshold)
        decoder = {
            "decoder": "regions",
            "region_threshold": tuned["region_threshold"],
            "lesion_threshold": tuned["lesion_threshold"],
            "decoder_tuning": tuned,
        }
    else:
        threshold = youden_threshold(labels, scores)
        threshold_method = f"Youden's J on {validation_frames} synthetic validation frames (int8 model)"
    backend.close()

    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    card: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "id": model_id,
        "version": version,
        "created": created,
        "task": "coronary stenosis (>= 50 % diameter stenosis) detection, localisation, grading",
        "disclaimer": "Research use only — not for clinical diagnosis.",
        "licence": LICENCE,
        "data_note": (DATA_NOTE_REAL if regions else "trained and measured on synthetic angiograms only"),
        **({"data_sources": DATA_SOURCES} if regions else {}),
        "input": spec.to_card()
        | {
            "dtype": "float32 (every variant; the int8 TFLite model quantises "
            "inside, with the scale and zero point it carries)"
        },
        "outputs": {
            "probability": {
                "shape": outputs["probability"],
                "meaning": "P(a >= 50 % diameter stenosis anywhere in the frame)",
            },
            "lesion_map": {
                "shape": outputs["lesion_map"],
                "stride": spec.height // outputs["lesion_map"][0],
                "channels": list(region_model.CHANNELS)
                if regions
                else ["lesion-centre heat [0, 1]", "% diameter stenosis / 100"],
            },
        },
        "postprocess": {
            "threshold": round(float(threshold), 6),
            "threshold_method": threshold_method,
            **decoder,
            "max_lesions": 5,
            "significant_ds_percent": SIGNIFICANT_DS,
            "severe_ds_percent": SEVERE_DS,
        },
        "limits": _limits(spec, regions),
        "training": training,
        "metrics": {
            "validation_int8": {
                "test_set": f"synthetic validation seeds {dataset.SEED_RANGES['validation'][0]}+{validation_frames}",
                "auc": round(roc_auc(labels, scores), 4),
                **{k: round(v, 4) for k, v in binary_report(labels, scores, threshold).items()},
            }
        },
        "int8_calibration": (f"{len(real_rep)} ARCADE train frames (stenosis and SYNTAX tasks), " if regions else "")
        + f"{len(frames.x)} synthetic frames (calibration seeds "
        f"{dataset.SEED_RANGES['calibration'][0]}+, level 3) and {len(photos.x)} frames photographed "
        f"on a monitor (seeds +{PHOTO_CALIBRATION_OFFSET}, through the capture path, level 4)",
        "artifacts": {},
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in [out_dir / file for file, _, _ in VARIANTS.values()] + [out_dir / CARD_NAME]:
        # a previous build's artifacts are replaced, not merged into, and none is left behind
        if old.is_dir():
            shutil.rmtree(old)
        elif old.exists():
            old.unlink()
    shutil.copyfile(staging / INT8_FILE, out_dir / INT8_FILE)
    shutil.rmtree(staging, ignore_errors=True)
    if "tflite_fp16" in variants:
        (out_dir / VARIANTS["tflite_fp16"][0]).write_bytes(to_float(model, fp16=True))
    if "tflite_fp32" in variants:
        (out_dir / VARIANTS["tflite_fp32"][0]).write_bytes(to_float(model))
    metadata = {
        "id": model_id,
        "version": version,
        "input": card["input"],
        "threshold": card["postprocess"]["threshold"],
        "outputs": {k: v["shape"] for k, v in card["outputs"].items()},
    }
    if "coreml" in variants:
        to_mlpackage(model, out_dir / VARIANTS["coreml"][0], metadata, created)
    if "coreml_int8w" in variants:
        to_mlpackage(model, out_dir / VARIANTS["coreml_int8w"][0], metadata, created, int8_weights=True)
    if "reference" in variants:
        _save_deflated(model, out_dir / VARIANTS["reference"][0])
    for name, (file, kind, about) in ((n, VARIANTS[n]) for n in variants):
        card["artifacts"][name] = {
            "file": file,
            "kind": kind,
            **about,
            "bytes": size_of(out_dir / file),
            "sha256": sha256_of(out_dir / file),
        }
    (out_dir / CARD_NAME).write_text(json.dumps(card, indent=2) + "\n")
    return card
