"""A compact DenseNet for stenosis detection, localisation and grading.

Outputs (names are part of the model contract the SDK reads from the card):

- ``probability`` (N, 1): P(a >= 50 % diameter stenosis anywhere in the frame).
- ``lesion_map`` (N, H/8, W/8, 2): channel 0 the lesion-centre heatmap, channel 1 the
  %DS / 100 estimate at each cell (meaningful near a heatmap peak).

Dense connectivity (each layer sees all earlier feature maps of its block) is what
CathNet's poster used; it reuses features well with few images.
"""

from __future__ import annotations

import keras
from keras import layers

from cathnet.preprocess import InputSpec


def _bn_relu_conv(x: keras.KerasTensor, filters: int, kernel: int, name: str) -> keras.KerasTensor:
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    x = layers.ReLU(name=f"{name}_relu")(x)
    return layers.Conv2D(filters, kernel, padding="same", use_bias=False, name=f"{name}_conv")(x)


def _dense_block(x: keras.KerasTensor, n: int, growth: int, name: str) -> keras.KerasTensor:
    for i in range(n):
        y = _bn_relu_conv(x, 2 * growth, 1, f"{name}_{i}_a")
        y = _bn_relu_conv(y, growth, 3, f"{name}_{i}_b")
        x = layers.Concatenate(name=f"{name}_{i}_cat")([x, y])
    return x


def _transition(x: keras.KerasTensor, name: str) -> keras.KerasTensor:
    x = _bn_relu_conv(x, int(x.shape[-1]) // 2, 1, name)
    return layers.AveragePooling2D(2, name=f"{name}_pool")(x)


def build_model(spec: InputSpec, growth: int = 12) -> keras.Model:
    """The CathNet DenseNet for ``spec``'s input size.

    Args:
        spec: input contract (height and width must be multiples of 32).
        growth: DenseNet growth rate.

    Returns:
        An uncompiled Keras model with outputs ``probability`` and ``lesion_map``.
    """
    inp = keras.Input((spec.height, spec.width, 1), name="image")
    # A 4x4 stride-4 "patchify" stem: 16 pixels -> 32 channels can keep every pixel's
    # information (a narrowing is 2-3 px at this input size) at a fraction of the cost
    # of full-resolution convolutions.
    x = layers.Conv2D(32, 4, strides=4, use_bias=False, name="stem_conv")(inp)
    x = _dense_block(x, 2, growth // 2 + 2, "block1")  # stride 4: kept thin, it dominates cost
    x = _transition(x, "trans1")
    x = _dense_block(x, 6, growth, "block2")  # stride 8: lesion map resolution
    h = _bn_relu_conv(x, 64, 1, "head_a")
    h = _bn_relu_conv(h, 32, 3, "head_b")
    h = layers.ReLU(name="head_relu")(h)
    heat = layers.Conv2D(1, 1, activation="sigmoid", name="heat")(h)
    grade = layers.Conv2D(1, 1, activation="sigmoid", name="grade")(h)
    lesion_map = layers.Concatenate(name="lesion_map")([heat, grade])

    c = _transition(x, "trans2")
    c = _dense_block(c, 6, growth, "block3")  # stride 16: context
    c = layers.BatchNormalization(name="final_bn")(c)
    c = layers.ReLU(name="final_relu")(c)
    evidence = layers.Multiply(name="evidence")([heat, grade])
    pooled = layers.Concatenate(name="pooled")(
        [
            layers.GlobalAveragePooling2D(name="gap")(c),
            layers.GlobalMaxPooling2D(name="gmp")(c),
            layers.GlobalMaxPooling2D(name="evidence_max")(evidence),
        ]
    )
    p = layers.Dense(32, activation="relu", name="cls_fc")(pooled)
    probability = layers.Dense(1, activation="sigmoid", name="probability")(p)
    return keras.Model(inp, {"probability": probability, "lesion_map": lesion_map}, name="cathnet")
