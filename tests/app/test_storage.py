"""The capture store: saved before analysis, atomic, no identifiers, clear disk errors."""

from __future__ import annotations

import errno
import json
import os
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from cathnet import CathNetError, Findings, Lesion, read_image
from cathnet_bedside.storage import CaptureStore, StorageError


def _image() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)


def _findings() -> Findings:
    return Findings(0.8, True, 0.5, (Lesion(10.0, 12.0, (5.0, 6.0, 20.0, 22.0), 0.7, 60.0),), (160, 120))


def test_a_capture_is_saved_pending_with_an_anonymous_id(tmp_path: Path) -> None:
    store = CaptureStore(tmp_path)
    image = _image()
    record = store.save(image, "photo")
    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{6}", record.id)
    assert record.status == "pending" and store.pending() == [record]
    assert np.array_equal(cv2.imread(str(store.image_path(record.id))), image)  # lossless
    assert sorted(p.name for p in (tmp_path / "captures" / record.id).iterdir()) == [
        "image.png",
        "record.json",
        "thumb.png",
    ]
    assert not list((tmp_path / "captures").glob(".*"))  # no temporary left


def test_finish_and_fail_are_recorded_and_listed_newest_first(tmp_path: Path) -> None:
    store = CaptureStore(tmp_path)
    first, second = store.save(_image(), "photo"), store.save(_image(), "frame")
    done = store.finish(first.id, _findings(), _image())
    failed = store.fail(second.id, CathNetError("capture.no_screen", "no monitor"))
    assert done.status == "done" and done.findings["stenosis"] is True
    assert failed.status == "failed" and failed.error == {"code": "capture.no_screen", "message": "no monitor"}
    assert store.pending() == []
    assert [r.id for r in store.list()] == sorted([first.id, second.id], reverse=True)
    assert json.loads((tmp_path / "captures" / first.id / "record.json").read_text())["status"] == "done"
    assert store.review_path(first.id) is not None and store.review_path(second.id) is None


def test_delete_removes_the_capture(tmp_path: Path) -> None:
    store = CaptureStore(tmp_path)
    record = store.save(_image(), "photo")
    store.delete(record.id)
    assert store.list() == []
    with pytest.raises(StorageError) as err:
        store.record(record.id)
    assert err.value.code == "storage.not_found"


@pytest.mark.parametrize("bad", ["", "../etc", ".hidden", "a/b"])
def test_ids_cannot_leave_the_store(tmp_path: Path, bad: str) -> None:
    with pytest.raises(StorageError):
        CaptureStore(tmp_path).record(bad)


def test_a_half_written_capture_is_cleaned_and_never_listed(tmp_path: Path) -> None:
    store = CaptureStore(tmp_path)
    partial = tmp_path / "captures" / ".20261129-000000-abcdef"
    partial.mkdir()
    (partial / "image.png").write_bytes(b"\x89PNG")
    assert store.list() == []
    CaptureStore(tmp_path)  # the next start cleans it
    assert not partial.exists()


@pytest.mark.parametrize(
    ("err", "code", "words"),
    [
        (errno.ENOSPC, "storage.full", "full"),
        (errno.EROFS, "storage.read_only", "read-only"),
        (errno.EIO, "storage.failed", "could not save"),
    ],
)
def test_disk_errors_are_explained_and_leave_nothing_half_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, err: int, code: str, words: str
) -> None:
    store = CaptureStore(tmp_path)
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:  # the disk refuses the write, as a full or read-only one does
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(StorageError) as caught:
        store.save(_image(), "photo")
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert caught.value.code == code and words in caught.value.message
    assert CaptureStore(tmp_path).list() == []  # the next start sees no half capture


def test_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="kind"):
        CaptureStore(tmp_path).save(_image(), "xray")


def _with_exif(jpeg: bytes, make: bytes) -> bytes:
    """``jpeg`` with an EXIF segment (APP1) holding a camera make and a GPS latitude
    reference, as a phone's camera writes one."""
    le = "little"
    make = make + b"\0"
    gps_at = 8 + 2 + 2 * 12 + 4 + len(make)  # after IFD0 and the make string
    ifd0 = (2).to_bytes(2, le)
    ifd0 += (0x010F).to_bytes(2, le) + (2).to_bytes(2, le) + len(make).to_bytes(4, le) + (38).to_bytes(4, le)
    ifd0 += (0x8825).to_bytes(2, le) + (4).to_bytes(2, le) + (1).to_bytes(4, le) + gps_at.to_bytes(4, le)
    ifd0 += (0).to_bytes(4, le)
    gps = (1).to_bytes(2, le) + (1).to_bytes(2, le) + (2).to_bytes(2, le) + (2).to_bytes(4, le) + b"N\0\0\0"
    gps += (0).to_bytes(4, le)
    tiff = b"II*\0" + (8).to_bytes(4, le) + ifd0 + make + gps
    payload = b"Exif\0\0" + tiff
    return jpeg[:2] + b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload + jpeg[2:]


def test_a_stored_photo_carries_no_exif_or_location(tmp_path: Path) -> None:
    """A camera photo with EXIF (make, GPS) is stored re-encoded from its pixels: the
    stored files hold neither the EXIF segment nor anything from it."""
    ok, jpeg = cv2.imencode(".jpg", _image())
    assert ok
    path = tmp_path / "camera.jpg"
    path.write_bytes(_with_exif(jpeg.tobytes(), b"PhoneMake-4711"))
    assert b"Exif\0\0" in path.read_bytes() and b"PhoneMake-4711" in path.read_bytes()
    store = CaptureStore(tmp_path / "store")
    record = store.save(read_image(path), "photo")
    for stored in (tmp_path / "store" / "captures" / record.id).iterdir():
        data = stored.read_bytes()
        assert b"Exif" not in data and b"eXIf" not in data and b"PhoneMake-4711" not in data, stored.name
        assert b"GPS" not in data, stored.name
