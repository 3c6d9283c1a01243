"""The analysis thread: every SDK call of the app runs here, never on the UI thread.

One worker owns the ``Analyzer`` (created on its own thread, so loading the model does
not freeze the UI) and a ``LiveTracker``. It takes two kinds of work:

- captures (``submit``): already saved by ``CaptureStore.save``; analysed in order,
  never dropped; the result is stored before anyone is told;
- preview frames (``offer_preview``): at most one waits; a frame offered while the
  worker is busy or one is already waiting is dropped (counted in ``dropped_frames``),
  so the camera never queues up behind the model.

Callbacks run on the worker thread; the Kivy app hops to the UI thread with
``Clock.schedule_once``.
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from cathnet import Analyzer, CathNetError, read_image
from cathnet.capture import LiveState, LiveTracker
from cathnet_bedside.review import review_image
from cathnet_bedside.storage import CaptureRecord, CaptureStore, StorageError

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Outcome:
    """How one capture's analysis ended.

    Attributes:
        record: its record after the analysis (``done`` or ``failed``).
        review: the review image when done.
        saved: False when the result could not be written (the capture stays pending
            on disk and is analysed again at the next start).
    """

    record: CaptureRecord
    review: npt.NDArray[np.uint8] | None
    saved: bool = True


class AnalysisWorker:
    """A single background thread for the analyzer and the live tracker."""

    def __init__(
        self,
        store: CaptureStore,
        make_analyzer: Callable[[], Analyzer] = Analyzer,
        on_done: Callable[[Outcome], None] | None = None,
        on_started: Callable[[CaptureRecord], None] | None = None,
        on_preview: Callable[[npt.NDArray[np.uint8], LiveState], None] | None = None,
    ) -> None:
        self._store = store
        self._make_analyzer = make_analyzer
        self._analyzer: Analyzer | None = None
        self._tracker = LiveTracker()
        self._on_done = on_done or (lambda outcome: None)
        self._on_started = on_started or (lambda record: None)
        self._on_preview = on_preview or (lambda frame, state: None)
        self._jobs: collections.deque[str] = collections.deque()
        self._frame: npt.NDArray[np.uint8] | None = None
        self._busy = False
        self._stopped = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="cathnet-analysis", daemon=True)
        self.dropped_frames = 0

    def start(self) -> AnalysisWorker:
        self._thread.start()
        return self

    def submit(self, capture_id: str) -> None:
        """Queues a saved capture for analysis (thread-safe)."""
        with self._cond:
            self._jobs.append(capture_id)
            self._cond.notify()

    def offer_preview(self, frame: npt.NDArray[np.uint8]) -> bool:
        """Offers one preview frame to the tracker; False when it was dropped (busy)."""
        with self._cond:
            if self._busy or self._frame is not None:
                self.dropped_frames += 1
                return False
            self._frame = frame
            self._cond.notify()
            return True

    def reset_tracker(self) -> None:
        with self._cond:
            self._frame = None
            self._tracker = LiveTracker()

    @property
    def idle(self) -> bool:
        """Nothing running and nothing queued."""
        with self._cond:
            return not self._busy and not self._jobs and self._frame is None

    def stop(self, timeout: float = 10.0) -> None:
        """Finishes the job in hand, leaves queued captures pending on disk, joins the thread."""
        with self._cond:
            self._stopped = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self._analyzer is not None:
            self._analyzer.close()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not (self._stopped or self._jobs or self._frame is not None):
                    self._cond.wait()
                if self._stopped:
                    return
                job = self._jobs.popleft() if self._jobs else None  # captures before preview frames
                frame = None
                if job is None:
                    frame, self._frame = self._frame, None
                self._busy = True
                tracker = self._tracker
            try:
                if job is not None:
                    self._analyse(job)
                elif frame is not None:
                    self._on_preview(frame, tracker.update(frame))
            except Exception:  # a bug must not kill the thread the whole app relies on
                log.exception("analysis worker: unexpected error")
            finally:
                with self._cond:
                    self._busy = False

    def _analyse(self, capture_id: str) -> None:
        try:
            record = self._store.record(capture_id)
        except StorageError:
            log.warning("capture %s vanished before analysis (deleted)", capture_id)
            return
        if record.status != "pending":
            return
        self._on_started(record)
        try:
            if self._analyzer is None:
                self._analyzer = self._make_analyzer()
            image = read_image(self._store.image_path(capture_id))
            # an imported "frame" may be a photo of the monitor after all: the SDK decides (analysed_as)
            findings = self._analyzer.predict(image, photo=True if record.kind == "photo" else None, keep_view=True)
            review = review_image(findings)
        except CathNetError as exc:
            self._finish(record, None, exc)
            return
        except Exception as exc:  # an SDK bug: the capture fails with a stable code, the app goes on
            log.exception("analysis of %s failed unexpectedly", capture_id)
            self._finish(record, None, CathNetError("app.internal", f"the analysis failed unexpectedly: {exc!r}"))
            return
        self._finish(record, (findings, review), None)

    def _finish(
        self, record: CaptureRecord, result: tuple[Any, npt.NDArray[np.uint8]] | None, error: CathNetError | None
    ) -> None:
        try:
            if result is not None:
                stored = self._store.finish(record.id, result[0], result[1])
                self._on_done(Outcome(stored, result[1]))
            else:
                assert error is not None
                self._on_done(Outcome(self._store.fail(record.id, error), None))
        except StorageError as exc:
            # Could not write the result: tell the user why; the capture itself is safe
            # on disk, still pending, and is analysed again at the next start.
            shown = replace(record, status="failed", error=exc.to_dict())
            self._on_done(Outcome(shown, None if result is None else result[1], saved=False))
