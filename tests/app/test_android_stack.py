"""The app's SDK paths on the Android stack: tflite-runtime 2.14, OpenCV 4.12, numpy < 2.

Runs in .venv-tflite (scripts/test.sh), where Kivy is not installed: everything the app
does outside its widgets (store, worker, capture tracking, review image, report) runs
here on the fallback runtime. In the main environment it is skipped with that reason.
"""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

import cathnet
from cathnet_bedside import review
from cathnet_bedside.sources import StillSource
from cathnet_bedside.storage import CaptureStore
from cathnet_bedside.worker import AnalysisWorker, Outcome

pytestmark = pytest.mark.tflite_runtime


@pytest.fixture(scope="module")
def make_analyzer():  # type: ignore[no-untyped-def]
    reason = cathnet.available_backends()["tflite-runtime"]
    if reason is not None:
        pytest.skip(f"tflite-runtime not importable here (runs in .venv-tflite in CI): {reason}")
    return lambda: cathnet.Analyzer(backend="tflite-runtime", num_threads=2)


def test_the_stack_is_the_android_one(make_analyzer) -> None:  # type: ignore[no-untyped-def]
    assert cv2.__version__.startswith("4.12.")
    assert np.__version__.startswith("1.")


def test_preview_tracking_capture_analysis_and_report(
    make_analyzer,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    monitor_photo: Path,
    photo_truth: dict,
) -> None:
    store = CaptureStore(tmp_path)
    steady = threading.Event()
    done: list[Outcome] = []
    finished = threading.Event()

    def on_preview(frame: np.ndarray, state: cathnet.capture.LiveState) -> None:
        if state.steady:
            steady.set()

    worker = AnalysisWorker(
        store, make_analyzer, on_done=lambda o: (done.append(o), finished.set()), on_preview=on_preview
    ).start()
    photo = cathnet.read_image(monitor_photo)
    source = StillSource(photo)
    source.start(worker.offer_preview)
    try:
        assert steady.wait(60), "the outline never became steady on OpenCV 4.12"
        taken: list[np.ndarray] = []
        source.take_photo(taken.append)
    finally:
        source.stop()
    record = store.save(taken[0], "photo")
    worker.submit(record.id)
    assert finished.wait(60)
    worker.stop()
    [outcome] = done
    assert outcome.record.status == "done" and outcome.record.findings["backend"] == "tflite-runtime"
    assert outcome.record.findings["stenosis"] == photo_truth["monitor_photo.jpg"]["stenosis"]
    report = review.report_image(record.id, record.created, outcome.record.findings, outcome.review)
    assert store.export(record.id, report).is_file()
    assert cv2.imread(str(store.thumb_path(record.id))) is not None
