"""Fuzzing the capture path with damaged photos of a monitor.

Random arrays rarely hold a screen, so this campaign starts from photos that do (the
sample photo and simulated ones) and damages them as a tablet, a file or a careless
caller might: crops that cut the screen, rescaling down to the 64 px minimum and up,
rotation, mirroring, grey/BGR/BGRA/(H, W, 1), 16-bit, blocks painted over, noise,
saturation, inversion, posterising, stripes, blur. Each one is analysed (findings
inside the photo) or refused with an ``image.*`` or ``capture.*`` code.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cathnet
from cathnet import CaptureError, InvalidImageError
from cathnet.image_input import read_image
from cathnet_train.photo_sim import simulate
from cathnet_train.synth import generate
from tests.fuzz.conftest import check_error, check_findings, examples, guarded
from tests.paths import SAMPLES

pytestmark = [pytest.mark.slow, pytest.mark.fuzz]


@lru_cache(maxsize=1)
def _photos() -> tuple[np.ndarray, ...]:
    """The sample monitor photo and three simulated ones the capture accepts (seed 9,860,110
    warns of moiré, so the notch runs; 9,860,102 is oblique; 9,860,103 is clean). Since the
    locator (1.3.0) 9,860,100, the earlier moiré photo, is refused as blurred: its panel's
    corners are found 4.6 px off, which widens the blur measure (issue 22, noted)."""
    seeds = (9_860_110, 9_860_102, 9_860_103)
    sims = [simulate(s, generate(s, size=512).image, photo_size=(1024, 768)).image for s in seeds]
    return (read_image(SAMPLES / "photos" / "monitor_photo.jpg"), *sims)


@st.composite
def damaged_photo(draw: st.DrawFn) -> np.ndarray:
    photos = _photos()
    image = photos[draw(st.integers(0, len(photos) - 1))]
    h, w = image.shape[:2]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(
            st.sampled_from(
                [
                    "crop",
                    "scale",
                    "rotate",
                    "mirror",
                    "paint",
                    "noise",
                    "gain",
                    "invert",
                    "posterise",
                    "stripes",
                    "blur",
                ]
            )
        )
        h, w = image.shape[:2]
        if op == "crop":
            x0, y0 = int(rng.uniform(0, 0.5) * w), int(rng.uniform(0, 0.5) * h)
            x1, y1 = x0 + max(1, int(rng.uniform(0.2, 1) * (w - x0))), y0 + max(1, int(rng.uniform(0.2, 1) * (h - y0)))
            image = image[y0:y1, x0:x1]
        elif op == "scale":
            f = draw(st.sampled_from([0.07, 0.1, 0.25, 0.5, 1.5]))
            size = (max(1, round(w * f)), max(1, round(h * f)))
            image = cv2.resize(image, size, interpolation=draw(st.sampled_from([cv2.INTER_AREA, cv2.INTER_NEAREST])))
        elif op == "rotate":
            image = np.rot90(image, draw(st.integers(1, 3)))
        elif op == "mirror":
            image = image[:, ::-1]
        elif op == "paint":
            x0, y0 = int(rng.uniform(0, w)), int(rng.uniform(0, h))
            image = image.copy()
            image[y0 : y0 + int(rng.uniform(0.1, 0.6) * h), x0 : x0 + int(rng.uniform(0.1, 0.6) * w)] = rng.integers(
                0, 256
            )
        elif op == "noise":
            image = np.clip(image + rng.normal(0, rng.uniform(5, 80), image.shape), 0, 255).astype(np.uint8)
        elif op == "gain":
            image = np.clip(image * rng.uniform(0.05, 4), 0, 255).astype(np.uint8)
        elif op == "invert":
            image = 255 - image
        elif op == "posterise":
            image = image & np.uint8(0xC0)
        elif op == "stripes":
            period = rng.uniform(2, 12)
            wave = (np.sin(np.arange(w) * 2 * np.pi / period) * rng.uniform(10, 60)).astype(np.float32)
            shaped = wave[None, :, None] if image.ndim == 3 else wave[None, :]
            image = np.clip(image + shaped, 0, 255).astype(np.uint8)
        else:
            image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.5, 6))
    layout = draw(st.sampled_from(["bgr", "grey", "bgra", "single", "uint16"]))
    if image.ndim == 3 and layout == "grey":
        image = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_BGR2GRAY)
    elif image.ndim == 3 and layout == "bgra":
        image = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_BGR2BGRA)
    elif image.ndim == 3 and layout == "single":
        image = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_BGR2GRAY)[:, :, None]
    elif layout == "uint16":
        image = image.astype(np.uint16) * 257
    return image


@examples(1000)
@given(photo=damaged_photo(), keep_view=st.booleans())
def test_damaged_photos_are_analysed_or_refused_with_a_code(
    fuzz_analyzer: cathnet.Analyzer, photo: np.ndarray, keep_view: bool
) -> None:
    with guarded():
        try:
            findings = fuzz_analyzer.predict(photo, photo=True, keep_view=keep_view)
        except (InvalidImageError, CaptureError) as exc:
            check_error(exc)
            if isinstance(exc, InvalidImageError):
                assert exc.code == "image.too_small", exc  # every other damage keeps a valid array
            return
    check_findings(findings, photo.shape[1], photo.shape[0])
    if keep_view:
        assert findings.view is not None and findings.view.image.shape[:2] == findings.view.heatmap.shape


def test_undamaged_photos_are_analysed(fuzz_analyzer: cathnet.Analyzer) -> None:
    """The campaign starts from photos the capture accepts, so damage is what it tests."""
    for photo in _photos():
        findings = fuzz_analyzer.predict(photo, photo=True)
        check_findings(findings, photo.shape[1], photo.shape[0])
