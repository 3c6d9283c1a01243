"""Keras → TFLite: full-integer int8 (representative data from the curriculum), float16 and float32."""

from __future__ import annotations

from collections.abc import Iterator

import keras
import numpy as np
import numpy.typing as npt
import tensorflow as tf


def to_int8(model: keras.Model, representative: npt.NDArray[np.float32]) -> bytes:
    """Full-integer quantisation: int8 weights, activations, input and outputs.

    Args:
        model: the trained Keras model (float).
        representative: (N, H, W, 1) preprocessed frames that span the input
            distribution; they fix the activation ranges.

    Returns:
        The ``.tflite`` flatbuffer.
    """

    def frames() -> Iterator[list[npt.NDArray[np.float32]]]:
        for x in representative:
            yield [x[None, ...].astype(np.float32)]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = frames
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    return bytes(converter.convert())


def to_float(model: keras.Model, fp16: bool = False) -> bytes:
    """Float TFLite: float32 throughout, or float16 weights (dequantised at load, float32 compute)."""
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if fp16:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    return bytes(converter.convert())
