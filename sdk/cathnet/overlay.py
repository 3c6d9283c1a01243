"""Draws findings over the analysed image (for the CLI's ``--overlay`` and the app)."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from cathnet._arrays import u8
from cathnet.findings import DISCLAIMER, Findings
from cathnet.preprocess import to_grey

HEAT_FLOOR = 0.1  # heat below this is not drawn
_COLOURS = {"mild": (80, 200, 80), "moderate": (0, 170, 255), "severe": (40, 40, 255)}


def to_display(image: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    """Any validated input image → 8-bit BGR for drawing (16-bit is windowed 0.5-99.5 %)."""
    grey = to_grey(image)
    if grey.dtype != np.uint8:
        lo, hi = np.percentile(grey, [0.5, 99.5])
        grey = np.clip((grey.astype(np.float32) - lo) * 255.0 / max(hi - lo, 1.0), 0, 255)
        grey = grey.astype(np.uint8)
    return u8(cv2.cvtColor(np.ascontiguousarray(grey), cv2.COLOR_GRAY2BGR))


def render(
    image: npt.NDArray[Any], findings: Findings, heatmap: npt.NDArray[np.float32] | None = None
) -> npt.NDArray[np.uint8]:
    """The image with lesion outlines (or boxes), %DS labels, the probability and the disclaimer.

    Args:
        image: the array that was analysed (any accepted dtype and layout).
        findings: its findings (coordinates in that image's pixels).
        heatmap: optional (H, W) lesion heatmap in [0, 1] over ``image``
            (``Findings.view.heatmap``), washed over it in colour where it exceeds
            ``HEAT_FLOOR``.

    Returns:
        (H', W', 3) uint8 BGR; small images are upscaled so that text stays legible.
    """
    canvas = to_display(image)
    if heatmap is not None:
        canvas = _wash(canvas, heatmap)
    h, w = canvas.shape[:2]
    up = max(1.0, 512.0 / max(h, w))
    if up > 1.0:
        canvas = u8(cv2.resize(canvas, (round(w * up), round(h * up)), interpolation=cv2.INTER_LINEAR))
    font_scale = max(canvas.shape[1] / 900.0, 0.5)
    thick = max(1, round(font_scale * 2))
    if findings.screen is not None:
        quad = np.round(np.array(findings.screen["corners"]) * up).astype(np.int32)
        cv2.polylines(canvas, [quad], True, (255, 200, 0), thick)
    for lesion in findings.lesions:
        colour = _COLOURS[lesion.severity]
        x0, y0, x1, y1 = (round(v * up) for v in lesion.box)
        if lesion.outline is not None:  # the narrowed stretch itself; a box hides the vessel around it
            outline = np.round(np.array(lesion.outline) * up).astype(np.int32)
            cv2.polylines(canvas, [outline], True, colour, thick, cv2.LINE_AA)
        else:
            cv2.rectangle(canvas, (x0, y0), (x1, y1), colour, thick)
        cv2.drawMarker(canvas, (round(lesion.x * up), round(lesion.y * up)), colour, cv2.MARKER_CROSS, 12, thick)
        # Whole points, rounded down: 49.7 % reads "49% DS mild", never "50% DS mild".
        label = f"{int(lesion.diameter_stenosis_percent)}% DS {lesion.severity}"
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


def _wash(canvas: npt.NDArray[np.uint8], heatmap: npt.NDArray[np.float32]) -> npt.NDArray[np.uint8]:
    if heatmap.shape != canvas.shape[:2]:
        raise ValueError(f"expected a heatmap of the image's size {canvas.shape[:2]}, got {heatmap.shape}")
    heat = np.clip(heatmap, 0.0, 1.0)
    colour = cv2.applyColorMap((heat * 255).astype(np.uint8), cv2.COLORMAP_JET)
    # Opacity grows with the heat above the floor, so cold background stays untouched.
    alpha = (np.clip((heat - HEAT_FLOOR) / (1.0 - HEAT_FLOOR), 0.0, 1.0) * 0.6)[..., None]
    return np.asarray(canvas * (1.0 - alpha) + colour * alpha, np.uint8)


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
    x, y = max(2, min(org[0], canvas.shape[1] - tw - 4)), org[1]  # a label near the right edge stays whole
    cv2.rectangle(canvas, (x - 2, y - th - 3), (x + tw + 2, y + base), (0, 0, 0), -1)
    cv2.putText(canvas, ascii_text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thick, cv2.LINE_AA)
