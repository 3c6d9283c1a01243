"""Does the curriculum help? The same model and budget, through the levels or direct.

Two arms, each trained from scratch with several seeds on the same data:

- ``curriculum``: levels 1 -> 2 -> 3 -> 4 (``cathnet_train.curriculum``), each stage
  from the previous one's weights;
- ``direct``: level 3 only.

The budget is compute, the same for both arms: the cost of ``budget`` optimizer steps of
32 whole 256x256 frames, where a step on level-1 patches counts 1/16 and one on level-2
patches 1/4 (``curriculum.LEVEL_COST``), spent in steps of ``batch`` inputs. The
curriculum spends ``shares`` of the budget on levels 1-4; the direct arm spends all of
it on level 3. One Adam optimizer with one cosine schedule runs through all of an arm's
steps. The wall time of each run is reported too. Both arms are judged as float Keras
models on one held-out level-3 test set and one level-4 test set (test seeds; real
backgrounds from the real frames' ``testing`` half), at the threshold that maximises
Youden's J on validation frames.
``cathnet-train compare`` writes the table to ``training/RESULTS.md``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np

from cathnet.preprocess import InputSpec
from cathnet_train import curriculum, dataset
from cathnet_train import photos as photo_data
from cathnet_train.metrics import binary_report, roc_auc, youden_threshold
from cathnet_train.model import build_model

ARMS = ("curriculum", "direct")


@dataclass(frozen=True)
class CompareConfig:
    """Everything that determines the comparison."""

    seeds: tuple[int, ...] = (1, 2, 3)
    look: str = "real"
    real_dir: str = "../shared/data/real-angiograms"
    level1: int = 16000  # training patches / frames / photos taken, per level
    level2: int = 5000
    level3: int = 4000
    level4: int = 600
    budget: int = 300  # frame steps per arm (batch 32; see the module's docstring)
    shares: tuple[float, float, float, float] = (0.3, 0.2, 0.3, 0.2)  # of the budget, levels 1-4 (curriculum)
    batch: int = 32  # inputs per optimizer step, both arms (training/RESULTS.md was measured at 32)
    validation: int = 300
    test3: int = 500
    test4: int = 400  # photos taken; the capture gates refuse some
    learning_rate: float = 2e-3
    growth: int = 12
    workers: int = 2

    def stage_steps(self) -> list[int]:
        """Optimizer steps per curriculum level; their cost adds up to ``budget`` frame steps."""
        return curriculum.stage_steps(self.budget, self.shares, self.batch)


@dataclass
class _Data:
    train: curriculum.Material
    validation: dataset.Batch
    test3: dataset.Batch
    test4: dataset.Batch
    refused4: int


def _data(config: CompareConfig) -> _Data:
    look = {
        split: dataset.LookSpec.for_split(config.look, split, config.real_dir)
        for split in ("train", "validation", "test")
    }
    spec = InputSpec()
    counts = {1: config.level1, 2: config.level2, 3: config.level3, 4: config.level4}
    train = curriculum.build_material(counts, look["train"], config.workers, spec)
    validation = dataset.build(dataset.seeds("validation", config.validation), spec, config.workers, look["validation"])
    test3 = dataset.build(dataset.seeds("test", config.test3), spec, config.workers, look["test"])
    test4_seeds = dataset.seeds("test", config.test4, offset=dataset.LEVEL4_TEST_OFFSET)
    test4, refused = photo_data.build(test4_seeds, spec, config.workers, look["test"])
    return _Data(train, validation, test3, test4, refused)


def train_arm(arm: str, seed: int, data: _Data, config: CompareConfig) -> tuple[keras.Model, float]:
    """One arm trained from scratch with ``seed``; the model and its training seconds."""
    keras.utils.set_random_seed(seed)
    model = build_model(None, config.growth, vessel_head=True)
    if arm == "curriculum":
        plan = list(zip(curriculum.LEVELS, config.stage_steps()))
    else:
        plan = [(3, curriculum.level_steps(config.budget, 3, config.batch))]
    t0 = time.time()
    curriculum.run(model, data.train, plan, config.learning_rate, seed, batch=config.batch)
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
        out[name] = {
            "auc": round(roc_auc(labels, scores), 4),
            "accuracy": round(report["accuracy"], 4),
            "f1": round(report["f1"], 4),
        }
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
    return {
        "config": asdict(config),
        "data": {
            "level3_test": f"{len(data.test3.x)} frames, test seeds {dataset.SEED_RANGES['test'][0]}+",
            "level4_test": f"{len(data.test4.x)} photos through the capture path ({data.refused4} of {config.test4} "
            f"refused by its gates), test seeds "
            f"{dataset.SEED_RANGES['test'][0] + dataset.LEVEL4_TEST_OFFSET}+",
            "validation": f"{len(data.validation.x)} frames, validation seeds {dataset.SEED_RANGES['validation'][0]}+",
            "look": dataset.LookSpec.for_split(config.look, "test", config.real_dir).describe(),
            "seconds": round(data_seconds, 1),
        },
        "runs": runs,
        "summary": summarise(runs),
    }


def summarise(runs: list[dict[str, Any]]) -> dict[str, dict[str, list[float]]]:
    """Per arm and measure: [mean, standard deviation] over the seeds."""
    summary = {}
    for arm in ARMS:
        rows = [r for r in runs if r["arm"] == arm]
        summary[arm] = {
            f"{test}_{m}": [
                round(float(np.mean([r[test][m] for r in rows])), 4),
                round(float(np.std([r[test][m] for r in rows])), 4),
            ]
            for test in ("level3", "level4")
            for m in ("auc", "accuracy", "f1")
        }
    return summary


def verdict(runs: list[dict[str, Any]]) -> list[str]:
    """In words, per test set: the difference of the mean AUCs and whether every seed agrees."""
    lines = []
    for test, name in (("level3", "level 3"), ("level4", "level 4")):
        auc = {arm: [r[test]["auc"] for r in runs if r["arm"] == arm] for arm in ARMS}
        diff = float(np.mean(auc["curriculum"]) - np.mean(auc["direct"]))
        if min(auc["curriculum"]) > max(auc["direct"]):
            agree = "every curriculum seed is above every direct seed"
        elif max(auc["curriculum"]) < min(auc["direct"]):
            agree = "every curriculum seed is below every direct seed"
        else:
            agree = "the seeds of the two arms overlap"
        lines.append(f"- {name}: the curriculum's mean AUC minus direct training's is {diff:+.3f}; {agree}.")
    return lines


def to_markdown(result: dict[str, Any], command: str) -> str:
    """``training/RESULTS.md``: the table with every seed, the means, and how it was made."""
    c = result["config"]
    batch = c.get("batch", curriculum.FRAME_STEP)  # logs from before the batch size was a setting ran at 32
    lines = [
        "# Does the curriculum help? (synthetic data)",
        "",
        f"Produced by `{command}` on this repository's 2-core CPU machine.",
        "Every figure is on synthetic frames from our generator, not on real angiograms.",
        "",
        f"- Budget: the compute of {c['budget']} optimizer steps of 32 whole 256x256 frames per arm (a step on "
        f"64x64 level-1 patches counts 1/16, on 128x128 level-2 patches 1/4). The curriculum spends {c['shares']} "
        f"of it on levels 1-4, that is {curriculum.stage_steps(c['budget'], c['shares'], batch)} "
        f"steps of {batch}; the direct arm {curriculum.level_steps(c['budget'], 3, batch)} steps "
        f"on level 3. One Adam optimizer with one cosine schedule "
        f"(from {c['learning_rate']}) per arm.",
        f"- Training data: {c['level1']} level-1 patches, {c['level2']} level-2 patches, {c['level3']} level-3 "
        f"frames, {c['level4']} level-4 photos mixed with as many level-3 frames (the direct arm uses the level-3 "
        f"frames only).",
        f"- Test sets: level 3, {result['data']['level3_test']}; level 4, {result['data']['level4_test']}. "
        f"Generator: {result['data']['look']}.",
        f"- Threshold: Youden's J on {result['data']['validation']}.",
        "",
        "| arm | seed | L3 AUC | L3 accuracy | L3 F1 | L4 AUC | L4 accuracy | L4 F1 | training s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["runs"]:
        lines.append(
            f"| {r['arm']} | {r['seed']} | {r['level3']['auc']:.3f} | {r['level3']['accuracy']:.3f} | "
            f"{r['level3']['f1']:.3f} | {r['level4']['auc']:.3f} | {r['level4']['accuracy']:.3f} | "
            f"{r['level4']['f1']:.3f} | {r['train_seconds']:.0f} |"
        )
    for arm, s in result["summary"].items():
        cells = " | ".join(
            f"{s[f'{t}_{m}'][0]:.3f} ± {s[f'{t}_{m}'][1]:.3f}"
            for t in ("level3", "level4")
            for m in ("auc", "accuracy", "f1")
        )
        lines.append(f"| **{arm}, mean ± sd** | | {cells} | |")
    lines += ["", "Verdict at this budget:", "", *verdict(result["runs"]), ""]
    return "\n".join(lines)


def write_results(result: dict[str, Any], command: str, path: Path) -> None:
    path.write_text(to_markdown(result, command))
