"""The screen's pose from its outline: focal length, tilt and true aspect ratio.

A pinhole camera with its principal point at the photo's centre is assumed. The
outline of a rectangle fixes the homography H from the unit square; its columns h1,
h2 are K r1 and K r2 up to scale, and r1 ⟂ r2 gives the focal length when both
vanishing points are finite (Zhang & He's whiteboard rectification). With the focal
length, the rectangle's tilt and its true width/height follow.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

DEFAULT_FOV_DEG = 68.0  # a tablet's rear camera; used when perspective is too weak to measure


def _columns(corners: npt.ArrayLike, photo_wh: tuple[int, int]) -> tuple[npt.NDArray[np.float64], ...]:
    w, h = photo_wh
    c = np.asarray(corners, np.float64).reshape(4, 2) - np.array([w / 2 - 0.5, h / 2 - 0.5])
    unit = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32)
    hmat = cv2.getPerspectiveTransform(unit, c.astype(np.float32)).astype(np.float64)
    return hmat[:, 0], hmat[:, 1]


def focal_length(corners: npt.ArrayLike, photo_wh: tuple[int, int]) -> float:
    """Focal length in pixels: measured from the outline when it can be, else the default."""
    w = photo_wh[0]
    h1, h2 = _columns(corners, photo_wh)
    f = 0.5 * w / np.tan(np.radians(DEFAULT_FOV_DEG) / 2)
    # Each vanishing point must be finite (within ~20 photo widths) for f to be measurable.
    finite = all(abs(v[2]) * 20 * w > np.hypot(v[0], v[1]) for v in (h1, h2))
    if finite and h1[2] * h2[2] < 0:
        f2 = -(h1[0] * h2[0] + h1[1] * h2[1]) / (h1[2] * h2[2])
        if (0.3 * w) ** 2 < f2 < (3.0 * w) ** 2:
            f = float(np.sqrt(f2))
    return float(f)


def _axes(corners: npt.ArrayLike, photo_wh: tuple[int, int]) -> tuple[npt.NDArray[np.float64], ...]:
    f = focal_length(corners, photo_wh)
    h1, h2 = _columns(corners, photo_wh)
    return np.array([h1[0] / f, h1[1] / f, h1[2]]), np.array([h2[0] / f, h2[1] / f, h2[2]])


def tilt_degrees(corners: npt.ArrayLike, photo_wh: tuple[int, int]) -> float:
    """Angle between the camera's axis and the normal of the rectangle seen as ``corners``."""
    r1, r2 = _axes(corners, photo_wh)
    normal = np.cross(r1, r2)
    return float(np.degrees(np.arccos(min(1.0, abs(normal[2]) / np.linalg.norm(normal)))))


def aspect_ratio(corners: npt.ArrayLike, photo_wh: tuple[int, int]) -> float:
    """True width / height of the rectangle seen as ``corners`` (TL, TR, BR, BL)."""
    r1, r2 = _axes(corners, photo_wh)
    return float(np.linalg.norm(r1) / np.linalg.norm(r2))
