"""Bedside capture: find the angiogram monitor in a photo and rectify it (issue 3).

``find_screen`` returns a truthy ``ScreenQuad`` or a falsy ``NoScreen`` with the reason;
``rectify`` warps the found screen square-on and maps coordinates both ways.
"""

from __future__ import annotations

from cathnet.capture.rectify import Rectified, rectify
from cathnet.capture.screen import NoScreen, ScreenQuad, find_screen, order_corners
from cathnet.capture.viewport import find_viewport

__all__ = ["NoScreen", "Rectified", "ScreenQuad", "find_screen", "find_viewport", "order_corners", "rectify"]
