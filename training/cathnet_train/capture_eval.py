"""Measures screen detection on simulated monitor photos (seeds never used in tuning).

Half the photos show generated frames, half (when ../shared is present) real frames;
a further set shows no monitor at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

from cathnet import Analyzer, CaptureError, Findings
from cathnet.capture import find_screen
from cathnet_train.metrics import paired_auc_difference_ci, roc_auc
from cathnet_train.photo_sim import MonitorPhoto, simulate
from cathnet_train.synth import SIGNIFICANT_DS, Angiogram, generate

PHOTO_TEST_SEEDS = 9_500_000  # tuning used seeds below 1_000_000


def _hit(photo: MonitorPhoto, angiogram: Angiogram, findings: Findings) -> bool:
    """Top lesion within 6 % of the screen diagonal of a true >= 50 % lesion, in photo pixels."""
    top = findings.top_lesion
    if top is None:
        return False
    diag = float(np.linalg.norm(photo.corners[2] - photo.corners[0]))
    for lesion in angiogram.lesions:
        if lesion.diameter_stenosis_percent >= SIGNIFICANT_DS:
            truth = cv2.perspectiveTransform(np.array([[[lesion.x, lesion.y]]]), photo.frame_to_photo)[0, 0]
            if np.linalg.norm(truth - (top.x, top.y)) <= 0.06 * diag:
                return True
    return False


def evaluate_capture(
    n: int = 300, n_empty: int = 50, real_dir: Path | None = None, first_seed: int = PHOTO_TEST_SEEDS,
    model: Path | None = None,
) -> dict[str, Any]:
    """Found rate, per-corner error (fraction of the screen diagonal), false finds, gates, AUCs.

    The AUC through photos is taken over the photos the quality gates accept (a
    blocked photo is retaken at the bedside), against the same frames digitally; the
    blocked photos are counted by code. A missed screen counts as a negative call.
    """
    real = sorted(p for p in real_dir.glob("*/*.png") if not p.stem.endswith("_gt")) if real_dir else []
    errors, found, real_used = [], 0, 0
    labels, digital, through_photo, hits = [], [], [], []
    blocked: dict[str, int] = {}
    warned: dict[str, int] = {}
    analyzer = Analyzer(model)
    for k in range(n):
        seed = first_seed + k
        is_real = bool(real) and k % 2 == 1
        if is_real:
            frame = cv2.imread(str(real[k % len(real)]), cv2.IMREAD_GRAYSCALE)
            real_used += 1
        else:
            angiogram = generate(seed, size=512)
            frame = angiogram.image
        photo = simulate(seed, frame)
        findings: Findings | None = None
        try:
            findings = analyzer.predict(photo.image, photo=True)
            for code in findings.warnings:
                warned[code] = warned.get(code, 0) + 1
        except CaptureError as err:
            if err.code != "capture.no_screen":
                blocked[err.code] = blocked.get(err.code, 0) + 1
                continue
        if not is_real:  # synthetic frames carry labels: compare the two paths
            labels.append(angiogram.stenosis)
            digital.append(analyzer.predict(frame).stenosis_probability)
            through_photo.append(findings.stenosis_probability if findings else 0.0)
            if angiogram.stenosis:
                hits.append(findings is not None and _hit(photo, angiogram, findings))
        result = find_screen(photo.image)
        if result:
            found += 1
            diag = float(np.linalg.norm(photo.corners[2] - photo.corners[0]))
            errors.extend(np.linalg.norm(result.corners - photo.corners, axis=1) / diag)
    n_assessed = n - sum(blocked.values())
    false = sum(bool(find_screen(simulate(first_seed + n + k, None).image)) for k in range(n_empty))
    e = np.array(errors) if errors else np.array([np.nan])
    auc_digital, auc_photos = roc_auc(labels, digital), roc_auc(labels, through_photo)
    return {
        "test_set": f"simulated photos, seeds {first_seed}..{first_seed + n + n_empty - 1}; "
                    f"{real_used} show real frames, {n - real_used} synthetic; {n_empty} without a monitor",
        "blocked_by_gate": dict(sorted(blocked.items())),
        "warnings": dict(sorted(warned.items())),
        "found_rate": round(found / max(n_assessed, 1), 4),
        "corner_error_median_pct_diag": round(100 * float(np.median(e)), 3),
        "corner_error_p95_pct_diag": round(100 * float(np.percentile(e, 95)), 3),
        "false_found_rate": round(false / max(n_empty, 1), 4),
        "stenosis_auc_digital": round(auc_digital, 4),
        "stenosis_auc_through_photos": round(auc_photos, 4),
        "stenosis_auc_gap": round(auc_digital - auc_photos, 4),
        "stenosis_auc_gap_ci95": [round(v, 4) for v in paired_auc_difference_ci(labels, digital, through_photo)],
        "auc_frames": f"the {len(labels)} synthetic frames whose photos passed the gates, analysed as files and as photos "
                      "(gap: digital minus photos; its 95 % interval from a paired bootstrap over these frames)",
        "lesion_hit_rate_through_photos": round(float(np.mean(hits)), 4) if hits else None,
        "command": f"cathnet-train capture-eval --n {n} --empty {n_empty}"
                   + ("" if first_seed == PHOTO_TEST_SEEDS else f" --first-seed {first_seed}")
                   + ("" if model is None else f" --model {model}"),
    }
