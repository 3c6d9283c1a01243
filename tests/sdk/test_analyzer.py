from __future__ import annotations

import platform
from pathlib import Path

import cv2
import numpy as np
import pytest

import cathnet


def test_path_and_array_and_layouts_agree(analyzer: cathnet.Analyzer, sample_paths: list[Path]) -> None:
    path = sample_paths[0]
    grey = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    ref = analyzer.predict(path)
    assert analyzer.predict(grey).stenosis_probability == ref.stenosis_probability
    for variant in (cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR), cv2.cvtColor(grey, cv2.COLOR_GRAY2BGRA)):
        assert analyzer.predict(variant).stenosis_probability == pytest.approx(ref.stenosis_probability, abs=0.02)
    sixteen = analyzer.predict(grey.astype(np.uint16) * 257)
    assert sixteen.stenosis_probability == pytest.approx(ref.stenosis_probability, abs=0.03)


def test_non_square_coordinates_stay_in_the_image(analyzer: cathnet.Analyzer, sample_paths: list[Path]) -> None:
    grey = cv2.imread(str(sample_paths[0]), cv2.IMREAD_UNCHANGED)
    wide = np.hstack([grey, np.full_like(grey[:, : grey.shape[1] // 2], int(np.median(grey)))])
    findings = analyzer.predict(wide)
    assert findings.image_size == (wide.shape[1], wide.shape[0])
    for lesion in findings.lesions:
        assert 0 <= lesion.box[0] <= lesion.x <= lesion.box[2] <= wide.shape[1]
        assert 0 <= lesion.box[1] <= lesion.y <= lesion.box[3] <= wide.shape[0]


def test_result_records_what_ran(analyzer: cathnet.Analyzer, sample_paths: list[Path]) -> None:
    findings = analyzer.predict(sample_paths[0])
    assert findings.backend == "litert"
    assert findings.model["id"] == analyzer.card["id"]
    assert set(findings.timing_ms) == {"decode", "preprocess", "inference", "postprocess", "total"}


def test_closed_analyzer_refuses(sample_paths: list[Path]) -> None:
    a = cathnet.Analyzer(backend="litert")
    a.close()
    with pytest.raises(cathnet.BackendUnavailableError) as err:
        a.predict(sample_paths[0])
    assert err.value.code == "analyzer.closed"


def test_unknown_backend_and_bad_threads() -> None:
    with pytest.raises(cathnet.BackendUnavailableError) as err:
        cathnet.Analyzer(backend="onnx")
    assert err.value.code == "backend.unknown"
    with pytest.raises(cathnet.BackendUnavailableError) as err:
        cathnet.Analyzer(num_threads=0)
    assert err.value.code == "backend.bad_threads"


@pytest.mark.skipif(platform.system() == "Darwin", reason="Core ML is available on macOS")
def test_coreml_reports_why_it_cannot_run() -> None:
    assert "macOS" in (cathnet.available_backends()["coreml"] or "")
    with pytest.raises(cathnet.BackendUnavailableError) as err:
        cathnet.Analyzer(backend="coreml")
    assert err.value.code == "backend.unavailable" and "macOS" in err.value.message


def test_auto_picks_an_available_backend() -> None:
    available = [n for n, why in cathnet.available_backends().items() if why is None]
    with cathnet.Analyzer() as a:
        assert a.backend in available


def test_runs_on_every_real_frame(analyzer: cathnet.Analyzer, real_frames: list[Path]) -> None:
    probabilities = [analyzer.predict(p).stenosis_probability for p in real_frames]
    assert len(probabilities) == 80
    assert all(0.0 <= p <= 1.0 for p in probabilities)


def test_an_unknown_or_mismatched_variant_is_refused() -> None:
    with pytest.raises(cathnet.BackendUnavailableError) as err:
        cathnet.Analyzer(variant="tflite_int4")
    assert err.value.code == "backend.bad_variant" and "tflite_int8" in err.value.message
    with pytest.raises(cathnet.BackendUnavailableError) as err:
        cathnet.Analyzer(backend="litert", variant="coreml")  # a Core ML package is not for LiteRT
    assert err.value.code == "backend.bad_variant"
    with pytest.raises(cathnet.BackendUnavailableError) as err:
        cathnet.Analyzer(variant="reference")  # the Keras model ships for verify, the SDK does not run it
    assert err.value.code == "backend.bad_variant"


def test_each_tflite_variant_of_the_shipped_bundle_runs(sample_paths: list) -> None:
    results = {}
    for variant in ("tflite_int8", "tflite_fp32"):
        with cathnet.Analyzer(backend="litert", variant=variant) as a:
            results[variant] = a.predict(sample_paths[0]).stenosis_probability
            assert a.model["sha256"] == a.bundle.artifacts[variant].sha256
    assert abs(results["tflite_int8"] - results["tflite_fp32"]) < 0.1


def test_keep_view_returns_what_the_model_looked_at(analyzer: cathnet.Analyzer, sample_paths: list[Path]) -> None:
    image = cathnet.read_image(sample_paths[0])
    plain = analyzer.predict(image)
    findings = analyzer.predict(image, keep_view=True)
    assert plain.view is None and findings.view is not None
    assert findings.to_dict().keys() == plain.to_dict().keys()  # the JSON record does not change
    view = findings.view
    assert view.image.shape == image.shape
    assert view.heatmap.shape == image.shape[:2] and view.heatmap.dtype == np.float32
    assert view.heatmap.min() >= 0.0 and view.heatmap.max() <= 1.0
    assert view.lesions == findings.lesions
    top = findings.top_lesion
    # The heatmap peaks where the top lesion is (within a lesion-map cell, 8 model px).
    cell = 8 * max(image.shape[:2]) / 256
    y, x = np.unravel_index(np.argmax(view.heatmap), view.heatmap.shape)
    assert np.hypot(x - top.x, y - top.y) <= 1.5 * cell
    assert view.heatmap[round(top.y), round(top.x)] == pytest.approx(top.score, abs=0.1)
