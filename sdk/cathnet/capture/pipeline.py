"""The capture path as one step: photo in, the angiogram the model should see out.

``Analyzer.predict(photo, photo=True)`` and the curriculum's photographed level
(``cathnet_train.photos``) both call ``capture_angiogram``, so the model is trained on
exactly what it is later given.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from cathnet._arrays import Photo, f32, u8
from cathnet.capture.moire import NOTCH_RATIO, moire_map, suppress_moire
from cathnet.capture.quality import Quality, assess
from cathnet.capture.rectify import Rectification, rectification
from cathnet.capture.screen import Greys, ScreenQuad, locate_screen
from cathnet.capture.viewport import find_viewport
from cathnet.errors import CaptureError
from cathnet.geometry import Letterbox


@dataclass(frozen=True)
class Captured:
    """A photographed angiogram, found, rectified and checked.

    Attributes:
        screen: the lit screen found in the photo.
        rectified: the screen seen square-on: the mapping both ways and its size (only
            the viewport is warped).
        viewport: the angiogram's box in rectified pixels (x0, y0, x1, y1), exclusive ends.
        quality: the gates' measures and the warnings that did not block.
        image: the viewport in grey as the model should see it: the viewport itself at
            the photo's resolution, or with a moiré notched out, the viewport
            area-averaged to the model's side and notched there.
        moire_suppressed: whether the moiré notch was applied.
        to_image: (3, 3) rectified pixels → ``image`` pixels (a shift to the viewport and,
            when notched, a scale; pixel centres map to pixel centres).
        fitted: ``image`` area-averaged in float32 to fit a square of the model's side,
            exactly as ``preprocess`` first resamples it (the capture made it for the
            moiré map; a square model reads it instead of resampling ``image`` again);
            None when notched (``image`` is then at the model's scale already) or when
            ``image`` is no larger than that.
    """

    screen: ScreenQuad
    rectified: Rectification
    viewport: tuple[int, int, int, int]
    quality: Quality
    image: npt.NDArray[np.uint8]
    moire_suppressed: bool
    to_image: npt.NDArray[np.float64]
    fitted: npt.NDArray[np.float32] | None = None


def capture_angiogram(photo: Photo, model_side: int) -> Captured:
    """Finds the monitor, rectifies it, crops the viewport and runs the quality gates.

    Args:
        photo: (H, W) or (H, W, 1|3|4) uint8 photo of the angiogram monitor (uint16 is
            read as 8-bit, value / 257).
        model_side: the model's input side (blur and moiré are judged at it).

    Raises:
        CaptureError: ``capture.no_screen``, or the code of the gate that blocked.
    """
    found, greys = locate_screen(photo)
    if not found:
        raise CaptureError("capture.no_screen", f"expected a photo of the angiogram monitor: {found.reason}")
    grey = greys.full_resolution()
    rect = rectification(found.corners, (photo.shape[1], photo.shape[0]))
    box = locate_viewport(greys, rect)
    view = warp_viewport(grey, rect, box)
    fitted = fit_to_model(view, model_side)
    ratios = moire_map(view if fitted is None else fitted, model_side)  # once: the gate's score, the notch's carriers
    quality = assess(grey, found.corners, view, viewport_corners(rect, box), model_side, float(ratios.max()))
    if quality.blocking is not None:
        raise CaptureError(
            quality.blocking.code, f"expected a usable photo of the angiogram: {quality.blocking.message}"
        )
    # A beat pattern the gate let through is notched out before the model sees it, even
    # one too faint to warn about (an image's own straight edges do not count as one).
    # The notch works at the model's scale: the model sees the viewport area-averaged
    # to its side anyway, the carriers lie below a third of it, and the notch's cost
    # grows with the pixels.
    shift = _shift(box)
    if quality.moire >= NOTCH_RATIO:
        image, scale = notched(view, model_side, ratios, fitted)
        return Captured(found, rect, box, quality, image, True, scale @ shift)
    return Captured(found, rect, box, quality, view, False, shift, fitted)


def fit_to_model(view: npt.NDArray[np.uint8], model_side: int) -> npt.NDArray[np.float32] | None:
    """``view`` area-averaged in float32 to fit a square of ``model_side`` (aspect kept),
    as ``preprocess`` resamples it; None when ``view`` is no larger."""
    h, w = view.shape[:2]
    box = Letterbox.fit(w, h, model_side, model_side)
    if box.scale >= 1.0:
        return None
    return f32(cv2.resize(view.astype(np.float32), box.content_size, interpolation=cv2.INTER_AREA))


def warp_viewport(
    grey: npt.NDArray[np.uint8], rect: Rectification, box: tuple[int, int, int, int]
) -> npt.NDArray[np.uint8]:
    """The viewport ``box`` (rectified pixels) warped square-on from the grey photo.

    Only the viewport is warped, at the screen's own resolution, in grey (what the
    model reads): the whole screen in colour took four times as long.
    """
    x0, y0, x1, y1 = box
    return u8(
        cv2.warpPerspective(
            grey,
            _shift(box) @ rect.homography,
            (x1 - x0, y1 - y0),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
    )


def _shift(box: tuple[int, int, int, int]) -> npt.NDArray[np.float64]:
    """(3, 3) rectified pixels → pixels of the viewport ``box``."""
    return np.array([[1.0, 0.0, -box[0]], [0.0, 1.0, -box[1]], [0.0, 0.0, 1.0]])


def viewport_corners(rect: Rectification, box: tuple[int, int, int, int]) -> npt.NDArray[np.float64]:
    """The outer corners of the viewport ``box`` (rectified pixels) in the photo, TL TR BR BL."""
    x0, y0, x1, y1 = box
    return rect.to_photo([[x0 - 0.5, y0 - 0.5], [x1 - 0.5, y0 - 0.5], [x1 - 0.5, y1 - 0.5], [x0 - 0.5, y1 - 0.5]])


def locate_viewport(greys: Greys, rect: Rectification) -> tuple[int, int, int, int]:
    """The viewport's box in rectified pixels (x0, y0, x1, y1, exclusive ends), found in
    the screen rectified from the detection's work image: a fraction of the pixels, and
    the box is good to about half a work pixel, finer than the model's pixels."""
    (ph, pw), (wh, ww) = greys.full_resolution().shape[:2], greys.work.shape
    work = greys.work
    width, height = rect.size
    small_wh = (max(round(width * ww / pw), 1), max(round(height * wh / ph), 1))
    rx, ry = small_wh[0] / width, small_wh[1] / height
    to_small = _centres(rx, ry) @ rect.homography @ np.linalg.inv(_centres(ww / pw, wh / ph))
    small = u8(cv2.warpPerspective(work, to_small, small_wh, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))
    x0, y0, x1, y1 = find_viewport(small)
    box = (min(round(x0 / rx), width - 1), min(round(y0 / ry), height - 1), round(x1 / rx), round(y1 / ry))
    return box[0], box[1], min(max(box[2], box[0] + 1), width), min(max(box[3], box[1] + 1), height)


def _centres(sx: float, sy: float) -> npt.NDArray[np.float64]:
    """(3, 3) scale by (sx, sy) that maps pixel centres to pixel centres."""
    return np.array([[sx, 0.0, 0.5 * sx - 0.5], [0.0, sy, 0.5 * sy - 0.5], [0.0, 0.0, 1.0]])


def notched(
    view: npt.NDArray[np.uint8],
    model_side: int,
    ratios: npt.NDArray[np.float64] | None = None,
    fitted: npt.NDArray[np.float32] | None = None,
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.float64]]:
    """``view`` area-averaged to fit the model's side, its moiré notched out.

    Args:
        view: the grey viewport.
        model_side: the model's input side.
        ratios: the view's ``moire_map``, when already measured.
        fitted: ``fit_to_model(view, model_side)``, when already made.

    Returns:
        The grey notched image, and the (3, 3) scale from ``view`` pixels to its pixels
        (pixel centres to pixel centres; the identity when no averaging was needed).
    """
    h, w = view.shape[:2]
    if fitted is None:
        fitted = fit_to_model(view, model_side)
    if fitted is None:
        return suppress_moire(view, model_side, ratios=ratios), np.eye(3)
    small = np.clip(np.rint(fitted), 0, 255).astype(np.uint8)
    return suppress_moire(small, model_side, ratios=ratios), _centres(small.shape[1] / w, small.shape[0] / h)
