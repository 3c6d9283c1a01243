"""The capture store on a real full disk and a real read-only one (not a patched call).

Each scenario runs in a child process with a private mount namespace (``unshare -m``)
over a small tmpfs, so the kernel itself answers ENOSPC and EROFS. Where this machine
cannot make mounts (no CAP_SYS_ADMIN), the tests skip with the reason; the patched
versions in test_storage.py still run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

from tests.paths import REPO

# Runs in the child, after the mount: prints one JSON object of what happened.
_SCENARIO = r"""
import json, os, sys
import cv2
from pathlib import Path
import numpy as np
from cathnet_bedside.storage import CaptureStore, StorageError
root, scenario = Path(sys.argv[1]), sys.argv[2]
image = np.random.default_rng(0).integers(0, 255, (120, 160, 3), dtype=np.uint8)
out = {}
def attempt(name):
    try:
        out[name] = {"ok": store.save(image, "photo").id}
    except StorageError as exc:
        out[name] = exc.to_dict()
store = CaptureStore(root)
first = store.save(image, "photo")
if scenario == "full":
    with open(root / "filler", "wb", buffering=0) as f:  # take every free byte
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass
    attempt("save_when_full")
    from cathnet import Findings
    try:  # the analysis of an earlier capture ends while the disk is full
        store.finish(first.id, Findings(0.2, False, 0.5, (), (160, 120)), image)
        out["finish_when_full"] = "ok"
    except StorageError as exc:
        out["finish_when_full"] = exc.to_dict()
    out["first_status_when_full"] = store.record(first.id).status
    out["hidden_left"] = sorted(p.name for p in (root / "captures").glob(".*"))
    os.remove(root / "filler")
    attempt("save_after_freeing")
else:
    os.system(f"mount -o remount,ro {root}")
    attempt("save_when_read_only")
    try:
        CaptureStore(root)
        out["reopen"] = "ok"
    except StorageError as exc:
        out["reopen"] = exc.to_dict()
out["listed"] = [r.id for r in store.list()]
out["first"] = first.id
out["first_intact"] = bool(np.array_equal(cv2.imread(str(store.image_path(first.id))), image))
print(json.dumps(out))
"""


@lru_cache(maxsize=1)
def _can_mount() -> str | None:
    """None when a private tmpfs can be mounted here, else why not."""
    if shutil.which("unshare") is None:
        return "no unshare(1) on this machine"
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
        text=True,
        check=False,
    )
    return None if probe.returncode == 0 else f"cannot mount a tmpfs here: {probe.stderr.strip()}"


def _run(scenario: str, tmp_path: Path) -> dict:
    why = _can_mount()
    if why:
        pytest.skip(why)
    root = tmp_path / "data"
    root.mkdir()
    # 512 kB: room for a few small captures, so "full" is reached quickly
    command = f'mount -t tmpfs -o size=512k tmpfs "{root}" && exec "{sys.executable}" -c "$0" "{root}" {scenario}'
    run = subprocess.run(
        ["unshare", "-m", "sh", "-c", command, _SCENARIO],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_a_full_disk_is_explained_keeps_earlier_captures_and_recovers(tmp_path: Path) -> None:
    out = _run("full", tmp_path)
    assert out["save_when_full"]["code"] == "storage.full"
    assert "full" in out["save_when_full"]["message"] and "free some space" in out["save_when_full"]["message"]
    assert out["hidden_left"] == [], "a failed save left its half-written folder taking space"
    # the result could not be written: the capture stays pending, analysed again at the next start
    assert out["finish_when_full"]["code"] == "storage.full" and out["first_status_when_full"] == "pending"
    assert "ok" in out["save_after_freeing"]
    assert out["listed"] == sorted([out["first"], out["save_after_freeing"]["ok"]], reverse=True)
    assert out["first_intact"]


def test_a_read_only_disk_is_explained_and_keeps_the_captures_readable(tmp_path: Path) -> None:
    out = _run("read_only", tmp_path)
    assert out["save_when_read_only"]["code"] == "storage.read_only"
    assert "read-only" in out["save_when_read_only"]["message"]
    assert out["reopen"] == "ok", "the app could not open its history on a read-only disk"
    assert out["listed"] == [out["first"]] and out["first_intact"]
