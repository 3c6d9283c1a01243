"""Where frames come from: the camera (camera4kivy), a video file, or one still image.

Every source delivers preview frames (BGR uint8, at most ``PREVIEW_SIDE`` px on the long
side) to a callback on a thread of its own, never the UI thread, and takes a
full-resolution photo for the shutter. The app hands preview frames to
``AnalysisWorker.offer_preview``, which drops them while it is busy.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from cathnet import InvalidImageError, read_image
from cathnet.overlay import to_display

log = logging.getLogger(__name__)
PREVIEW_SIDE = 640
FrameCallback = Callable[[npt.NDArray[np.uint8]], None]


def preview_of(image: npt.NDArray[np.generic]) -> npt.NDArray[np.uint8]:
    """A full-resolution frame → an 8-bit BGR preview frame (long side <= PREVIEW_SIDE)."""
    bgr = to_display(image) if image.ndim == 2 or image.dtype != np.uint8 or image.shape[2] != 3 else image
    h, w = bgr.shape[:2]
    scale = PREVIEW_SIDE / max(h, w)
    if scale >= 1.0:
        return np.ascontiguousarray(bgr)
    return cv2.resize(bgr, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)


class _LoopingSource:
    """Plays frames on a thread at ``fps`` until stopped."""

    fps = 10.0

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._latest: npt.NDArray[np.generic] | None = None

    def start(self, on_frame: FrameCallback) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._play, args=(on_frame,), name=type(self).__name__, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)

    def take_photo(self, on_photo: Callable[[npt.NDArray[np.generic]], None]) -> None:
        """Calls ``on_photo`` with the latest full-resolution frame (if any yet)."""
        with self._lock:
            latest = self._latest
        if latest is not None:
            on_photo(latest)

    def _next(self) -> npt.NDArray[np.generic] | None:
        raise NotImplementedError

    def _play(self, on_frame: FrameCallback) -> None:
        while not self._stop.is_set():
            t0 = time.monotonic()
            frame = self._next()
            if frame is None:
                return
            with self._lock:
                self._latest = frame
            on_frame(preview_of(frame))
            self._stop.wait(max(0.0, 1.0 / self.fps - (time.monotonic() - t0)))


class StillSource(_LoopingSource):
    """One image, shown as if the camera held still on it (``--image`` on the Capture screen)."""

    def __init__(self, image: npt.NDArray[np.generic]) -> None:
        super().__init__()
        self._image = image

    def _next(self) -> npt.NDArray[np.generic]:
        return self._image


class VideoSource(_LoopingSource):
    """A video file played at its own frame rate, looping (``--video``).

    Raises:
        InvalidImageError: ``video.unreadable`` when OpenCV cannot open or decode it.
    """

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self._capture = cv2.VideoCapture(str(path))
        ok, first = self._capture.read() if self._capture.isOpened() else (False, None)
        if not ok or first is None:
            raise InvalidImageError("video.unreadable", f"expected a video file OpenCV can decode, got {path}")
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = fps if 1.0 <= fps <= 120.0 else 25.0
        self._first: npt.NDArray[np.uint8] | None = first

    def _next(self) -> npt.NDArray[np.uint8] | None:
        if self._first is not None:
            frame, self._first = self._first, None
            return frame
        ok, frame = self._capture.read()
        if not ok:
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._capture.read()
        return frame if ok else None


def camera_preview_class() -> type:
    """camera4kivy's ``Preview`` wired as a frame source (imported only when a camera is used).

    The returned widget class shows the live camera itself; its analysis callback (on
    camera4kivy's own thread, frames dropped while busy) converts the pixels to BGR
    for ``on_frame``, and ``take_photo`` saves a full-resolution photo, reads it back,
    hands it to ``on_photo`` (which stores it) and only then deletes the camera's file.
    """
    from camera4kivy import Preview

    class CameraSource(Preview):  # type: ignore[misc, valid-type]
        on_frame: FrameCallback | None = None
        _on_photo: Callable[[npt.NDArray[np.generic]], None] | None = None

        def start(self, on_frame: FrameCallback, photo_dir: Path) -> None:
            self.on_frame = on_frame
            self._photo_dir = photo_dir
            self.connect_camera(
                analyze_pixels_resolution=PREVIEW_SIDE, enable_analyze_pixels=True, filepath_callback=self._photo_taken
            )

        def stop(self) -> None:
            self.disconnect_camera()

        def take_photo(self, on_photo: Callable[[npt.NDArray[np.generic]], None]) -> None:
            self._on_photo = on_photo
            self.capture_photo(location=str(self._photo_dir), name="shutter")

        def analyze_pixels_callback(
            self, pixels: bytes, image_size: tuple[int, int], image_pos: object, image_scale: object, mirror: bool
        ) -> None:
            rgba = np.frombuffer(pixels, np.uint8).reshape(image_size[1], image_size[0], 4)
            if self.on_frame is not None:
                self.on_frame(cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGR))

        def _photo_taken(self, path: str) -> None:
            try:
                image = read_image(path)
            except InvalidImageError as exc:
                # no path in the log (privacy): the photo stays in the app's own photo folder
                log.error("the camera wrote an unreadable photo (%s); it is left in the app's photo folder", exc.code)
                return
            if self._on_photo is not None:
                self._on_photo(image)  # saves it in the app's store
            Path(path).unlink(missing_ok=True)  # only once the store holds it

    return CameraSource
