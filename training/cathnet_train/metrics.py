"""Classification metrics in plain numpy (no scikit-learn dependency)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def roc_auc(labels: npt.ArrayLike, scores: npt.ArrayLike) -> float:
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties).

    Raises:
        ValueError: labels are all one class.
    """
    y = np.asarray(labels, dtype=bool).ravel()
    s = np.asarray(scores, dtype=np.float64).ravel()
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f"expected both classes, got {n_pos} positives and {n_neg} negatives")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), np.float64)
    sorted_s = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i : j + 1]] = 0.5 * (i + j) + 1.0
        i = j + 1
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def binary_report(labels: npt.ArrayLike, scores: npt.ArrayLike, threshold: float) -> dict[str, float]:
    """Accuracy, sensitivity, specificity and F1 at ``threshold`` (score >= threshold is positive)."""
    y = np.asarray(labels, dtype=bool).ravel()
    p = np.asarray(scores, dtype=np.float64).ravel() >= threshold
    tp, tn = int((y & p).sum()), int((~y & ~p).sum())
    fp, fn = int((~y & p).sum()), int((y & ~p).sum())
    f1 = 2 * tp / max(2 * tp + fp + fn, 1)
    return {
        "accuracy": (tp + tn) / max(len(y), 1),
        "sensitivity": tp / max(tp + fn, 1),
        "specificity": tn / max(tn + fp, 1),
        "f1": f1,
    }


def youden_threshold(labels: npt.ArrayLike, scores: npt.ArrayLike) -> float:
    """The threshold maximising sensitivity + specificity (ties: the lowest such score)."""
    s = np.asarray(scores, dtype=np.float64).ravel()
    best, best_t = -1.0, 0.5
    for t in np.unique(s):
        r = binary_report(labels, s, float(t))
        j = r["sensitivity"] + r["specificity"]
        if j > best:
            best, best_t = j, float(t)
    return best_t


def paired_auc_difference_ci(
    labels: npt.ArrayLike, first: npt.ArrayLike, second: npt.ArrayLike, n_boot: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """95 % interval of AUC(first) - AUC(second) on the same frames (paired bootstrap:
    frames are resampled with both scores; resamples with one class are skipped)."""
    y = np.asarray(labels, dtype=bool).ravel()
    a = np.asarray(first, dtype=np.float64).ravel()
    b = np.asarray(second, dtype=np.float64).ravel()
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(y), len(y))
        if y[idx].all() or not y[idx].any():
            continue
        diffs.append(roc_auc(y[idx], a[idx]) - roc_auc(y[idx], b[idx]))
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    return float(lo), float(hi)
