"""Validation of every image that enters the SDK: arrays and files alike.

Validation happens here, once, at the boundary; inner code trusts its inputs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Union

import cv2
import numpy as np
import numpy.typing as npt

from cathnet._header import HeaderError, check_structure, looks_complete, read_header
from cathnet.errors import InvalidImageError

ImageInput = Union[str, "os.PathLike[str]", npt.NDArray[Any]]

MIN_SIDE = 64
# 64 megapixels: four times a 4096x4096 frame; beyond that a file is refused from its
# header before any decoder allocates memory for it.
MAX_PIXELS = 64 * 1024 * 1024
MAX_FILE_BYTES = 512 * 1024 * 1024
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
_DTYPES = (np.uint8, np.uint16)


def validate_array(image: Any) -> npt.NDArray[np.uint8 | np.uint16]:
    """Checks an in-memory image and returns it C-contiguous.

    Args:
        image: (H, W) grey, (H, W, 1), (H, W, 3) BGR or (H, W, 4) BGRA; uint8 or uint16
            (either byte order).

    Returns:
        The same pixels as a C-contiguous array.

    Raises:
        InvalidImageError: wrong type (``image.wrong_type``), dtype
            (``image.unsupported_dtype``), shape (``image.bad_shape``), empty
            (``image.empty``), under 64 px a side (``image.too_small``) or over the
            pixel budget (``image.too_large``).
    """
    if not isinstance(image, np.ndarray):
        raise InvalidImageError(
            "image.wrong_type",
            f"expected a numpy array or a path to an image file, got {type(image).__name__}",
        )
    if image.dtype.kind == "u" and image.dtype.itemsize == 2 and not image.dtype.isnative:
        image = image.astype(np.uint16)  # big-endian 16-bit (FITS, some scanners): same pixels, native order
    if image.dtype not in _DTYPES:
        raise InvalidImageError("image.unsupported_dtype", f"expected dtype uint8 or uint16, got {image.dtype}")
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3, 4)):
        raise InvalidImageError(
            "image.bad_shape",
            f"expected shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), got {image.shape}",
        )
    if image.size == 0:
        raise InvalidImageError("image.empty", f"expected pixels, got an empty array {image.shape}")
    _check_size(int(image.shape[1]), int(image.shape[0]))
    return np.ascontiguousarray(image)


def _check_size(width: int, height: int) -> None:
    if min(width, height) < MIN_SIDE:
        raise InvalidImageError(
            "image.too_small",
            f"expected at least {MIN_SIDE}x{MIN_SIDE} pixels, got {width}x{height}",
        )
    if width * height > MAX_PIXELS:
        raise InvalidImageError(
            "image.too_large",
            f"expected at most {MAX_PIXELS // (1024 * 1024)} megapixels, got {width}x{height} "
            f"({width * height / 1e6:.0f} MP); refused before decoding",
        )


def decode_bytes(data: bytes, name: str = "<bytes>") -> npt.NDArray[np.uint8 | np.uint16]:
    """Decodes an encoded PNG, JPEG, BMP or TIFF (8- or 16-bit) after checking its header.

    Raises:
        InvalidImageError: ``image.empty``, ``image.not_an_image``, ``image.truncated``,
            ``image.corrupt`` (also a PNG chunk longer than the file), ``image.animated``
            (an animated PNG), ``image.too_large``, ``image.too_small`` or an array error.
    """
    if not data:
        raise InvalidImageError("image.empty", f"expected image bytes, got an empty file ({name})")
    try:
        header = read_header(data)
    except HeaderError as exc:
        raise InvalidImageError(exc.code, f"{exc} ({name})") from None
    _check_size(header.width, header.height)
    if not looks_complete(header.format, data):
        raise InvalidImageError(
            "image.truncated",
            f"expected a complete {header.format.upper()} file, got one that ends early ({name})",
        )
    try:
        check_structure(header.format, data)
    except HeaderError as exc:
        raise InvalidImageError(exc.code, f"{exc} ({name})") from None
    # A tablet's JPEG keeps the sensor's pixel order and says in EXIF how to turn it:
    # decode it upright, as the user saw the photo (IMREAD_UNCHANGED would ignore EXIF).
    flags = cv2.IMREAD_ANYCOLOR | cv2.IMREAD_ANYDEPTH if header.format == "jpeg" else cv2.IMREAD_UNCHANGED
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    if decoded is None:
        raise InvalidImageError(
            "image.corrupt",
            f"expected a decodable {header.format.upper()} image, the decoder refused it ({name})",
        )
    turned = {(header.height, header.width), (header.width, header.height)}  # EXIF may turn a JPEG upright
    if decoded.shape[:2] not in (turned if header.format == "jpeg" else {(header.height, header.width)}):
        # The size limit was checked against the header: never return a different image.
        raise InvalidImageError(
            "image.corrupt",
            f"expected the {header.width}x{header.height} image its header declares, got "
            f"{decoded.shape[1]}x{decoded.shape[0]} pixels ({name})",
        )
    if decoded.dtype not in _DTYPES:
        raise InvalidImageError(
            "image.unsupported_dtype",
            f"expected 8- or 16-bit integer pixels, got {decoded.dtype} ({name})",
        )
    return validate_array(decoded)


def read_image(path: str | os.PathLike[str]) -> npt.NDArray[np.uint8 | np.uint16]:
    """Reads and validates an image file.

    Raises:
        InvalidImageError: ``image.not_found``, ``image.not_a_file``, ``image.too_large``
            (file over 512 MB) or any ``decode_bytes`` error.
    """
    p = Path(path)
    if not p.exists():
        raise InvalidImageError("image.not_found", f"expected an image file, got no file at {p}")
    if not p.is_file():
        raise InvalidImageError("image.not_a_file", f"expected an image file, got a directory: {p}")
    size = p.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InvalidImageError(
            "image.too_large", f"expected a file under {MAX_FILE_BYTES >> 20} MB, got {size >> 20} MB"
        )
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InvalidImageError("image.unreadable", f"expected a readable file, got {exc}") from None
    return decode_bytes(data, str(p))


def load(image: ImageInput) -> npt.NDArray[np.uint8 | np.uint16]:
    """A path or an array → a validated array (see ``validate_array``)."""
    if isinstance(image, (str, os.PathLike)):
        return read_image(image)
    return validate_array(image)


def expand_paths(paths: list[str]) -> list[str]:
    """Files stay as given; directories become their image files, sorted by name."""
    out: list[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(str(f) for f in sorted(p.iterdir()) if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES)
        else:
            out.append(raw)
    return out
