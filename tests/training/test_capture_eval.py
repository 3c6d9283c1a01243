from __future__ import annotations

import pytest

from cathnet_train.capture_eval import evaluate_capture
from tests.paths import REAL


def test_capture_eval_reports_detection_and_both_aucs() -> None:
    result = evaluate_capture(n=8, n_empty=3)
    assert result["found_rate"] >= 0.75 and result["false_found_rate"] == 0.0  # the full figures: the note
    assert result["corner_error_median_pct_diag"] < 0.5
    assert 0.0 <= result["stenosis_auc_through_photos"] <= 1.0
    assert "simulated photos" in result["test_set"] and "without a monitor" in result["test_set"]
    strict = result["missed_screen_as_negative"]
    assert strict["frames"] == int(result["auc_frames"].split()[1]) + strict["missed"]
    assert strict["missed_with_stenosis"] <= strict["missed"]


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/real-angiograms is absent")
def test_capture_eval_does_not_depend_on_the_number_of_processes() -> None:
    one = evaluate_capture(n=6, n_empty=2, real_dir=REAL, workers=1)
    two = evaluate_capture(n=6, n_empty=2, real_dir=REAL, workers=2)
    assert one == two
    assert "3 show real frames, 3 synthetic" in one["test_set"]
