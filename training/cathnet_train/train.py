"""Trains the CathNet model on generated angiograms (Keras 3 on TensorFlow CPU).

Three curriculum stages, each starting from the previous one's weights:

1. short vessel segments (64x64 windows): "is there a narrowing here, where, how bad?"
2. whole frames: the same questions in the context of the whole tree, which also fits
   the frame-level read-out to whole-frame statistics.
3. whole frames seen through a photographed monitor and the SDK's capture path
   (``cathnet_train.photos``), mixed with as many digital frames so that the digital
   read does not drift.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import keras
import numpy as np

from cathnet.preprocess import InputSpec
from cathnet_train import dataset
from cathnet_train import photos as photo_data
from cathnet_train.losses import compile_for_training
from cathnet_train.metrics import roc_auc
from cathnet_train.model import build_model, deployable
from cathnet_train.segments import cut_segments


class _Progress(keras.callbacks.Callback):
    """Prints the running losses every ``every`` steps (long epochs on a CPU)."""

    def __init__(self, every: int = 100) -> None:
        super().__init__()
        self.every = every

    def on_train_batch_end(self, batch: int, logs: dict[str, float] | None = None) -> None:
        if logs and batch % self.every == 0:
            text = " ".join(f"{k}={v:.4f}" for k, v in sorted(logs.items()))
            print(f"  step {batch}: {text}", flush=True)


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a training run."""

    train_size: int = 10_000
    validation_size: int = 600
    segment_epochs: int = 3
    frame_size: int = 4_000
    frame_epochs: int = 1
    batch_size: int = 32
    learning_rate: float = 2e-3
    frame_learning_rate: float = 5e-4
    photo_size: int = 1600  # photos taken; the gates refuse some
    photo_epochs: int = 1
    photo_learning_rate: float = 2.5e-4
    seed: int = 20261128
    growth: int = 12
    workers: int = 2
    look: str = "v1"  # the generator's look (dataset.LookSpec): "v1" or "real"
    real_dir: str = "../shared/data/real-angiograms"  # real backgrounds for the "real" look, when present

    def look_for(self, split: str) -> dataset.LookSpec:
        """The look of ``split``'s frames (real backgrounds: the training half for "train")."""
        return dataset.LookSpec.for_split(self.look, split, self.real_dir)


PHOTO_SEED_OFFSET = 500_000  # level-4 photos draw their frames from here in the train split


def photo_stage(
    model: keras.Model, digital: dataset.Batch, config: TrainConfig, spec: InputSpec
) -> tuple[keras.callbacks.History, dict[str, object]]:
    """Stage 3: ``config.photo_size`` level-4 photos plus as many ``digital`` frames, shuffled.

    Returns:
        The Keras history and what the stage saw (photos taken, refused, kept; seconds).
    """
    t0 = time.time()
    photos, refused = photo_data.build(
        dataset.seeds("train", config.photo_size, offset=PHOTO_SEED_OFFSET), spec, config.workers,
        config.look_for("train"),
    )
    t1 = time.time()
    n = len(photos.x)
    print(f"{config.photo_size} photos: {n} through the capture path, {refused} refused, in {t1 - t0:.0f} s", flush=True)
    mixed = dataset.Batch(*(np.concatenate([a, b[:n]]) for a, b in zip(
        (photos.x, photos.probability, photos.lesion_map, photos.vessels),
        (digital.x, digital.probability, digital.lesion_map, digital.vessels))))
    compile_for_training(model, config.photo_learning_rate)
    y = {k: v for k, v in mixed.targets().items() if k in model.output_names}
    history = model.fit(mixed.x, y, batch_size=config.batch_size, epochs=config.photo_epochs,
                        shuffle=True, callbacks=[_Progress()], verbose=2)
    stage = {"stage": 3, "what": f"{n} photographed frames (of {config.photo_size} photos; {refused} refused by the "
             f"capture path) + {min(n, len(digital.x))} digital frames, from stage 2's weights",
             "epochs": config.photo_epochs, "seconds": round(time.time() - t1, 1), "data_seconds": round(t1 - t0, 1)}
    return history, stage


def train(config: TrainConfig, out_dir: Path, spec: InputSpec | None = None) -> dict[str, object]:
    """Trains through the curriculum; saves ``out_dir/cathnet.keras`` and ``training.json``.

    Returns:
        The training summary written to ``training.json``.
    """
    spec = spec or InputSpec()
    out_dir.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(config.seed)
    t0 = time.time()
    frames = dataset.build(dataset.seeds("train", config.train_size), spec, config.workers, config.look_for("train"))
    val = dataset.build(dataset.seeds("validation", config.validation_size), spec, config.workers,
                        config.look_for("validation"))
    segments = cut_segments(frames, config.seed)
    t_data = time.time() - t0
    print(f"{config.train_size} frames, {len(segments.x)} segments "
          f"({segments.probability.mean():.2f} positive) in {t_data:.0f} s", flush=True)

    model = build_model(None, config.growth, vessel_head=True)
    steps = config.segment_epochs * int(np.ceil(len(segments.x) / config.batch_size))
    compile_for_training(model, keras.optimizers.schedules.CosineDecay(config.learning_rate, steps, alpha=0.05))
    t1 = time.time()
    stage1 = model.fit(segments.x, segments.targets(), batch_size=config.batch_size,
                       epochs=config.segment_epochs, shuffle=True, callbacks=[_Progress()], verbose=2)
    del segments
    t2 = time.time()
    compile_for_training(model, config.frame_learning_rate)
    n = config.frame_size
    subset = dataset.Batch(frames.x[:n], frames.probability[:n], frames.lesion_map[:n], frames.vessels[:n])
    stage2 = model.fit(subset.x, subset.targets(), batch_size=config.batch_size,
                       epochs=config.frame_epochs, shuffle=True, callbacks=[_Progress()], verbose=2)
    t3 = time.time()
    stage3, stage3_summary = photo_stage(model, subset, config, spec)

    product = deployable(model, spec, config.growth)
    val_prob = product.predict(val.x, batch_size=64, verbose=0)["probability"][:, 0]
    summary: dict[str, object] = {
        "config": asdict(config),
        "curriculum": [
            {"stage": 1, "what": f"64x64 vessel segments cut from {config.train_size} frames",
             "epochs": config.segment_epochs, "seconds": round(t2 - t1, 1)},
            {"stage": 2, "what": f"{n} whole frames, from stage 1's weights",
             "epochs": config.frame_epochs, "seconds": round(t3 - t2, 1)},
            stage3_summary,
        ],
        "data": {
            "generator": f"cathnet_train.synth.generate (synthetic), {config.look_for('train').describe()}",
            "train_seeds": [dataset.SEED_RANGES["train"][0], config.train_size],
            "validation_seeds": [dataset.SEED_RANGES["validation"][0], config.validation_size],
            "positive_fraction": round(float(frames.probability.mean()), 3),
        },
        "history": {
            "stage1": {k: [round(float(v), 5) for v in vals] for k, vals in stage1.history.items()},
            "stage2": {k: [round(float(v), 5) for v in vals] for k, vals in stage2.history.items()},
            "stage3": {k: [round(float(v), 5) for v in vals] for k, vals in stage3.history.items()},
        },
        "validation_auc_float": round(roc_auc(val.probability[:, 0], val_prob), 4),
        "seconds": {"data": round(t_data, 1), "total": round(time.time() - t0, 1)},
        "parameters": int(product.count_params()),
    }
    product.save(out_dir / "cathnet.keras")
    (out_dir / "training.json").write_text(json.dumps(summary, indent=2))
    print(f"validation AUC (float, synthetic): {summary['validation_auc_float']:.4f}", flush=True)
    return summary


def continue_with_photos(model_path: Path, out_dir: Path, config: TrainConfig | None = None,
                         spec: InputSpec | None = None) -> dict[str, object]:
    """Stage 3 alone, from a saved stage-2 model (``cathnet.keras`` of ``train``).

    The digital frames mixed in are stage 2's own (the first ``photo_size`` of the
    train split). Saves ``out_dir/cathnet.keras`` and ``training.json``.
    """
    config = config or TrainConfig()
    spec = spec or InputSpec()
    out_dir.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(config.seed + 3)
    model = keras.models.load_model(model_path, compile=False)
    digital = dataset.build(dataset.seeds("train", config.photo_size), spec, config.workers, config.look_for("train"))
    val = dataset.build(dataset.seeds("validation", config.validation_size), spec, config.workers,
                        config.look_for("validation"))
    history, stage = photo_stage(model, digital, config, spec)
    val_prob = model.predict(val.x, batch_size=64, verbose=0)["probability"][:, 0]
    earlier = model_path.parent / "training.json"
    summary = with_stage3(
        json.loads(earlier.read_text()) if earlier.exists() else {}, stage,
        {k: [round(float(v), 5) for v in vals] for k, vals in history.history.items()},
        config, round(roc_auc(val.probability[:, 0], val_prob), 4),
    )
    summary["stage3_from"] = str(model_path)
    model.save(out_dir / "cathnet.keras")
    (out_dir / "training.json").write_text(json.dumps(summary, indent=2))
    print(f"validation AUC (float, synthetic, digital): {summary['validation_auc_float']:.4f}", flush=True)
    return summary


def with_stage3(earlier: dict, stage: dict, history: dict, config: TrainConfig, validation_auc: float) -> dict:
    """The stage-2 run's summary (``training.json``) extended by a separate stage-3 run."""
    summary = dict(earlier)
    summary["config"] = {**earlier.get("config", {}), **{k: v for k, v in asdict(config).items() if k.startswith("photo")}}
    summary["curriculum"] = [s for s in earlier.get("curriculum", []) if s.get("stage") != 3] + [stage]
    summary["history"] = {**earlier.get("history", {}), "stage3": history}
    summary["validation_auc_float"] = validation_auc
    return summary
