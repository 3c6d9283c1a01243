"""Keras → Core ML ML Program (``.mlpackage``), float16 compute, optionally int8 weights.

coremltools converts and saves on Linux; only macOS can run the result, so every package
written here is checked by ``milexec`` (a numpy executor of the saved program) instead.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import keras
import numpy as np

# iOS 16 / macOS 13: the first target whose ML Programs take int8 weights (constexpr ops).
DEPLOYMENT_TARGET = "iOS16"
INPUT_NAME = "image"
DESCRIPTION = (
    "CathNet: coronary stenosis detection, localisation and grading. Research use only — not for clinical diagnosis."
)


def _convert(model: keras.Model) -> Any:
    import coremltools as ct

    shape = tuple(int(d) for d in model.inputs[0].shape[1:])
    return ct.convert(
        model,
        source="tensorflow",
        convert_to="mlprogram",
        inputs=[ct.TensorType(name=INPUT_NAME, shape=(1, *shape), dtype=np.float32)],
        minimum_deployment_target=getattr(ct.target, DEPLOYMENT_TARGET),
        compute_precision=ct.precision.FLOAT16,
    )


def _rename_outputs(mlmodel: Any, model: keras.Model) -> Any:
    """The converter names outputs after TensorFlow's graph (``Identity``…); give them the
    Keras (and TFLite card) names, matched by shape."""
    import coremltools as ct

    spec = mlmodel.get_spec()
    main = spec.mlProgram.functions["main"]
    block = main.block_specializations[main.opset]
    shapes = {}
    for op in block.operations:
        for out in op.outputs:
            if out.name in block.outputs:
                shapes[out.name] = tuple(int(d.constant.size) for d in out.type.tensorType.dimensions)[1:]
    if len(set(model.output_names)) != len(model.output_names):
        raise ValueError(f"expected uniquely named Keras outputs, got {model.output_names}")
    wanted = {name: tuple(int(d) for d in t.shape[1:]) for name, t in zip(model.output_names, model.outputs)}
    for old, shape in shapes.items():
        match = [name for name, s in wanted.items() if s == shape]
        if len(match) != 1:
            raise ValueError(f"expected one Keras output of shape {shape} for Core ML output {old!r}, got {match}")
        ct.utils.rename_feature(spec, old, match[0])
    return ct.models.MLModel(spec, weights_dir=mlmodel.weights_dir, skip_model_load=True)


def _describe(mlmodel: Any, metadata: dict[str, Any], created: str) -> None:
    mlmodel.short_description = DESCRIPTION
    mlmodel.author = "CathNet"
    mlmodel.license = "Research use only — not for clinical diagnosis."
    mlmodel.input_description[INPUT_NAME] = "preprocessed frame (N, H, W, 1) float32, as the card's input contract says"
    for name in mlmodel.output_description:
        mlmodel.output_description[name] = {
            "probability": "P(a >= 50 % diameter stenosis anywhere in the frame)",
            "lesion_map": "lesion-centre heat and % diameter stenosis / 100 per cell",
        }.get(name, name)
    user = mlmodel.user_defined_metadata
    for key, value in metadata.items():
        user[f"cathnet.{key}"] = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    # coremltools stamps the day it converted; the card's creation time keeps the two consistent.
    user["com.github.apple.coremltools.conversion_date"] = created


def to_mlpackage(
    model: keras.Model, out: Path, metadata: dict[str, Any], created: str, int8_weights: bool = False
) -> Path:
    """Converts ``model`` and saves ``out`` (an ``.mlpackage`` folder).

    Args:
        model: the trained Keras model (float).
        out: the package folder to write (replaced if present).
        metadata: stored as ``cathnet.<key>`` user-defined metadata (the card's id,
            version, input contract and threshold); non-strings as JSON.
        created: the card's creation time, also written as the conversion date.
        int8_weights: linear int8 weights per output channel (coremltools.optimize),
            for layers of at least 2048 weights; compute stays float16.
    """
    mlmodel = _rename_outputs(_convert(model), model)
    if int8_weights:
        import coremltools.optimize as cto

        config = cto.coreml.OptimizationConfig(
            global_config=cto.coreml.OpLinearQuantizerConfig(mode="linear", dtype="int8", granularity="per_channel")
        )
        mlmodel = cto.coreml.linear_quantize_weights(mlmodel, config=config)
    _describe(mlmodel, metadata, created)
    if out.exists():
        shutil.rmtree(out)
    mlmodel.save(str(out))
    return out
