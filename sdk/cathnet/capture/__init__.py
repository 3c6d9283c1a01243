"""Bedside capture: find the angiogram monitor in a photo and rectify it (issue 3).

``find_screen`` returns a truthy ``ScreenQuad`` or a falsy ``NoScreen`` with the reason;
``rectify`` warps the found screen square-on and maps coordinates both ways;
``find_viewport`` crops the angiogram; ``assess`` runs the quality gates;
``LiveTracker`` follows the screen on camera preview frames.
"""

from __future__ import annotations

from cathnet.capture.live import LiveState, LiveTracker
from cathnet.capture.pose import aspect_ratio, focal_length, tilt_degrees
from cathnet.capture.quality import Issue, Quality, assess
from cathnet.capture.rectify import Rectified, rectify
from cathnet.capture.screen import NoScreen, ScreenQuad, find_screen, order_corners
from cathnet.capture.viewport import find_viewport

__all__ = [
    "Issue",
    "LiveState",
    "LiveTracker",
    "NoScreen",
    "Quality",
    "Rectified",
    "ScreenQuad",
    "aspect_ratio",
    "assess",
    "focal_length",
    "find_screen",
    "find_viewport",
    "order_corners",
    "rectify",
    "tilt_degrees",
]
