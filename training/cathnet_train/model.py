"""A compact DenseNet for stenosis detection, localisation and grading.

Outputs (names are part of the model contract the SDK reads from the card):

- ``probability`` (N, 1): P(a >= 50 % diameter stenosis anywhere in the frame), a
  logistic read-out of the strongest lesion evidence in the map.
- ``lesion_map`` (N, H/8, W/8, 2): channel 0 the heatmap of significant (>= 50 % DS)
  lesion centres, channel 1 the %DS / 100 estimate at each cell (trained near every
  narrowing, mild ones included; meaningful near a peak).

Dense connectivity (each layer sees all earlier feature maps of its block) is what
CathNet's poster used; it reuses features well with few images.
"""

from __future__ import annotations

import keras
from keras import layers

from cathnet.preprocess import InputSpec

# Faster-moving BatchNorm statistics: with a few thousand CPU steps the default 0.99
# leaves the inference-time statistics behind the weights and the map goes flat.
_BN_MOMENTUM = 0.9


def _bn(name: str) -> layers.BatchNormalization:
    return layers.BatchNormalization(momentum=_BN_MOMENTUM, name=name)


def _bn_relu_conv(x: keras.KerasTensor, filters: int, kernel: int, name: str) -> keras.KerasTensor:
    x = _bn(f"{name}_bn")(x)
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


def build_model(spec: InputSpec | None, growth: int = 12, vessel_head: bool = False) -> keras.Model:
    """The CathNet DenseNet for ``spec``'s input size.

    Args:
        spec: input contract (height and width must be multiples of 32); None builds a
            size-agnostic model (the network is fully convolutional up to a global max),
            which is how the curriculum trains it on short segments first.
        growth: DenseNet growth rate.
        vessel_head: add the training-only ``vessels`` output (stride-4 vessel mask).
            Dense, easy supervision that teaches the early layers what a vessel is
            before they must learn what a narrowing is; ``deployable`` drops it.

    Returns:
        An uncompiled Keras model with outputs ``probability`` and ``lesion_map``
        (and ``vessels`` when asked).
    """
    shape = (spec.height, spec.width, 1) if spec is not None else (None, None, 1)
    inp = keras.Input(shape, name="image")
    x = layers.Conv2D(16, 3, strides=2, padding="same", use_bias=False, name="stem1_conv")(inp)
    x = _bn("stem1_bn")(x)
    x = layers.ReLU(name="stem1_relu")(x)
    x = layers.Conv2D(32, 3, strides=2, padding="same", use_bias=False, name="stem2_conv")(x)
    x = _dense_block(x, 2, growth // 2 + 2, "block1")  # stride 4: kept thin, it dominates cost
    vessels = layers.Conv2D(1, 1, activation="sigmoid", name="vessels")(x) if vessel_head else None
    x = _transition(x, "trans1")
    x = _dense_block(x, 8, growth, "block2")  # stride 8: lesion map resolution
    h = _bn_relu_conv(x, 64, 1, "head_a")
    h = _bn_relu_conv(h, 32, 3, "head_b")
    h = layers.ReLU(name="head_relu")(h)
    heat = layers.Conv2D(1, 1, activation="sigmoid", name="heat")(h)
    grade = layers.Conv2D(1, 1, activation="sigmoid", name="grade")(h)
    lesion_map = layers.Concatenate(name="lesion_map")([heat, grade])

    # The frame-level call is a logistic read-out of the strongest lesion evidence:
    # a frame is positive because of a lesion, so the call cannot drift from the map.
    evidence = layers.Multiply(name="evidence")([heat, grade])
    # Pool the concatenated map, not ``heat`` itself: a tensor feeding both a
    # concatenation and a max gets two conflicting int8 scales and full-integer
    # conversion fails ("same scale constraint") for some weights.
    pooled = layers.Concatenate(name="pooled")(
        [
            layers.GlobalMaxPooling2D(name="map_max")(lesion_map),
            layers.GlobalMaxPooling2D(name="evidence_max")(evidence),
        ]
    )
    probability = layers.Dense(1, activation="sigmoid", name="probability")(pooled)
    outputs = {"probability": probability, "lesion_map": lesion_map}
    if vessels is not None:
        outputs["vessels"] = vessels
    return keras.Model(inp, outputs, name="cathnet")


def deployable(model: keras.Model, spec: InputSpec, growth: int = 12) -> keras.Model:
    """A fixed-size model for ``spec`` with only the product outputs, same weights.

    Args:
        model: a trained model from ``build_model`` (any size, with or without the
            vessel head).
        spec: the input contract of the shipped model.
        growth: the growth rate ``model`` was built with.
    """
    fixed = build_model(spec, growth)
    for layer in fixed.layers:
        if layer.weights:
            layer.set_weights(model.get_layer(layer.name).get_weights())
    return fixed
