"""Losses for the lesion map (heatmap + masked %DS regression)."""

from __future__ import annotations

import keras
from keras import ops

# Lesion cells are ~1 % of the map: weight them up so the heatmap does not collapse to 0.
POSITIVE_WEIGHT = 30.0


def lesion_map_loss(y_true: keras.KerasTensor, y_pred: keras.KerasTensor) -> keras.KerasTensor:
    """Weighted BCE on the heat channel plus masked MSE on the %DS channel.

    Args:
        y_true: (N, h, w, 3): heat target, %DS/100 target, %DS mask.
        y_pred: (N, h, w, 2): heat, %DS/100.
    """
    heat_t, ds_t, mask = y_true[..., 0], y_true[..., 1], y_true[..., 2]
    heat_p = ops.clip(y_pred[..., 0], 1e-6, 1.0 - 1e-6)
    ds_p = y_pred[..., 1]
    bce = -(heat_t * ops.log(heat_p) + (1.0 - heat_t) * ops.log(1.0 - heat_p))
    heat_loss = ops.mean(bce * (1.0 + POSITIVE_WEIGHT * heat_t))
    ds_loss = ops.sum(mask * ops.square(ds_p - ds_t)) / (ops.sum(mask) + 1.0)
    return heat_loss + 10.0 * ds_loss


# The loss of each output a model may have (the shipped model has no vessel head).
LOSSES = {"probability": "binary_crossentropy", "lesion_map": lesion_map_loss, "vessels": "binary_crossentropy"}


def compile_for_training(
    model: keras.Model, learning_rate: float | keras.optimizers.schedules.LearningRateSchedule
) -> None:
    """Adam on the losses of the outputs ``model`` has."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate), loss={name: LOSSES[name] for name in model.output_names}
    )
