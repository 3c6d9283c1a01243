"""The task object: one ``Analyzer`` per model, ``predict`` per image.

Shaped like MediaPipe Tasks: created from options, usable as a context manager,
``close()`` releases the runtime. ``predict`` is thread-safe: decoding,
preprocessing and postprocessing run in the caller's thread; only the interpreter
call is serialised by the analyzer's lock.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from types import TracebackType
from typing import Any

import numpy as np

from cathnet import backends, capture, image_input
from cathnet.bundle import ModelBundle
from cathnet.errors import BackendUnavailableError, CaptureError
from cathnet.findings import AnalysedView, Findings
from cathnet.geometry import Letterbox
from cathnet.postprocess import PostprocessConfig, decode, heatmap_in_image
from cathnet.preprocess import preprocess


class Analyzer:
    """Reads angiogram frames for stenosis with one model bundle and one backend.

    Example:
        >>> with cathnet.Analyzer() as analyzer:
        ...     findings = analyzer.predict("frame.png")
        >>> findings.stenosis, [l.severity for l in findings.lesions]
    """

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        backend: str = "auto",
        num_threads: int | None = None,
        variant: str | None = None,
    ) -> None:
        """Loads and verifies the bundle, then builds the backend.

        Args:
            model: bundle folder; None for the shipped default model.
            backend: ``"auto"`` (Core ML on macOS, else LiteRT, tflite-runtime,
                TensorFlow Lite) or one of those names.
            num_threads: interpreter threads; None lets the runtime choose.
            variant: the bundle artifact to run (``cathnet info`` lists them, e.g.
                ``tflite_fp32``); None runs int8 TFLite, or Core ML on macOS.

        Raises:
            ModelNotFoundError: no bundle at ``model``.
            ModelIntegrityError: the card or an artifact fails verification.
            BackendUnavailableError: the backend cannot run here (the message says why).
        """
        if num_threads is not None and num_threads < 1:
            raise BackendUnavailableError(
                "backend.bad_threads", f"expected num_threads >= 1 or None, got {num_threads}"
            )
        self._bundle = ModelBundle.load(model)
        self._backend, self._artifact = backends.create(self._bundle, backend, num_threads, variant)
        self._post = PostprocessConfig.from_card(self._bundle.card)
        self._lock = threading.Lock()
        self._closed = False
        self._num_threads = num_threads
        self._locator: capture.Locator | None = None  # built on the first photo
        self._locator_lock = threading.Lock()

    @property
    def bundle(self) -> ModelBundle:
        return self._bundle

    @property
    def card(self) -> dict[str, Any]:
        return self._bundle.card

    @property
    def model(self) -> dict[str, str]:
        """``{"id", "version", "sha256"}`` of the artifact this analyzer runs."""
        return self._bundle.identity(self._artifact)

    @property
    def backend(self) -> str:
        """The backend that runs (after ``"auto"`` resolved)."""
        return self._backend.name

    @property
    def artifact(self) -> str:
        """The name of the bundle artifact (variant) that runs, e.g. ``tflite_int8``."""
        return self._artifact

    def predict(self, image: image_input.ImageInput, photo: bool | None = None, keep_view: bool = False) -> Findings:
        """Analyses one angiogram frame.

        Args:
            image: a path (PNG, JPEG, BMP, TIFF; 8- or 16-bit) or an array: (H, W) grey,
                (H, W, 3) BGR or (H, W, 4) BGRA, uint8 or uint16, at least 64 px a side.
            photo: True: ``image`` is a photo of the monitor: find the screen, rectify
                it, crop the angiogram viewport, then analyse. False: ``image`` is the
                angiogram frame itself. None (the default): a colour image (its
                channels differ, as a camera's do) in which an angiogram monitor is
                found is captured as a photo; any other image is read as a frame, a
                colour one with the warning ``input.colour_frame``.
                ``Findings.analysed_as`` says which path was taken.
            keep_view: also return what the model looked at (``Findings.view``: the
                image, the lesion heatmap over it and the lesions in its pixels), for
                an app that shows it.

        Returns:
            Findings with every coordinate in the input image's pixels (the photo's,
            through the inverse homography, for photos; ``screen`` then holds the
            corners, the rectified viewport size and the lesions in its pixels).

        Raises:
            InvalidImageError: the input is not a usable image (the code says why).
            CaptureError: ``photo=True`` and no monitor was found (``capture.no_screen``),
                or, on a photo (given or found), a quality gate blocks (``capture.too_oblique``, ``capture.too_small``,
                ``capture.blurred``, ``capture.glare``, ``capture.moire``; the message
                says what to do). Gates that only warn put their codes in
                ``Findings.warnings`` and their messages in ``screen["quality"]["issues"]``.
            BackendUnavailableError: the analyzer was closed (``analyzer.closed``).
        """
        if photo:
            return self._predict_photo(image, keep_view)
        t0 = time.perf_counter()
        pixels = image_input.load(image)
        if photo is None and is_colour(pixels):
            try:
                return self._predict_photo(pixels, keep_view)
            except CaptureError as exc:
                if exc.code != "capture.no_screen":
                    raise  # a monitor was found: the photo needs retaking, it is no frame
            findings = self._analyse(pixels, keep_view, t0)
            return dataclasses.replace(findings, warnings=(*findings.warnings, "input.colour_frame"))
        return self._analyse(pixels, keep_view, t0)

    def _analyse(self, pixels: np.ndarray, keep_view: bool, t0: float, fitted: np.ndarray | None = None) -> Findings:
        """``predict`` on loaded ``pixels``; ``fitted``: the capture's ``Captured.fitted``
        of them, preprocessing's own first resampling already made (used when it has
        the size this model's letterbox gives them: the tensor is the same)."""
        if self._closed:
            raise BackendUnavailableError("analyzer.closed", "expected an open Analyzer, got a closed one")
        t1 = time.perf_counter()
        spec = self._bundle.input_spec
        box = Letterbox.fit(int(pixels.shape[1]), int(pixels.shape[0]), spec.width, spec.height)
        if fitted is not None and fitted.shape[::-1] == box.content_size:
            x, _ = preprocess(fitted, spec)
        else:
            x, box = preprocess(pixels, spec)
        t2 = time.perf_counter()
        with self._lock:
            outputs = self._backend.run(x[None, ...])
        t3 = time.perf_counter()
        probability = float(np.clip(outputs["probability"].reshape(-1)[0], 0.0, 1.0))
        stenosis = probability >= self._post.threshold
        lesions = decode(outputs["lesion_map"][0], box, self._post, force_top=stenosis)
        view = None
        if keep_view:
            view = AnalysedView(pixels, heatmap_in_image(outputs["lesion_map"][0], box, self._post.stride), lesions)
        t4 = time.perf_counter()
        timing = {
            "decode": (t1 - t0) * 1e3,
            "preprocess": (t2 - t1) * 1e3,
            "inference": (t3 - t2) * 1e3,
            "postprocess": (t4 - t3) * 1e3,
            "total": (t4 - t0) * 1e3,
        }
        return Findings(
            stenosis_probability=probability,
            stenosis=stenosis,
            threshold=self._post.threshold,
            lesions=lesions,
            image_size=(int(pixels.shape[1]), int(pixels.shape[0])),
            timing_ms=timing,
            model=self.model,
            backend=self._backend.name,
            view=view,
        )

    def _screen_locator(self) -> capture.Locator:
        """The capture's locator network, built once, on the first photo."""
        with self._locator_lock:
            if self._locator is None:
                self._locator = capture.Locator(num_threads=self._num_threads or 1)
            return self._locator

    def _predict_photo(self, image: image_input.ImageInput, keep_view: bool) -> Findings:
        t0 = time.perf_counter()
        pixels = image_input.load(image)
        spec = self._bundle.input_spec
        captured = capture.capture_angiogram(pixels, max(spec.width, spec.height), self._screen_locator())
        found, rect, quality = captured.screen, captured.rectified, captured.quality
        x0, y0, x1, y1 = captured.viewport
        t1 = time.perf_counter()
        inner = self._analyse(image_input.load(captured.image), keep_view, t1, captured.fitted)
        (sx, _, tx), (_, sy, ty) = np.linalg.inv(captured.to_image)[:2]  # image → rectified: scale and shift
        in_rect = [
            dataclasses.replace(
                lesion,
                x=sx * lesion.x + tx,
                y=sy * lesion.y + ty,
                box=(
                    sx * lesion.box[0] + tx,
                    sy * lesion.box[1] + ty,
                    sx * lesion.box[2] + tx,
                    sy * lesion.box[3] + ty,
                ),
                outline=None
                if lesion.outline is None
                else tuple((sx * x + tx, sy * y + ty) for x, y in lesion.outline),
            )
            for lesion in inner.lesions
        ]
        lesions = [rect.lesion_to_photo(lesion) for lesion in in_rect]
        screen = {
            "corners": [[round(float(x), 2), round(float(y), 2)] for x, y in found.corners],
            "viewport_corners": [[round(float(x), 2), round(float(y), 2)] for x, y in captured.viewport_corners],
            "quality": {
                "edge_support": round(found.support, 3),
                "area_fraction": round(found.area_fraction, 3),
                **quality.to_dict(),
            },
            "viewport": [x0, y0, x1, y1],
            "moire_suppressed": captured.moire_suppressed,
            "rectified_size": [int(rect.size[0]), int(rect.size[1])],
            "lesions_rectified": [lesion.to_dict() for lesion in in_rect],
        }
        timing = dict(inner.timing_ms, capture=(t1 - t0) * 1e3)
        timing["total"] = (time.perf_counter() - t0) * 1e3
        return dataclasses.replace(
            inner,
            lesions=tuple(lesions),
            image_size=(int(pixels.shape[1]), int(pixels.shape[0])),
            screen=screen,
            timing_ms=timing,
            warnings=tuple(i.code for i in quality.warnings),
            analysed_as="photo",
        )

    def close(self) -> None:
        """Releases the runtime; later ``predict`` calls raise ``analyzer.closed``."""
        with self._lock:
            if not self._closed:
                self._backend.close()
                self._closed = True

    def __enter__(self) -> Analyzer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


_COLOUR_SPREAD = (
    3.0  # grey levels: mean channel spread of a camera's photo; a grey frame saved as RGB (JPEG too) stays under 1
)


def is_colour(pixels: np.ndarray) -> bool:
    """``pixels`` has colour: its channels differ by more than a grey image saved in
    colour (a JPEG's chroma noise included) would make them."""
    if pixels.ndim != 3 or pixels.shape[2] < 3:
        return False
    step = max(1, int(np.sqrt(pixels.shape[0] * pixels.shape[1] / 40_000)))  # about 40,000 pixels
    sample = pixels[::step, ::step, :3].astype(np.int16)
    spread = np.abs(sample[..., 0] - sample[..., 1]) + np.abs(sample[..., 1] - sample[..., 2])
    return float(spread.mean()) > _COLOUR_SPREAD * (257 if pixels.dtype == np.uint16 else 1)
