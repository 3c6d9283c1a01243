"""Captures on disk: saved before they are analysed, their findings beside them.

Layout of the app's data folder::

    captures/<id>/image.png     the capture, re-encoded as PNG (no EXIF, no location)
    captures/<id>/record.json   status ("pending", "done", "failed"), findings or error
    captures/<id>/review.png    the review image (heatmap and markers), when done
    captures/<id>/thumb.png     a small copy for the history list (of the review once done)
    exports/<id>-report.png     reports the user exported

A capture id is its UTC time plus a random suffix (``20261129-101502-3fa9c1``): no
patient identifier and no original file name ever reaches a path. Every file is
written to a temporary name, fsynced and renamed; a new capture's folder is built
under a hidden name and renamed into place, so a crash leaves either the whole
capture or none of it, and ``record.json`` is the commit point of each step.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from cathnet import CathNetError, Findings
from cathnet.overlay import to_display

KINDS = ("photo", "frame")  # a photo of the monitor, or a digital angiogram frame
THUMB_SIDE = 160


class StorageError(CathNetError):
    """The app's data folder cannot be written (``storage.full``, ``storage.read_only``,
    ``storage.failed``) or a capture is missing (``storage.not_found``)."""


@dataclass(frozen=True)
class CaptureRecord:
    """One capture's state, as ``record.json`` holds it.

    Attributes:
        id: ``YYYYmmdd-HHMMSS-xxxxxx`` (UTC), also its folder name.
        created: ISO 8601 UTC time of the capture.
        kind: ``"photo"`` (of the monitor) or ``"frame"`` (a digital angiogram).
        status: ``"pending"`` (saved, not analysed yet), ``"done"`` or ``"failed"``.
        findings: the SDK's JSON record when done.
        error: ``{"code", "message"}`` when failed.
    """

    id: str
    created: str
    kind: str
    status: str = "pending"
    findings: dict[str, Any] | None = None
    error: dict[str, str] | None = None


class CaptureStore:
    """The captures in one data folder (one store per process; not shared between threads
    except through the methods below, each of which leaves the folder consistent)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        """
        Raises:
            StorageError: the folder cannot be created or written.
        """
        self.root = Path(root)
        self.captures = self.root / "captures"
        self.exports = self.root / "exports"
        with _storage_errors(f"create the app's data folder {self.root}"):
            self.captures.mkdir(parents=True, exist_ok=True)
            self.exports.mkdir(parents=True, exist_ok=True)
            for partial in self.captures.glob(".*"):
                # A capture that crashed before its folder was renamed into place was
                # never reported as saved: remove the half-written copy.
                shutil.rmtree(partial, ignore_errors=True)

    def save(self, image: npt.NDArray[Any], kind: str) -> CaptureRecord:
        """Saves a new capture as pending, before any analysis.

        Args:
            image: the photo or frame as the SDK accepts it (uint8/uint16; grey, BGR or BGRA).
            kind: ``"photo"`` or ``"frame"``.

        Raises:
            ValueError: ``kind`` is not one of ``KINDS``.
            StorageError: the disk is full or read-only (the message says which).
        """
        if kind not in KINDS:
            raise ValueError(f"expected kind in {KINDS}, got {kind!r}")
        now = datetime.now(timezone.utc)
        record = CaptureRecord(f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}", now.isoformat(timespec="seconds"), kind)
        partial = self.captures / f".{record.id}"
        try:
            with _storage_errors("save the capture"):
                partial.mkdir()
                _write_atomic(partial / "image.png", _png(image))
                _write_atomic(partial / "thumb.png", _png(_thumbnail(to_display(image))))
                _write_atomic(partial / "record.json", _json(record))
                os.rename(partial, self.captures / record.id)
                _fsync_dir(self.captures)
        except StorageError:
            # Not saved: give the space back now (a full disk needs it), not at the next start.
            shutil.rmtree(partial, ignore_errors=True)
            raise
        return record

    def finish(self, capture_id: str, findings: Findings, review: npt.NDArray[np.uint8]) -> CaptureRecord:
        """Stores the findings and the review image; the capture becomes ``done``."""
        folder = self._folder(capture_id)
        record = replace(self.record(capture_id), status="done", findings=findings.to_dict(), error=None)
        with _storage_errors("save the findings"):
            _write_atomic(folder / "review.png", _png(review))
            _write_atomic(folder / "thumb.png", _png(_thumbnail(review)))
            _write_atomic(folder / "record.json", _json(record))
        return record

    def fail(self, capture_id: str, error: CathNetError) -> CaptureRecord:
        """Records why the capture could not be analysed; it becomes ``failed``."""
        folder = self._folder(capture_id)
        record = replace(self.record(capture_id), status="failed", error=error.to_dict())
        with _storage_errors("save the analysis error"):
            _write_atomic(folder / "record.json", _json(record))
        return record

    def record(self, capture_id: str) -> CaptureRecord:
        """The capture's current record.

        Raises:
            StorageError: ``storage.not_found`` (deleted, or never saved).
        """
        path = self._folder(capture_id) / "record.json"
        try:
            return CaptureRecord(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError) as exc:
            raise StorageError("storage.not_found", f"expected a saved capture {capture_id}, got {exc}") from exc

    def image_path(self, capture_id: str) -> Path:
        return self._folder(capture_id) / "image.png"

    def review_path(self, capture_id: str) -> Path | None:
        path = self._folder(capture_id) / "review.png"
        return path if path.is_file() else None

    def thumb_path(self, capture_id: str) -> Path | None:
        path = self._folder(capture_id) / "thumb.png"
        return path if path.is_file() else None

    def list(self) -> list[CaptureRecord]:
        """Every capture, newest first (a folder without a readable record is skipped)."""
        records = []
        for folder in self.captures.iterdir():
            if folder.name.startswith(".") or not folder.is_dir():
                continue
            try:
                records.append(self.record(folder.name))
            except StorageError:
                continue
        return sorted(records, key=lambda r: r.id, reverse=True)

    def pending(self) -> list[CaptureRecord]:
        """Captures saved but not analysed (a crash or a kill came first), oldest first."""
        return sorted((r for r in self.list() if r.status == "pending"), key=lambda r: r.id)

    def delete(self, capture_id: str) -> None:
        """Removes a capture (its folder is renamed away first, so it vanishes at once)."""
        folder = self._folder(capture_id)
        doomed = self.captures / f".{capture_id}.deleted"
        with _storage_errors("delete the capture"):
            os.rename(folder, doomed)
            _fsync_dir(self.captures)
        shutil.rmtree(doomed, ignore_errors=True)

    def export(self, capture_id: str, report: npt.NDArray[np.uint8]) -> Path:
        """Writes an exported report PNG; returns its path."""
        path = self.exports / f"{capture_id}-report.png"
        with _storage_errors("export the report"):
            _write_atomic(path, _png(report))
        return path

    def _folder(self, capture_id: str) -> Path:
        if not capture_id or "/" in capture_id or "\\" in capture_id or capture_id.startswith("."):
            raise StorageError(
                "storage.not_found", f"expected a capture id like 20261129-101502-3fa9c1, got {capture_id!r}"
            )
        return self.captures / capture_id


@contextmanager
def _storage_errors(what: str) -> Iterator[None]:
    """OSError → StorageError with a code the app can explain."""
    try:
        yield
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise StorageError("storage.full", f"could not {what}: the device is full; free some space") from exc
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise StorageError(
                "storage.read_only", f"could not {what}: the app's data folder is read-only ({exc.strerror})"
            ) from exc
        raise StorageError("storage.failed", f"could not {what}: {exc.strerror or exc}") from exc


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _png(image: npt.NDArray[Any]) -> bytes:
    ok, data = cv2.imencode(".png", np.ascontiguousarray(image))
    if not ok:
        raise StorageError("storage.failed", f"could not encode a {image.dtype} {image.shape} image as PNG")
    return data.tobytes()


def _json(record: CaptureRecord) -> bytes:
    return json.dumps(asdict(record), indent=1).encode()


def _thumbnail(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    h, w = image.shape[:2]
    scale = THUMB_SIDE / max(h, w)
    return cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
