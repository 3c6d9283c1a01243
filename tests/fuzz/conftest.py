"""The fuzz campaign's settings, its hang and memory guards, and its oracles.

Two hypothesis profiles:

- ``ci`` (default): a fixed, reproducible campaign (``derandomize``) of the example
  counts each test names; together they are >= 10,000 cases.
- ``long`` (``CATHNET_FUZZ=long``, see ``scripts/fuzz.sh``): random seeds and
  ``CATHNET_FUZZ_SCALE`` times the examples (20 unless set).

Each case runs ``guarded``: one that runs over ``HANG_SECONDS`` is a hang
(faulthandler prints every thread's stack and ends the process, so the run fails
loudly instead of stalling); one that raises the peak RSS by more than
``PEAK_GROWTH_MB`` fails as a memory blow-up.
"""

from __future__ import annotations

import faulthandler
import json
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis.control import currently_in_test_context

import cathnet
from cathnet import CathNetError, Findings
from tests.fuzz.oracles import check_refusal

LONG = os.environ.get("CATHNET_FUZZ") == "long"
SCALE = int(os.environ.get("CATHNET_FUZZ_SCALE", "20")) if LONG else 1
HANG_SECONDS = 60
# Peak RSS one case may add over what the process held before it: the largest fuzzed
# input is a few tens of MB, so a decoder or capture step that allocates by a hostile
# header's word would show here.
PEAK_GROWTH_MB = 768

_common = {
    "deadline": None,  # no timing in tests: a hang is caught by the watchdog, speed by benchmarks/
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    "print_blob": True,
}
settings.register_profile("ci", derandomize=True, **_common)
settings.register_profile("long", derandomize=False, **_common)
settings.load_profile("long" if LONG else "ci")


def examples(n: int) -> settings:
    """``n`` examples in CI, ``n * SCALE`` in the long campaign."""
    return settings(max_examples=n * SCALE)


_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


@contextmanager
def guarded(seconds: int = HANG_SECONDS) -> Iterator[None]:
    """One fuzz case under the hang and memory guards.

    Ends the process with every thread's stack if the block runs over ``seconds``;
    fails when the block raised the peak RSS more than PEAK_GROWTH_MB over the RSS it
    started with (Linux: the peak is reset through /proc/self/clear_refs).
    """
    measure = _CLEAR_REFS.exists()
    if measure:
        _CLEAR_REFS.write_text("5")  # resets VmHWM to the current RSS
        start = _status_mb("VmRSS")
    faulthandler.dump_traceback_later(seconds, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
    if measure:
        grew = _status_mb("VmHWM") - start
        assert grew <= PEAK_GROWTH_MB, f"one case raised the peak RSS by {grew:.0f} MB"


def check_error(exc: CathNetError, areas: tuple[str, ...] = ("image", "capture")) -> None:
    """A refusal the product may give (``check_refusal``), JSON-clean, tallied."""
    check_refusal(exc, areas)
    json.dumps(exc.to_dict())
    tally(f"refused: {exc.code}")


def check_findings(f: Findings, width: int, height: int) -> None:
    """Findings a caller can trust: bounded, finite, inside the image, JSON-clean."""
    assert 0.0 <= f.stenosis_probability <= 1.0
    assert f.stenosis == (f.stenosis_probability >= f.threshold)
    assert f.image_size == (width, height)
    for lesion in f.lesions:
        x0, y0, x1, y1 = lesion.box
        assert all(math.isfinite(v) for v in (lesion.x, lesion.y, *lesion.box))
        assert -1 <= x0 <= lesion.x <= x1 <= width + 1 and -1 <= y0 <= lesion.y <= y1 <= height + 1, lesion
        assert 0.0 <= lesion.score <= 1.0 and 0.0 <= lesion.diameter_stenosis_percent <= 100.0
    json.dumps(f.to_dict(), allow_nan=False)
    tally("analysed")


def tally(outcome: str) -> None:
    """Counts outcomes for ``pytest --hypothesis-show-statistics``."""
    if currently_in_test_context():
        event(outcome)


@pytest.fixture(scope="session")
def fuzz_analyzer() -> Iterator[cathnet.Analyzer]:
    """The shipped int8 model, one thread: the campaign is many small calls."""
    with cathnet.Analyzer(backend="litert", num_threads=1) as a:
        yield a
