"""The tflite-runtime 2.14 fallback (what Android's python-for-android ships).

It needs numpy < 2, so CI runs this file in its own virtual environment
(see scripts/test.sh); in the main environment it is skipped with that reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import cathnet
from tests.sdk import golden

pytestmark = pytest.mark.tflite_runtime


@pytest.fixture(scope="module")
def fallback() -> cathnet.Analyzer:
    reason = cathnet.available_backends()["tflite-runtime"]
    if reason is not None:
        pytest.skip(f"tflite-runtime not importable here (runs in its own venv in CI): {reason}")
    return cathnet.Analyzer(backend="tflite-runtime", num_threads=2)


def test_builds_an_interpreter_and_matches_golden(fallback: cathnet.Analyzer, sample_paths: list[Path]) -> None:
    # Importing is not enough (2.14 imports under numpy 2 and fails later): predict for real.
    expected = golden.load()
    for path in sample_paths:
        record = fallback.predict(path).to_dict()
        assert record["backend"] == "tflite-runtime"
        problems = golden.compare(expected[path.name], record, golden.OTHER_RUNTIME_PROBABILITY_TOLERANCE)
        assert problems == [], path.name
