"""Quality gates for a photographed angiogram, each with a stable code and guidance.

Every measure is taken where it matters: tilt from the screen's outline, size and
blur in the pixels the model will see, glare and moiré inside the angiogram viewport.
A gate either warns (the analysis proceeds and the findings carry the code) or blocks
(``CaptureError`` with the code and what to do). The limits are module constants,
chosen on simulated photos (``cathnet-train capture-eval`` reports the outcome).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from cathnet.preprocess import to_grey

DEFAULT_FOV_DEG = 68.0  # a tablet's rear camera; used when perspective is too weak to measure
TILT_WARN_DEG, TILT_BLOCK_DEG = 30.0, 45.0
SIZE_WARN_PX, SIZE_BLOCK_PX = 256, 160  # the viewport's shorter side in photo pixels
BLUR_WARN, BLUR_BLOCK = 1.0, 1.6  # edge spread (Gaussian sigma) in model-input pixels
GLARE_WARN, GLARE_BLOCK = 0.001, 0.03  # saturated fraction of the viewport
MOIRE_WARN, MOIRE_BLOCK = 500.0, 50_000.0  # spectral peak over its ring's median (model scale)
_SATURATED = 250


@dataclass(frozen=True)
class Issue:
    """One failed gate: ``code`` is stable, ``message`` tells the user what to do."""

    code: str
    message: str
    blocking: bool

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "blocking": self.blocking}


@dataclass(frozen=True)
class Quality:
    """Measures of one photographed screen and the gates they failed.

    Attributes:
        tilt_deg: angle between the camera's axis and the screen's normal.
        viewport_px: shorter side of the angiogram viewport in photo pixels.
        blur_px: edge spread (sigma) at the model's input resolution; None when the
            viewport has no clear edge to measure it on.
        glare_fraction: saturated fraction of the viewport.
        moire: strongest spectral peak over the median of its frequency ring, at the
            model's input resolution.
        issues: failed gates, blocking ones first.
    """

    tilt_deg: float
    viewport_px: float
    blur_px: float | None
    glare_fraction: float
    moire: float
    issues: tuple[Issue, ...]

    @property
    def blocking(self) -> Issue | None:
        return next((i for i in self.issues if i.blocking), None)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if not i.blocking)

    def to_dict(self) -> dict[str, Any]:
        return {
            "tilt_deg": round(self.tilt_deg, 1),
            "viewport_px": round(self.viewport_px, 1),
            "blur_px": None if self.blur_px is None else round(self.blur_px, 2),
            "glare_fraction": round(self.glare_fraction, 4),
            "moire": round(self.moire, 1),
            "issues": [i.to_dict() for i in self.issues],
        }


def tilt_degrees(corners: npt.ArrayLike, photo_wh: tuple[int, int]) -> float:
    """Angle between the camera's axis and the normal of the rectangle seen as ``corners``.

    A pinhole camera with its principal point at the photo's centre is assumed; the
    focal length comes from the two vanishing points (the rectangle's sides are
    perpendicular) when perspective is strong enough to show them, else from
    ``DEFAULT_FOV_DEG``.
    """
    w, h = photo_wh
    c = np.asarray(corners, np.float64).reshape(4, 2) - np.array([w / 2 - 0.5, h / 2 - 0.5])
    unit = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32)
    hmat = cv2.getPerspectiveTransform(unit, c.astype(np.float32)).astype(np.float64)
    h1, h2 = hmat[:, 0], hmat[:, 1]
    f_default = 0.5 * w / np.tan(np.radians(DEFAULT_FOV_DEG) / 2)
    f = f_default
    # Each vanishing point must be finite (within ~20 photo widths) for f to be measurable.
    finite = all(abs(v[2]) * 20 * w > np.hypot(v[0], v[1]) for v in (h1, h2))
    if finite and h1[2] * h2[2] < 0:
        f2 = -(h1[0] * h2[0] + h1[1] * h2[1]) / (h1[2] * h2[2])
        if (0.3 * w) ** 2 < f2 < (3.0 * w) ** 2:
            f = float(np.sqrt(f2))
    r1 = np.array([h1[0] / f, h1[1] / f, h1[2]])
    r2 = np.array([h2[0] / f, h2[1] / f, h2[2]])
    normal = np.cross(r1, r2)
    return float(np.degrees(np.arccos(min(1.0, abs(normal[2]) / np.linalg.norm(normal)))))


def edge_spread(grey: npt.NDArray[np.uint8], box: tuple[int, int, int, int]) -> float | None:
    """Largest Gaussian sigma (pixels) of the viewport's four edge steps, or None.

    The image's edge on the panel is a sharp step as displayed; the photo's defocus
    and motion widen it. Each side's profile is averaged along the side (noise
    cancels) and sigma is read from its 10-90 % rise distance.
    """
    x0, y0, x1, y1 = box
    g = grey.astype(np.float32)
    reach = max(12, min(x1 - x0, y1 - y0) // 25)
    sigmas = []
    for axis, pos, lo, hi, sign in (
        (1, x0, y0, y1, 1.0), (1, x1, y0, y1, -1.0), (0, y0, x0, x1, 1.0), (0, y1, x0, x1, -1.0),
    ):
        span = hi - lo
        a, b = lo + span // 10, hi - span // 10
        limit = g.shape[1] if axis == 1 else g.shape[0]
        if pos - reach < 0 or pos + reach > limit or b - a < 8:
            continue
        strip = g[a:b, pos - reach : pos + reach] if axis == 1 else g[pos - reach : pos + reach, a:b].T
        if strip.shape[1] != 2 * reach:
            continue
        deriv = sign * np.diff(strip.mean(axis=0))
        step = float(deriv.sum())
        if step < 20.0:  # no clear step here (a dark frame edge)
            continue
        rise = np.cumsum(np.clip(deriv, 0, None))
        rise /= rise[-1]
        width = float(np.interp(0.9, rise, np.arange(rise.size)) - np.interp(0.1, rise, np.arange(rise.size)))
        sigmas.append(width / 2.563)  # 10-90 % rise of a Gaussian-blurred step = 2.563 sigma
    return max(sigmas) if sigmas else None


def moire_score(view: npt.NDArray[np.uint8], side: int) -> float:
    """Strongest periodic component of ``view`` seen at ``side`` pixels, over its ring's median.

    An angiogram's spectrum is smooth around each ring of frequencies; a beat pattern
    is a pair of sharp peaks.

    Measured after the model's own downsampling (area averaging), so a grid finer than
    the model can see, which averaging removes, does not count.
    """
    small = cv2.resize(to_grey(view).astype(np.float32), (side, side), interpolation=cv2.INTER_AREA)
    detail = small - cv2.GaussianBlur(small, (0, 0), 4)
    window = np.outer(np.hanning(side), np.hanning(side)).astype(np.float32)
    power = np.abs(np.fft.fftshift(np.fft.fft2(detail * window))) ** 2
    yy, xx = np.mgrid[0:side, 0:side] - side // 2
    ring = np.round(np.hypot(xx, yy)).astype(int)
    best = 0.0
    for r in range(side // 25, side // 3 + 1):
        values = power[ring == r]
        best = max(best, float(values.max() / max(np.median(values), 1e-9)))
    return best


def assess(
    photo: npt.NDArray[np.uint8],
    corners: npt.ArrayLike,
    screen: npt.NDArray[np.uint8],
    viewport: tuple[int, int, int, int],
    to_photo: npt.NDArray[np.float64],
    model_side: int,
) -> Quality:
    """Measures one photographed screen and runs the gates.

    Args:
        photo: the photo (for its size).
        corners: the lit screen's corners in the photo.
        screen: the rectified screen.
        viewport: the angiogram's box in ``screen`` (x0, y0, x1, y1).
        to_photo: (3, 3) rectified → photo homography.
        model_side: the model's input side (blur and moiré are judged at it).
    """
    x0, y0, x1, y1 = viewport
    view = screen[y0:y1, x0:x1]
    box = np.array([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]], np.float64)
    q = cv2.perspectiveTransform(box, to_photo)[0]
    viewport_px = float(min(np.linalg.norm(q[1] - q[0]), np.linalg.norm(q[2] - q[3]),
                            np.linalg.norm(q[3] - q[0]), np.linalg.norm(q[2] - q[1])))
    tilt = tilt_degrees(corners, (photo.shape[1], photo.shape[0]))
    spread = edge_spread(to_grey(screen), viewport)
    blur = None if spread is None else spread * model_side / max(x1 - x0, y1 - y0)
    colour = view if view.ndim == 3 else view[:, :, None]
    glare = float((colour[:, :, :3].min(axis=2) >= _SATURATED).mean())
    moire = moire_score(view, model_side)

    issues = []

    def gate(value: float | None, warn: float, block: float, code: str, message: str, lower: bool = False) -> None:
        if value is None:
            return
        sign = -1.0 if lower else 1.0
        if sign * value >= sign * block:
            issues.append(Issue(code, message, True))
        elif sign * value >= sign * warn:
            issues.append(Issue(code, message, False))

    gate(tilt, TILT_WARN_DEG, TILT_BLOCK_DEG, "capture.too_oblique",
         f"hold the tablet square-on to the monitor: it is seen {tilt:.0f}° off its axis")
    gate(viewport_px, SIZE_WARN_PX, SIZE_BLOCK_PX, "capture.too_small",
         f"move closer: the angiogram spans only {viewport_px:.0f} px of the photo; fill the frame with the screen",
         lower=True)
    gate(blur, BLUR_WARN, BLUR_BLOCK, "capture.blurred",
         "hold still and let the camera focus on the screen: the image is blurred"
         + ("" if blur is None else f" (edge spread {blur:.1f} px at the model's scale)"))
    gate(glare, GLARE_WARN, GLARE_BLOCK, "capture.glare",
         f"tilt the tablet to move the reflection off the image: {100 * glare:.1f} % of it is washed out")
    gate(moire, MOIRE_WARN, MOIRE_BLOCK, "capture.moire",
         "step back or turn the tablet slightly: the screen's pixel grid shows as stripes (moiré)")
    issues.sort(key=lambda i: not i.blocking)
    return Quality(tilt, viewport_px, blur, glare, moire, tuple(issues))
