"""Reads an image file's format and pixel size from its header, without decoding.

This is what lets the SDK refuse a decompression bomb (a tiny file that claims
60000 x 60000 pixels) before any decoder allocates memory for it, and tell a
truncated file from one that is not an image at all.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class Header:
    """Format and declared size of an image file."""

    format: str
    width: int
    height: int


class HeaderError(ValueError):
    """The bytes are not a readable header; ``code`` says which way."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def sniff_format(data: bytes) -> str | None:
    """'png', 'jpeg', 'bmp', 'tiff' or None, from the magic bytes."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"BM"):
        return "bmp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    return None


def _png(data: bytes) -> tuple[int, int]:
    if len(data) < 24:
        raise HeaderError("image.truncated", f"expected a 24-byte PNG header, got {len(data)} bytes")
    if data[12:16] != b"IHDR":
        raise HeaderError("image.corrupt", f"expected the PNG's IHDR chunk first, got {data[12:16]!r}")
    w, h = struct.unpack(">II", data[16:24])
    return w, h


def _jpeg(data: bytes) -> tuple[int, int]:
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            raise HeaderError("image.corrupt", f"expected a JPEG marker at byte {i}, got 0x{data[i]:02x}")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in _JPEG_SOF:
            if i + 9 > len(data):
                break
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            return w, h
        i += 2 + length
    raise HeaderError("image.truncated", "expected a JPEG frame header (SOF), got a file that ends before it")


def _bmp(data: bytes) -> tuple[int, int]:
    if len(data) < 26:
        raise HeaderError("image.truncated", f"expected a 26-byte BMP header, got {len(data)} bytes")
    w, h = struct.unpack("<ii", data[18:26])
    return abs(w), abs(h)


def _tiff(data: bytes) -> tuple[int, int]:
    endian = "<" if data[:2] == b"II" else ">"
    if len(data) < 8:
        raise HeaderError("image.truncated", f"expected an 8-byte TIFF header, got {len(data)} bytes")
    (ifd,) = struct.unpack(endian + "I", data[4:8])
    if ifd + 2 > len(data):
        raise HeaderError("image.truncated", "expected the TIFF's first IFD, got a file that ends before it")
    (n,) = struct.unpack(endian + "H", data[ifd : ifd + 2])
    size: dict[int, int] = {}
    previous = -1
    for k in range(n):
        off = ifd + 2 + 12 * k
        if off + 12 > len(data):
            raise HeaderError("image.truncated", "expected a complete first TIFF IFD, got a file that ends inside it")
        tag, typ, count = struct.unpack(endian + "HHI", data[off : off + 8])
        # The spec sorts the tags, each once. A repeated size tag is read differently by
        # readers (libtiff keeps the first), so the size checked here could differ from
        # the size decoded (found by the fuzz campaign).
        if tag <= previous:
            raise HeaderError(
                "image.corrupt", f"expected the TIFF's tags in ascending order, each once, got {tag} after {previous}"
            )
        previous = tag
        if tag in (256, 257):
            if typ not in (3, 4) or count != 1:
                raise HeaderError(
                    "image.corrupt", f"expected one SHORT or LONG for TIFF tag {tag}, got {count} of type {typ}"
                )
            fmt = "H" if typ == 3 else "I"
            (value,) = struct.unpack(endian + fmt, data[off + 8 : off + 8 + struct.calcsize(fmt)])
            size[tag] = value
    if 256 not in size or 257 not in size:
        raise HeaderError("image.corrupt", "expected ImageWidth and ImageLength in the first TIFF IFD, got neither")
    return size[256], size[257]


_READERS = {"png": _png, "jpeg": _jpeg, "bmp": _bmp, "tiff": _tiff}


def read_header(data: bytes) -> Header:
    """Format and declared size of an encoded image.

    Raises:
        HeaderError: code ``image.not_an_image`` (unknown magic), ``image.truncated``
            or ``image.corrupt``.
    """
    fmt = sniff_format(data)
    if fmt is None:
        raise HeaderError(
            "image.not_an_image",
            f"expected a PNG, JPEG, BMP or TIFF file, got bytes starting {data[:8]!r}",
        )
    w, h = _READERS[fmt](data)
    return Header(fmt, w, h)


def looks_complete(fmt: str, data: bytes) -> bool:
    """False when a PNG lacks its IEND chunk or a JPEG its end-of-image marker.

    Decoders fill the missing rows of such files with grey and report success, which
    would be a silent wrong answer, so the SDK checks the trailer itself.
    """
    if fmt == "png":
        return b"IEND" in data[-64:]
    if fmt == "jpeg":
        return b"\xff\xd9" in data[-1024:]
    return True


def check_structure(fmt: str, data: bytes) -> None:
    """Refuses a file whose framing would make the decoder allocate what the file lacks.

    A PNG is a chain of chunks, each declaring its length. OpenCV's reader allocates a
    chunk's declared length before reading it, so one damaged length field in a 600-byte
    file cost 2 GB (found by the fuzz campaign). Every chunk, the last one too, must fit
    in the file, and its type must be four letters. An animated PNG is refused: OpenCV
    decodes one through buffers of several full frames (1 GB for a 354-byte file
    declaring 64 MP), and fills the frames its data lacks with black instead of failing.

    Raises:
        HeaderError: ``image.corrupt``, ``image.animated``.
    """
    if fmt != "png":
        return
    i = 8
    while i + 8 <= len(data):
        (length,) = struct.unpack(">I", data[i : i + 4])
        kind = data[i + 4 : i + 8]
        if not kind.isalpha():
            raise HeaderError(
                "image.corrupt", f"expected a PNG chunk type of four letters, got {kind!r} at byte {i + 4}"
            )
        if length > len(data) - i - 12:
            raise HeaderError(
                "image.corrupt",
                f"expected PNG chunks that fit in the file, got a {kind!r} chunk of {length} bytes "
                f"with {len(data) - i - 12} left",
            )
        if kind == b"acTL":
            raise HeaderError(
                "image.animated",
                "expected a still PNG, got an animated one (APNG): export the frame to analyse as an image",
            )
        if kind == b"IEND":
            return
        i += 12 + length
