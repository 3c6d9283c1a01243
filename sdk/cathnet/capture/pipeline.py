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

from cathnet.capture.moire import NOTCH_RATIO, suppress_moire
from cathnet.capture.quality import Quality, assess
from cathnet.capture.rectify import Rectified, rectify
from cathnet.capture.screen import ScreenQuad, find_screen
from cathnet.capture.viewport import find_viewport
from cathnet.errors import CaptureError

NOTCH_SIDE = 2  # model sides: the largest side the moiré notch works at


@dataclass(frozen=True)
class Captured:
    """A photographed angiogram, found, rectified and checked.

    Attributes:
        screen: the lit screen found in the photo.
        rectified: the screen warped square-on (and the mapping both ways).
        viewport: the angiogram's box in ``rectified.image`` (x0, y0, x1, y1), exclusive ends.
        quality: the gates' measures and the warnings that did not block.
        image: the viewport as the model should see it: the viewport itself, or with a
            moiré notched out, the viewport area-averaged to at most ``NOTCH_SIDE`` model
            sides and notched there.
        moire_suppressed: whether the moiré notch was applied.
        to_image: (3, 3) rectified pixels → ``image`` pixels (a shift to the viewport and,
            when notched, a scale; pixel centres map to pixel centres).
    """

    screen: ScreenQuad
    rectified: Rectified
    viewport: tuple[int, int, int, int]
    quality: Quality
    image: npt.NDArray[np.uint8]
    moire_suppressed: bool
    to_image: npt.NDArray[np.float64]


def capture_angiogram(photo: npt.NDArray[np.uint8], model_side: int) -> Captured:
    """Finds the monitor, rectifies it, crops the viewport and runs the quality gates.

    Args:
        photo: (H, W) or (H, W, 3|4) uint8 photo of the angiogram monitor.
        model_side: the model's input side (blur and moiré are judged at it).

    Raises:
        CaptureError: ``capture.no_screen``, or the code of the gate that blocked.
    """
    found = find_screen(photo)
    if not found:
        raise CaptureError("capture.no_screen", f"expected a photo of the angiogram monitor: {found.reason}")
    rect = rectify(photo, found.corners)
    x0, y0, x1, y1 = find_viewport(rect.image)
    view = np.ascontiguousarray(rect.image[y0:y1, x0:x1])
    quality = assess(photo, found.corners, rect.image, (x0, y0, x1, y1), np.linalg.inv(rect.homography), model_side)
    if quality.blocking is not None:
        raise CaptureError(quality.blocking.code, f"expected a usable photo of the angiogram: {quality.blocking.message}")
    # A beat pattern the gate let through is notched out before the model sees it, even
    # one too faint to warn about (an image's own straight edges do not count as one).
    # The notch works at twice the model's side at most: the model sees the viewport
    # area-averaged to its side anyway, the carriers lie below a third of it, and the
    # notch's cost grows with the pixels (a 1000 px viewport: 130 ms at full size).
    suppressed = quality.moire >= NOTCH_RATIO
    shift = np.array([[1.0, 0.0, -x0], [0.0, 1.0, -y0], [0.0, 0.0, 1.0]])
    image, scale = notched(view, model_side) if suppressed else (view, np.eye(3))
    return Captured(found, rect, (x0, y0, x1, y1), quality, image, suppressed, scale @ shift)


def notched(view: npt.NDArray[np.uint8], model_side: int) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.float64]]:
    """``view`` area-averaged to at most ``NOTCH_SIDE`` model sides, its moiré notched out.

    Returns:
        The grey notched image, and the (3, 3) scale from ``view`` pixels to its pixels
        (pixel centres to pixel centres; the identity when no averaging was needed).
    """
    h, w = view.shape[:2]
    scale = min(1.0, NOTCH_SIDE * model_side / max(h, w))
    if scale >= 1.0:
        return suppress_moire(view, model_side), np.eye(3)
    size = (max(round(w * scale), 1), max(round(h * scale), 1))
    small = cv2.resize(view, size, interpolation=cv2.INTER_AREA)
    sx, sy = size[0] / w, size[1] / h
    return suppress_moire(small, model_side), np.array([[sx, 0.0, 0.5 * sx - 0.5], [0.0, sy, 0.5 * sy - 0.5], [0.0, 0.0, 1.0]])
