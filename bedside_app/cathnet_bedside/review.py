"""What the clinician sees: the review image, the findings in words, the exported report.

Everything here is plain OpenCV and text, with no Kivy, so it is tested without a window
and the exported report looks the same on every device.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from cathnet import DISCLAIMER, Findings
from cathnet.overlay import render

REPORT_HEIGHT = 900
_PANEL_WIDTH = 760

# Headlines for the errors a capture can end in; the SDK's message follows as detail.
GUIDANCE = {
    "capture.no_screen": (
        "No monitor found: point the tablet at the angiogram monitor and fit the whole screen in the frame."
    ),
    "capture.too_oblique": "Too oblique: hold the tablet square-on to the monitor.",
    "capture.too_small": "Too far: move closer so that the monitor fills most of the frame.",
    "capture.blurred": "Blurred: hold still and let the camera focus, then capture again.",
    "capture.glare": "Glare on the screen: tilt the tablet or dim the room lights.",
    "capture.moire": "Moire stripes: step back a little or change the angle slightly.",
}


def review_image(findings: Findings) -> npt.NDArray[np.uint8]:
    """The analysed image (the rectified angiogram for a photo) with heatmap and markers.

    Raises:
        ValueError: ``findings`` came without ``view`` (predict with ``keep_view=True``).
    """
    view = findings.view
    if view is None:
        raise ValueError("expected findings from predict(..., keep_view=True), got findings without a view")
    in_view = dataclasses.replace(findings, lesions=view.lesions, screen=None, image_size=view.image.shape[1::-1])
    return render(view.image, in_view, heatmap=view.heatmap)


def verdict(findings: dict[str, Any]) -> str:
    """The one-line call, from a findings record."""
    if findings["stenosis"]:
        return "Significant stenosis suspected (>= 50 % DS)"
    return "No significant stenosis found"


def finding_lines(findings: dict[str, Any]) -> list[str]:
    """The findings in words, one line each, from a findings record (``Findings.to_dict``)."""
    lines = [f"P(stenosis) {findings['stenosis_probability']:.2f} (threshold {findings['threshold']:.2f})"]
    lesions = findings["lesions"]
    if not lesions:
        lines.append("No lesion candidates above the heatmap threshold")
    for k, lesion in enumerate(lesions, 1):
        # Whole points rounded down, as the overlay draws them: 49.7 is "49 % DS, mild".
        lines.append(
            f"Lesion {k}: {int(lesion['diameter_stenosis_percent'])} % DS, {lesion['severity']} "
            f"(score {lesion['score']:.2f})"
        )
    for code in findings.get("warnings", []):
        lines.append(f"Warning: {code}")
    model = findings.get("model", {})
    # What the model learned from is in its card (`cathnet info`); a stored record may come
    # from an older model, so the line names the model and claims nothing about its data.
    lines.append(f"Model {model.get('id', '?')} {model.get('version', '?')} on {findings.get('backend', '?')}")
    return lines


def guidance_for(code: str, message: str) -> str:
    """What to tell the user for an error code (the SDK's message when no headline exists)."""
    headline = GUIDANCE.get(code)
    return f"{headline}\n({message})" if headline else message


def report_image(
    capture_id: str, created: str, findings: dict[str, Any], review: npt.NDArray[np.uint8]
) -> npt.NDArray[np.uint8]:
    """The exported PNG report: the review image beside the findings, model and disclaimer.

    Args:
        capture_id: the capture's id (no patient identifier).
        created: its ISO time.
        findings: its findings record.
        review: its review image (BGR uint8).
    """
    scale = REPORT_HEIGHT / review.shape[0]
    image = cv2.resize(review, (max(1, round(review.shape[1] * scale)), REPORT_HEIGHT), interpolation=cv2.INTER_AREA)
    panel = np.full((REPORT_HEIGHT, _PANEL_WIDTH, 3), 255, np.uint8)
    y = 60
    y = _put(panel, "CathNet findings report", y, 1.1, 2)
    y = _put(panel, f"Capture {capture_id}, {created}", y + 10, 0.6, 1)
    colour = (0, 0, 200) if findings["stenosis"] else (0, 120, 0)
    y = _put(panel, verdict(findings), y + 30, 0.8, 2, colour)
    for line in finding_lines(findings):
        y = _put(panel, line, y + 6, 0.6, 1)
    sha = findings.get("model", {}).get("sha256", "")
    if sha:
        y = _put(panel, f"Model sha256 {sha[:16]}...", y + 6, 0.5, 1)
    _put(panel, DISCLAIMER, REPORT_HEIGHT - 40, 0.75, 2, (0, 0, 180))
    return np.hstack([image, panel])


def _put(
    canvas: npt.NDArray[np.uint8],
    text: str,
    y: int,
    scale: float,
    thick: int,
    colour: tuple[int, int, int] = (20, 20, 20),
) -> int:
    """Draws ``text`` (wrapped to the panel) at baseline ``y``; returns the next baseline."""
    words = text.replace("—", "-").split()
    line = ""
    for word in words:
        trial = f"{line} {word}".strip()
        if cv2.getTextSize(trial, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)[0][0] > canvas.shape[1] - 60 and line:
            cv2.putText(canvas, line, (30, y), cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thick, cv2.LINE_AA)
            y += int(40 * scale) + 8
            line = word
        else:
            line = trial
    cv2.putText(canvas, line, (30, y), cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thick, cv2.LINE_AA)
    return y + int(40 * scale) + 8
