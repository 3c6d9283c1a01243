"""The angiogram viewport inside a rectified screen (the image among UI text and margins)."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from cathnet._arrays import u8
from cathnet.preprocess import to_grey

_MIN_FRACTION = 0.2  # of the screen's width and of its height
_ABOVE_PANEL = 25.0  # grey levels above the panel's black that count as image
_MIN_FILL = 0.6  # of the image area above the black (an angiogram's vessels are thin)
_BELOW_PANEL = 12.0  # grey levels under the panel's black that count as the frame's own black
_BLACK_SHARE = 0.15  # of a row or column, for the box to grow over it


def _main_run(profile: npt.NDArray[np.float64]) -> tuple[int, int]:
    """[start, end) of the heaviest run of ``profile >= half its maximum``.

    The outermost 1.5 % is ignored: a sliver of a light bezel left by the corner fit
    is "bright" over the whole height but is not the image.
    """
    profile = profile.copy()
    edge = max(3, round(0.015 * len(profile)))
    profile[:edge] = 0.0
    profile[-edge:] = 0.0
    on = np.concatenate([[False], profile >= 0.5 * profile.max(), [False]]).astype(np.int8)
    starts = np.flatnonzero(np.diff(on) == 1)
    ends = np.flatnonzero(np.diff(on) == -1)
    if len(starts) == 0:
        return 0, len(profile)
    k = int(np.argmax([profile[a:b].sum() for a, b in zip(starts, ends)]))
    return int(starts[k]), int(ends[k])


def image_area(screen: npt.NDArray[np.uint8], snap: bool = True) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1), exclusive ends, of the image area in a rectified screen, or None.

    The UI background is the panel's black, read from the screen's outer margin; the
    angiogram is the rectangle whose rows and columns are mostly above it. Row and
    column profiles of that mask ignore what fills only a few rows or columns (UI text,
    a reflection on the margin), which a largest-connected-region rule would merge in.
    None when no such rectangle fills at least a fifth of each side and is mostly
    above the black (a window, a monitor of thin coloured traces).
    """
    grey = u8(cv2.GaussianBlur(to_grey(screen), (0, 0), max(1.0, min(screen.shape[:2]) / 300)))
    h, w = grey.shape
    border = np.concatenate(
        [grey[: h // 20].ravel(), grey[-h // 20 :].ravel(), grey[:, : w // 20].ravel(), grey[:, -w // 20 :].ravel()]
    )
    panel = float(np.median(border))
    mask = (grey > panel + _ABOVE_PANEL).astype(np.float64)
    x0, x1 = _main_run(mask.mean(axis=0))
    y0, y1 = _main_run(mask[:, x0:x1].mean(axis=1))
    x0, x1 = _main_run(mask[y0:y1].mean(axis=0))
    if x1 - x0 < _MIN_FRACTION * w or y1 - y0 < _MIN_FRACTION * h or mask[y0:y1, x0:x1].mean() < _MIN_FILL:
        return None
    box = _grow_over_black(grey, (x0, y0, x1, y1), panel)
    return _snap_to_steps(grey, box) if snap and box == (x0, y0, x1, y1) else box


def _grow_over_black(
    grey: npt.NDArray[np.uint8], box: tuple[int, int, int, int], panel: float
) -> tuple[int, int, int, int]:
    """Widens the box over the frame's own black (darker than the panel's black).

    A real angiogram's round field of view leaves black corners: the bright area is
    then only part of the frame, and the frame's edge is where that black meets the
    panel. Each side moves out while the next row or column is largely darker than
    the panel.
    """
    x0, y0, x1, y1 = box
    h, w = grey.shape
    black = grey < panel - _BELOW_PANEL
    for _ in range(2):
        while x0 > 0 and black[y0:y1, x0 - 1].mean() >= _BLACK_SHARE:
            x0 -= 1
        while x1 < w and black[y0:y1, x1].mean() >= _BLACK_SHARE:
            x1 += 1
        while y0 > 0 and black[y0 - 1, x0:x1].mean() >= _BLACK_SHARE:
            y0 -= 1
        while y1 < h and black[y1, x0:x1].mean() >= _BLACK_SHARE:
            y1 += 1
    return x0, y0, x1, y1


def find_viewport(screen: npt.NDArray[np.uint8]) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1), exclusive ends, of the angiogram in a rectified screen.

    The whole screen when no image area stands out (``image_area`` says why not).
    """
    box = image_area(screen)
    return box if box is not None else (0, 0, screen.shape[1], screen.shape[0])


def _snap_to_steps(grey: npt.NDArray[np.uint8], box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """Moves each side to the strongest step (image bright inside, panel dark outside) nearby.

    A reflection on the margin lifts the mask's profile smoothly; the image's own edge
    is a sharp step, so the gradient pins it.
    """
    x0, y0, x1, y1 = box
    g = grey.astype(np.float32)
    dx, dy = max(2, (x1 - x0) // 10), max(2, (y1 - y0) // 10)

    def best(profile: npt.NDArray[np.float32], lo: int, hi: int, sign: float) -> int:
        lo, hi = max(lo, 0), min(hi, len(profile))
        return lo + int(np.argmax(sign * profile[lo:hi]))

    col = np.diff(g[y0:y1].mean(axis=0))  # the mean step g[:, j + 1] - g[:, j] over the box's rows
    row = np.diff(g[:, x0:x1].mean(axis=1))
    nx0 = best(col, x0 - dx, x0 + dx, 1.0) + 1  # first column inside
    nx1 = best(col, x1 - 1 - dx, x1 - 1 + dx, -1.0) + 1  # exclusive end
    ny0 = best(row, y0 - dy, y0 + dy, 1.0) + 1
    ny1 = best(row, y1 - 1 - dy, y1 - 1 + dy, -1.0) + 1
    if nx1 - nx0 < 0.8 * (x1 - x0) or ny1 - ny0 < 0.8 * (y1 - y0):
        return box
    return nx0, ny0, nx1, ny1
