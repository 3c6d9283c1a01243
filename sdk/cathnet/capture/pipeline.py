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
from cathnet.capture.locator import Locator, on_edges
from cathnet.capture.moire import NOTCH_RATIO, moire_map, suppress_moire
from cathnet.capture.quality import Quality, assess
from cathnet.capture.rectify import Rectification, rectification
from cathnet.capture.screen import ScreenQuad, locate_screen
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
        viewport_corners: (4, 2) the angiogram's outer corners in photo pixels, TL TR BR BL.
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
    viewport_corners: npt.NDArray[np.float64]
    quality: Quality
    image: npt.NDArray[np.uint8]
    moire_suppressed: bool
    to_image: npt.NDArray[np.float64]
    fitted: npt.NDArray[np.float32] | None = None


def capture_angiogram(photo: Photo, model_side: int, locator: Locator | None = None) -> Captured:
    """Finds the monitor, rectifies it, crops the viewport and runs the quality gates.

    Args:
        photo: (H, W) or (H, W, 1|3|4) uint8 photo of the angiogram monitor (uint16 is
            read as 8-bit, value / 257).
        model_side: the model's input side (blur and moiré are judged at it).
        locator: the screen locator network to run (None: one built for this call).

    Raises:
        CaptureError: ``capture.no_screen``, or the code of the gate that blocked.
    """
    found, grey = locate_screen(photo, locator)
    if not found:
        raise CaptureError("capture.no_screen", f"expected a photo of the angiogram monitor: {found.reason}")
    rect, box = anchored(rectification(found.corners, (photo.shape[1], photo.shape[0])), found.viewport)
    view = warp_viewport(grey, rect, box)
    fitted = fit_to_model(view, model_side)
    ratios = moire_map(view if fitted is None else fitted, model_side)  # once: the gate's score, the notch's carriers
    corners = viewport_corners(rect, box)
    quality = assess(grey, on_edges(grey, found.corners), view, corners, model_side, float(ratios.max()))
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
        return Captured(found, rect, box, corners, quality, image, True, scale @ shift)
    return Captured(found, rect, box, corners, quality, view, False, shift, fitted)


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


def anchored(rect: Rectification, viewport: npt.NDArray[np.float64]) -> tuple[Rectification, tuple[int, int, int, int]]:
    """The screen's rectification with its homography refitted to the viewport's corners.

    The panel's corners fix the rectified frame (its size, where the viewport lies in
    it: ``viewport_box``), but the viewport's own corners are the better fitted (the
    angiogram's edge is sharp; a panel's may be a dark bezel on a dark panel): mapping
    them exactly onto the box's outer corners makes the warp read exactly the located
    angiogram. Returns the refitted rectification (same size) and the box.
    """
    box = viewport_box(rect, viewport)
    x0, y0, x1, y1 = box
    edges = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32) - 0.5
    hmat = cv2.getPerspectiveTransform(viewport.astype(np.float32), edges).astype(np.float64)
    return Rectification(hmat, rect.size), box


def viewport_box(rect: Rectification, viewport: npt.NDArray[np.float64]) -> tuple[int, int, int, int]:
    """The viewport's box in rectified pixels (x0, y0, x1, y1, exclusive ends) from its
    corners in the photo (the outer edge, as ``ScreenQuad`` gives them): the angiogram
    sits axis-aligned on the panel, so square-on its sides are the box's."""
    r = rect.to_rectified(viewport) + 0.5  # rectified pixel edges
    width, height = rect.size
    x0 = int(np.clip(round(0.5 * (r[0, 0] + r[3, 0])), 0, width - 1))
    y0 = int(np.clip(round(0.5 * (r[0, 1] + r[1, 1])), 0, height - 1))
    x1 = int(np.clip(round(0.5 * (r[1, 0] + r[2, 0])), x0 + 1, width))
    y1 = int(np.clip(round(0.5 * (r[2, 1] + r[3, 1])), y0 + 1, height))
    return x0, y0, x1, y1


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
