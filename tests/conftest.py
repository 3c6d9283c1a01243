"""Shared fixtures: the shipped model, its samples, and the optional real frames."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import cathnet
from tests.paths import REAL, SAMPLES


@pytest.fixture(scope="session")
def analyzer() -> Iterator[cathnet.Analyzer]:
    with cathnet.Analyzer(backend="litert", num_threads=2) as a:
        yield a


@pytest.fixture(scope="session")
def sample_paths() -> list[Path]:
    return sorted(SAMPLES.glob("*.png"))


@pytest.fixture(scope="session")
def sample_truth() -> dict[str, dict]:
    return json.loads((SAMPLES / "truth.json").read_text())


@pytest.fixture(scope="session")
def real_frames() -> list[Path]:
    if not REAL.is_dir():
        pytest.skip(f"real angiograms not present at {REAL} (only on the project's machines)")
    return sorted(p for p in REAL.glob("*/*.png") if not p.stem.endswith("_gt"))
