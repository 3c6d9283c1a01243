"""What a decode must give, shared by the hypothesis campaign and the atheris harness
(this module imports neither, so the harness runs without hypothesis)."""

from __future__ import annotations

import numpy as np

from cathnet import CathNetError
from cathnet._header import read_header
from cathnet.image_input import MAX_PIXELS, MIN_SIDE


def check_refusal(exc: CathNetError, areas: tuple[str, ...] = ("image", "capture")) -> None:
    """A refusal the product may give: a stable ``area.reason`` code and an "expected" message."""
    assert exc.code.count(".") == 1 and exc.code.split(".")[0] in areas, exc.code
    assert exc.message.startswith("expected"), exc.message


def check_decoded(data: bytes, image: np.ndarray) -> None:
    """``image``, decoded from ``data``, is one the SDK accepts, of the size its header
    declared (the size limit was checked on the header)."""
    assert image.dtype in (np.uint8, np.uint16), image.dtype
    assert image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (1, 3, 4)), image.shape
    assert image.flags["C_CONTIGUOUS"]
    h, w = image.shape[:2]
    assert min(h, w) >= MIN_SIDE and h * w <= MAX_PIXELS, (w, h)
    header = read_header(data)
    declared = {(header.height, header.width)}
    if header.format == "jpeg":  # EXIF may turn it upright
        declared.add((header.width, header.height))
    assert (h, w) in declared, f"decoded {w}x{h}, the header said {header.width}x{header.height}"
