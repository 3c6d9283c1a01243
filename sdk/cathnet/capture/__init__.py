"""Bedside capture: find the angiogram monitor in a photo and rectify it (issue 3).

``capture_angiogram`` runs the whole path below (what ``Analyzer.predict(photo=True)`` uses);

``find_screen`` returns a truthy ``ScreenQuad`` or a falsy ``NoScreen`` with the reason,
from the learned ``Locator`` (the lit panel and the angiogram nearest the photo's centre);
``rectification`` maps a found screen square-on and back, ``rectify`` also warps it;
``assess`` runs the quality gates;
``suppress_moire`` notches a beat pattern out of the viewport;
``LiveTracker`` follows the screen on camera preview frames.
"""

from __future__ import annotations

from cathnet.capture.live import LiveState, LiveTracker
from cathnet.capture.locator import Located, Locator
from cathnet.capture.moire import MOIRE_WARN, moire_map, moire_score, suppress_moire
from cathnet.capture.pipeline import Captured, capture_angiogram
from cathnet.capture.pose import aspect_ratio, focal_length, tilt_degrees
from cathnet.capture.quality import Issue, Quality, assess
from cathnet.capture.rectify import Rectification, Rectified, rectification, rectify
from cathnet.capture.screen import NoScreen, ScreenQuad, find_screen
from cathnet.geometry import order_corners

__all__ = [
    "MOIRE_WARN",
    "Captured",
    "Issue",
    "LiveState",
    "LiveTracker",
    "Located",
    "Locator",
    "NoScreen",
    "Quality",
    "Rectification",
    "Rectified",
    "ScreenQuad",
    "aspect_ratio",
    "assess",
    "capture_angiogram",
    "find_screen",
    "focal_length",
    "moire_map",
    "moire_score",
    "order_corners",
    "rectification",
    "rectify",
    "suppress_moire",
    "tilt_degrees",
]
