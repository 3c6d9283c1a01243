"""Fuzzing the file decoder, alone and followed by the model: damaged and random files.

Whatever the bytes, ``decode_bytes`` returns an image that agrees with the header the
SDK checked (so no header can smuggle a bigger image past the size limit) or refuses
with an ``image.*`` code; ``predict`` on a damaged file analyses it or refuses it.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cathnet
from cathnet import InvalidImageError
from cathnet.image_input import decode_bytes
from tests.fuzz.conftest import check_error, check_findings, examples, guarded, tally
from tests.fuzz.mutate import damaged_file, random_bytes, seeds
from tests.fuzz.oracles import check_decoded

pytestmark = [pytest.mark.slow, pytest.mark.fuzz]


def _decode_or_refuse(data: bytes) -> np.ndarray | None:
    with guarded():
        try:
            image = decode_bytes(data, "fuzz")
        except InvalidImageError as exc:
            check_error(exc, areas=("image",))
            return None
    check_decoded(data, image)
    tally("decoded")
    return image


def test_the_seed_files_decode() -> None:
    for name, data in seeds().items():
        assert _decode_or_refuse(data) is not None, name


@examples(2000)
@given(random_bytes())
def test_random_bytes_are_refused_with_a_code(data: bytes) -> None:
    _decode_or_refuse(data)


@examples(4000)
@given(damaged_file())
def test_damaged_files_decode_to_what_their_header_says_or_are_refused(case: tuple[str, bytes]) -> None:
    _decode_or_refuse(case[1])


@examples(1000)
@given(case=damaged_file(), keep_view=st.booleans())
def test_damaged_files_are_analysed_or_refused(
    fuzz_analyzer: cathnet.Analyzer, tmp_path_factory: pytest.TempPathFactory, case: tuple[str, bytes], keep_view: bool
) -> None:
    path = tmp_path_factory.getbasetemp() / "damaged.img"
    path.write_bytes(case[1])
    with guarded():
        try:
            findings = fuzz_analyzer.predict(path, keep_view=keep_view)
        except InvalidImageError as exc:
            check_error(exc)
            return
    h, w = decode_bytes(case[1]).shape[:2]
    check_findings(findings, w, h)
