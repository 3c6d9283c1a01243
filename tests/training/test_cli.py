from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest

from cathnet_train import arcade
from cathnet_train.cli import main
from cathnet_train.samples import SAMPLES
from tests.paths import ARCADE, REAL


def test_samples_are_regenerated_identically(tmp_path: Path) -> None:
    shipped = Path(__file__).resolve().parents[2] / "sdk" / "cathnet" / "samples"
    assert main(["samples", "--out", str(tmp_path), "--arcade", str(ARCADE)]) == 0
    truth = json.loads((tmp_path / "truth.json").read_text())
    expected = json.loads((shipped / "truth.json").read_text())
    if not arcade.available(ARCADE):  # the real samples are copied from ARCADE, absent on a user's machine
        expected = {k: v for k, v in expected.items() if not k.startswith("arcade_")}
    assert truth == expected
    for name in (n for n in truth if n.startswith("arcade_")):
        assert (cv2.imread(str(tmp_path / name)) == cv2.imread(str(shipped / name))).all()
    for name, size, positive in SAMPLES:
        image = cv2.imread(str(tmp_path / name), cv2.IMREAD_UNCHANGED)
        assert image.shape == (size, size)
        assert truth[name]["stenosis"] is positive
        assert (image == cv2.imread(str(shipped / name), cv2.IMREAD_UNCHANGED)).all()


def test_a_folder_that_is_no_bundle_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--model", str(tmp_path), "--n", "4"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cathnet-train: model.not_found: expected a model bundle folder")
    assert "Traceback" not in err and err.count("\n") == 1


@pytest.mark.skipif(not REAL.is_dir(), reason="needs the real frames in ../shared/data/real-angiograms")
def test_real_frames_all_run_and_their_probabilities_are_summarised(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["real-frames", "--real-dir", str(REAL)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ran"] == 80 and out["errors"] == {} and out["frames"] == 80
    assert sum(out["histogram_tenths"]) == 80 and set(out["by_folder"]) == {"testing", "training"}
    assert 0.0 <= out["quartiles"][0] <= out["quartiles"][1] <= out["quartiles"][2] <= 1.0
    assert "not an accuracy" in out["what"]


def test_real_frames_without_the_folder_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["real-frames", "--real-dir", str(tmp_path / "absent")]) == 2
    assert "expected a folder" in capsys.readouterr().err
