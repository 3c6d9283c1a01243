"""CathNet's curriculum: four levels of teaching material, one model, stage after stage.

1. short straight vessel segments, 64x64, narrowed or not (``synth.generate_level``);
2. longer curved segments with side branches, 128x128;
3. whole arterial trees in context (``synth.generate``), the model's 256x256 input;
4. whole trees photographed on a monitor and taken back through the SDK's capture path
   (``cathnet_train.photos``), mixed with as many level-3 frames so that the digital
   read does not drift.

The network is fully convolutional, so a step on small patches costs less: a step on
level-1 patches counts 1/16 of a step on whole frames, on level-2 patches 1/4. A
budget is given in frame steps (the compute of one step on ``FRAME_STEP`` whole
frames), split over the levels by ``shares`` and spent in optimizer steps of any
batch size (a step of 16 frames is half a frame step); one Adam
optimizer with one cosine schedule runs through all stages, and each stage starts
from the previous one's weights. The shipped recipe (``cathnet_train.train``) and the
comparison with direct training (``cathnet_train.compare``) both train through here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from cathnet.preprocess import InputSpec
from cathnet_train import dataset
from cathnet_train import photos as photo_data
from cathnet_train.losses import compile_for_training

LEVELS = (1, 2, 3, 4)
# What one optimizer step on a level's inputs costs, in steps on whole 256x256 frames (pixels).
LEVEL_COST = {1: (64 / 256) ** 2, 2: (128 / 256) ** 2, 3: 1.0, 4: 1.0}
# Where each level's training inputs start in the train split's seeds (disjoint ranges).
TRAIN_OFFSETS = {1: 600_000, 2: 700_000, 3: 0, 4: 500_000}
FRAME_STEP = 32  # inputs in one step of the budget's unit


def stage_steps(budget: int, shares: tuple[float, ...], batch: int = FRAME_STEP) -> list[int]:
    """Optimizer steps of ``batch`` inputs per level whose cost adds up to ``budget`` frame steps.

    Args:
        budget: frame steps in all.
        shares: the fraction of ``budget`` spent on each of levels 1-4.
        batch: inputs per optimizer step.
    """
    frame_steps = [int(round(share * budget)) for share in shares]
    frame_steps[2] += budget - sum(frame_steps)
    return [level_steps(n, level, batch) for level, n in zip(LEVELS, frame_steps)]


def level_steps(frame_steps: int, level: int, batch: int = FRAME_STEP) -> int:
    """Optimizer steps of ``batch`` inputs of ``level`` that cost ``frame_steps`` frame steps."""
    return round(frame_steps * FRAME_STEP / (batch * LEVEL_COST[level]))


@dataclass
class Material:
    """The training inputs of each level; how many level-4 photos were kept and refused."""

    levels: dict[int, dataset.Batch]
    photos: int
    refused_photos: int

    def describe(self) -> dict[int, str]:
        """What each level holds, in words."""
        n = {level: len(batch.x) for level, batch in self.levels.items()}
        return {
            1: f"{n[1]} straight segments, 64x64 (synth.generate_level 1)",
            2: f"{n[2]} curved segments with branches, 128x128 (synth.generate_level 2)",
            3: f"{n[3]} whole frames, 256x256 (synth.generate)",
            4: f"{self.photos} photographed frames through the capture path ({self.refused_photos} photos refused "
            f"by its gates) + {n[4] - self.photos} level-3 frames",
        }


def build_material(
    counts: dict[int, int], look: dataset.LookSpec, workers: int = 2, spec: InputSpec | None = None
) -> Material:
    """``counts[level]`` training inputs of each level from the train split's seeds.

    ``counts[4]`` is the number of photos taken; the capture path's gates refuse some,
    and the photos kept are mixed with as many level-3 frames.
    """
    spec = spec or InputSpec()
    levels = {
        level: dataset.build_level(
            dataset.seeds("train", counts[level], offset=TRAIN_OFFSETS[level]), level, workers, look
        )
        for level in (1, 2)
    }
    levels[3] = dataset.build(dataset.seeds("train", counts[3], offset=TRAIN_OFFSETS[3]), spec, workers, look)
    photos, refused = photo_data.build(dataset.seeds("train", counts[4], offset=TRAIN_OFFSETS[4]), spec, workers, look)
    levels[4] = dataset.concat(photos, levels[3].take(len(photos.x)))
    return Material(levels, len(photos.x), refused)


def fit_steps(
    model: keras.Model, data: dataset.Batch, steps: int, rng: np.random.Generator, batch: int = FRAME_STEP
) -> dict[str, float]:
    """``steps`` optimizer steps of ``batch`` inputs over ``data``, reshuffled each time it runs out.

    Returns:
        The losses of the last pass.
    """
    targets = {k: v for k, v in data.targets().items() if k in model.output_names}
    per_pass = max(1, len(data.x) // batch)
    logs: dict[str, float] = {}
    while steps > 0:
        take = min(steps, per_pass)
        idx = np.sort(rng.permutation(len(data.x))[: take * batch])
        history = model.fit(
            data.x[idx], {k: v[idx] for k, v in targets.items()}, batch_size=batch, epochs=1, shuffle=True, verbose=0
        )
        logs = {k: round(float(v[-1]), 5) for k, v in history.history.items()}
        steps -= take
    return logs


def run(
    model: keras.Model,
    material: Material,
    plan: list[tuple[int, int]],
    learning_rate: float,
    seed: int,
    log: bool = False,
    batch: int = FRAME_STEP,
) -> list[dict[str, Any]]:
    """Trains ``model`` on each (level, steps) of ``plan`` in turn, from the last stage's weights;
    ``steps`` are optimizer steps of ``batch`` inputs.

    One Adam optimizer with one cosine schedule (from ``learning_rate`` down to 5 %) runs
    through all the steps of ``plan``.

    Returns:
        Per stage: level, steps, seconds and the losses of its last pass.
    """
    rng = np.random.default_rng(seed)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, sum(s for _, s in plan), alpha=0.05)
    compile_for_training(model, schedule)
    stages = []
    for level, steps in plan:
        t0 = time.time()
        losses = fit_steps(model, material.levels[level], steps, rng, batch)
        stages.append(
            {"level": level, "steps": steps, "batch": batch, "seconds": round(time.time() - t0, 1), "losses": losses}
        )
        if log:
            print(f"level {level}: {steps} steps in {stages[-1]['seconds']:.0f} s, {losses}", flush=True)
    return stages
