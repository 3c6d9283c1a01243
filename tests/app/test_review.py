"""Review image, findings in words and the exported report (no window needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import cathnet
from cathnet_bedside import review


def test_review_image_is_the_viewport_with_heat_and_markers(analyzer: cathnet.Analyzer, monitor_photo: Path) -> None:
    findings = analyzer.predict(monitor_photo, photo=True, keep_view=True)
    image = review.review_image(findings)
    x0, y0, x1, y1 = findings.screen["viewport"]
    assert image.dtype == np.uint8 and image.ndim == 3
    assert image.shape[1] / image.shape[0] == pytest.approx((x1 - x0) / (y1 - y0), rel=0.02)
    with pytest.raises(ValueError, match="keep_view"):
        review.review_image(analyzer.predict(monitor_photo, photo=True))


def test_findings_in_words_name_every_lesion_and_the_model(analyzer: cathnet.Analyzer, monitor_photo: Path) -> None:
    record = analyzer.predict(monitor_photo, photo=True).to_dict()
    lines = review.finding_lines(record)
    assert lines[0].startswith("P(stenosis)")
    assert sum(line.startswith("Lesion ") for line in lines) == len(record["lesions"])
    assert lines[-1] == f"Model {record['model']['id']} {record['model']['version']} on {record['backend']}"
    assert not any("synthetic" in line for line in lines)  # a record claims nothing about what trained its model
    assert review.verdict(record).startswith("Significant" if record["stenosis"] else "No significant")


def test_guidance_has_a_headline_for_every_capture_gate() -> None:
    for code in (
        "capture.no_screen",
        "capture.too_oblique",
        "capture.too_small",
        "capture.blurred",
        "capture.glare",
        "capture.moire",
    ):
        assert review.guidance_for(code, "detail").endswith("(detail)")
    assert review.guidance_for("image.truncated", "the file ends early") == "the file ends early"


def test_the_report_carries_image_findings_and_disclaimer(analyzer: cathnet.Analyzer, monitor_photo: Path) -> None:
    findings = analyzer.predict(monitor_photo, photo=True, keep_view=True)
    image = review.review_image(findings)
    report = review.report_image("20261129-101502-3fa9c1", "2026-11-29T10:15:02+00:00", findings.to_dict(), image)
    assert report.shape[0] == review.REPORT_HEIGHT and report.shape[1] > review.REPORT_HEIGHT
    panel = report[:, -700:]
    assert (panel < 128).any()  # text was drawn on the white panel
    assert (report[-60:, -700:, 2] > report[-60:, -700:, 0] + 100).any()  # the red disclaimer line


def test_a_grade_just_under_a_bin_edge_never_reads_as_the_next_bin() -> None:
    record = {
        "stenosis_probability": 0.6,
        "stenosis": True,
        "threshold": 0.5,
        "warnings": [],
        "model": {},
        "lesions": [{"diameter_stenosis_percent": 49.7, "severity": "mild", "score": 0.5}],
    }
    assert "Lesion 1: 49 % DS, mild" in review.finding_lines(record)[1]
