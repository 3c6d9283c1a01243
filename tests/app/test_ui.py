"""The real app under SDL's offscreen EGL: touches, the whole flow, and the scripted mode.

Each test starts the app in its own process (Kivy allows one window per process).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.app.conftest import APP_SAMPLES, app_env
from tests.paths import REPO

pytest.importorskip("kivy", reason="the app needs the 'app' extra (kivy)")
pytestmark = pytest.mark.slow


def _bedside(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cathnet_bedside", "--data-dir", str(tmp_path / "data"), *args],
        check=False,
        cwd=REPO,
        env=app_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
    )


def _screenshot(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert image is not None, f"no screenshot at {path}"
    assert image.shape[:2] == (800, 1280)
    assert image[..., :3].std() > 20  # something was drawn, not a blank window
    return image


def test_capture_review_history_flow_with_touches(tmp_path: Path, monitor_photo: Path, photo_truth: dict) -> None:
    out = tmp_path / "result.json"
    done = subprocess.run(
        [sys.executable, "-m", "tests.app.ui_driver", str(out), str(tmp_path / "data"), str(monitor_photo)],
        check=False,
        cwd=REPO,
        env=app_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    r = json.loads(out.read_text())
    assert "error" not in r, r
    # Capture: the shutter starts disabled and enables itself once the outline is steady.
    assert r["shutter_disabled_at_start"] is True
    assert "ready to capture" in r["guidance_when_steady"]
    # The touch on the shutter saved the capture, the worker analysed it, Review shows it.
    assert r["review"]["status"] == "done" and r["review"]["has_image"]
    expected = "Significant" if photo_truth["monitor_photo.jpg"]["stenosis"] else "No significant"
    assert r["review"]["verdict"].startswith(expected)
    assert "P(stenosis)" in r["review"]["lines"]
    # Export, History, reopen, delete, back to Capture, and the file chooser.
    assert r["exports"] == [f"{r['review']['id']}-report.png"]
    assert r["history"] == {"current": "history", "opens": 1}
    assert r["reopened"]["current"] == "review" and r["reopened"]["id"] == r["review"]["id"]
    assert r["delete_asks"] is True  # nothing deleted before the confirmation
    assert r["after_delete"] == {"opens": 0, "captures": 0}
    assert r["back_to"] == "capture"
    assert r["chooser_open"] and r["chooser_closed"]
    # The UI thread never ran inference: every predict call was on the analysis thread.
    assert r["predict_threads"] and set(r["predict_threads"]) == {"cathnet-analysis"}


@pytest.mark.parametrize(
    ("photo", "status", "error"),
    [
        ("monitor_photo.jpg", "done", None),  # the review screen
        ("no_monitor.jpg", "failed", "capture.no_screen"),  # the guidance, and still exit 0
    ],
)
def test_scripted_mode_shows_the_screen_and_exits_0(tmp_path: Path, photo: str, status: str, error: str | None) -> None:
    shot = tmp_path / "shot.png"
    done = _bedside(tmp_path, "--image", str(APP_SAMPLES / photo), "--screenshot", str(shot))
    assert done.returncode == 0, done.stderr[-2000:]
    _screenshot(shot)
    [capture] = (tmp_path / "data" / "captures").iterdir()
    record = json.loads((capture / "record.json").read_text())
    assert record["status"] == status and record["kind"] == "photo"
    assert (record["error"] or {}).get("code") == error
    assert Path(photo).stem not in capture.name  # no original file name in the store


def test_scripted_capture_screen_and_a_digital_frame(
    tmp_path: Path, monitor_photo: Path, sample_paths: list[Path]
) -> None:
    done = _bedside(
        tmp_path, "--image", str(monitor_photo), "--screen", "capture", "--screenshot", str(tmp_path / "capture.png")
    )
    assert done.returncode == 0, done.stderr[-2000:]
    _screenshot(tmp_path / "capture.png")
    done = _bedside(
        tmp_path, "--frame", str(sample_paths[0]), "--screen", "history", "--screenshot", str(tmp_path / "history.png")
    )
    assert done.returncode == 0, done.stderr[-2000:]
    _screenshot(tmp_path / "history.png")
    records = [json.loads((c / "record.json").read_text()) for c in (tmp_path / "data" / "captures").iterdir()]
    assert [(r["kind"], r["status"]) for r in records] == [("frame", "done")]


def test_bad_files_are_refused_clearly(tmp_path: Path) -> None:
    missing = _bedside(tmp_path, "--image", str(tmp_path / "nope.jpg"))
    assert missing.returncode == 2 and "expected an existing file" in missing.stderr
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    shot = tmp_path / "corrupt.png"
    done = _bedside(tmp_path, "--image", str(corrupt), "--screenshot", str(shot))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    _screenshot(shot)
    assert not (tmp_path / "data" / "captures").exists() or not list((tmp_path / "data" / "captures").iterdir())


def test_scripted_video_as_the_camera(tmp_path: Path, monitor_photo: Path) -> None:
    import cathnet
    from tests.app.test_sources import write_clip

    clip = write_clip(tmp_path / "clip.avi", cathnet.read_image(monitor_photo), frames=30)
    shot = tmp_path / "video.png"
    done = _bedside(tmp_path, "--video", str(clip), "--screen", "capture", "--screenshot", str(shot))
    assert done.returncode == 0, done.stderr[-2000:]
    _screenshot(shot)
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    done = _bedside(tmp_path, "--video", str(bad), "--screenshot", str(tmp_path / "bad.png"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    _screenshot(tmp_path / "bad.png")


def test_the_app_analyses_captures_left_pending_at_its_next_start(
    tmp_path: Path, monitor_photo: Path, sample_paths: list[Path]
) -> None:
    import cathnet
    from cathnet_bedside.storage import CaptureStore

    # A capture saved but never analysed: what a kill mid-analysis leaves (test_worker.py).
    left = CaptureStore(tmp_path / "data").save(cathnet.read_image(monitor_photo), "photo")
    done = _bedside(tmp_path, "--frame", str(sample_paths[0]), "--screenshot", str(tmp_path / "shot.png"))
    assert done.returncode == 0, done.stderr[-2000:]
    records = {r.id: r for r in CaptureStore(tmp_path / "data").list()}
    assert len(records) == 2 and records[left.id].status == "done"
    assert all(r.status == "done" for r in records.values())


@pytest.mark.skipif(Path("/dev/video0").exists(), reason="this machine has a camera")
def test_no_camera_says_so_instead_of_a_blank_preview(tmp_path: Path) -> None:
    shot = tmp_path / "nocam.png"
    done = _bedside(tmp_path, "--screen", "capture", "--screenshot", str(shot), "--timeout", "60")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    _screenshot(shot)
