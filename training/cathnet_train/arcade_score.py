"""How well predicted lesions match expert stenosis labels: the ARCADE score and point-in-box F1.

The ARCADE score (the challenge's metric, as ``../shared/data/arcade/README.md``
defines it): per image, each predicted region gets its best area-F1 (Dice) against
any true stenosis region of the image; a zero is added for each true stenosis beyond
the number of predictions; the image's score is the mean of that list, and the final
score is the mean over images. A false positive is a zero in its image's list, a miss
is a zero too. An image with neither truth nor prediction scores 1 (nothing to find,
nothing claimed); ARCADE's val frames all hold stenoses, so this never decides a figure.

Point-in-box: a predicted lesion centre is a hit when it lies in a true box grown by
``GROW`` pixels each way; predictions are taken highest score first and each box
matches at most once.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

GROW = 10.0  # px each way around a true box, in the frame's pixels (512 px ARCADE frames)


def dice(a: npt.NDArray[np.bool_], b: npt.NDArray[np.bool_]) -> float:
    """Area F1 of two boolean masks of one shape (0 when both are empty)."""
    total = int(a.sum()) + int(b.sum())
    return 2.0 * int(np.logical_and(a, b).sum()) / total if total else 0.0


def image_score(predicted: Sequence[npt.NDArray[np.bool_]], true: Sequence[npt.NDArray[np.bool_]]) -> float:
    """The ARCADE score of one image.

    Args:
        predicted: one (H, W) boolean mask per predicted stenosis region.
        true: one (H, W) boolean mask per true stenosis region.
    """
    if not predicted and not true:
        return 1.0
    scores = [max((dice(p, t) for t in true), default=0.0) for p in predicted]
    scores += [0.0] * max(len(true) - len(predicted), 0)
    return float(np.mean(scores))


@dataclass(frozen=True)
class BoxMatch:
    """Point-in-box matching of one image: hits, predictions, true boxes, whether the top one
    hit, and which true boxes were matched (in their order)."""

    hits: int
    predicted: int
    true: int
    top_hit: bool
    matched: tuple[bool, ...] = field(default=(), compare=False)


def match_points(
    points: Sequence[tuple[float, float, float]],
    boxes: Sequence[tuple[float, float, float, float]],
    grow: float = GROW,
) -> BoxMatch:
    """Matches predicted lesion centres to true boxes.

    Args:
        points: (x, y, score) per predicted lesion.
        boxes: (x0, y0, x1, y1) per true stenosis.
        grow: pixels added on each side of every box.

    Returns:
        The counts; ``top_hit`` is whether the highest-scoring point lies in any grown
        box (matched or not).
    """
    grown = [(x0 - grow, y0 - grow, x1 + grow, y1 + grow) for x0, y0, x1, y1 in boxes]
    free = [True] * len(grown)
    hits = 0
    top_hit = False
    for rank, (x, y, _) in enumerate(sorted(points, key=lambda p: -p[2])):
        inside = [i for i, (x0, y0, x1, y1) in enumerate(grown) if x0 <= x <= x1 and y0 <= y <= y1]
        if rank == 0:
            top_hit = bool(inside)
        # The box this point matches: a free one it lies in, the nearest centre first.
        candidates = [i for i in inside if free[i]]
        if candidates:
            best = min(
                candidates,
                key=lambda i: (x - (grown[i][0] + grown[i][2]) / 2) ** 2 + (y - (grown[i][1] + grown[i][3]) / 2) ** 2,
            )
            free[best] = False
            hits += 1
    return BoxMatch(hits, len(points), len(boxes), top_hit, tuple(not f for f in free))


WIDTH_BINS = (0.0, 8.0, 12.0, 16.0, float("inf"))  # px in the frame (a 3 mm artery is ~10 px at 512)


def stretch_width(polygon: npt.NDArray[np.float32]) -> float:
    """The mean width of a thin outlined stretch: its area over half its perimeter (px)."""
    import cv2

    contour = polygon.astype(np.float32).reshape(-1, 1, 2)
    half_perimeter = cv2.arcLength(contour, True) / 2.0
    return float(cv2.contourArea(contour) / half_perimeter) if half_perimeter else 0.0


def recall_by_width(widths: Sequence[float], matched: Sequence[bool]) -> dict[str, dict[str, float]]:
    """Point-in-box recall of true stenoses binned by the width of their outlined stretch."""
    w, m = np.asarray(widths, np.float64), np.asarray(matched, bool)
    out = {}
    for lo, hi in itertools.pairwise(WIDTH_BINS):
        inside = (w >= lo) & (w < hi)
        name = f"{lo:g}-{hi:g} px" if np.isfinite(hi) else f">= {lo:g} px"
        out[name] = {
            "stenoses": int(inside.sum()),
            "recall": round(float(m[inside].mean()), 4) if inside.any() else None,
        }
    return out


def summarise(scores: Sequence[float], matches: Sequence[BoxMatch], called: Sequence[bool]) -> dict[str, float]:
    """The figures over a set of images.

    Args:
        scores: the ARCADE score of each image.
        matches: the point-in-box matching of each image.
        called: whether each image was called positive (``Findings.stenosis``).

    Returns:
        ``arcade_score``, ``precision``, ``recall``, ``f1`` (point-in-box, pooled over
        lesions), ``top1_hit`` (over images with a prediction and a truth: a frame with
        no prediction counts as a miss), ``frame_sensitivity`` (share of images with a
        true stenosis called positive), and the counts.
    """
    hits = sum(m.hits for m in matches)
    predicted = sum(m.predicted for m in matches)
    true = sum(m.true for m in matches)
    precision = hits / predicted if predicted else 0.0
    recall = hits / true if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    with_truth = [(m, c) for m, c in zip(matches, called) if m.true]
    return {
        "arcade_score": round(float(np.mean(scores)), 4) if scores else 0.0,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "top1_hit": round(float(np.mean([m.top_hit for m, _ in with_truth])), 4) if with_truth else 0.0,
        "frame_sensitivity": round(float(np.mean([c for _, c in with_truth])), 4) if with_truth else 0.0,
        "images": len(scores),
        "true_stenoses": true,
        "predicted_lesions": predicted,
        "hits": hits,
    }
