"""The ARCADE readers on the shared data (skipped where it is absent, as on a user's machine)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from cathnet.preprocess import InputSpec
from cathnet_train import arcade, real_data
from tests.paths import ARCADE

needs_arcade = pytest.mark.skipif(not arcade.available(ARCADE), reason=f"ARCADE is not at {ARCADE} (shared data)")


def test_rasterise_fills_pixel_centres_inside() -> None:
    square = np.array([[2, 2], [5, 2], [5, 5], [2, 5]], np.float32)
    mask = arcade.rasterise([square], (8, 8))
    assert mask.sum() // 255 == 16 and mask[2:6, 2:6].all()
    assert arcade.rasterise([square], (8, 8), scale=0.5).shape == (4, 4)


def test_unknown_split_is_refused() -> None:
    with pytest.raises(ValueError, match="held out"):
        arcade.load("test", root=ARCADE)


@needs_arcade
def test_stenosis_splits_as_the_readme_says() -> None:
    train, val = arcade.load("train", root=ARCADE), arcade.load("val", root=ARCADE)
    assert (len(train), len(val)) == (1000, 200)
    assert sum(len(f.regions) for f in train) == 1625 and sum(len(f.regions) for f in val) == 406
    assert {f.path.parent.name for f in val} == {"val"} and {f.path.parent.name for f in train} == {"train"}
    frame = val[0]
    image = frame.read()
    assert image.shape == (512, 512) and image.dtype == np.uint8
    region = frame.regions[0]
    x0, _y0, x1, _y1 = region.box
    assert x0 <= region.polygon[:, 0].min() + 1 and region.polygon[:, 0].max() <= x1 + 1
    assert region.label == "stenosis"


@needs_arcade
def test_syntax_regions_are_named_segments() -> None:
    frames = arcade.load("val", "syntax", ARCADE)
    assert len(frames) == 200
    labels = {r.label for f in frames for r in f.regions}
    assert {"1", "5", "6", "7"} <= labels
    assert frames[0].mask().any()


@needs_arcade
def test_stenosis_targets_follow_the_polygons() -> None:
    spec = InputSpec()
    data = real_data.arcade_stenosis("val", spec, ARCADE, workers=1)
    assert data.x.shape == (200, 256, 256, 1) and data.y.shape == (200, 128, 128, 6)
    first = arcade.load("val", root=ARCADE)[0]
    # The region target covers (at half the resolution of a 256 px input) the area of the polygons.
    area = first.mask().astype(bool).sum() / 16
    assert float(data.y[0, ..., 0].astype(np.float32).sum()) == pytest.approx(area, rel=0.05)
    assert (data.y[:, 0, 0, 1] == 1).all() and (data.y[:, 0, 0, 5] == 0).all()  # regions labelled, vessels not
    assert (data.p[:, 1] == 1).all()


@needs_arcade
def test_arcade_eval_scores_the_shipped_bundle_through_the_sdk(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from cathnet_train.cli import main

    assert main(["arcade-eval", "--limit", "6", "--arcade", str(ARCADE)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["images"] == 6 and out["artifact"] == "tflite_int8" and out["backend"] == "litert"
    for key in ("arcade_score", "f1", "precision", "recall", "top1_hit", "frame_sensitivity"):
        assert 0.0 <= out[key] <= 1.0
    assert sum(b["stenoses"] for b in out["recall_by_stenosis_width"].values()) == out["true_stenoses"]
    assert out["command"] == "cathnet-train arcade-eval --split val --limit 6"


def test_arcade_eval_without_the_data_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cathnet_train.cli import main

    assert main(["arcade-eval", "--arcade", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cathnet-train: arcade-eval needs ARCADE") and err.count("\n") == 1


@needs_arcade
def test_photographed_frames_carry_their_polygons_through_the_capture_path() -> None:
    from cathnet_train import real_photos
    from cathnet_train.photos import photograph

    spec = InputSpec()
    frame = arcade.load("val", root=ARCADE)[0]
    seen = photograph(frame.read(), real_photos.VAL_SEEDS, 256)
    assert seen is not None
    photo, view, to_view = seen
    assert photo.image.shape == (768, 1024, 3) and view.ndim == 2
    # The captured viewport is the frame, shown and photographed: mapping the viewport back
    # through the homography lands on the frame's own pixels.
    back = cv2.warpPerspective(view, np.linalg.inv(to_view), frame.size, flags=cv2.INTER_LINEAR)
    inner = (slice(40, -40), slice(40, -40))
    assert np.corrcoef(back[inner].ravel(), frame.read()[inner].ravel().astype(np.float32))[0, 1] > 0.9
    photographed, refused = real_photos.arcade_photographed("val", spec, ARCADE, workers=1, limit=4)
    assert len(photographed) + refused == 4 and photographed.sources[0] == "arcade-stenosis-val-photographed"
    digital = real_data.arcade_stenosis("val", spec, ARCADE, workers=1)
    # The region target keeps its area (within what the pose and the viewport fit change).
    area = float(digital.y[0, ..., 0].astype(np.float32).sum())
    assert float(photographed.y[0, ..., 0].astype(np.float32).sum()) == pytest.approx(area, rel=0.3)


@needs_arcade
def test_arcade_eval_through_photos_maps_lesions_back_to_the_frame(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from cathnet_train.cli import main

    assert main(["arcade-eval", "--photo", "--limit", "4", "--arcade", str(ARCADE)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "photographed on a simulated monitor" in out["test_set"] and out["command"].endswith("--limit 4 --photo")
    assert 1 <= out["images"] <= 4
    # Lesions scored in the frame's pixels: the photo path finds what the digital one does.
    assert out["top1_hit"] > 0.0 and out["arcade_score"] > 0.0
