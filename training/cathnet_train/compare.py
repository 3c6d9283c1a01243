"""Does the curriculum help? The same model and budget, through the levels or direct.

Two arms, each trained from scratch with several seeds on the same data:

- ``curriculum``: level 1 (short straight segments, 64 px) -> level 2 (curved segments
  with branches, 128 px) -> level 3 (whole frames) -> level 4 (frames photographed on
  a monitor and taken back through the SDK's capture path), each stage from the
  previous one's weights;
- ``direct``: level 3 only.

The budget is the number of optimizer steps (batch 32), the same for both arms, and
one Adam optimizer with one cosine schedule runs through all of an arm's stages. A
step on a patch costs less than a step on a whole frame, so the wall time of each run
is reported too. Both arms are judged as float Keras models on one held-out level-3
test set and one level-4 test set (test seeds; real backgrounds from the real
frames' ``testing`` half), at the threshold that maximises Youden's J on validation
frames. ``cathnet-train compare`` writes the table to ``training/RESULTS.md``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np

from cathnet.preprocess import InputSpec
from cathnet_train import dataset
from cathnet_train import photos as photo_data
from cathnet_train.losses import compile_for_training
from cathnet_train.metrics import binary_report, roc_auc, youden_threshold
from cathnet_train.model import build_model

ARMS = ("curriculum", "direct")
TEST_PHOTO_OFFSET = 50_000  # level-4 test photos: test seeds past the level-3 test frames


@dataclass(frozen=True)
class CompareConfig:
    """Everything that determines the comparison."""

    seeds: tuple[int, ...] = (1, 2, 3)
    look: str = "real"
    real_dir: str = "../shared/data/real-angiograms"
    level1: int = 6000  # training patches / frames / photos per level
    level2: int = 3000
    level3: int = 2000
    level4: int = 600
    steps: int = 500  # optimizer steps per arm (batch 32): the budget
    shares: tuple[float, float, float, float] = (0.3, 0.2, 0.3, 0.2)  # of the steps, levels 1-4 (curriculum)
    validation: int = 300
    test3: int = 500
    test4: int = 400  # photos taken; the capture gates refuse some
    learning_rate: float = 2e-3
    growth: int = 12
    workers: int = 2

    def stage_steps(self) -> list[int]:
        """Steps per curriculum level; they add up to ``steps``."""
        counts = [int(round(share * self.steps)) for share in self.shares]
        counts[2] += self.steps - sum(counts)
        return counts


@dataclass
class _Data:
    train: dict[int, dataset.Batch]
    validation: dataset.Batch
    test3: dataset.Batch
    test4: dataset.Batch
    refused4: int


def _data(config: CompareConfig) -> _Data:
    look = {split: dataset.LookSpec.for_split(config.look, split, config.real_dir) for split in ("train", "test")}
    spec = InputSpec()
    train = {
        1: dataset.build_level(dataset.seeds("train", config.level1, offset=600_000), 1, config.workers, look["train"]),
        2: dataset.build_level(dataset.seeds("train", config.level2, offset=700_000), 2, config.workers, look["train"]),
        3: dataset.build(dataset.seeds("train", config.level3), spec, config.workers, look["train"]),
    }
    train[4], _ = photo_data.build(dataset.seeds("train", config.level4, offset=500_000), spec, config.workers,
                                   look["train"])
    validation = dataset.build(dataset.seeds("validation", config.validation), spec, config.workers,
                               dataset.LookSpec.for_split(config.look, "validation", config.real_dir))
    test3 = dataset.build(dataset.seeds("test", config.test3), spec, config.workers, look["test"])
    test4, refused = photo_data.build(dataset.seeds("test", config.test4, offset=TEST_PHOTO_OFFSET), spec,
                                      config.workers, look["test"])
    return _Data(train, validation, test3, test4, refused)


def _fit_steps(model: keras.Model, batch: dataset.Batch, steps: int, rng: np.random.Generator) -> None:
    """``steps`` optimizer steps of 32 over ``batch``, reshuffled each time it runs out."""
    targets = {k: v for k, v in batch.targets().items() if k in model.output_names}
    per_pass = max(1, len(batch.x) // 32)
    while steps > 0:
        take = min(steps, per_pass)
        idx = np.sort(rng.permutation(len(batch.x))[: take * 32])
        model.fit(batch.x[idx], {k: v[idx] for k, v in targets.items()}, batch_size=32, epochs=1, shuffle=True,
                  verbose=0)
        steps -= take


def train_arm(arm: str, seed: int, data: _Data, config: CompareConfig) -> tuple[keras.Model, float]:
    """One arm trained from scratch with ``seed``; the model and its training seconds."""
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    model = build_model(None, config.growth, vessel_head=True)
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, config.steps, alpha=0.05)
    compile_for_training(model, schedule)
    t0 = time.time()
    plan = list(zip((1, 2, 3, 4), config.stage_steps())) if arm == "curriculum" else [(3, config.steps)]
    for level, steps in plan:
        _fit_steps(model, data.train[level], steps, rng)
    return model, time.time() - t0


def _scores(model: keras.Model, batch: dataset.Batch) -> np.ndarray:
    return np.asarray(model.predict(batch.x, batch_size=64, verbose=0)["probability"])[:, 0]


def judge(model: keras.Model, data: _Data) -> dict[str, Any]:
    """AUC, accuracy and F1 on both test sets at the validation frames' Youden threshold."""
    threshold = youden_threshold(data.validation.probability[:, 0], _scores(model, data.validation))
    out: dict[str, Any] = {"threshold": round(threshold, 4)}
    for name, batch in (("level3", data.test3), ("level4", data.test4)):
        labels, scores = batch.probability[:, 0], _scores(model, batch)
        report = binary_report(labels, scores, threshold)
        out[name] = {"auc": round(roc_auc(labels, scores), 4), "accuracy": round(report["accuracy"], 4),
                     "f1": round(report["f1"], 4)}
    return out


def compare(config: CompareConfig) -> dict[str, Any]:
    """Both arms with every seed; the rows and the per-arm means and spreads."""
    t0 = time.time()
    data = _data(config)
    data_seconds = time.time() - t0
    runs = []
    for arm in ARMS:
        for seed in config.seeds:
            model, seconds = train_arm(arm, seed, data, config)
            runs.append({"arm": arm, "seed": seed, "train_seconds": round(seconds, 1), **judge(model, data)})
            print(f"{arm} seed {seed}: {runs[-1]}", flush=True)
    summary = {}
    for arm in ARMS:
        rows = [r for r in runs if r["arm"] == arm]
        summary[arm] = {f"{test}_{m}": [round(float(np.mean([r[test][m] for r in rows])), 4),
                                        round(float(np.std([r[test][m] for r in rows])), 4)]
                        for test in ("level3", "level4") for m in ("auc", "accuracy", "f1")}
    return {
        "config": asdict(config),
        "data": {
            "level3_test": f"{len(data.test3.x)} frames, test seeds {dataset.SEED_RANGES['test'][0]}+",
            "level4_test": f"{len(data.test4.x)} photos through the capture path ({data.refused4} of {config.test4} "
                           f"refused by its gates), test seeds {dataset.SEED_RANGES['test'][0] + TEST_PHOTO_OFFSET}+",
            "validation": f"{len(data.validation.x)} frames, validation seeds {dataset.SEED_RANGES['validation'][0]}+",
            "look": dataset.LookSpec.for_split(config.look, "test", config.real_dir).describe(),
            "seconds": round(data_seconds, 1),
        },
        "runs": runs,
        "summary": summary,
    }


def to_markdown(result: dict[str, Any], command: str) -> str:
    """``training/RESULTS.md``: the table with every seed, the means, and how it was made."""
    c = result["config"]
    lines = [
        "# Does the curriculum help? (synthetic data)",
        "",
        f"Produced by `{command}` on this repository's 2-core CPU machine.",
        "Every figure is on synthetic frames from our generator, not on real angiograms.",
        "",
        f"- Budget: {c['steps']} optimizer steps of 32 per arm, one Adam optimizer with one cosine schedule "
        f"(from {c['learning_rate']}); the curriculum splits them {c['shares']} over levels 1-4.",
        f"- Training data: {c['level1']} level-1 patches, {c['level2']} level-2 patches, {c['level3']} level-3 "
        f"frames, {c['level4']} level-4 photos (the direct arm uses the level-3 frames only).",
        f"- Test sets: level 3, {result['data']['level3_test']}; level 4, {result['data']['level4_test']}. "
        f"Generator: {result['data']['look']}.",
        f"- Threshold: Youden's J on {result['data']['validation']}.",
        "",
        "| arm | seed | L3 AUC | L3 accuracy | L3 F1 | L4 AUC | L4 accuracy | L4 F1 | training s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["runs"]:
        lines.append(f"| {r['arm']} | {r['seed']} | {r['level3']['auc']:.3f} | {r['level3']['accuracy']:.3f} | "
                     f"{r['level3']['f1']:.3f} | {r['level4']['auc']:.3f} | {r['level4']['accuracy']:.3f} | "
                     f"{r['level4']['f1']:.3f} | {r['train_seconds']:.0f} |")
    for arm, s in result["summary"].items():
        cells = " | ".join(f"{s[f'{t}_{m}'][0]:.3f} ± {s[f'{t}_{m}'][1]:.3f}"
                           for t in ("level3", "level4") for m in ("auc", "accuracy", "f1"))
        lines.append(f"| **{arm}, mean ± sd** | | {cells} | |")
    lines.append("")
    return "\n".join(lines)


def write_results(result: dict[str, Any], command: str, path: Path) -> None:
    path.write_text(to_markdown(result, command))
