"""Trains the CathNet model on generated angiograms (Keras 3 on TensorFlow CPU).

The shipped recipe goes through CathNet's curriculum (``cathnet_train.curriculum``),
each stage from the previous one's weights:

1. short straight segments, 64x64: "is there a narrowing here, where, how bad?";
2. longer curved segments with side branches, 128x128;
3. whole trees in context, the model's 256x256 input;
4. whole trees photographed on a monitor and taken back through the SDK's capture
   path, mixed with as many level-3 frames so that the digital read does not drift.

Everything is fixed by ``TrainConfig`` (its seed included), so a run reproduces.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import keras

from cathnet.preprocess import InputSpec
from cathnet_train import curriculum, dataset
from cathnet_train.metrics import roc_auc
from cathnet_train.model import build_model, deployable


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a training run."""

    level1: int = 20_000  # straight segments
    level2: int = 6_000  # curved segments with branches
    level3: int = 5_000  # whole frames
    level4: int = 1_200  # photos taken; the capture path's gates refuse some
    budget: int = 850  # frame steps (curriculum.FRAME_STEP, LEVEL_COST); sized for <= 45 min on 2 cores
    shares: tuple[float, float, float, float] = (0.3, 0.2, 0.3, 0.2)  # of the budget, levels 1-4
    batch: int = 8  # inputs per optimizer step: at the same compute, 8 beat 16 and 32 on validation frames
    validation_size: int = 600
    learning_rate: float = 2e-3
    seed: int = 20261128
    growth: int = 12
    workers: int = 2
    look: str = "real"  # the generator's look (dataset.LookSpec): "v1" or "real"
    real_dir: str = "../shared/data/real-angiograms"  # real backgrounds for the "real" look, when present

    def look_for(self, split: str) -> dataset.LookSpec:
        """The look of ``split``'s frames (real backgrounds: the training half for "train")."""
        return dataset.LookSpec.for_split(self.look, split, self.real_dir)


def train(config: TrainConfig, out_dir: Path, spec: InputSpec | None = None) -> dict[str, object]:
    """Trains through the curriculum; saves ``out_dir/cathnet.keras`` and ``training.json``.

    Returns:
        The training summary written to ``training.json``.
    """
    spec = spec or InputSpec()
    out_dir.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(config.seed)
    t0 = time.time()
    counts = {1: config.level1, 2: config.level2, 3: config.level3, 4: config.level4}
    material = curriculum.build_material(counts, config.look_for("train"), config.workers, spec)
    val = dataset.build(
        dataset.seeds("validation", config.validation_size), spec, config.workers, config.look_for("validation")
    )
    t_data = time.time() - t0
    described = material.describe()
    print(f"training material in {t_data:.0f} s:", *described.values(), sep="\n  ", flush=True)

    model = build_model(None, config.growth, vessel_head=True)
    plan = list(zip(curriculum.LEVELS, curriculum.stage_steps(config.budget, config.shares, config.batch)))
    stages = curriculum.run(model, material, plan, config.learning_rate, config.seed, log=True, batch=config.batch)

    product = deployable(model, spec, config.growth)
    val_prob = product.predict(val.x, batch_size=64, verbose=0)["probability"][:, 0]
    summary: dict[str, object] = {
        "config": asdict(config),
        "curriculum": [{"stage": i, **stage, "what": described[stage["level"]]} for i, stage in enumerate(stages, 1)],
        "data": {
            "generator": f"cathnet_train.synth (synthetic), {config.look_for('train').describe()}",
            "train_seeds": {
                level: [dataset.SEED_RANGES["train"][0] + curriculum.TRAIN_OFFSETS[level], n]
                for level, n in counts.items()
            },
            "validation_seeds": [dataset.SEED_RANGES["validation"][0], config.validation_size],
            "positive_fraction_level3": round(float(material.levels[3].probability.mean()), 3),
        },
        "validation_auc_float": round(roc_auc(val.probability[:, 0], val_prob), 4),
        "seconds": {"data": round(t_data, 1), "total": round(time.time() - t0, 1)},
        "parameters": int(product.count_params()),
    }
    product.save(out_dir / "cathnet.keras")
    (out_dir / "training.json").write_text(json.dumps(summary, indent=2))
    print(f"validation AUC (float, synthetic): {summary['validation_auc_float']:.4f}", flush=True)
    return summary
