"""The CLI contract: JSON Lines, record per input, exit codes, never a traceback."""

from __future__ import annotations

import io
import json
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from cathnet.cli import main

RECORD_KEYS = {
    "path",
    "ok",
    "error",
    "stenosis_probability",
    "stenosis",
    "threshold",
    "lesions",
    "screen",
    "timing_ms",
    "model",
    "backend",
}


def _run(args: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    code = main(args, out)
    return code, out.getvalue()


@pytest.fixture(scope="module")
def mixed_inputs(tmp_path_factory: pytest.TempPathFactory, sample_paths: list[Path]) -> list[Path]:
    d = tmp_path_factory.mktemp("mixed")
    grey = cv2.imread(str(sample_paths[0]), cv2.IMREAD_UNCHANGED)
    good = {
        "good_8bit.png": grey,
        "good_16bit.png": grey.astype(np.uint16) * 257,
        "good_rgba.png": cv2.cvtColor(grey, cv2.COLOR_GRAY2BGRA),
        "good.jpg": grey,
        "good_wide.png": np.hstack([grey, grey[:, :100]]),
    }
    paths = []
    for name, image in good.items():
        cv2.imwrite(str(d / name), image)
        paths.append(d / name)
    png = (d / "good_8bit.png").read_bytes()
    (d / "empty.png").write_bytes(b"")
    (d / "truncated.png").write_bytes(png[: len(png) // 3])
    (d / "text.png").write_text("this is not an image\n")
    cv2.imwrite(str(d / "tiny.png"), np.zeros((2, 2), np.uint8))
    ihdr = b"IHDR" + struct.pack(">IIBBBBB", 60000, 60000, 8, 0, 0, 0, 0)
    (d / "bomb.png").write_bytes(
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr))
    )
    bad = [d / n for n in ("empty.png", "truncated.png", "text.png", "tiny.png", "bomb.png")]
    return paths + bad + [d / "missing.png"]


def test_json_lines_one_record_per_input_in_order(mixed_inputs: list[Path], tmp_path: Path) -> None:
    code, text = _run(["analyze", "--json", "--overlay", str(tmp_path / "ov"), *map(str, mixed_inputs)])
    records = [json.loads(line) for line in text.splitlines()]
    assert code == 1
    assert [r["path"] for r in records] == list(map(str, mixed_inputs))
    by_name = {Path(r["path"]).name: r for r in records}
    for r in records:
        assert r.keys() >= RECORD_KEYS
    for name in ("good_8bit.png", "good_16bit.png", "good_rgba.png", "good.jpg", "good_wide.png"):
        assert by_name[name]["ok"] and by_name[name]["error"] is None
        assert Path(by_name[name]["overlay"]).is_file()
    expected = {
        "empty.png": "image.empty",
        "truncated.png": "image.truncated",
        "text.png": "image.not_an_image",
        "tiny.png": "image.too_small",
        "bomb.png": "image.too_large",
        "missing.png": "image.not_found",
    }
    for name, code_ in expected.items():
        assert not by_name[name]["ok"]
        assert by_name[name]["error"]["code"] == code_
        assert "expected" in by_name[name]["error"]["message"]
    assert by_name["good_wide.png"]["image_size"] == [612, 512]


def test_directory_expands_sorted_and_exit_zero(sample_paths: list[Path], tmp_path: Path) -> None:
    for p in reversed(sample_paths):
        shutil.copy(p, tmp_path / p.name)
    code, text = _run(["analyze", "--json", str(tmp_path)])
    assert code == 0
    assert [Path(json.loads(lesion)["path"]).name for lesion in text.splitlines()] == sorted(
        p.name for p in sample_paths
    )


def test_human_output_has_the_disclaimer(sample_paths: list[Path]) -> None:
    code, text = _run(["analyze", str(sample_paths[0])])
    assert code == 0
    assert text.count("Research use only — not for clinical diagnosis") >= 2


@pytest.mark.parametrize(
    "args",
    [
        ["analyze", "--model", "/nonexistent/bundle", "x.png"],
        ["analyze", "--bogus", "x.png"],
        ["analyze"],
        ["analyze", "--backend", "coreml-nope", "x.png"],
        ["analyze", "--threads", "0", "x.png"],
        ["analyze", "--overlay", "/proc/cathnet-overlays", "x.png"],
        ["analyze", "--variant", "tflite_int4", "x.png"],
    ],
)
def test_usage_and_model_errors_exit_2(args: list[str]) -> None:
    code, _ = _run(args)
    assert code == 2


def test_variant_flag_runs_that_artifact(sample_paths: list[Path]) -> None:
    code, text = _run(["analyze", str(sample_paths[0]), "--json", "--backend", "litert", "--variant", "tflite_fp32"])
    record = json.loads(text)
    _, info = _run(["info", "--json"])
    assert code == 0 and record["ok"]
    assert record["model"]["sha256"] == json.loads(info)["card"]["artifacts"]["tflite_fp32"]["sha256"]


def test_info_json_lists_card_artifacts_backends() -> None:
    code, text = _run(["info", "--json"])
    info = json.loads(text)
    assert code == 0
    assert {"card", "artifacts", "backends"} <= info.keys()
    assert all(Path(p).is_absolute() and Path(p).exists() for p in info["artifacts"].values())


def test_console_script_never_prints_a_traceback(mixed_inputs: list[Path]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "cathnet", "analyze", "--json", *map(str, mixed_inputs)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert len(proc.stdout.splitlines()) == len(mixed_inputs)


def test_lesions_carry_their_outline_in_image_pixels(sample_paths: list[Path]) -> None:
    code, text = _run(["analyze", "--json", *map(str, sample_paths)])
    assert code == 0
    outlined = 0
    for record in map(json.loads, text.splitlines()):
        width, height = record["image_size"]
        for lesion in record["lesions"]:
            assert "outline" in lesion
            outline = np.array(lesion["outline"])
            assert outline.ndim == 2 and outline.shape[1] == 2 and len(outline) >= 3
            assert (outline >= 0).all() and (outline[:, 0] <= width - 1).all() and (outline[:, 1] <= height - 1).all()
            x0, _y0, x1, _y1 = lesion["box"]
            assert x0 <= outline[:, 0].min() and outline[:, 0].max() <= x1
            outlined += 1
    assert outlined  # the shipped model (1.0 on) outlines what it finds
