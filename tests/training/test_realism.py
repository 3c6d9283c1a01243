from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cathnet_train import realism
from cathnet_train.synth import generate
from tests.paths import REAL

needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/real-angiograms is absent")


def test_distances_of_known_distributions() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(0.0, 1.0, 4000)
    assert realism.wasserstein(a, a + 0.5) == pytest.approx(0.5, abs=1e-6)
    assert realism.ks_statistic(a, a) == 0.0
    assert realism.ks_statistic(a, a + 10.0) == 1.0
    assert 0.15 < realism.ks_statistic(a, rng.normal(0.5, 1.0, 4000)) < 0.25  # theory: 0.197


def test_measures_of_a_generated_frame_follow_its_truth() -> None:
    frame = generate(3_000_001)
    mask = frame.vessel_mask > 127
    m = realism.measure(frame.image, mask)
    assert 1.5 < float(np.median(m["width_px"])) < 9.0  # trunks are 6-9 px at 256, branches thinner
    assert 0.05 < float(np.median(m["contrast"])) < 0.6 and m["noise"] > 0.0
    assert m["vessel_fraction"] == pytest.approx(mask.mean())
    removed = realism.remove_vessels(frame.image, mask)
    inside = mask & (np.asarray(frame.image) < 250)
    # without its vessels the frame is as bright on them as around them
    assert removed[inside].mean() > frame.image[inside].mean() + 10
    assert abs(float(removed[inside].mean()) - float(removed[~mask].mean())) < 25


@needs_real
def test_real_frames_load_with_masks() -> None:
    frames = realism.load_real(REAL)
    assert len(frames) == 80 and all(f.image.shape == f.mask.shape for f in frames)
    assert sum(f.name.startswith("testing/") for f in frames) == 40


def test_missing_real_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="expected real frames with masks"):
        realism.load_real(tmp_path)


@needs_real
def test_the_real_look_is_closer_to_real_frames_than_v1() -> None:
    looks = realism.report(REAL, n=16)["looks"]
    assert looks["real"]["mean_w1_over_real_std"] < 0.7 * looks["v1"]["mean_w1_over_real_std"]
    assert looks["real+backgrounds"]["mean_ks"] < looks["v1"]["mean_ks"]


def test_cli_needs_the_real_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cathnet_train.cli import main

    assert main(["realism", "--real-dir", str(tmp_path / "absent")]) == 2
    assert "realism needs the real frames" in capsys.readouterr().err


@needs_real
def test_cli_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    from cathnet_train.cli import main

    assert main(["realism", "--real-dir", str(REAL), "--n", "6"]) == 0
    out = capsys.readouterr().out
    assert "(synthetic)" in out and "real+backgrounds" in out and out.count("\n") >= 10
