"""Trains CathNet 1.0 on real angiograms through the curriculum (Keras 3 on TensorFlow CPU).

Everything is fixed by ``RealTrainConfig`` (its seed included). ``arm="curriculum"``
spends the compute budget over levels 1-3 (``real_curriculum``); ``arm="direct"``
spends the same compute on whole frames only: the ablation compares the two.

Only ARCADE's train split trains; its val split is read once at the end, to report
(``val_figures``), and never feeds back into the run.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np

from cathnet.postprocess import PostprocessConfig
from cathnet.preprocess import InputSpec
from cathnet_train import arcade, dataset, real_data, real_photos
from cathnet_train.arcade_eval import score_outputs
from cathnet_train.real_curriculum import LEVEL_COST, Material, sample
from cathnet_train.real_losses import compile_region_model
from cathnet_train.region_model import DILATIONS, OUTPUT_STRIDE, WIDTHS, build_region_model, fixed_size


@dataclass(frozen=True)
class RealTrainConfig:
    """Everything that determines a training run on real frames."""

    budget: int = 10000  # frame-equivalent steps of ``batch`` (a 64 px crop step costs 1/16)
    shares: tuple[float, float, float, float] = (0.15, 0.15, 0.55, 0.15)  # of the budget, levels 1-4 (curriculum)
    arm: str = "curriculum"  # or "direct": the whole budget on level 3
    batch: int = 8
    learning_rate: float = 2e-3
    seed: int = 20261207
    size: int = 256
    synthetic: int = 600  # generated frames among the whole frames
    look: str = "real"  # the generated frames' look (dataset.LookSpec)
    arcade_root: str = str(arcade.DEFAULT_ROOT)
    real_dir: str = "../shared/data/real-angiograms"
    workers: int = 2
    widths: tuple[int, int, int, int] = WIDTHS  # the network (region_model.build_region_model)
    dilations: tuple[tuple[int, ...], ...] = DILATIONS

    def plan(self) -> list[tuple[int, int, int]]:
        """(level, optimizer steps, inputs per step) in order.

        A crop level takes more inputs per step (as many pixels as ``batch`` whole frames
        would have, at most four times the inputs), and its steps cost what their pixels do.
        """
        shares = self.shares if self.arm == "curriculum" else (0.0, 0.0, 1.0, 0.0)
        plan = []
        for level, share in zip((1, 2, 3, 4), shares):
            batch = self.batch * min(4, round(1 / LEVEL_COST[level]))
            steps = round(self.budget * share / (LEVEL_COST[level] * batch / self.batch))
            if steps:
                plan.append((level, steps, batch))
        return plan


def build_frames(config: RealTrainConfig, spec: InputSpec) -> real_data.FrameSet:
    """The whole training frames: ARCADE stenosis and SYNTAX train, real-angiogram masks, generated."""
    root = Path(config.arcade_root)
    parts = [
        real_data.arcade_stenosis("train", spec, root, config.workers),
        real_data.arcade_vessels("train", spec, root, config.workers),
    ]
    real_train = Path(config.real_dir) / "training"
    if real_train.is_dir():
        parts.append(real_data.real_angiogram_vessels(real_train, spec, config.workers))
    if config.synthetic:
        look = dataset.LookSpec.for_split(config.look, "train", config.real_dir)
        parts.append(
            real_data.synthetic(dataset.seeds("train", config.synthetic, offset=800_000), spec, look, config.workers)
        )
    return real_data.concat(*parts)


def train_real(
    config: RealTrainConfig, out_dir: Path, frames: real_data.FrameSet | None = None, log: bool = True
) -> dict[str, Any]:
    """Trains; saves ``out_dir/cathnet.keras`` (fixed input size) and ``training.json``.

    Args:
        config: the run.
        out_dir: where the model and its summary go.
        frames: the level-3 frames, when the caller built them already (the ablation
            shares one set across arms and seeds).
        log: print progress.

    Returns:
        The summary written to ``training.json``, with the float model's figures on ARCADE val.
    """
    spec = InputSpec(height=config.size, width=config.size)
    out_dir.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(config.seed)
    t0 = time.time()
    frames = frames if frames is not None else build_frames(config, spec)
    plan = config.plan()
    photos, refused = None, 0
    if any(level == 4 for level, _, _ in plan):
        photos, refused = real_photos.arcade_photographed("train", spec, Path(config.arcade_root), config.workers)
    material = Material.from_frames(frames, photos)
    t_data = time.time() - t0
    if log:
        print(
            f"{len(frames)} frames, {len(material.positives)} positive and {len(material.negatives)} negative "
            f"crop centres in {t_data:.0f} s",
            flush=True,
        )

    model = build_region_model(None, config.widths, config.dilations)
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, sum(s for _, s, _ in plan), alpha=0.02)
    compile_region_model(model, schedule)
    rng = np.random.default_rng(config.seed)
    stages = []
    for level, steps, batch in plan:
        t1 = time.time()
        losses = []
        for step in range(steps):
            x, y, p = sample(material, level, batch, rng)
            out = model.train_on_batch(x, {"probability": p, "lesion_map": y}, return_dict=True)
            losses.append(float(out["loss"]))
            if log and (step + 1) % 500 == 0:
                print(
                    f"  level {level} step {step + 1}/{steps}: loss {np.mean(losses[-500:]):.4f} "
                    f"({time.time() - t1:.0f} s)",
                    flush=True,
                )
        stages.append(
            {
                "level": level,
                "steps": steps,
                "batch": batch,
                "seconds": round(time.time() - t1, 1),
                "loss_last_500": round(float(np.mean(losses[-500:])), 5),
            }
        )
        if log:
            print(f"level {level}: {steps} steps of {batch} in {stages[-1]['seconds']:.0f} s", flush=True)

    product = fixed_size(model, spec)
    figures = val_figures(product, spec, Path(config.arcade_root))
    summary = {
        "config": asdict(config),
        "curriculum": stages,
        "data": {
            "frames": {name: frames.sources.count(name) for name in dict.fromkeys(frames.sources)},
            "photographed": None
            if photos is None
            else {"frames": len(photos), "refused_by_the_capture": refused, "source": photos.sources[0]},
            "crop_centres": {"positive": int(len(material.positives)), "negative": int(len(material.negatives))},
            "arcade": "ARCADE (Popov et al., Scientific Data 2024), stenosis and SYNTAX tasks, train split only",
        },
        "val_float": figures,
        "seconds": {"data": round(t_data, 1), "total": round(time.time() - t0, 1)},
        "parameters": int(product.count_params()),
    }
    product.save(out_dir / "cathnet.keras")
    (out_dir / "training.json").write_text(json.dumps(summary, indent=2))
    if log:
        print(f"ARCADE val (float Keras): {json.dumps(figures)}", flush=True)
    return summary


def val_figures(
    model: keras.Model, spec: InputSpec, root: Path, threshold: float = 0.5, split: str = "val"
) -> dict[str, float]:
    """The float model's figures on an ARCADE split (``arcade_eval.score_outputs``)."""
    frames = arcade.load(split, "stenosis", root)
    data = real_data.arcade_stenosis(split, spec, root)
    out = model.predict(data.x.astype(np.float32), batch_size=16, verbose=0)
    config = PostprocessConfig(threshold=threshold, stride=OUTPUT_STRIDE, decoder="regions")
    return score_outputs(frames, out["probability"][:, 0], out["lesion_map"], spec, config)
