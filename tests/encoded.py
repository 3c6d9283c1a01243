"""Encoded image files built in memory, for the decoder's tests and the fuzz seeds."""

from __future__ import annotations

import struct

import cv2
import numpy as np


def encoded(ext: str, image: np.ndarray, params: tuple[int, ...] = ()) -> bytes:
    """``image`` encoded by OpenCV as ``ext`` (".png", ".jpg", ".bmp", ".tiff")."""
    ok, buf = cv2.imencode(ext, image, list(params))
    assert ok, ext
    return buf.tobytes()


def with_exif_orientation(jpeg: bytes, orientation: int) -> bytes:
    """``jpeg`` with an APP1 EXIF segment holding only the orientation tag (0x0112)."""
    ifd = struct.pack(">H", 1) + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(">I", 0)
    payload = b"Exif\x00\x00" + b"MM\x00*" + struct.pack(">I", 8) + ifd
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]
