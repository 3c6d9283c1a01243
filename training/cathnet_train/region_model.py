"""CathNet 1.0: a small encoder-decoder that outlines stenoses, made for real frames and int8.

Outputs (the model contract the SDK reads from the card):

- ``probability`` (N, 1): P(a >= 50 % diameter stenosis anywhere in the frame), a
  logistic read-out of the strongest region and %DS evidence in the map.
- ``lesion_map`` (N, H/2, W/2, 3) at stride 2: channel 0 the stenosis *region* (the
  narrowed stretch of the vessel, as ARCADE's experts outline it), channel 1 the
  %DS / 100 estimate (learned from synthetic vessels; meaningful inside a region),
  channel 2 the vessel mask.

Why this shape and not the 0.5 DenseNet: real stenoses are thin stretches (a median
box of ~55 px in a 512 px frame, 10-15 px wide), and the ARCADE score rewards their
outline, so the map must come back to stride 2; dense blocks concatenate at every
layer, and each concatenation requantises under int8 (the 0.5 model ran slower in
int8 than in float), so features are combined by addition here: residual blocks in
the encoder, additive skips in the decoder. The first layer sees a 2x2 space-to-depth
of the image (four channels at stride 2), not a one-channel image, because a
one-channel convolution is the slowest int8 kernel there is.
"""

from __future__ import annotations

import re

import keras
from keras import layers

from cathnet.preprocess import InputSpec

# With a few thousand CPU steps the default 0.99 leaves BatchNorm's statistics behind.
_BN_MOMENTUM = 0.9
WIDTHS = (24, 32, 64, 96)  # channels at strides 2, 4, 8, 16
DILATIONS = ((1,), (1, 1), (2, 4))  # residual blocks at strides 4, 8, 16 (their dilations)
OUTPUT_STRIDE = 2
CHANNELS = ("stenosis region [0, 1]", "% diameter stenosis / 100", "vessel [0, 1]")


def _conv_bn(
    x: keras.KerasTensor, filters: int, kernel: int, name: str, strides: int = 1, relu: bool = True
) -> keras.KerasTensor:
    x = layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(momentum=_BN_MOMENTUM, name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x) if relu else x


def _residual(x: keras.KerasTensor, name: str, dilation: int = 1) -> keras.KerasTensor:
    filters = int(x.shape[-1])
    y = _conv_bn(x, filters, 3, f"{name}_a")
    y = layers.Conv2D(filters, 3, padding="same", dilation_rate=dilation, use_bias=False, name=f"{name}_b_conv")(y)
    y = layers.BatchNormalization(momentum=_BN_MOMENTUM, name=f"{name}_b_bn")(y)
    return layers.ReLU(name=f"{name}_out")(layers.Add(name=f"{name}_add")([x, y]))


def _up(x: keras.KerasTensor, skip: keras.KerasTensor, name: str) -> keras.KerasTensor:
    filters = int(skip.shape[-1])
    x = layers.UpSampling2D(2, interpolation="nearest", name=f"{name}_up")(x)
    x = _conv_bn(x, filters, 1, f"{name}_proj", relu=False)
    x = layers.ReLU(name=f"{name}_merge")(layers.Add(name=f"{name}_add")([x, skip]))
    return _conv_bn(x, filters, 3, f"{name}_fuse")


def build_region_model(
    spec: InputSpec | None,
    widths: tuple[int, int, int, int] = WIDTHS,
    dilations: tuple[tuple[int, ...], ...] = DILATIONS,
) -> keras.Model:
    """The CathNet 1.0 network for ``spec``'s input size.

    Args:
        spec: input contract (sides multiples of 16); None builds a size-agnostic model
            (fully convolutional up to the global max), which is how the curriculum
            trains it on short segments before whole frames.
        widths: channels at strides 2, 4, 8 and 16.
        dilations: per stride 4, 8 and 16, one residual block per entry, the entry
            its second convolution's dilation.

    Returns:
        An uncompiled Keras model with outputs ``probability`` and ``lesion_map``.
    """
    shape = (spec.height, spec.width, 1) if spec is not None else (None, None, 1)
    inp = keras.Input(shape, name="image")
    # 2x2 space-to-depth as a fixed strided convolution would still read one channel;
    # a learned 2x2/2 patch embedding reads each pixel once and is as cheap.
    s2 = _conv_bn(inp, widths[0], 2, "stem", strides=2)
    s2 = _conv_bn(s2, widths[0], 3, "stem2")
    x, stages = s2, []
    for stride, width, rates in zip((4, 8, 16), widths[1:], dilations):
        x = _conv_bn(x, width, 3, f"down{stride}", strides=2)
        for letter, rate in zip("abcdefgh", rates):
            x = _residual(x, f"enc{stride}{letter}", dilation=rate)
        stages.append(x)
    s4, s8, s16 = stages
    d8 = _up(s16, s8, "dec8")
    d4 = _up(d8, s4, "dec4")
    d2 = _up(d4, s2, "dec2")
    h = _conv_bn(d2, 16, 3, "head")
    region = layers.Conv2D(1, 1, activation="sigmoid", name="region")(h)
    grade = layers.Conv2D(1, 1, activation="sigmoid", name="grade")(h)
    vessel = layers.Conv2D(1, 1, activation="sigmoid", name="vessel")(h)
    lesion_map = layers.Concatenate(name="lesion_map")([region, grade, vessel])

    # A frame is positive because of a lesion: the call reads the strongest region
    # evidence and the strongest graded region evidence, so it cannot drift from the map.
    evidence = layers.Multiply(name="evidence")([region, grade])
    pooled = layers.Concatenate(name="pooled")(
        [
            layers.GlobalMaxPooling2D(name="map_max")(lesion_map),
            layers.GlobalMaxPooling2D(name="evidence_max")(evidence),
        ]
    )
    probability = layers.Dense(1, activation="sigmoid", name="probability")(pooled)
    return keras.Model(inp, {"probability": probability, "lesion_map": lesion_map}, name="cathnet")


def fixed_size(model: keras.Model, spec: InputSpec) -> keras.Model:
    """The same weights in a model of ``spec``'s fixed input size (what converters take)."""
    widths = tuple(int(model.get_layer(n).filters) for n in ("stem_conv", "down4_conv", "down8_conv", "down16_conv"))
    dilations = tuple(
        tuple(
            int(layer.dilation_rate[0])
            for layer in model.layers
            if re.fullmatch(rf"enc{stride}[a-h]_b_conv", layer.name)
        )
        for stride in (4, 8, 16)
    )
    fixed = build_region_model(spec, widths, dilations)  # type: ignore[arg-type]
    for layer in fixed.layers:
        if layer.weights:
            layer.set_weights(model.get_layer(layer.name).get_weights())
    return fixed
