"""The families of monitor photos (issue 22): their truth, and the capture on a few of each."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import cathnet
from cathnet_train.capture_families import REFERENCE, family_photo
from cathnet_train.photo_families import FAMILIES, HELD_OUT, TUNING, _undistorted_at, distort, render
from cathnet_train.synth import generate

FRAME = generate(11_990_000, size=512).image
OUTER = np.array([[-0.5, -0.5], [511.5, -0.5], [511.5, 511.5], [-0.5, 511.5]])


def test_tuning_and_held_out_families_are_apart_and_cover_them_all() -> None:
    assert not set(TUNING) & set(HELD_OUT)
    assert set(TUNING) | set(HELD_OUT) == set(FAMILIES) and len(FAMILIES) >= 8


@pytest.mark.parametrize("family", list(FAMILIES))
def test_each_family_carries_its_truth(family: str) -> None:
    photo = render(family, 11_990_001, FRAME)
    assert photo.image.shape == (1200, 1600, 3) and photo.image.dtype == np.uint8
    panel = photo.corners.astype(np.float32)
    assert all(cv2.pointPolygonTest(panel, (float(x), float(y)), False) >= 0 for x, y in photo.viewport_corners)
    assert any(np.allclose(o[::16], photo.viewport_corners, atol=1e-6) for o in photo.viewport_outlines)
    # the aimed frame's outer corners land on the viewport's corners, lens included
    np.testing.assert_allclose(photo.to_photo(OUTER) + 0.5, photo.viewport_corners, atol=0.6)
    empty = render(family, 11_990_002, None)
    assert empty.viewport_corners is None and empty.frame is None and empty.viewport_outlines == ()


def test_the_lens_distortion_and_its_inverse_agree() -> None:
    wh = (160, 120)
    mx, my = _undistorted_at(wh, 0.07)
    ys, xs = np.mgrid[0:120:7, 0:160:9]
    shown = np.stack([mx[ys, xs], my[ys, xs]], -1).reshape(-1, 2)  # what each distorted pixel shows
    np.testing.assert_allclose(distort(shown, 0.07, wh), np.stack([xs, ys], -1).reshape(-1, 2), atol=1e-3)


@pytest.fixture(scope="module")
def analyzer() -> cathnet.Analyzer:
    return cathnet.Analyzer(num_threads=2)


def _viewport_error(analyzer: cathnet.Analyzer, family: str, seed: int) -> float | str:
    """The largest viewport corner error (% of its diagonal), or the refusal's code."""
    image, _, truth, _, _ = family_photo(family, seed, FRAME)
    try:
        findings = analyzer.predict(image, photo=True)
    except cathnet.CaptureError as exc:
        return exc.code
    found = np.array(findings.screen["viewport_corners"])
    return float(100 * np.linalg.norm(found - truth, axis=1).max() / np.linalg.norm(truth[2] - truth[0]))


@pytest.mark.parametrize("family", [*TUNING, REFERENCE])
def test_the_capture_reads_the_angiogram_on_tuning_families(analyzer: cathnet.Analyzer, family: str) -> None:
    # On a screen split in four the aimed tile is taken, its corners looser where the
    # outline between two tiles is faint (the figures: `capture-eval --families`).
    limit = 10.0 if family == "quad_review" else 3.0  # the tuning families' p95 is 1-3 %
    outcomes = [_viewport_error(analyzer, family, 11_980_000 + k) for k in range(3)]
    analysed = [o for o in outcomes if isinstance(o, float)]
    # A gate may refuse a photo (a quarter-screen tile is small: blur counts more at the
    # model's scale); the screen itself must be found, and what is read be the angiogram.
    assert "capture.no_screen" not in outcomes and len(analysed) >= 2, outcomes
    assert all(o <= limit for o in analysed), outcomes


@pytest.mark.parametrize("family", HELD_OUT)
def test_held_out_families_get_findings_or_a_stable_refusal(analyzer: cathnet.Analyzer, family: str) -> None:
    # Accuracy there is the verdict of `cathnet-train capture-eval --families`, not a test's.
    for k in range(3):
        outcome = _viewport_error(analyzer, family, 11_980_000 + k)
        assert isinstance(outcome, float) or outcome.startswith("capture."), outcome
