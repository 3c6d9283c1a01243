"""Every way an input can be good or bad, table-driven (supervision's style)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from cathnet import InvalidImageError
from cathnet.image_input import MAX_PIXELS, decode_bytes, expand_paths, load, read_image
from tests.encoded import encoded, with_exif_orientation


def _png_header_only(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))


GREY = (np.arange(128 * 96) % 251).astype(np.uint8).reshape(96, 128)


@pytest.mark.parametrize(
    ("name", "data", "shape", "dtype"),
    [
        ("png8", encoded(".png", GREY), (96, 128), np.uint8),
        ("png16", encoded(".png", GREY.astype(np.uint16) * 257), (96, 128), np.uint16),
        ("png_rgba", encoded(".png", np.dstack([GREY] * 4)), (96, 128, 4), np.uint8),
        ("jpeg", encoded(".jpg", GREY), (96, 128), np.uint8),
        ("bmp", encoded(".bmp", np.dstack([GREY] * 3)), (96, 128, 3), np.uint8),
        ("tiff16", encoded(".tiff", GREY.astype(np.uint16) * 257), (96, 128), np.uint16),
    ],
)
def test_decodes_supported_formats(name: str, data: bytes, shape: tuple, dtype: type) -> None:
    image = decode_bytes(data, name)
    assert image.shape == shape and image.dtype == dtype
    assert image.flags["C_CONTIGUOUS"]


@pytest.mark.parametrize(
    ("orientation", "shape", "mark_xy"),
    [
        (1, (96, 160, 3), (12, 8)),
        (3, (96, 160, 3), (147, 87)),
        (6, (160, 96, 3), (87, 12)),
        (8, (160, 96, 3), (8, 147)),
    ],
)
def test_a_jpeg_is_turned_upright_by_its_exif_orientation(orientation: int, shape: tuple, mark_xy: tuple) -> None:
    # A tablet photo taken in portrait: the pixels as the sensor stored them, EXIF says how to turn them.
    stored = np.full((96, 160, 3), 40, np.uint8)
    stored[:17, :25] = 255  # a mark at the stored image's top-left corner
    image = decode_bytes(with_exif_orientation(encoded(".jpg", stored), orientation), "portrait.jpg")
    assert image.shape == shape
    ys, xs = np.nonzero(image[..., 0] > 128)
    assert abs(xs.mean() - mark_xy[0]) <= 2 and abs(ys.mean() - mark_xy[1]) <= 2


PNG = encoded(".png", GREY)
JPG = encoded(".jpg", GREY)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "image.empty"),
        (b"hello, this is text and not an image", "image.not_an_image"),
        (PNG[: len(PNG) // 2], "image.truncated"),
        (JPG[: len(JPG) // 2], "image.truncated"),
        (PNG[:20], "image.truncated"),
        (encoded(".png", np.zeros((2, 2), np.uint8)), "image.too_small"),
        (_png_header_only(60000, 60000), "image.too_large"),
        (PNG[:8] + b"\x00" * 16 + PNG[24:], "image.corrupt"),
    ],
)
def test_bad_bytes_have_stable_codes(data: bytes, code: str) -> None:
    with pytest.raises(InvalidImageError) as err:
        decode_bytes(data, "x")
    assert err.value.code == code
    assert "expected" in err.value.message


@pytest.mark.parametrize(("chunk", "cut"), [(b"IDAT", 0), (b"IEND", 3)])
def test_a_png_chunk_longer_than_the_file_is_refused_before_decoding(chunk: bytes, cut: int) -> None:
    # Found by the fuzz campaigns: OpenCV allocates a chunk's declared length before
    # reading it, so one damaged length field in a 1 kB file cost 2 GB of memory (IDAT,
    # hypothesis) or 4 GB (the last chunk, its checksum cut short, atheris).
    at = PNG.rindex(chunk) - 4
    damaged = (PNG[:at] + struct.pack(">I", 0xF4000000) + PNG[at + 4 :])[: len(PNG) - cut]
    with pytest.raises(InvalidImageError) as err:
        decode_bytes(damaged, "x")
    assert err.value.code == "image.corrupt" and "chunk" in err.value.message


def test_an_animated_png_is_refused() -> None:
    # Found by the fuzz campaign: OpenCV decoded a 354-byte APNG declaring 8192 x 8192
    # 16-bit BGRA through 1 GB of frame buffers, and returned it, black where data lacked.
    body = b"acTL" + struct.pack(">II", 2, 0)
    actl = struct.pack(">I", 8) + body + struct.pack(">I", zlib.crc32(body))
    after_ihdr = 8 + 25
    animated = PNG[:after_ihdr] + actl + PNG[after_ihdr:]
    with pytest.raises(InvalidImageError) as err:
        decode_bytes(animated, "x")
    assert err.value.code == "image.animated" and err.value.message.startswith("expected a still PNG")


def test_a_tiff_that_states_its_width_twice_is_refused() -> None:
    # Found by atheris: libtiff decodes with the first ImageWidth, the header check read
    # the last, so the size limit was checked against a size that was not decoded.
    tiff = bytearray(encoded(".tiff", GREY))
    (ifd,) = struct.unpack("<I", tiff[4:8])
    (n,) = struct.unpack("<H", tiff[ifd : ifd + 2])
    entries = [ifd + 2 + 12 * k for k in range(n)]
    last = next(off for off in entries if struct.unpack("<H", tiff[off : off + 2])[0] > 257)
    tiff[last : last + 12] = struct.pack("<HHII", 256, 4, 1, 60000)  # a second, larger width
    with pytest.raises(InvalidImageError) as err:
        decode_bytes(bytes(tiff), "x")
    assert err.value.code == "image.corrupt" and "ascending" in err.value.message


def test_bomb_is_refused_from_the_header_alone() -> None:
    # 60000 x 60000 8-bit would need 3.6 GB; the header is 33 bytes and nothing is decoded.
    header = _png_header_only(60000, 60000)
    assert len(header) < 64 and MAX_PIXELS < 60000 * 60000
    with pytest.raises(InvalidImageError, match="60000x60000"):
        decode_bytes(header)


@pytest.mark.parametrize(
    ("array", "code"),
    [
        ([[0] * 100] * 100, "image.wrong_type"),
        (42, "image.wrong_type"),
        (np.zeros((100, 100), np.float32), "image.unsupported_dtype"),
        (np.zeros((100, 100, 2), np.uint8), "image.bad_shape"),
        (np.zeros((100,), np.uint8), "image.bad_shape"),
        (np.zeros((0, 100), np.uint8), "image.empty"),
        (np.zeros((63, 100), np.uint8), "image.too_small"),
    ],
)
def test_bad_arrays_have_stable_codes(array: object, code: str) -> None:
    with pytest.raises(InvalidImageError) as err:
        load(array)  # type: ignore[arg-type]
    assert err.value.code == code


def test_a_big_endian_16_bit_array_is_read_as_the_same_pixels() -> None:
    native = (np.arange(100 * 120) * 7 % 65536).astype(np.uint16).reshape(100, 120)
    loaded = load(native.astype(">u2"))
    assert loaded.dtype == np.uint16 and loaded.dtype.isnative and np.array_equal(loaded, native)


def test_non_contiguous_array_is_made_contiguous() -> None:
    image = np.zeros((200, 300, 3), np.uint8)[:, ::2]
    assert not image.flags["C_CONTIGUOUS"]
    assert load(image).flags["C_CONTIGUOUS"]


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InvalidImageError) as err:
        read_image(tmp_path / "nope.png")
    assert err.value.code == "image.not_found"
    with pytest.raises(InvalidImageError) as err:
        read_image(tmp_path)
    assert err.value.code == "image.not_a_file"


def test_expand_paths_keeps_files_and_sorts_directories(tmp_path: Path) -> None:
    for name in ("b.png", "a.jpg", "notes.txt", "c.TIFF"):
        (tmp_path / name).write_bytes(b"x")
    listed = expand_paths([str(tmp_path), "missing.png"])
    assert [Path(p).name for p in listed] == ["a.jpg", "b.png", "c.TIFF", "missing.png"]
