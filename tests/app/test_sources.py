"""Frame sources: a video file or a still image played as the camera (no Kivy needed)."""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

import cathnet
from cathnet_bedside.sources import PREVIEW_SIDE, StillSource, VideoSource, preview_of


def write_clip(path: Path, photo: np.ndarray, frames: int = 12) -> Path:
    """A short MJPG clip of ``photo`` at 640 px, the hand drifting a pixel per frame."""
    small = cv2.resize(photo, (640, 480), interpolation=cv2.INTER_AREA)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (640, 480))
    assert writer.isOpened()
    for k in range(frames):
        writer.write(np.roll(small, k % 3, axis=1))
    writer.release()
    return path


def test_preview_frames_are_small_bgr() -> None:
    grey16 = np.full((1200, 1600), 30000, np.uint16)
    frame = preview_of(grey16)
    assert frame.dtype == np.uint8 and frame.shape == (480, PREVIEW_SIDE, 3)
    small = np.zeros((100, 120, 3), np.uint8)
    assert preview_of(small).shape == small.shape


def test_a_video_plays_loops_and_gives_the_full_frame_to_the_shutter(tmp_path: Path, monitor_photo: Path) -> None:
    clip = write_clip(tmp_path / "clip.avi", cathnet.read_image(monitor_photo))
    source = VideoSource(clip)
    source.fps = 200.0  # play fast: 30 frames loop the 12-frame clip twice
    got: list[np.ndarray] = []
    enough = threading.Event()

    def on_frame(frame: np.ndarray) -> None:
        got.append(frame)
        if len(got) >= 30:
            enough.set()

    source.start(on_frame)
    assert enough.wait(30)
    photos: list[np.ndarray] = []
    source.take_photo(photos.append)
    source.stop()
    assert all(f.shape == (480, 640, 3) for f in got)
    assert photos and photos[0].shape == (480, 640, 3)


def test_an_unreadable_video_is_refused_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "clip.mp4"
    bad.write_bytes(b"not a video")
    with pytest.raises(cathnet.InvalidImageError) as err:
        VideoSource(bad)
    assert err.value.code == "video.unreadable" and "expected a video" in err.value.message


def test_a_still_image_plays_as_the_camera(monitor_photo: Path) -> None:
    photo = cathnet.read_image(monitor_photo)
    source = StillSource(photo)
    first = threading.Event()
    source.start(lambda frame: first.set())
    assert first.wait(10)
    taken: list[np.ndarray] = []
    source.take_photo(taken.append)
    source.stop()
    assert taken[0] is photo  # the shutter gets the full-resolution photo, not the preview
