"""The Kivy application: screens wired to the store, the worker and a frame source.

Import it only after ``cathnet_bedside.app.configure_kivy`` (Kivy reads its environment
and configuration at import). The UI thread only shows state and saves captures; every
SDK call runs on ``AnalysisWorker``'s thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from kivy.app import App
from kivy.clock import Clock, mainthread
from kivy.uix.screenmanager import NoTransition, ScreenManager

from cathnet import Analyzer, CathNetError, read_image
from cathnet_bedside import review as review_text
from cathnet_bedside.app import Options
from cathnet_bedside.screens import CaptureScreen, HistoryScreen, ReviewScreen
from cathnet_bedside.sources import (
    StillSource,
    VideoSource,
    camera_preview_class,
    preview_of,
)
from cathnet_bedside.storage import CaptureRecord, CaptureStore, StorageError
from cathnet_bedside.worker import AnalysisWorker, Outcome

log = logging.getLogger(__name__)
CAMERA_GRACE_S = 4.0  # seconds without a camera frame before the app says there is none


class BedsideApp(App):  # type: ignore[misc]
    title = "CathNet bedside (research use only)"
    name = "cathnet-bedside"  # user_data_dir: ~/.config/cathnet-bedside on Linux

    def __init__(self, options: Options, make_analyzer: Callable[[], Analyzer] = Analyzer, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.options = options
        self.make_analyzer = make_analyzer
        self.exit_code = 0
        self.source: Any = None
        self.store: CaptureStore | None = None
        self.worker: AnalysisWorker | None = None
        self._script_target: str | None = None  # the screen the scripted mode waits for
        self._frames_shown = 0
        self._photo_shown: npt.NDArray[np.uint8] | None = None
        self._frames_offered = 0

    # ----- lifecycle -------------------------------------------------------------
    def build(self) -> ScreenManager:
        self.manager = ScreenManager(transition=NoTransition())
        self.capture_screen = CaptureScreen(self)
        self.review_screen = ReviewScreen(self)
        self.history_screen = HistoryScreen(self)
        for screen in (self.capture_screen, self.review_screen, self.history_screen):
            self.manager.add_widget(screen)
        return self.manager

    def on_start(self) -> None:
        try:
            self.store = CaptureStore(self.options.data_dir or Path(self.user_data_dir))
        except (StorageError, OSError) as exc:  # OSError: Kivy could not make user_data_dir
            self.capture_screen.show_problem(f"Cannot store captures\n{getattr(exc, 'message', exc)}")
            self._script_done("capture", exit_code=1)
            return
        self.worker = AnalysisWorker(
            self.store, self.make_analyzer, on_done=self._analysed, on_started=self._analysing, on_preview=self._tracked
        ).start()
        for record in self.store.pending():  # left by a crash or a kill: analyse them now
            log.info("resuming pending capture %s", record.id)
            self.worker.submit(record.id)
        if self.options.screenshot is not None:
            Clock.schedule_once(self._script_timeout, self.options.timeout)
        if self.options.image is not None:
            self._start_with_image(self.options.image)
        elif self.options.video is not None:
            self._script_target = "capture"  # scripted: shoot once the outline is steady
            self._start_source(lambda: VideoSource(self.options.video))
        else:
            self._start_camera()
        if self.options.screen == "history" and self.options.image is None:
            self.show_history()
            self._script_done("history")

    def on_stop(self) -> None:
        if self.source is not None:
            self.source.stop()
        if self.worker is not None:
            self.worker.stop()

    # ----- sources ---------------------------------------------------------------
    def _start_source(self, make: Callable[[], Any]) -> None:
        try:
            self.source = make()
        except CathNetError as exc:
            self.capture_screen.show_problem(f"Cannot play the video\n{exc.message}")
            self._script_done("capture", exit_code=1)
            return
        self.source.start(self._offer_frame)

    def _start_camera(self) -> None:
        from kivy.utils import platform

        if platform == "android":  # the camera permission is asked for at run time
            from android.permissions import (  # python-for-android
                Permission,
                request_permissions,
            )

            request_permissions(
                [Permission.CAMERA],
                lambda perms, grants: Clock.schedule_once(
                    lambda dt: (
                        self._connect_camera()
                        if all(grants)
                        else self.capture_screen.show_problem(
                            "No camera permission\nAllow the camera in the system settings, or open an image."
                        )
                    )
                ),
            )
            return
        Clock.schedule_once(lambda dt: self._connect_camera())  # camera4kivy: a step after on_start

    def _connect_camera(self) -> None:
        try:
            source = camera_preview_class()()
            self.capture_screen.attach_camera(source)
            source.start(self._offer_frame, self.store.root)
            self.source = source
        except Exception as exc:
            log.warning("no camera: %s", exc)
            self.capture_screen.show_problem(f"No camera available\nOpen an image instead ({exc}).")
            return
        # camera4kivy does not raise when there is no camera: it just sends no frames.
        Clock.schedule_once(self._check_camera, CAMERA_GRACE_S)

    def _check_camera(self, dt: float) -> None:
        if self._frames_offered == 0:
            self.source.stop()
            self.capture_screen.detach_camera(self.source)
            self.source = None
            self.capture_screen.show_problem(
                "No camera picture\nNo frame came from the camera: "
                "check it is connected and free, or open an image instead."
            )
            self._script_done("capture", exit_code=1)

    def _offer_frame(self, frame: npt.NDArray[np.uint8]) -> None:
        # Called on the source's thread; the worker drops the frame while busy.
        self._frames_offered += 1
        if self.worker is not None:
            self.worker.offer_preview(frame)

    @mainthread
    def _tracked(self, frame: npt.NDArray[np.uint8], state: Any) -> None:
        self.capture_screen.show_frame(frame, state)
        if self._script_target == "capture" and state.steady:
            self._script_done("capture")

    def _start_with_image(self, path: Path) -> None:
        image = self._read(path)
        if image is None:
            return
        if self.options.screen == "capture":
            self._script_target = "capture"
            self.source = StillSource(image)
            self.source.start(self._offer_frame)
        else:
            self.capture(image, self.options.kind)

    def _read(self, path: Path) -> npt.NDArray[Any] | None:
        """The image at ``path``, or None after showing why it cannot be used."""
        try:
            return read_image(path)
        except CathNetError as exc:
            self._problem(f"Cannot open the image\n{exc.message}")
            return None

    # ----- actions (UI thread) -----------------------------------------------------
    def shutter(self) -> None:
        if self.source is not None:
            self.source.take_photo(lambda image: self.capture(image, "photo"))

    def capture(self, image: npt.NDArray[Any], kind: str) -> None:
        """Saves the capture at once, on whichever thread it arrives (the camera's, for the
        shutter), then queues it; the screens change on the UI thread."""
        assert self.store is not None and self.worker is not None
        try:
            record = self.store.save(image, kind)
        except StorageError as exc:
            self._problem(f"The capture was not saved\n{exc.message}")
            return
        self._pending(record, preview_of(image))
        self.worker.submit(record.id)

    @mainthread
    def _pending(self, record: CaptureRecord, photo: npt.NDArray[np.uint8]) -> None:
        self._photo_shown = photo
        self.review_screen.show(record, photo)  # the photo until the findings come
        self.manager.current = "review"

    @mainthread
    def _problem(self, text: str) -> None:
        self.manager.current = "capture"
        self.capture_screen.show_problem(text)
        self._script_done("capture", exit_code=1)

    def choose_file(self) -> None:
        from cathnet_bedside.popups import open_chooser

        open_chooser(self.open_file)

    def open_file(self, path: Path, kind: str) -> None:
        image = self._read(path)
        if image is not None:
            self.capture(image, kind)

    def open_capture(self, capture_id: str) -> None:
        assert self.store is not None
        try:
            record = self.store.record(capture_id)
        except StorageError as exc:
            self.capture_screen.show_problem(exc.message)
            return
        path = self.store.review_path(capture_id)
        self.review_screen.show(record, read_image(path) if path else None)
        self.manager.current = "review"

    def delete_capture(self, capture_id: str) -> None:
        """Asks first: a capture is clinical data and deleting it cannot be undone."""
        from cathnet_bedside.popups import confirm

        confirm(
            f"Delete capture {capture_id}, its findings and its images?", "Delete", lambda: self._delete(capture_id)
        )

    def _delete(self, capture_id: str) -> None:
        assert self.store is not None
        try:
            self.store.delete(capture_id)
        except StorageError as exc:
            self.review_screen.status.text = exc.message
        self.show_history()

    def export_current(self) -> Path | None:
        record = self.review_screen.record
        if self.store is None or record is None:
            return None
        record = self.store.record(record.id)
        path = self.store.review_path(record.id)
        if record.status != "done" or record.findings is None or path is None:
            self.review_screen.status.text = "Nothing to export yet: the capture has no findings."
            return None
        report = review_text.report_image(record.id, record.created, record.findings, read_image(path))
        try:
            out = self.store.export(record.id, report)
        except StorageError as exc:
            self.review_screen.status.text = exc.message
            return None
        self.review_screen.status.text = f"Report saved: {out}"
        return out

    def show_capture(self) -> None:
        self.manager.current = "capture"
        if self.worker is not None:
            self.worker.reset_tracker()

    def show_history(self) -> None:
        assert self.store is not None
        records = self.store.list()
        thumbs = {}
        for record in records:
            path = self.store.thumb_path(record.id)
            if path is not None:
                thumbs[record.id] = read_image(path)
        self.history_screen.refresh(records, thumbs)
        self.manager.current = "history"

    # ----- worker events (hopped to the UI thread) --------------------------------
    @mainthread
    def _analysing(self, record: Any) -> None:
        if self.review_screen.record is not None and self.review_screen.record.id == record.id:
            self.review_screen.lines.text = "Analysing the saved capture..."

    @mainthread
    def _analysed(self, outcome: Outcome) -> None:
        record = outcome.record
        if not outcome.saved and record.error is not None:
            self.review_screen.status.text = record.error["message"]
        shown = self.review_screen.record
        if shown is None or shown.id != record.id:
            return  # a resumed capture finished in the background: it is in History
        if record.status == "failed" and record.error is not None and record.error["code"].startswith("capture."):
            # No usable monitor in the photo: back to Capture with the guidance.
            self.manager.current = "capture"
            self.capture_screen.show_problem(
                review_text.guidance_for(record.error["code"], record.error["message"]), self._photo_shown
            )
            self._script_done("capture")
            return
        self.review_screen.show(record, outcome.review)
        if self.options.screen == "history":
            self.show_history()
        self._script_done(self.options.screen)

    # ----- scripted mode -------------------------------------------------------------
    def _script_done(self, screen: str, exit_code: int = 0) -> None:
        """In scripted mode: wait a few frames for ``screen`` to draw, save it, exit."""
        if self.options.screenshot is None or self._script_target == "shooting":
            return
        self._script_target = "shooting"
        self.exit_code = exit_code
        self._frames_shown = 0
        Clock.schedule_interval(self._shoot_when_drawn, 0)

    def _shoot_when_drawn(self, dt: float) -> bool:
        self._frames_shown += 1
        if self._frames_shown < 5:  # the first frames after a change are not drawn yet
            return True
        assert self.options.screenshot is not None
        self.options.screenshot.parent.mkdir(parents=True, exist_ok=True)
        self.root.export_to_png(str(self.options.screenshot))
        self.stop()
        return False

    def _script_timeout(self, dt: float) -> None:
        if self._script_target != "shooting":
            log.error("scripted mode: nothing to show after %.0f s", self.options.timeout)
            self.exit_code = 1
            self._script_done(self.manager.current, exit_code=1)
