"""Measures a model bundle through the SDK on held-out synthetic frames.

Everything goes through ``cathnet.Analyzer.predict`` with the shipped artifact, so
the figures are those of the product, not of the float training model.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from cathnet import Analyzer
from cathnet.bundle import CARD_NAME
from cathnet_train import dataset
from cathnet_train.metrics import binary_report, roc_auc
from cathnet_train.synth import SIGNIFICANT_DS, generate


def evaluate(
    bundle: str | Path | None = None,
    n: int = 1000,
    split: str = "test",
    size: int = 256,
    backend: str = "auto",
    look: str = "v1",
    real_dir: str | None = "../shared/data/real-angiograms",
) -> dict[str, Any]:
    """AUC, accuracy, F1, lesion hit rate and %DS error on ``n`` frames of ``split``.

    ``look`` is the generator's (``dataset.LookSpec``); on the test split the real look's
    backgrounds come from the real frames' ``testing`` half, never the half training draws on.

    A positive frame's lesion is "hit" when the top reported lesion lies within 6 % of
    the image size of a significant true lesion. %DS error is measured on hits.
    """
    analyzer = Analyzer(bundle, backend=backend)
    labels, scores, hits, ds_err = [], [], [], []
    look_spec = dataset.LookSpec.for_split(look, split, real_dir)
    resolved = look_spec.resolve()
    for seed in dataset.seeds(split, n):
        frame = generate(seed, size=size, look=resolved)
        findings = analyzer.predict(frame.image)
        labels.append(frame.stenosis)
        scores.append(findings.stenosis_probability)
        if frame.stenosis:
            top = findings.top_lesion
            truth = [l for l in frame.lesions if l.diameter_stenosis_percent >= SIGNIFICANT_DS]
            hit = None
            if top is not None:
                d = [math.hypot(top.x - l.x, top.y - l.y) for l in truth]
                if min(d) <= 0.06 * size:
                    hit = truth[int(np.argmin(d))]
            hits.append(hit is not None)
            if hit is not None and top is not None:
                ds_err.append(abs(top.diameter_stenosis_percent - hit.diameter_stenosis_percent))
    lo, hi = dataset.SEED_RANGES[split][0], dataset.SEED_RANGES[split][0] + n
    report = binary_report(labels, scores, analyzer.bundle.threshold)
    result = {
        "test_set": f"synthetic {split} split, seeds {lo}..{hi - 1} (never used in training), {size} px, "
                    f"{look_spec.describe()}",
        "n": n,
        "positives": int(sum(labels)),
        "backend": analyzer.backend,
        "artifact_sha256": analyzer.model["sha256"],
        "auc": round(roc_auc(labels, scores), 4),
        **{k: round(v, 4) for k, v in report.items()},
        "lesion_hit_rate": round(float(np.mean(hits)), 4) if hits else None,
        "ds_mae_points": round(float(np.mean(ds_err)), 2) if ds_err else None,
        "command": f"cathnet-train evaluate --n {n} --split {split} --size {size}"
                   + ("" if look == "v1" else f" --look {look}"),
    }
    analyzer.close()
    return result


def write_metrics(bundle: Path, name: str, metrics: dict[str, Any]) -> None:
    """Stores ``metrics`` under ``card["metrics"][name]`` (the card is not an artifact)."""
    card_path = bundle / CARD_NAME
    card = json.loads(card_path.read_text())
    card.setdefault("metrics", {})[name] = metrics
    card_path.write_text(json.dumps(card, indent=2) + "\n")
