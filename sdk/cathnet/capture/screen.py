"""Finding the angiogram monitor in a photo: its lit panel and the angiogram on it.

The learned locator (``cathnet.capture.locator``) reads the whole photo at 256x192 and
says where the lit panel and every angiogram viewport are; the angiogram nearest the
photo's centre is taken (on a display wall, the tile the reader aims at), with the
panel that holds it. Corners are fitted at the photo's resolution to the image's
own steps. The viewport must still look like an angiogram (grey-scale, not flat) in
the photo's colours. "No screen" is an expected outcome, returned with a reason
(scikit-image's falsy-failure idea), never raised from deep in the pipeline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt

from cathnet._arrays import Photo, u8
from cathnet.capture.locator import Locator
from cathnet.geometry import order_corners
from cathnet.preprocess import to_grey

_MIN_CONTRAST = 4.0  # grey-level std of a viewport: the faintest real frame, photographed, still has more
_MAX_SATURATION = 60.0  # median HSV saturation of a viewport: above it, a colour picture (video, traces)
NO_SCREEN_GUIDANCE = (
    "no angiogram monitor found: point the tablet at the monitor that shows the angiogram, its whole image in the frame"
)


@dataclass(frozen=True)
class ScreenQuad:
    """A found screen, corners TL, TR, BR, BL in photo pixels (x right, y down).

    Attributes:
        corners: the lit panel that shows the angiogram (the viewport's own corners when
            the panel's outline could not be told, e.g. an edge-to-edge panel on a dark wall).
        support: the locator's confidence in the angiogram (its mean probability there).
        area_fraction: the panel's share of the photo.
        viewport: the angiogram's outer corners.
    """

    corners: npt.NDArray[np.float64]
    support: float
    area_fraction: float
    viewport: npt.NDArray[np.float64]

    def __bool__(self) -> Literal[True]:  # Literal: ``if not found`` narrows the type
        return True


@dataclass(frozen=True)
class NoScreen:
    """Detection failed; ``reason`` says why. Falsy."""

    reason: str

    def __bool__(self) -> Literal[False]:
        return False


def looks_like_an_angiogram(photo: Photo, viewport: npt.NDArray[np.float64]) -> bool:
    """The viewport, seen square-on at 96x96, holds grey-scale structure: not flat, not colourful."""
    dst = np.array([[0, 0], [96, 0], [96, 96], [0, 96]], np.float32)
    hmat = cv2.getPerspectiveTransform(viewport.astype(np.float32), dst)
    scale = max(1.0, float(np.linalg.norm(viewport[2] - viewport[0])) / (96 * math.sqrt(2)))
    source = photo if scale < 2 else cv2.GaussianBlur(photo, (0, 0), 0.5 * scale)  # no aliasing at 96 px
    seen = u8(cv2.warpPerspective(source, hmat, (96, 96), flags=cv2.INTER_LINEAR))
    if float(to_grey(seen).std()) < _MIN_CONTRAST:
        return False
    if seen.ndim == 3 and seen.shape[2] >= 3:
        hsv = cv2.cvtColor(np.ascontiguousarray(seen[:, :, :3]), cv2.COLOR_BGR2HSV)
        if float(np.median(hsv[..., 1])) > _MAX_SATURATION:
            return False
    return True


def find_screen(photo: Photo, preview: bool = False, locator: Locator | None = None) -> ScreenQuad | NoScreen:
    """Finds the angiogram monitor in a photo: the angiogram and the lit panel around it.

    Args:
        photo: (H, W) or (H, W, 1|3|4) uint8 photo, BGR(A); a uint16 photo is read as
            8-bit (value / 257).
        preview: a live camera frame (e.g. 640x480): the same path (the fit to the
            frame's edges costs little at that size); kept for the callers that say so.
        locator: the network to run; None builds one for this call (an ``Analyzer`` and a
            ``LiveTracker`` keep theirs).

    Returns:
        ``ScreenQuad`` (truthy) or ``NoScreen`` with the reason (falsy).
    """
    return _find(photo, preview, locator or Locator())[0]


def locate_screen(photo: Photo, locator: Locator | None = None) -> tuple[ScreenQuad | NoScreen, npt.NDArray[np.uint8]]:
    """``find_screen(photo)``, and the photo in grey at its resolution (the capture reuses it)."""
    return _find(photo, False, locator or Locator())


def _find(photo: Photo, preview: bool, locator: Locator) -> tuple[ScreenQuad | NoScreen, npt.NDArray[np.uint8]]:
    photo8 = u8(cv2.convertScaleAbs(photo, alpha=1 / 257) if photo.dtype == np.uint16 else photo)
    grey = to_grey(photo8)
    located = locator.locate(photo8, grey)
    if located.viewport is None:
        return NoScreen(NO_SCREEN_GUIDANCE), grey
    viewport = order_corners(located.viewport)
    if not looks_like_an_angiogram(photo8, viewport):
        return NoScreen(NO_SCREEN_GUIDANCE + " (what was found is not a grey-scale angiogram)"), grey
    corners = order_corners(located.panel) if located.panel is not None else viewport
    h, w = grey.shape[:2]
    area = cv2.contourArea(corners.astype(np.float32)) / (h * w)
    return ScreenQuad(corners, located.confidence, float(area), viewport), grey
