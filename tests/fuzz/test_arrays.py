"""Fuzzing ``predict`` with in-memory images: any dtype, shape, layout and value.

An array the SDK documents as valid (uint8 or uint16 of either byte order; (H, W),
(H, W, 1|3|4); at least 64 px a side; at most 64 MP) is analysed, as a frame, whatever
its values (constant, saturated, noise, stripes) and memory layout (a colour one, looked at
as a photo first by default, may instead be refused by a capture gate); in photo mode it is
analysed or refused with a ``capture.*`` code. Anything else is refused with the ``image.*`` code that
says why. The caller's array is never changed. Values outside the integer dtypes
(NaN, inf, negatives, floats) can only arrive in a dtype the SDK refuses.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cathnet
from cathnet import CaptureError, InvalidImageError
from cathnet.analyzer import is_colour
from tests.fuzz.conftest import check_error, check_findings, examples, guarded

pytestmark = [pytest.mark.slow, pytest.mark.fuzz, pytest.mark.filterwarnings("ignore::RuntimeWarning")]

DTYPES = [
    "uint8",
    "uint16",
    ">u2",
    "int8",
    "int16",
    "int32",
    "uint32",
    "int64",
    "float16",
    "float32",
    "float64",
    "bool",
    "complex64",
    "object",
    "U1",
    "datetime64[s]",
]
# Up to 2 M elements per case (a 1448 x 1448 frame): big enough for every code path,
# small enough for thousands of cases in CI.
MAX_ELEMENTS = 2_000_000
_SIDE = st.one_of(st.integers(0, 3), st.integers(60, 68), st.integers(64, 400), st.sampled_from([1000, 1448, 20_000]))
_KINDS = ["zeros", "max", "min", "noise", "low_noise", "gradient", "checker", "stripes", "hot_pixels", "nan", "inf"]


def _fill(kind: str, shape: tuple[int, ...], dtype: np.dtype, rng: np.random.Generator) -> np.ndarray:
    """An array of ``shape`` and ``dtype`` with the values ``kind`` names."""
    size = int(np.prod(shape))
    if dtype.kind in "OUM":  # object, str, datetime: any content, refused by dtype
        return np.zeros(shape, dtype)
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    if dtype.kind in "ui":
        lo, hi = np.iinfo(dtype).min, np.iinfo(dtype).max
    else:
        lo, hi = -1e4, 1e4
    base = np.zeros(size, np.float64)
    if kind == "max":
        base[:] = hi
    elif kind == "min":
        base[:] = lo
    elif kind == "noise":
        base = rng.uniform(lo, hi, size)
    elif kind == "low_noise":
        base = rng.uniform(0, 4, size)
    elif kind == "gradient":
        base = np.linspace(lo, hi, size)
    elif kind == "checker":
        base = (np.arange(size) % 2) * hi
    elif kind == "stripes":
        base = (np.sin(np.arange(size) * 0.7) > 0) * hi
    elif kind == "hot_pixels":
        base[rng.random(size) < 0.01] = hi
    elif kind in ("nan", "inf") and dtype.kind in "fc":
        base = rng.uniform(0, 255, size)
        base[rng.random(size) < 0.1] = np.nan if kind == "nan" else np.inf
    with np.errstate(invalid="ignore", over="ignore"):
        return base.astype(dtype).reshape(shape)


@st.composite
def arrays(draw: st.DrawFn) -> np.ndarray:
    """An array of any dtype, dimensionality (0-4), size, values and memory layout.

    Seven draws in ten keep to the documented dtypes, ranks and sizes, so that most
    cases reach the model; the rest may be anything.
    """
    if draw(st.integers(0, 9)) < 7:
        dtype = np.dtype(draw(st.sampled_from(["uint8", "uint16", ">u2"])))
        ndim = draw(st.sampled_from([2, 3]))
        side, channels = st.one_of(st.integers(64, 400), st.sampled_from([1000, 1448, 20_000])), [1, 3, 4]
    else:
        dtype = np.dtype(draw(st.sampled_from(DTYPES)))
        ndim = draw(st.sampled_from([2, 3, 0, 1, 4]))
        side, channels = _SIDE, [1, 3, 4, 0, 2, 5]
    shape = [draw(side) for _ in range(min(ndim, 2))]
    if ndim >= 3:
        shape.append(draw(st.sampled_from(channels)))
    if ndim == 4:
        shape.append(draw(st.integers(1, 3)))
    while int(np.prod(shape)) > MAX_ELEMENTS:
        shape[int(np.argmax(shape))] //= 2
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    image = np.asarray(_fill(draw(st.sampled_from(_KINDS)), tuple(shape), dtype, rng))
    layout = draw(st.sampled_from(["c", "fortran", "flipped", "strided", "read_only"]))
    if layout == "fortran":
        image = np.asfortranarray(image)
    elif layout == "flipped" and image.ndim >= 2:
        image = image[::-1, ::-1]
    elif layout == "strided" and image.ndim >= 2:
        image = np.repeat(np.repeat(image, 2, axis=0), 2, axis=1)[::2, ::2]
    elif layout == "read_only":
        image.flags.writeable = False
    return image


def _documented_valid(image: np.ndarray) -> bool:
    """What the SDK's API documents as an image it analyses."""
    shape_ok = image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (1, 3, 4))
    return (
        image.dtype in (np.dtype(np.uint8), np.dtype("<u2"), np.dtype(">u2"))
        and shape_ok
        and min(image.shape[:2]) >= 64
        and image.shape[0] * image.shape[1] <= 64 * 1024 * 1024
    )


@examples(2500)
@given(image=arrays(), keep_view=st.booleans())
def test_any_array_is_analysed_or_refused_with_a_code(
    fuzz_analyzer: cathnet.Analyzer, image: np.ndarray, keep_view: bool
) -> None:
    before = image.copy()
    with guarded():
        try:
            findings = fuzz_analyzer.predict(image, keep_view=keep_view)
        except InvalidImageError as exc:
            check_error(exc)
            assert not _documented_valid(image), f"a valid {image.dtype} {image.shape} array was refused: {exc}"
            return
        except CaptureError as exc:
            # By default a colour image is looked at as a photo first (issue 22): where a
            # "monitor" is found in it, a gate may refuse it, with a code.
            check_error(exc)
            assert exc.code != "capture.no_screen" and is_colour(image), f"a {image.shape} array: {exc}"
            return
    assert _documented_valid(image), f"a {image.dtype} {image.shape} array was analysed"
    check_findings(findings, image.shape[1], image.shape[0])
    assert np.array_equal(image, before), "predict changed the caller's array"


@examples(500)
@given(image=arrays())
def test_any_array_as_a_photo_is_analysed_or_refused_with_a_code(
    fuzz_analyzer: cathnet.Analyzer, image: np.ndarray
) -> None:
    before = image.copy()
    with guarded():
        try:
            findings = fuzz_analyzer.predict(image, photo=True)
        except (InvalidImageError, CaptureError) as exc:
            check_error(exc)
            if isinstance(exc, InvalidImageError):
                assert not _documented_valid(image), f"a valid {image.dtype} {image.shape} photo was refused: {exc}"
            return
    assert _documented_valid(image)
    check_findings(findings, image.shape[1], image.shape[0])
    assert np.array_equal(image, before), "predict changed the caller's array"


def test_the_strategy_reaches_the_model() -> None:
    """Most drawn arrays are valid images, so most cases run the whole pipeline."""
    valid = []

    @examples(200)
    @given(arrays())
    def draw(image: np.ndarray) -> None:
        valid.append(_documented_valid(image))

    draw()
    assert 0.3 <= np.mean(valid) <= 0.9, np.mean(valid)
