from __future__ import annotations

import json
from pathlib import Path

import cv2

from cathnet_train.cli import main
from cathnet_train.samples import SAMPLES


def test_samples_are_regenerated_identically(tmp_path: Path) -> None:
    shipped = Path(__file__).resolve().parents[2] / "sdk" / "cathnet" / "samples"
    assert main(["samples", "--out", str(tmp_path)]) == 0
    truth = json.loads((tmp_path / "truth.json").read_text())
    assert truth == json.loads((shipped / "truth.json").read_text())
    for name, size, positive in SAMPLES:
        image = cv2.imread(str(tmp_path / name), cv2.IMREAD_UNCHANGED)
        assert image.shape == (size, size)
        assert truth[name]["stenosis"] is positive
        assert (image == cv2.imread(str(shipped / name), cv2.IMREAD_UNCHANGED)).all()
