"""Draws findings over the analysed image (for the CLI's ``--overlay`` and the app)."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from cathnet.findings import DISCLAIMER, Findings
from cathnet.preprocess import to_grey

_COLOURS = {"mild": (80, 200, 80), "moderate": (0, 170, 255), "severe": (40, 40, 255)}


def to_display(image: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    """Any validated input image → 8-bit BGR for drawing (16-bit is windowed 0.5-99.5 %)."""
    grey = to_grey(image)
    if grey.dtype != np.uint8:
        lo, hi = np.percentile(grey, [0.5, 99.5])
        grey = np.clip((grey.astype(np.float32) - lo) * 255.0 / max(hi - lo, 1.0), 0, 255)
        grey = grey.astype(np.uint8)
    return cv2.cvtColor(np.ascontiguousarray(grey), cv2.COLOR_GRAY2BGR)


def render(image: npt.NDArray[Any], findings: Findings) -> npt.NDArray[np.uint8]:
    """The image with lesion boxes, %DS labels, the probability and the disclaimer.

    Args:
        image: the array that was analysed (any accepted dtype and layout).
        findings: its findings (coordinates in that image's pixels).

    Returns:
        (H', W', 3) uint8 BGR; small images are upscaled so that text stays legible.
    """
    canvas = to_display(image)
    h, w = canvas.shape[:2]
    up = max(1.0, 512.0 / max(h, w))
    if up > 1.0:
        canvas = cv2.resize(canvas, (round(w * up), round(h * up)), interpolation=cv2.INTER_LINEAR)
    font_scale = max(canvas.shape[1] / 900.0, 0.5)
    thick = max(1, round(font_scale * 2))
    if findings.screen is not None:
        quad = np.round(np.array(findings.screen["corners"]) * up).astype(np.int32)
        cv2.polylines(canvas, [quad], True, (255, 200, 0), thick)
    for lesion in findings.lesions:
        colour = _COLOURS[lesion.severity]
        x0, y0, x1, y1 = (round(v * up) for v in lesion.box)
        cv2.rectangle(canvas, (x0, y0), (x1, y1), colour, thick)
        cv2.drawMarker(canvas, (round(lesion.x * up), round(lesion.y * up)), colour, cv2.MARKER_CROSS, 12, thick)
        label = f"{lesion.diameter_stenosis_percent:.0f}% DS {lesion.severity}"
        _text(canvas, label, (x0, max(y0 - 6, 14)), font_scale, colour, thick)
    verdict = "STENOSIS" if findings.stenosis else "no significant stenosis"
    _text(
        canvas,
        f"P(stenosis)={findings.stenosis_probability:.2f} (threshold {findings.threshold:.2f}): {verdict}",
        (8, round(22 * font_scale / 0.45)),
        font_scale,
        (255, 255, 255),
        thick,
    )
    _text(canvas, DISCLAIMER, (8, canvas.shape[0] - 10), font_scale, (255, 255, 255), thick)
    return canvas


def _text(
    canvas: npt.NDArray[np.uint8],
    text: str,
    org: tuple[int, int],
    scale: float,
    colour: tuple[int, int, int],
    thick: int,
) -> None:
    # Hershey fonts are ASCII only; a dark plate keeps text legible on bright vessels
    # (an outline drawn thicker would space the glyphs differently and smear).
    ascii_text = text.replace("—", "-")
    (tw, th), base = cv2.getTextSize(ascii_text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    x, y = org
    cv2.rectangle(canvas, (x - 2, y - th - 3), (x + tw + 2, y + base), (0, 0, 0), -1)
    cv2.putText(canvas, ascii_text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thick, cv2.LINE_AA)
