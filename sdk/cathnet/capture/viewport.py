"""The angiogram viewport inside a rectified screen (the image among UI text and margins)."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from cathnet.preprocess import to_grey

_MIN_FRACTION = 0.2


def find_viewport(screen: npt.NDArray[np.uint8]) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1), exclusive ends, of the image area in a rectified screen.

    The UI background is the panel's darkest large area; the angiogram is the largest
    region clearly above it. When nothing qualifies the whole screen is returned.
    """
    grey = cv2.GaussianBlur(to_grey(screen), (0, 0), 2)
    h, w = grey.shape
    border = np.concatenate([grey[: h // 20].ravel(), grey[-h // 20 :].ravel(), grey[:, : w // 20].ravel(), grey[:, -w // 20 :].ravel()])
    level = float(np.median(border)) + 25.0
    mask = (grey > level).astype(np.uint8)
    k = max(3, (min(h, w) // 40) | 1)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return 0, 0, w, h
    i = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, bw, bh = (int(v) for v in stats[i, :4])
    if bw * bh < _MIN_FRACTION * w * h:
        return 0, 0, w, h
    return x, y, x + bw, y + bh
