"""The analysis worker: the real SDK on its own thread, results stored before anyone is told."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import cathnet
from cathnet_bedside.storage import CaptureStore
from cathnet_bedside.worker import AnalysisWorker, Outcome
from tests.paths import REPO


class _Recorder:
    """Collects outcomes and the threads predict ran on (a real Analyzer underneath)."""

    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []
        self.predict_threads: list[threading.Thread] = []
        self.done = threading.Event()

    def analyzer(self) -> cathnet.Analyzer:
        recorder = self

        class Recording(cathnet.Analyzer):
            def predict(self, *args, **kwargs):  # type: ignore[no-untyped-def]
                recorder.predict_threads.append(threading.current_thread())
                return super().predict(*args, **kwargs)

        return Recording(backend="litert")

    def on_done(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        self.done.set()


def _run(store: CaptureStore, capture_id: str) -> _Recorder:
    recorder = _Recorder()
    worker = AnalysisWorker(store, recorder.analyzer, on_done=recorder.on_done).start()
    worker.submit(capture_id)
    assert recorder.done.wait(60)
    worker.stop()
    return recorder


def test_a_photo_is_analysed_off_the_calling_thread_and_stored(
    tmp_path: Path, monitor_photo: Path, photo_truth: dict
) -> None:
    store = CaptureStore(tmp_path)
    record = store.save(cathnet.read_image(monitor_photo), "photo")
    recorder = _run(store, record.id)
    [outcome] = recorder.outcomes
    assert outcome.saved and outcome.record.status == "done"
    assert recorder.predict_threads and all(t is not threading.main_thread() for t in recorder.predict_threads)
    assert store.record(record.id) == outcome.record  # stored before on_done
    findings = outcome.record.findings
    assert findings["stenosis"] == photo_truth["monitor_photo.jpg"]["stenosis"]
    corners = np.array(findings["screen"]["corners"])
    assert np.abs(corners - np.array(photo_truth["monitor_photo.jpg"]["corners"])).max() < 20
    assert outcome.review is not None and outcome.review.ndim == 3
    assert store.review_path(record.id) is not None


def test_no_monitor_fails_with_the_capture_code(tmp_path: Path, no_monitor_photo: Path) -> None:
    store = CaptureStore(tmp_path)
    record = store.save(cathnet.read_image(no_monitor_photo), "photo")
    [outcome] = _run(store, record.id).outcomes
    assert outcome.record.status == "failed" and outcome.record.error["code"] == "capture.no_screen"
    assert store.record(record.id).status == "failed"


def test_preview_frames_are_dropped_while_busy(tmp_path: Path, monitor_photo: Path) -> None:
    store = CaptureStore(tmp_path)
    tracked = threading.Event()
    release = threading.Event()

    def on_preview(frame: np.ndarray, state: object) -> None:
        tracked.set()
        release.wait(10)  # the worker is busy with this frame until released

    worker = AnalysisWorker(store, on_preview=on_preview).start()
    frame = np.zeros((480, 640, 3), np.uint8)
    assert worker.offer_preview(frame)
    assert tracked.wait(10)
    results = [worker.offer_preview(frame) for _ in range(20)]
    release.set()
    worker.stop()
    assert results.count(True) <= 1  # at most one waits; the rest are dropped
    assert worker.dropped_frames >= 19


_KILLED_CHILD = """
import sys, time
import cathnet
from cathnet_bedside.storage import CaptureStore
from cathnet_bedside.worker import AnalysisWorker
store = CaptureStore(sys.argv[1])
record = store.save(cathnet.read_image(sys.argv[2]), "photo")
def started(rec):
    print("ANALYSING", rec.id, flush=True)
    time.sleep(120)  # the analysis is under way when the process is killed
AnalysisWorker(store, on_started=started).start().submit(record.id)
time.sleep(120)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_capture_killed_midway_is_pending_on_restart_and_then_analysed(tmp_path: Path, monitor_photo: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_CHILD, str(tmp_path), str(monitor_photo)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=dict(os.environ),
    )
    try:
        line = child.stdout.readline()
        assert line.startswith("ANALYSING"), line
        capture_id = line.split()[1]
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    store = CaptureStore(tmp_path)  # the restart
    [pending] = store.pending()
    assert pending.id == capture_id
    assert cathnet.read_image(store.image_path(capture_id)).shape == cathnet.read_image(monitor_photo).shape
    [outcome] = _run(store, capture_id).outcomes  # what the app does at start
    assert outcome.record.status == "done" and store.pending() == []
