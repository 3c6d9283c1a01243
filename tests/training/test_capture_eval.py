from __future__ import annotations

from cathnet_train.capture_eval import evaluate_capture


def test_capture_eval_reports_detection_and_both_aucs() -> None:
    result = evaluate_capture(n=8, n_empty=3)
    assert result["found_rate"] >= 0.75 and result["false_found_rate"] == 0.0  # the full figures: the note
    assert result["corner_error_median_pct_diag"] < 0.5
    assert 0.0 <= result["stenosis_auc_through_photos"] <= 1.0
    assert "simulated photos" in result["test_set"] and "without a monitor" in result["test_set"]
