"""The ARCADE score and point-in-box matching on hand-made cases."""

from __future__ import annotations

import numpy as np
import pytest

from cathnet_train.arcade_score import BoxMatch, dice, image_score, match_points, summarise


def _rect(x0: int, y0: int, x1: int, y1: int, size: int = 100) -> np.ndarray:
    mask = np.zeros((size, size), bool)
    mask[y0:y1, x0:x1] = True
    return mask


A = _rect(10, 10, 30, 20)  # 200 px
B = _rect(60, 60, 70, 80)  # 200 px, far from A


@pytest.mark.parametrize(
    ("predicted", "true", "expected"),
    [
        ([A], [A], 1.0),  # exact match
        ([_rect(20, 10, 40, 20)], [A], 0.5),  # half of each overlaps: Dice 100 * 2 / 400
        ([A, A], [A], 1.0),  # two predictions on one stenosis: each gets its best Dice
        ([A, B], [A], 0.5),  # a false positive is a zero in the list
        ([A], [A, B], 0.5),  # a miss adds a zero
        ([], [A, B], 0.0),  # nothing predicted
        ([B], [A], 0.0),  # predicted in the wrong place
        ([], [], 1.0),  # nothing to find, nothing claimed
        ([A], [], 0.0),  # a claim on a frame with no stenosis
    ],
    ids=["exact", "half", "two-on-one", "false-positive", "miss", "none", "wrong-place", "empty", "fp-only"],
)
def test_image_score(predicted: list[np.ndarray], true: list[np.ndarray], expected: float) -> None:
    assert image_score(predicted, true) == pytest.approx(expected)


def test_dice_of_empty_masks_is_zero() -> None:
    assert dice(np.zeros((4, 4), bool), np.zeros((4, 4), bool)) == 0.0


BOX = (10.0, 10.0, 30.0, 20.0)


@pytest.mark.parametrize(
    ("points", "boxes", "expected"),
    [
        ([(20, 15, 0.9)], [BOX], BoxMatch(1, 1, 1, True)),
        ([(39, 29, 0.9)], [BOX], BoxMatch(1, 1, 1, True)),  # inside the box grown by 10 px
        ([(41, 15, 0.9)], [BOX], BoxMatch(0, 1, 1, False)),  # just outside it
        ([(20, 15, 0.9), (21, 15, 0.8)], [BOX], BoxMatch(1, 2, 1, True)),  # each box matches once
        ([(90, 90, 0.9), (20, 15, 0.5)], [BOX], BoxMatch(1, 2, 1, False)),  # the top one missed
        ([], [BOX], BoxMatch(0, 0, 1, False)),
    ],
    ids=["inside", "grown", "outside", "box-once", "top-missed", "no-points"],
)
def test_match_points(
    points: list[tuple[float, float, float]], boxes: list[tuple[float, float, float, float]], expected: BoxMatch
) -> None:
    assert match_points(points, boxes) == expected


def test_two_boxes_two_points_both_match_highest_score_first() -> None:
    near = (10.0, 10.0, 20.0, 20.0)
    far = (25.0, 10.0, 35.0, 20.0)  # grown boxes overlap: a point between them could take either
    assert match_points([(22, 15, 0.9), (30, 15, 0.8)], [near, far]).hits == 2


def test_summarise_pools_lesions_and_counts_frames() -> None:
    matches = [BoxMatch(1, 2, 1, True), BoxMatch(0, 0, 2, False)]
    out = summarise([1.0, 0.0], matches, [True, False])
    assert out["precision"] == 0.5 and out["recall"] == pytest.approx(1 / 3, abs=1e-4)
    assert out["f1"] == pytest.approx(0.4, abs=1e-4)
    assert out["top1_hit"] == 0.5 and out["frame_sensitivity"] == 0.5
    assert out["arcade_score"] == 0.5
