"""Photo → findings, end to end, with lesion positions checked in photo pixels."""

from __future__ import annotations

import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

import cathnet
from cathnet.capture import capture_angiogram, rectification
from cathnet.capture.pipeline import anchored
from cathnet.cli import main
from cathnet.preprocess import preprocess

sim = pytest.importorskip("cathnet_train.photo_sim", reason="the photo simulator lives in the training package")
from cathnet_train.synth import generate  # noqa: E402


# Photos the shipped model (1.1.0) reports lesions in (9_700_007: three): the geometry needs lesions to
# check. Since 1.1.0 a photo called negative may hold none (lesion threshold 0.9).
@pytest.mark.parametrize("seed", [9_700_004, 9_700_007, 9_700_011])
def test_photo_findings_map_back_through_the_homography(analyzer: cathnet.Analyzer, seed: int) -> None:
    # Accuracy through photos is measured by `cathnet-train capture-eval`; this checks
    # the geometry: corners found, and every lesion reported consistently in photo and
    # rectified pixels, inside the screen.
    frame = generate(seed, size=512, positive=True)
    photo = sim.simulate(seed, frame.image, conditions=sim.with_conditions(seed, hand=None))
    findings = analyzer.predict(photo.image, photo=True)
    corners = np.array(findings.screen["corners"])
    outline = np.array([[[-0.5, -0.5], [511.5, -0.5], [511.5, 511.5], [-0.5, 511.5]]])
    truth = cv2.perspectiveTransform(outline, photo.frame_to_photo)[0] + 0.5
    found = np.array(findings.screen["viewport_corners"])
    assert np.linalg.norm(found - truth, axis=1).max() <= 0.02 * np.linalg.norm(truth[2] - truth[0])
    assert findings.image_size == (photo.image.shape[1], photo.image.shape[0])
    # rectified pixels: the panel's square-on frame, its homography fitted to the viewport's corners
    rect, _ = anchored(rectification(corners, findings.image_size), np.array(findings.screen["viewport_corners"]))
    assert findings.screen["rectified_size"] == list(rect.size)
    assert len(findings.screen["lesions_rectified"]) == len(findings.lesions) >= 1
    for lesion, in_rect in zip(findings.lesions, findings.screen["lesions_rectified"]):
        back = rect.to_photo([[in_rect["x"], in_rect["y"]]])[0]
        assert np.linalg.norm(back - (lesion.x, lesion.y)) < 0.05
        assert cv2.pointPolygonTest(corners.astype(np.float32), (lesion.x, lesion.y), False) >= 0


def test_no_monitor_is_a_capture_error_with_guidance(analyzer: cathnet.Analyzer) -> None:
    with pytest.raises(cathnet.CaptureError) as err:
        analyzer.predict(sim.simulate(9_700_100, None).image, photo=True)
    assert err.value.code == "capture.no_screen" and "no angiogram monitor found" in err.value.message


def test_cli_photo_records_the_screen_and_fails_cleanly_without_one(tmp_path: Path) -> None:
    seed = 9_700_004
    good = tmp_path / "monitor.jpg"
    conditions = sim.with_conditions(seed, hand=None)
    cv2.imwrite(str(good), sim.simulate(seed, generate(seed, size=512).image, conditions=conditions).image)
    empty = tmp_path / "room.jpg"
    cv2.imwrite(str(empty), sim.simulate(9_700_101, None).image)
    out = io.StringIO()
    code = main(["analyze", "--photo", "--json", "--overlay", str(tmp_path / "ov"), str(good), str(empty)], out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert code == 1
    assert records[0]["ok"] and len(records[0]["screen"]["corners"]) == 4
    assert len(records[0]["screen"]["viewport_corners"]) == 4 and records[0]["analysed_as"] == "photo"
    assert "capture" in records[0]["timing_ms"]
    assert not records[1]["ok"] and records[1]["error"]["code"] == "capture.no_screen"
    assert Path(records[0]["overlay"]).is_file()


def test_keep_view_gives_the_rectified_viewport_and_its_lesions(analyzer: cathnet.Analyzer) -> None:
    seed = 9_700_004
    photo = sim.simulate(
        seed, generate(seed, size=512, positive=True).image, conditions=sim.with_conditions(seed, hand=None)
    )
    findings = analyzer.predict(photo.image, photo=True, keep_view=True)
    x0, y0, x1, y1 = findings.screen["viewport"]
    view = findings.view
    assert view.image.shape[:2] == (y1 - y0, x1 - x0) == view.heatmap.shape
    assert len(view.lesions) == len(findings.lesions)
    for lesion, in_rect in zip(view.lesions, findings.screen["lesions_rectified"]):
        assert (lesion.x + x0, lesion.y + y0) == pytest.approx((in_rect["x"], in_rect["y"]), abs=0.01)


@pytest.mark.parametrize("seed", [9_700_004, 9_700_020])
def test_a_photo_is_analysed_as_its_viewport_would_be(analyzer: cathnet.Analyzer, seed: int) -> None:
    """The capture hands the model its viewport already area-averaged (``Captured.fitted``,
    made once for the moiré map too): the same tensor, hence the same findings, as
    analysing the captured viewport as a frame of its own."""
    photo = sim.simulate(
        seed, generate(seed, size=512, positive=True).image, conditions=sim.with_conditions(seed, hand=None, moire=0.0)
    )
    captured = capture_angiogram(photo.image, 256)
    assert not captured.moire_suppressed and captured.fitted is not None
    spec = analyzer.bundle.input_spec
    np.testing.assert_array_equal(preprocess(captured.fitted, spec)[0], preprocess(captured.image, spec)[0])
    through_photo = analyzer.predict(photo.image, photo=True, keep_view=True)
    as_frame = analyzer.predict(captured.image, keep_view=True)
    assert through_photo.stenosis_probability == as_frame.stenosis_probability
    assert [(lesion.x, lesion.y) for lesion in through_photo.view.lesions] == [
        (lesion.x, lesion.y) for lesion in as_frame.lesions
    ]


def test_a_16_bit_photo_is_read_as_its_8_bit_self(analyzer: cathnet.Analyzer, tmp_path: Path) -> None:
    # Found by the fuzz campaign: a uint16 photo crashed the screen finder (Canny takes 8-bit).
    photo = cathnet.read_image(Path(cathnet.__file__).parent / "samples" / "photos" / "monitor_photo.jpg")
    deep = photo.astype(np.uint16) * 257
    path = tmp_path / "photo16.png"
    assert cv2.imwrite(str(path), deep)
    expected = analyzer.predict(photo, photo=True).to_dict()
    for source in (deep, path):
        got = analyzer.predict(source, photo=True).to_dict()
        assert {k: got[k] for k in ("stenosis_probability", "lesions", "screen")} == {
            k: expected[k] for k in ("stenosis_probability", "lesions", "screen")
        }


SAMPLE_PHOTO = Path(cathnet.__file__).parent / "samples" / "photos" / "monitor_photo.jpg"


def test_a_photo_given_without_photo_is_captured_all_the_same(analyzer: cathnet.Analyzer) -> None:
    """Issue 22: a tablet photo passed as if it were the frame is found to be a photo."""
    photo = cathnet.read_image(SAMPLE_PHOTO)
    auto = analyzer.predict(photo)
    assert auto.analysed_as == "photo" and auto.screen is not None
    assert auto.to_dict()["screen"] == analyzer.predict(photo, photo=True).to_dict()["screen"]
    forced = analyzer.predict(photo, photo=False)
    assert forced.analysed_as == "frame" and forced.screen is None and "input.colour_frame" not in forced.warnings


def test_grey_frames_in_colour_files_stay_frames_and_colour_without_a_monitor_warns(
    analyzer: cathnet.Analyzer, tmp_path: Path
) -> None:
    frame = generate(9_700_030, size=512).image
    path = tmp_path / "frame_rgb.jpg"
    assert cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    grey_in_colour = analyzer.predict(path)
    assert grey_in_colour.analysed_as == "frame" and grey_in_colour.warnings == ()
    room = sim.simulate(9_700_102, None).image
    colour = analyzer.predict(room)
    assert colour.analysed_as == "frame" and colour.warnings == ("input.colour_frame",)


def test_cli_frame_forces_the_digital_path_and_the_default_notices_a_photo(tmp_path: Path) -> None:
    out = io.StringIO()
    assert main(["analyze", "--json", str(SAMPLE_PHOTO)], out) == 0
    assert json.loads(out.getvalue())["analysed_as"] == "photo"
    out = io.StringIO()
    assert main(["analyze", "--json", "--frame", str(SAMPLE_PHOTO)], out) == 0
    record = json.loads(out.getvalue())
    assert record["analysed_as"] == "frame" and record["screen"] is None
    assert main(["analyze", "--photo", "--frame", str(SAMPLE_PHOTO)], io.StringIO()) == 2  # a usage error
