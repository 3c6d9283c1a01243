"""The capture measured per family of monitor, and on the families held out from tuning (issue 22).

Each family (``photo_families``) renders ``n`` photos of an angiogram (half generated
frames, half real ones from ``../shared`` when present) and ``n_empty`` of its display
showing no angiogram; today's simulator (``photo_sim``) is measured beside them as
``reference_sim`` so a regression shows. Per photo: was it analysed (not refused), how
far the returned viewport's and lit panel's corners lie from the truth, and does the
stenosis decision through the photo agree with the digital frame's.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from cathnet import Analyzer, CaptureError
from cathnet_train.photo_families import FAMILIES, HELD_OUT, TUNING, render
from cathnet_train.photo_sim import simulate
from cathnet_train.realism import real_frame_paths
from cathnet_train.synth import generate

FAMILY_TEST_SEEDS = 12_000_000  # the verdict's seeds; tuning looked only at seeds from 11_000_000 to 11_999_999
TUNING_SEEDS = 11_000_000
REFERENCE = "reference_sim"  # today's simulator (photo_sim), measured beside the families

_analyzers: dict[Path | None, Analyzer] = {}


def _analyzer(model: Path | None) -> Analyzer:
    if model not in _analyzers:
        _analyzers[model] = Analyzer(model, num_threads=1)
    return _analyzers[model]


def real_frames(real_dir: Path | None, arcade: Path | None) -> list[Path]:
    """The real frames shown on the monitors: ``real_dir``'s and ARCADE val's, when present."""
    paths = real_frame_paths(real_dir) if real_dir is not None and real_dir.is_dir() else []
    val = None if arcade is None else arcade / "stenosis" / "val"
    if val is not None and val.is_dir():
        paths += sorted(val.glob("*.png"), key=lambda p: int(p.stem) if p.stem.isdigit() else 0)
    return paths


def _diag_errors(found: npt.ArrayLike, truth: npt.NDArray[np.float64]) -> list[float]:
    """Per-corner distance from the truth, in % of the true quad's diagonal."""
    diag = float(np.linalg.norm(truth[2] - truth[0]))
    return (100 * np.linalg.norm(np.asarray(found, np.float64) - truth, axis=1) / diag).tolist()


def family_photo(family: str, seed: int, frame: npt.NDArray[np.uint8] | None) -> tuple[Any, Any, Any, Any, bool]:
    """(image, lit corners, viewport corners, the aimed frame, fair block) of one photo of
    ``family`` (``reference_sim``: today's simulator) showing ``frame`` (None: no angiogram)."""
    if family == REFERENCE:
        shot = simulate(seed, frame)
        if frame is None:
            return shot.image, None, None, None, False
        h, w = frame.shape[:2]
        outer = np.array([[[-0.5, -0.5], [w - 0.5, -0.5], [w - 0.5, h - 0.5], [-0.5, h - 0.5]]], np.float64)
        viewport = cv2.perspectiveTransform(outer, shot.frame_to_photo)[0] + 0.5
        return shot.image, shot.corners, viewport, frame, False
    shot = render(family, seed, frame)
    return shot.image, shot.corners, shot.viewport_corners, shot.frame, shot.glare_on_angiogram


def _measure(job: tuple[str, int, Path | None, Path | None]) -> dict[str, Any]:
    """One photo: a generated frame (``real`` None) or a real one; its outcome as a record."""
    family, seed, real, model = job
    analyzer = _analyzer(model)
    frame = cv2.imread(str(real), cv2.IMREAD_GRAYSCALE) if real is not None else generate(seed, size=512).image
    image, corners, viewport, shown, fair = family_photo(family, seed, frame)
    record: dict[str, Any] = {"family": family, "seed": seed, "real": real is not None, "fair_block": fair}
    try:
        findings = analyzer.predict(image, photo=True)
    except CaptureError as err:
        record["outcome"] = err.code
        return record
    record["outcome"] = "analysed"
    assert findings.screen is not None
    record["viewport_error"] = _diag_errors(findings.screen["viewport_corners"], viewport)
    record["panel_error"] = _diag_errors(findings.screen["corners"], corners)
    record["agree"] = findings.stenosis == analyzer.predict(shown).stenosis
    return record


def _empty(job: tuple[str, int, Path | None]) -> bool:
    """True when a photo without an angiogram is analysed anyway (a false find)."""
    family, seed, model = job
    image = family_photo(family, seed, None)[0]
    try:
        _analyzer(model).predict(image, photo=True)
    except CaptureError:
        return False
    return True


def _summary(records: list[dict[str, Any]], empties: list[bool]) -> dict[str, Any]:
    """Found rate, refusals by code, corner errors, decision agreement, false finds."""
    analysed = [r for r in records if r["outcome"] == "analysed"]
    refused: dict[str, int] = {}
    for r in records:
        if r["outcome"] != "analysed":
            refused[r["outcome"]] = refused.get(r["outcome"], 0) + 1
    fair = sum(r["fair_block"] and r["outcome"] == "capture.glare" for r in records)
    view = np.array([e for r in analysed for e in r["viewport_error"]] or [np.nan])
    panel = np.array([e for r in analysed for e in r["panel_error"]] or [np.nan])
    worst = [max(r["viewport_error"]) for r in analysed]
    return {
        "photos": len(records),
        "found_pct": round(100 * len(analysed) / max(len(records), 1), 1),
        "refused": dict(sorted(refused.items())),
        "fair_glare_blocks": fair,
        "viewport_corner_median_pct": round(float(np.median(view)), 3),
        "viewport_corner_p95_pct": round(float(np.percentile(view, 95)), 3),
        "viewport_off_over_5pct": round(100 * float(np.mean(np.array(worst) > 5)) if worst else 0.0, 1),
        "panel_corner_median_pct": round(float(np.median(panel)), 3),
        "panel_corner_p95_pct": round(float(np.percentile(panel, 95)), 3),
        "decisions_agree_pct": round(100 * float(np.mean([r["agree"] for r in analysed])), 1) if analysed else None,
        "empty_photos": len(empties),
        "false_found_pct": round(100 * float(np.mean(empties)), 1) if empties else None,
    }


def evaluate_families(
    n: int = 40,
    n_empty: int = 10,
    families: tuple[str, ...] | None = None,
    first_seed: int = FAMILY_TEST_SEEDS,
    real_dir: Path | None = None,
    arcade: Path | None = None,
    model: Path | None = None,
    workers: int = 2,
) -> dict[str, Any]:
    """Per family and pooled over the held-out and the tuning families (see the module).

    Family ``k`` (in ``FAMILIES`` order, ``reference_sim`` last) draws seeds
    ``first_seed + 10_000 * k`` onward: photos first, then the empty displays.
    """
    names = families or (*FAMILIES, REFERENCE)
    real = real_frames(real_dir, arcade)
    order = [*FAMILIES, REFERENCE]
    jobs, empty_jobs = [], []
    for name in names:
        base = first_seed + 10_000 * order.index(name)
        jobs += [(name, base + k, real[(base + k) % len(real)] if real and k % 2 else None, model) for k in range(n)]
        empty_jobs += [(name, base + n + k, model) for k in range(n_empty)]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            records = list(pool.map(_measure, jobs, chunksize=2))
            empties = list(pool.map(_empty, empty_jobs, chunksize=2))
    else:
        records = [_measure(j) for j in jobs]
        empties = [_empty(j) for j in empty_jobs]

    def pick(group: tuple[str, ...]) -> dict[str, Any]:
        return _summary(
            [r for r in records if r["family"] in group],
            [e for e, j in zip(empties, empty_jobs) if j[0] in group],
        )

    out: dict[str, Any] = {
        "test_set": f"simulated photos, {n} per family (half real frames when present: {len(real)} available) "
        f"+ {n_empty} without an angiogram, seeds {first_seed}+ (family k: + 10000 k)",
        "held_out": {"families": [f for f in HELD_OUT if f in names], **pick(HELD_OUT)},
        "tuning": {"families": [f for f in TUNING if f in names], **pick(TUNING)},
        "families": {name: {"description": _describe(name), **pick((name,))} for name in names},
        "command": f"cathnet-train capture-eval --families --n {n} --empty {n_empty}"
        + ("" if first_seed == FAMILY_TEST_SEEDS else f" --first-seed {first_seed}")
        + ("" if model is None else f" --model {model}"),
    }
    return out


def _describe(name: str) -> str:
    return "today's photo simulator (photo_sim)" if name == REFERENCE else FAMILIES[name].description
