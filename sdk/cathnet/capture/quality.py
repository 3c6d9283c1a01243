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

from cathnet.capture.moire import MOIRE_BLOCK, MOIRE_WARN, moire_score
from cathnet.capture.pose import tilt_degrees
from cathnet.preprocess import to_grey

TILT_WARN_DEG, TILT_BLOCK_DEG = 30.0, 45.0
SIZE_WARN_PX, SIZE_BLOCK_PX = 256, 160  # the viewport's shorter side in photo pixels
BLUR_WARN, BLUR_BLOCK = 1.0, 1.6  # edge spread (Gaussian sigma) in model-input pixels
GLARE_WARN, GLARE_BLOCK = 0.001, 0.03  # fraction of the viewport under a reflection's saturated spot
CLIPPED_WARN, CLIPPED_BLOCK = 0.05, 0.5  # saturated fraction of the viewport, reflection or not
_SATURATED = 250
# A reflection's saturated core is a solid spot, round or rectangular; an angiogram
# clipped by the exposure saturates its bright background, which its darker vessels
# cut and pierce (issue 22: on the tuning photos a lamp's spot fills its outline and
# its hull; a clipped background fills well under 95 % of either).
_SPOT_FILL = 0.97  # saturated pixels / the area their outline encloses
_SPOT_SOLIDITY = 0.9  # that area / its convex hull's
_SPOT_ROUNDNESS = 0.6  # 4 pi A / P^2 of the hull: 0.79 for a square, 1 for a disc


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
        tilt_deg: angle between the camera's axis and the screen's normal (from the
            viewport's outline: the angiogram lies in the screen's plane).
        viewport_px: shorter side of the angiogram viewport in photo pixels.
        blur_px: the screen edge's spread (sigma) at the model's input resolution;
            None when no side shows a clear step to measure it on.
        glare_fraction: fraction of the viewport under a reflection's saturated spot.
        moire: strongest spectral peak over the median of its frequency ring, at the
            model's input resolution.
        issues: failed gates, blocking ones first.
        clipped_fraction: saturated fraction of the viewport, whatever saturated it.
    """

    tilt_deg: float
    viewport_px: float
    blur_px: float | None
    glare_fraction: float
    moire: float
    issues: tuple[Issue, ...]
    clipped_fraction: float = 0.0

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
            "clipped_fraction": round(self.clipped_fraction, 4),
            "moire": round(self.moire, 1),
            "issues": [i.to_dict() for i in self.issues],
        }


def edge_spread(grey: npt.NDArray[np.uint8], corners: npt.ArrayLike) -> float | None:
    """Largest Gaussian sigma (photo pixels) of the lit screen's four edges, or None.

    The lit area ends in a sharp step at the bezel, whatever the screen shows; the
    photo's defocus and motion widen it. Profiles across each side are sampled at
    sub-pixel steps; their median (a hand or a reflection over part of a side does
    not count) gives sigma from its 10-90 % rise (2.563 sigma for a Gaussian blur),
    measured between the two plateaus around the steepest point. Motion blur widens
    only the sides across its direction: the second widest side is reported (of three
    or four measured; of two, the narrower), so one side the outline misses does not
    pass for blur.
    """
    c = np.asarray(corners, np.float64).reshape(4, 2)
    diag = float(np.linalg.norm(c[2] - c[0]))
    reach = max(8.0, 0.012 * diag)
    offsets = np.arange(-reach, reach + 0.125, 0.25)
    t = np.linspace(0.15, 0.85, 64)
    ends = np.roll(c, -1, axis=0)
    along = (ends - c) / np.linalg.norm(ends - c, axis=1)[:, None]
    normals = np.stack([-along[:, 1], along[:, 0]], axis=1)
    inward = np.einsum("ij,ij->i", c.mean(axis=0) - c, normals) >= 0
    normals[~inward] *= -1  # offsets grow into the screen
    pts = (
        c[:, None, None]
        + t[None, :, None, None] * (ends - c)[:, None, None]
        + offsets[None, None, :, None] * normals[:, None, None]
    )  # (4 sides, 64, offsets, 2), one remap
    profiles = cv2.remap(
        grey,
        pts[..., 0].reshape(-1, len(offsets)).astype(np.float32),
        pts[..., 1].reshape(-1, len(offsets)).astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REFLECT,
    ).reshape(4, len(t), len(offsets))
    medians = np.median(profiles.astype(np.float32), axis=1)
    sigmas = []
    for m in medians:
        quarter = m.size // 4
        lo, hi = float(np.median(m[:quarter])), float(np.median(m[-quarter:]))
        if abs(hi - lo) < 8.0:
            continue  # no measurable step on this side
        level = (m - lo) / (hi - lo)  # 0 outside, 1 inside, whichever way the step goes
        steep = int(np.argmax(np.abs(np.diff(m))))
        sigmas.append((_crossing(level, steep, 0.9) - _crossing(level, steep, 0.1)) * 0.25 / 2.563)
    if not sigmas:
        return None
    # the second widest: motion widens two opposite sides, defocus all four, while one
    # side a few pixels off the screen's edge (an outline the photo could not confirm)
    # would read wide on its own
    return sorted(sigmas)[-2] if len(sigmas) >= 3 else min(sigmas)


def _crossing(level: npt.NDArray[np.float32], start: int, value: float) -> float:
    """Sub-sample position where ``level`` crosses ``value``, searching out from ``start``."""
    if value >= level[start]:
        k = start
        while k + 1 < level.size and level[k + 1] < value:
            k += 1
    else:
        k = start
        while k > 0 and level[k] > value:
            k -= 1
    if k + 1 >= level.size:
        return float(k)
    a, b = float(level[k]), float(level[k + 1])
    return k + (value - a) / (b - a) if b != a else float(k)


def saturation(grey: npt.NDArray[np.uint8]) -> tuple[float, float]:
    """(under reflections, saturated at all): shares of ``grey``'s pixels at the sensor's ceiling.

    The first counts only saturated regions shaped like a reflection: solid (no
    unsaturated pixels inside, ``_SPOT_FILL``; nearly convex, ``_SPOT_SOLIDITY``) and
    round or rectangular (``_SPOT_ROUNDNESS`` of the hull). A lamp or a window on the
    glass hides the vessels under it; a bright angiogram clipped by the exposure keeps
    its darker vessels, which cut and pierce its saturated background.
    """
    saturated = (grey >= _SATURATED).astype(np.uint8)
    total = int(np.count_nonzero(saturated))
    if total == 0:
        return 0.0, 0.0
    count, labels, stats, _ = cv2.connectedComponentsWithStats(saturated, connectivity=8)
    spots = 0
    for k in range(1, count):
        pixels = int(stats[k, cv2.CC_STAT_AREA])
        if pixels < 16:
            continue
        x, y, w, h = (int(v) for v in stats[k, :4])
        mask = (labels[y : y + h, x : x + w] == k).astype(np.uint8)
        contours, _ = cv2.findContours(np.pad(mask, 1), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        outline = max(contours, key=cv2.contourArea)
        hull = cv2.convexHull(outline)
        filled, hull_area = cv2.contourArea(outline) + 0.5 * cv2.arcLength(outline, True), cv2.contourArea(hull)
        roundness = 4 * np.pi * hull_area / max(cv2.arcLength(hull, True), 1e-6) ** 2
        if (
            pixels >= _SPOT_FILL * filled
            and filled >= _SPOT_SOLIDITY * (hull_area + 0.5 * cv2.arcLength(hull, True))
            and roundness >= _SPOT_ROUNDNESS
        ):
            spots += pixels
    return spots / grey.size, total / grey.size


def assess(
    photo: npt.NDArray[np.uint8],
    corners: npt.ArrayLike,
    view: npt.NDArray[np.uint8],
    view_corners: npt.ArrayLike,
    model_side: int,
    moire: float | None = None,
) -> Quality:
    """Measures one photographed screen and runs the gates.

    Args:
        photo: the photo, or the photo in grey (the edges are read in grey).
        corners: the lit screen's corners in the photo.
        view: the angiogram viewport seen square-on (grey or colour; glare is judged
            in grey: the monitor shows a grey image, and white glare saturates it).
        view_corners: (4, 2) the viewport's corners in the photo, TL TR BR BL.
        model_side: the model's input side (blur and moiré are judged at it).
        moire: the view's ``moire_score`` when already measured.
    """
    q = np.asarray(view_corners, np.float64).reshape(4, 2)
    viewport_px = float(
        min(
            np.linalg.norm(q[1] - q[0]),
            np.linalg.norm(q[2] - q[3]),
            np.linalg.norm(q[3] - q[0]),
            np.linalg.norm(q[2] - q[1]),
        )
    )
    tilt = tilt_degrees(q, (photo.shape[1], photo.shape[0]))  # the viewport's outline is the better fitted
    spread = edge_spread(to_grey(photo), corners)
    longest = float(max(np.linalg.norm(q[(i + 1) % 4] - q[i]) for i in range(4)))
    blur = None if spread is None else spread * model_side / longest
    glare, clipped = saturation(to_grey(view))
    moire = moire_score(view, model_side) if moire is None else moire

    issues = []

    def gate(value: float | None, warn: float, block: float, code: str, message: str, lower: bool = False) -> None:
        if value is None:
            return
        sign = -1.0 if lower else 1.0
        if sign * value >= sign * block:
            issues.append(Issue(code, message, True))
        elif sign * value >= sign * warn:
            issues.append(Issue(code, message, False))

    gate(
        tilt,
        TILT_WARN_DEG,
        TILT_BLOCK_DEG,
        "capture.too_oblique",
        f"hold the tablet square-on to the monitor: it is seen {tilt:.0f}° off its axis",
    )
    gate(
        viewport_px,
        SIZE_WARN_PX,
        SIZE_BLOCK_PX,
        "capture.too_small",
        f"move closer: the angiogram spans only {viewport_px:.0f} px of the photo; fill the frame with the screen",
        lower=True,
    )
    gate(
        blur,
        BLUR_WARN,
        BLUR_BLOCK,
        "capture.blurred",
        "hold still and let the camera focus on the screen: the image is blurred"
        + ("" if blur is None else f" (edge spread {blur:.1f} px at the model's scale)"),
    )
    gate(
        glare,
        GLARE_WARN,
        GLARE_BLOCK,
        "capture.glare",
        f"tilt the tablet to move the reflection off the image: {100 * glare:.1f} % of it is washed out",
    )
    gate(
        moire,
        MOIRE_WARN,
        MOIRE_BLOCK,
        "capture.moire",
        "step back or turn the tablet slightly: the screen's pixel grid shows as stripes (moiré)",
    )
    if clipped >= CLIPPED_BLOCK:  # whatever saturated it, most of the angiogram is gone: not a reflection's doing
        issues = [i for i in issues if i.code != "capture.glare"]
    if clipped >= CLIPPED_WARN and not any(i.code == "capture.glare" and i.blocking for i in issues):
        issues.append(
            Issue(
                "capture.overexposed",
                f"tap the angiogram on the tablet's screen to set the exposure on it: {100 * clipped:.0f} % of it "
                "is clipped white",
                clipped >= CLIPPED_BLOCK,
            )
        )
    issues.sort(key=lambda i: not i.blocking)
    return Quality(tilt, viewport_px, blur, glare, moire, tuple(issues), clipped)
