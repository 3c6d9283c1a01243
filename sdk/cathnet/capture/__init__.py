"""Bedside capture: find the angiogram monitor in a photo and rectify it (issue 3).

``capture_angiogram`` runs the whole path below (what ``Analyzer.predict(photo=True)`` uses);

``find_screen`` returns a truthy ``ScreenQuad`` or a falsy ``NoScreen`` with the reason;
``rectification`` maps a found screen square-on and back, ``rectify`` also warps it;
``find_viewport`` crops the angiogram; ``assess`` runs the quality gates;
``suppress_moire`` notches a beat pattern out of the viewport;
``LiveTracker`` follows the screen on camera preview frames.
"""

from __future__ import annotations

from cathnet.capture.live import LiveState, LiveTracker
from cathnet.capture.moire import MOIRE_WARN, moire_map, moire_score, suppress_moire
from cathnet.capture.pipeline import Captured, capture_angiogram
from cathnet.capture.pose import aspect_ratio, focal_length, tilt_degrees
from cathnet.capture.quality import Issue, Quality, assess
from cathnet.capture.rectify import Rectification, Rectified, rectification, rectify
from cathnet.capture.screen import NoScreen, ScreenQuad, find_screen, order_corners
from cathnet.capture.viewport import find_viewport

__all__ = [
    "MOIRE_WARN",
    "Captured",
    "Issue",
    "LiveState",
    "LiveTracker",
    "NoScreen",
    "Quality",
    "Rectification",
    "Rectified",
    "ScreenQuad",
    "aspect_ratio",
    "assess",
    "capture_angiogram",
    "find_screen",
    "find_viewport",
    "focal_length",
    "moire_map",
    "moire_score",
    "order_corners",
    "rectification",
    "rectify",
    "suppress_moire",
    "tilt_degrees",
]
