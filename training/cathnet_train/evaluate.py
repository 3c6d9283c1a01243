"""Measures a model bundle through the SDK on held-out synthetic frames.

Everything goes through ``cathnet.Analyzer.predict`` with the shipped artifact, so
the figures are those of the product, not of the float training model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from cathnet import Analyzer, CaptureError
from cathnet.bundle import CARD_NAME
from cathnet_train import dataset
from cathnet_train.capture_eval import hit_lesion, nearest_hit
from cathnet_train.metrics import binary_report, roc_auc
from cathnet_train.photo_sim import simulate
from cathnet_train.synth import generate

PHOTO_FRAME_SIZE = 512  # frames shown on the monitor (as in training's level 4)


def evaluate(
    bundle: str | Path | None = None,
    n: int = 1000,
    split: str = "test",
    size: int = 256,
    backend: str = "auto",
    look: str | None = None,
    real_dir: str | None = "../shared/data/real-angiograms",
    level: int = 3,
) -> dict[str, Any]:
    """AUC, accuracy, F1, lesion hit rate and %DS error on ``n`` frames of ``split``.

    ``look`` is the generator's (``dataset.LookSpec``; by default the one the bundle's model
    was trained on); on the test split the real look's backgrounds come from the real
    frames' ``testing`` half, never the half training draws on.

    Level 3 reads whole frames of ``size`` px. Level 4 shows ``n`` frames of 512 px on a
    simulated monitor, photographs them (1600x1200) and reads the photos through the SDK's
    photo path (``predict(photo=True)``), from the seeds past ``dataset.LEVEL4_TEST_OFFSET``.
    Photos the capture path refuses (no screen, a blocking gate: the app asks for a retake)
    are counted and left out of the figures.

    A positive frame's lesion is "hit" when the top reported lesion lies within 6 % of
    the image size (of the screen diagonal, through photos) of a significant true lesion.
    %DS error is measured on hits.
    """
    if level not in (3, 4):
        raise ValueError(f"expected level 3 (frames) or 4 (photos), got {level}")
    analyzer = Analyzer(bundle, backend=backend)
    look = look or dataset.trained_look(analyzer.card)
    labels, scores, hits, ds_err, refused = [], [], [], [], 0
    look_spec = dataset.LookSpec.for_split(look, split, real_dir)
    resolved = look_spec.resolve()
    offset = 0 if level == 3 else dataset.LEVEL4_TEST_OFFSET
    seed_list = dataset.seeds(split, n, offset=offset)
    for seed in seed_list:
        if level == 3:
            frame = generate(seed, size=size, look=resolved)
            findings = analyzer.predict(frame.image)
        else:
            frame = generate(seed, size=PHOTO_FRAME_SIZE, look=resolved)
            photo = simulate(seed, frame.image)
            try:
                findings = analyzer.predict(photo.image, photo=True)
            except CaptureError:
                refused += 1
                continue
        labels.append(frame.stenosis)
        scores.append(findings.stenosis_probability)
        if frame.stenosis:
            hit = nearest_hit(frame, findings, 0.06 * size) if level == 3 else hit_lesion(photo, frame, findings)
            hits.append(hit is not None)
            if hit is not None and findings.top_lesion is not None:
                ds_err.append(abs(findings.top_lesion.diameter_stenosis_percent - hit.diameter_stenosis_percent))
    report = binary_report(labels, scores, analyzer.bundle.threshold)
    what = (
        f"{size} px frames"
        if level == 3
        else f"level 4: {PHOTO_FRAME_SIZE} px frames photographed on a simulated monitor, read through the SDK's "
        f"photo path ({refused} of {n} photos refused by the capture path and left out)"
    )
    options = "" if level == 3 else " --level 4"
    options += f" --look {look}"
    result = {
        "test_set": f"synthetic {split} split, seeds {seed_list[0]}..{seed_list[-1]} (never used in training), "
        f"{what}, {look_spec.describe()}",
        "n": len(labels),
        "look": look,
        "positives": int(sum(labels)),
        "backend": analyzer.backend,
        "artifact_sha256": analyzer.model["sha256"],
        "auc": round(roc_auc(labels, scores), 4),
        **{k: round(v, 4) for k, v in report.items()},
        "lesion_hit_rate": round(float(np.mean(hits)), 4) if hits else None,
        "ds_mae_points": round(float(np.mean(ds_err)), 2) if ds_err else None,
        "command": f"cathnet-train evaluate --n {n} --split {split}"
        + (f" --size {size}" if level == 3 else "")
        + options,
    }
    if level == 4:
        result["refused_photos"] = refused
    analyzer.close()
    return result


def metric_key(split: str, look: str, level: int = 3, size: int = 256) -> str:
    """The card's name for a result of ``evaluate``, e.g. ``test_256px_int8_real``, ``test_photos_int8_real``."""
    what = f"{size}px" if level == 3 else "photos"
    return f"{split}_{what}_int8" + ("" if look == "v1" else f"_{look}")


def write_metrics(bundle: Path, name: str, metrics: dict[str, Any]) -> None:
    """Stores ``metrics`` under ``card["metrics"][name]`` (the card is not an artifact)."""
    card_path = bundle / CARD_NAME
    card = json.loads(card_path.read_text())
    card.setdefault("metrics", {})[name] = metrics
    card_path.write_text(json.dumps(card, indent=2) + "\n")
