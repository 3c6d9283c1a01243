"""The capture path as one step: photo in, the angiogram the model should see out.

``Analyzer.predict(photo, photo=True)`` and the curriculum's photographed level
(``cathnet_train.photos``) both call ``capture_angiogram``, so the model is trained on
exactly what it is later given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cathnet.capture.moire import NOTCH_RATIO, suppress_moire
from cathnet.capture.quality import Quality, assess
from cathnet.capture.rectify import Rectified, rectify
from cathnet.capture.screen import ScreenQuad, find_screen
from cathnet.capture.viewport import find_viewport
from cathnet.errors import CaptureError


@dataclass(frozen=True)
class Captured:
    """A photographed angiogram, found, rectified and checked.

    Attributes:
        screen: the lit screen found in the photo.
        rectified: the screen warped square-on (and the mapping both ways).
        viewport: the angiogram's box in ``rectified.image`` (x0, y0, x1, y1), exclusive ends.
        quality: the gates' measures and the warnings that did not block.
        image: the viewport as the model should see it (a moiré notched out).
        moire_suppressed: whether the moiré notch was applied.
    """

    screen: ScreenQuad
    rectified: Rectified
    viewport: tuple[int, int, int, int]
    quality: Quality
    image: npt.NDArray[np.uint8]
    moire_suppressed: bool


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
    suppressed = quality.moire >= NOTCH_RATIO
    image = suppress_moire(view, model_side) if suppressed else view
    return Captured(found, rect, (x0, y0, x1, y1), quality, image, suppressed)
