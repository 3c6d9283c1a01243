"""Seed files of every accepted format, and the mutations the decode campaign applies.

Mutations work on bytes, as a file damaged on disk or in transfer would be: flipped
bits, bytes and integers overwritten with boundary values, ranges inserted, dropped,
repeated or cut off, two files spliced. Half of them aim at the first 64 bytes, where
the headers are. A PNG's chunk checksums can be recomputed after mutating, so the
damage reaches libpng's parser instead of stopping at a CRC mismatch.
"""

from __future__ import annotations

import struct
import zlib
from functools import lru_cache

import cv2
import numpy as np
from hypothesis import strategies as st

from tests.encoded import encoded, with_exif_orientation

_INTS = (0, 1, 2, 7, 8, 16, 63, 64, 65, 255, 256, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)


@lru_cache(maxsize=1)
def seeds() -> dict[str, bytes]:
    """Small valid files of each format and pixel layout the SDK accepts."""
    rng = np.random.default_rng(9_860_000)
    yy, xx = np.mgrid[0:72, 0:96]
    grey = ((xx * 2 + yy) % 256).astype(np.uint8)
    grey[20:50, 40:44] = 30  # a dark "vessel"
    colour = np.dstack([grey, 255 - grey, rng.integers(0, 256, grey.shape, dtype=np.uint8)])
    deep = grey.astype(np.uint16) * 257

    jpeg = encoded(".jpg", grey)
    return {
        "png_grey": encoded(".png", grey),
        "png_16": encoded(".png", deep),
        "png_bgra": encoded(".png", np.dstack([colour, grey])),
        "jpeg_grey": jpeg,
        "jpeg_colour": encoded(".jpg", colour, (cv2.IMWRITE_JPEG_QUALITY, 60)),
        "jpeg_progressive": encoded(".jpg", colour, (cv2.IMWRITE_JPEG_PROGRESSIVE, 1)),
        "jpeg_exif_rot90": with_exif_orientation(jpeg, 6),
        "bmp_grey": encoded(".bmp", grey),
        "bmp_colour": encoded(".bmp", colour),
        "tiff_grey": encoded(".tiff", grey),
        "tiff_16": encoded(".tiff", deep),
        "tiff_colour": encoded(".tiff", colour),
    }


def fix_png_crcs(data: bytes) -> bytes:
    """Recomputes every complete chunk's CRC of a (mutated) PNG."""
    out = bytearray(data)
    i = 8
    while i + 12 <= len(out):
        (length,) = struct.unpack(">I", out[i : i + 4])
        end = i + 8 + length
        if end + 4 > len(out):
            break
        out[end : end + 4] = struct.pack(">I", zlib.crc32(bytes(out[i + 4 : end])))
        i = end + 4
    return bytes(out)


@st.composite
def _position(draw: st.DrawFn, size: int) -> int:
    """Where a mutation lands: the magic number (1 in 8), the rest of the first 64 bytes
    (3 in 8), anywhere (4 in 8)."""
    region = draw(st.integers(0, 7))
    lo, hi = (0, 8) if region == 0 else (8, 64) if region <= 3 else (0, size)
    hi = min(hi, size)
    return draw(st.integers(min(lo, hi - 1), hi - 1))


@st.composite
def mutation(draw: st.DrawFn, data: bytes) -> bytes:
    """One byte-level mutation of ``data``."""
    buf = bytearray(data)
    if not buf:
        return data
    op = draw(st.sampled_from(["flip", "byte", "int", "insert", "delete", "repeat", "truncate", "splice"]))
    at = draw(_position(len(buf)))
    if op == "flip":
        buf[at] ^= 1 << draw(st.integers(0, 7))
    elif op == "byte":
        buf[at] = draw(st.sampled_from([0x00, 0x01, 0x7F, 0x80, 0xFF]) | st.integers(0, 255))
    elif op == "int":
        fmt = draw(st.sampled_from([">H", "<H", ">I", "<I"]))
        value = draw(st.sampled_from(_INTS)) & (0xFFFF if fmt[1] == "H" else 0xFFFFFFFF)
        packed = struct.pack(fmt, value)
        buf[at : at + len(packed)] = packed
    elif op == "insert":
        buf[at:at] = draw(st.binary(min_size=1, max_size=64))
    elif op == "delete":
        del buf[at : at + draw(st.integers(1, 256))]
    elif op == "repeat":
        buf[at:at] = buf[at : at + draw(st.integers(1, 512))]
    elif op == "truncate":
        del buf[at:]
    else:
        other = draw(st.sampled_from(sorted(seeds().values())))
        buf = buf[:at] + bytearray(other[draw(st.integers(0, len(other) - 1)) :])
    return bytes(buf)


@st.composite
def damaged_file(draw: st.DrawFn) -> tuple[str, bytes]:
    """(seed name, bytes): a seed file after one to four mutations (one, half the time)."""
    name = draw(st.sampled_from(sorted(seeds())))
    data = seeds()[name]
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3, 4]))):
        data = draw(mutation(data))
    if name.startswith("png") and draw(st.booleans()):
        data = fix_png_crcs(data)
    return name, data


MAGICS = [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"BM", b"II*\x00", b"MM\x00*", b""]


def random_bytes() -> st.SearchStrategy[bytes]:
    """Random bytes, often behind a format's magic number so the header readers run."""
    return st.builds(lambda magic, rest: magic + rest, st.sampled_from(MAGICS), st.binary(max_size=4096))
