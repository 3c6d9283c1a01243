from __future__ import annotations

import cv2
import numpy as np
import pytest

from cathnet import ModelIntegrityError
from cathnet.preprocess import InputSpec, preprocess, quantiles
from tests.paths import SAMPLES

SPEC = InputSpec()


def _frame() -> np.ndarray:
    rng = np.random.default_rng(0)
    base = cv2.GaussianBlur(rng.uniform(0, 255, (300, 300)).astype(np.float32), (0, 0), 8)
    return cv2.normalize(base, None, 30, 220, cv2.NORM_MINMAX).astype(np.uint8)


def test_output_contract() -> None:
    x, box = preprocess(_frame(), SPEC)
    assert x.shape == (256, 256, 1) and x.dtype == np.float32
    assert x.min() >= 0.0 and x.max() <= 1.0
    assert box.image_width == 300 and box.image_height == 300


def test_grey_bgr_bgra_and_16bit_agree() -> None:
    grey = _frame()
    ref, _ = preprocess(grey, SPEC)
    variants = [
        cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR),
        cv2.cvtColor(grey, cv2.COLOR_GRAY2BGRA),
        grey[:, :, None],
        grey.astype(np.uint16) * 257,  # the same picture as a 16-bit file
    ]
    for v in variants:
        x, _ = preprocess(v, SPEC)
        np.testing.assert_allclose(x, ref, atol=2e-3)


def test_non_square_is_letterboxed_with_neutral_padding() -> None:
    wide = np.hstack([_frame(), _frame()])  # 600 x 300
    x, box = preprocess(wide, SPEC)
    assert (box.pad_x, box.pad_y) == (0, 64)
    assert np.all(x[:64] == x[0, 0])
    assert np.all(x[-64:] == x[0, 0])


def test_card_round_trip_and_invalid_card() -> None:
    assert InputSpec.from_card(SPEC.to_card()) == SPEC
    with pytest.raises(ModelIntegrityError) as err:
        InputSpec.from_card({"height": 256})
    assert err.value.code == "model.card_invalid"


@pytest.mark.parametrize("kind", ["uniform", "integer-valued", "constant", "skewed", "one pixel", "a real frame"])
def test_quantiles_equal_numpys_linear_percentiles(kind: str) -> None:
    rng = np.random.default_rng(7)
    arrays = {
        "uniform": rng.random((97, 131)) * 255,
        "integer-valued": np.round(rng.random((256, 256)) * 65535),
        "constant": np.full((40, 50), 7.25),
        "skewed": rng.normal(100, 30, (256, 200)) ** 2,
        "one pixel": np.array([[3.5]]),
        "a real frame": cv2.resize(
            cv2.imread(str(SAMPLES / "synthetic_01_stenosis.png"), cv2.IMREAD_GRAYSCALE).astype(np.float32),
            (256, 256),
            interpolation=cv2.INTER_AREA,
        ),
    }
    values = arrays[kind].astype(np.float32)
    assert quantiles(values, (0.01, 0.5, 0.99)) == tuple(np.percentile(values, [1, 50, 99]))
