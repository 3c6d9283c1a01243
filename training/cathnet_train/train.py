"""Trains the CathNet model on generated angiograms (Keras 3 on TensorFlow CPU)."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import keras
import numpy as np

from cathnet.preprocess import InputSpec
from cathnet_train import dataset
from cathnet_train.losses import lesion_map_loss
from cathnet_train.metrics import roc_auc
from cathnet_train.model import build_model


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a training run."""

    train_size: int = 10_000
    validation_size: int = 600
    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 2e-3
    seed: int = 20261128
    growth: int = 12
    workers: int = 2


def train(config: TrainConfig, out_dir: Path, spec: InputSpec | None = None) -> dict[str, object]:
    """Trains and saves ``out_dir/cathnet.keras`` and ``out_dir/training.json``.

    Returns:
        The training summary written to ``training.json``.
    """
    spec = spec or InputSpec()
    out_dir.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(config.seed)
    t0 = time.time()
    data = dataset.build(dataset.seeds("train", config.train_size), spec, config.workers)
    val = dataset.build(dataset.seeds("validation", config.validation_size), spec, config.workers)
    t_data = time.time() - t0
    print(f"generated {config.train_size} training frames in {t_data:.0f} s", flush=True)

    model = build_model(spec, config.growth)
    steps = config.epochs * int(np.ceil(config.train_size / config.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, steps, alpha=0.02)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss={"probability": "binary_crossentropy", "lesion_map": lesion_map_loss},
    )
    history = model.fit(
        data.x,
        {"probability": data.probability, "lesion_map": data.lesion_map},
        batch_size=config.batch_size,
        epochs=config.epochs,
        validation_data=(val.x, {"probability": val.probability, "lesion_map": val.lesion_map}),
        shuffle=True,
        verbose=2,
    )
    val_prob = model.predict(val.x, batch_size=64, verbose=0)["probability"][:, 0]
    summary: dict[str, object] = {
        "config": asdict(config),
        "input": spec.to_card(),
        "data": {
            "generator": "cathnet_train.synth.generate (synthetic)",
            "train_seeds": [dataset.SEED_RANGES["train"][0], config.train_size],
            "validation_seeds": [dataset.SEED_RANGES["validation"][0], config.validation_size],
            "positive_fraction": float(data.probability.mean()),
        },
        "history": {k: [float(v) for v in vals] for k, vals in history.history.items()},
        "validation_auc_float": roc_auc(val.probability[:, 0], val_prob),
        "seconds": {"data": round(t_data, 1), "total": round(time.time() - t0, 1)},
        "parameters": int(model.count_params()),
    }
    model.save(out_dir / "cathnet.keras")
    (out_dir / "training.json").write_text(json.dumps(summary, indent=2))
    print(f"validation AUC (float, synthetic): {summary['validation_auc_float']:.4f}", flush=True)
    return summary
