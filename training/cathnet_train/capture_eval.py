"""Measures screen detection on simulated monitor photos (seeds never used in tuning).

Half the photos show generated frames, half (when ../shared is present) real frames;
a further set shows no monitor at all. Photos are independent: they are measured in
``workers`` processes and gathered in seed order, so the result does not depend on it.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from cathnet import Analyzer, CaptureError, Findings
from cathnet.bundle import ModelBundle
from cathnet.capture import find_screen
from cathnet_train.dataset import LookSpec, trained_look
from cathnet_train.metrics import paired_auc_difference_ci, roc_auc
from cathnet_train.photo_sim import MonitorPhoto, simulate
from cathnet_train.realism import real_frame_paths
from cathnet_train.synth import SIGNIFICANT_DS, Angiogram, LesionTruth, generate

PHOTO_TEST_SEEDS = 9_500_000  # tuning used seeds below 1_000_000

_analyzers: dict[Path | None, Analyzer] = {}  # one per model in each worker process


def nearest_hit(
    angiogram: Angiogram, findings: Findings, radius: float, to_image: npt.NDArray[np.float64] | None = None
) -> LesionTruth | None:
    """The true >= 50 % lesion nearest the top reported lesion when within ``radius``
    pixels of it, else None. ``to_image`` maps the frame's pixels into the analysed
    image's (a photo's homography); None when the frame itself was analysed."""
    top = findings.top_lesion
    if top is None:
        return None
    best, best_d = None, float("inf")
    for lesion in angiogram.lesions:
        if lesion.diameter_stenosis_percent >= SIGNIFICANT_DS:
            truth = (
                np.array([lesion.x, lesion.y])
                if to_image is None
                else cv2.perspectiveTransform(np.array([[[lesion.x, lesion.y]]]), to_image)[0, 0]
            )
            d = float(np.linalg.norm(truth - (top.x, top.y)))
            if d < best_d:
                best, best_d = lesion, d
    return best if best_d <= radius else None


def hit_lesion(photo: MonitorPhoto, angiogram: Angiogram, findings: Findings) -> LesionTruth | None:
    """``nearest_hit`` in photo pixels, within 6 % of the screen diagonal."""
    diag = float(np.linalg.norm(photo.corners[2] - photo.corners[0]))
    return nearest_hit(angiogram, findings, 0.06 * diag, photo.frame_to_photo)


def _analyzer(model: Path | None) -> Analyzer:
    if model not in _analyzers:
        _analyzers[model] = Analyzer(model, num_threads=1)
    return _analyzers[model]


def _measure(job: tuple[int, Path | None, Path | None, LookSpec]) -> dict[str, Any]:
    """One photo of a synthetic frame (``real`` None) or of a real one: its outcome as a record."""
    seed, real, model, look = job
    analyzer = _analyzer(model)
    if real is not None:
        frame, angiogram = cv2.imread(str(real), cv2.IMREAD_GRAYSCALE), None
    else:
        angiogram = generate(seed, size=512, look=look.resolve())
        frame = angiogram.image
    photo = simulate(seed, frame)
    record: dict[str, Any] = {"blocked": None, "warnings": [], "found": False, "errors": []}
    findings: Findings | None = None
    try:
        findings = analyzer.predict(photo.image, photo=True)
        record["warnings"] = list(findings.warnings)
    except CaptureError as err:
        if err.code != "capture.no_screen":
            record["blocked"] = err.code
            return record
    if angiogram is not None:  # synthetic frames carry labels: compare the two paths
        record["label"] = bool(angiogram.stenosis)
        record["digital"] = analyzer.predict(frame).stenosis_probability
        record["photo"] = findings.stenosis_probability if findings else None
        if angiogram.stenosis:
            record["hit"] = findings is not None and hit_lesion(photo, angiogram, findings) is not None
    result = find_screen(photo.image)
    if result:
        record["found"] = True
        diag = float(np.linalg.norm(photo.corners[2] - photo.corners[0]))
        record["errors"] = (np.linalg.norm(result.corners - photo.corners, axis=1) / diag).tolist()
    return record


def _empty_found(seed: int) -> bool:
    return bool(find_screen(simulate(seed, None).image))


def _auc_gap(labels: list[bool], digital: list[float], photos: list[float]) -> dict[str, Any]:
    auc_digital, auc_photos = roc_auc(labels, digital), roc_auc(labels, photos)
    return {
        "frames": len(labels),
        "stenosis_auc_digital": round(auc_digital, 4),
        "stenosis_auc_through_photos": round(auc_photos, 4),
        "stenosis_auc_gap": round(auc_digital - auc_photos, 4),
        "stenosis_auc_gap_ci95": [round(v, 4) for v in paired_auc_difference_ci(labels, digital, photos)],
    }


def evaluate_capture(
    n: int = 300,
    n_empty: int = 50,
    real_dir: Path | None = None,
    first_seed: int = PHOTO_TEST_SEEDS,
    model: Path | None = None,
    workers: int = 2,
    look: str | None = None,
) -> dict[str, Any]:
    """Found rate, per-corner error (fraction of the screen diagonal), false finds, gates, AUCs.

    The AUC through photos is taken over the synthetic frames whose photos were analysed:
    the screen was found and the quality gates let the photo through. A blocked photo
    and a photo without a found screen both end in an error that asks for a retake
    (``capture.*``); neither gives a finding. The stricter reading, where a missed
    screen counts as a negative call, is reported beside it (``missed_screen_as_negative``).

    Synthetic frames are drawn in ``look`` (by default the one the model was trained on),
    with the held-out half of the real backgrounds.
    """
    look = look or trained_look(ModelBundle.load(model).card)
    spec = LookSpec.for_split(look, "test", str(real_dir) if real_dir else None)
    real = real_frame_paths(real_dir) if real_dir else []
    jobs = [(first_seed + k, real[k % len(real)] if real and k % 2 == 1 else None, model, spec) for k in range(n)]
    empty_seeds = [first_seed + n + k for k in range(n_empty)]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            records = list(pool.map(_measure, jobs, chunksize=4))
            false = sum(pool.map(_empty_found, empty_seeds, chunksize=4))
    else:
        records = [_measure(j) for j in jobs]
        false = sum(_empty_found(s) for s in empty_seeds)

    blocked: dict[str, int] = {}
    warned: dict[str, int] = {}
    for r in records:
        if r["blocked"]:
            blocked[r["blocked"]] = blocked.get(r["blocked"], 0) + 1
        for code in r["warnings"]:
            warned[code] = warned.get(code, 0) + 1
    assessed = [r for r in records if not r["blocked"]]
    found = sum(r["found"] for r in assessed)
    errors = [e for r in assessed for e in r["errors"]]
    labelled = [r for r in assessed if "label" in r]
    analysed = [r for r in labelled if r["photo"] is not None]
    missed = [r for r in labelled if r["photo"] is None]
    hits = [r["hit"] for r in labelled if "hit" in r]
    e = np.array(errors) if errors else np.array([np.nan])
    real_used = sum(j[1] is not None for j in jobs)
    strict = _auc_gap(
        [r["label"] for r in labelled],
        [r["digital"] for r in labelled],
        [r["photo"] if r["photo"] is not None else 0.0 for r in labelled],
    )
    return {
        "test_set": f"simulated photos, seeds {first_seed}..{first_seed + n + n_empty - 1}; "
        f"{real_used} show real frames, {n - real_used} synthetic ({spec.describe()}); "
        f"{n_empty} without a monitor",
        "blocked_by_gate": dict(sorted(blocked.items())),
        "warnings": dict(sorted(warned.items())),
        "found_rate": round(found / max(len(assessed), 1), 4),
        "corner_error_median_pct_diag": round(100 * float(np.median(e)), 3),
        "corner_error_p95_pct_diag": round(100 * float(np.percentile(e, 95)), 3),
        "false_found_rate": round(false / max(n_empty, 1), 4),
        **{
            k: v
            for k, v in _auc_gap(
                [r["label"] for r in analysed], [r["digital"] for r in analysed], [r["photo"] for r in analysed]
            ).items()
            if k != "frames"
        },
        "auc_frames": f"the {len(analysed)} synthetic frames whose photos were analysed (screen found, gates passed), "
        "read as files and as photos (gap: digital minus photos; its 95 % interval from a paired "
        "bootstrap over these frames)",
        "missed_screen_as_negative": {
            **strict,
            "missed": len(missed),
            "missed_with_stenosis": sum(r["label"] for r in missed),
            "what": "the same, plus the synthetic photos that passed the gates but where no screen was found, "
            "each counted as a negative call (probability 0)",
        },
        "lesion_hit_rate_through_photos": round(float(np.mean(hits)), 4) if hits else None,
        "command": f"cathnet-train capture-eval --n {n} --empty {n_empty}"
        + ("" if first_seed == PHOTO_TEST_SEEDS else f" --first-seed {first_seed}")
        + ("" if model is None else f" --model {model}")
        + f" --look {look}",
    }
