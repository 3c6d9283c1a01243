from __future__ import annotations

import numpy as np
import pytest

from cathnet_train.metrics import binary_report, paired_auc_difference_ci, roc_auc, youden_threshold


@pytest.mark.parametrize(
    ("labels", "scores", "auc"),
    [
        ([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], 1.0),
        ([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1], 0.0),
        ([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5], 0.5),
        ([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.75),
    ],
)
def test_auc(labels: list[int], scores: list[float], auc: float) -> None:
    assert roc_auc(labels, scores) == pytest.approx(auc)


def test_auc_needs_both_classes() -> None:
    with pytest.raises(ValueError, match="both classes"):
        roc_auc([1, 1], [0.2, 0.3])


def test_report_and_threshold() -> None:
    labels, scores = [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]
    r = binary_report(labels, scores, 0.35)
    assert r == {"accuracy": 0.75, "sensitivity": 1.0, "specificity": 0.5, "f1": pytest.approx(0.8)}
    assert youden_threshold([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 0.8


def test_paired_auc_difference_interval() -> None:
    rng = np.random.default_rng(0)
    y = rng.random(300) < 0.5
    good = y + rng.normal(0, 0.5, 300)
    noisy = y + rng.normal(0, 1.5, 300)
    lo, hi = paired_auc_difference_ci(y, good, noisy, n_boot=500)
    gap = roc_auc(y, good) - roc_auc(y, noisy)
    assert 0 < lo < gap < hi  # a real difference: the interval excludes 0 and holds the estimate
    lo, hi = paired_auc_difference_ci(y, good, good, n_boot=200)
    assert lo == hi == 0.0  # identical scores: no difference in any resample
