"""Concurrency (issue 8): one Analyzer shared by 8 threads, and one Analyzer per thread,
500 calls in each thread; every result is the serial one, exactly, and no thread hangs.

Each thread walks the inputs in its own order, so different inputs are in flight at
once. A deadlock fails the test at the timeout instead of hanging the suite.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import cv2
import numpy as np
import pytest

import cathnet
from cathnet.bench import Inputs

THREADS, CALLS = 8, 500
TIMEOUT_S = 600  # the 4,000 calls take well under a minute here


def _digest(findings: cathnet.Findings) -> tuple:
    """What a call answers: the probability, the call and every lesion, exactly."""
    return (
        findings.stenosis_probability,
        findings.stenosis,
        tuple(dataclasses.astuple(lesion) for lesion in findings.lesions),
    )


@pytest.fixture(scope="module")
def frames(sample_paths: list[Path]) -> list[np.ndarray]:
    """The SDK's sample frames in several layouts and depths, and synthetic frames."""
    grey = [cv2.imread(str(p), cv2.IMREAD_UNCHANGED) for p in sample_paths]
    out = [
        *grey,
        cv2.cvtColor(grey[0], cv2.COLOR_GRAY2BGR),
        cv2.cvtColor(grey[1], cv2.COLOR_GRAY2BGRA),
        grey[2].astype(np.uint16) * 257,
    ]
    try:
        from cathnet_train.synth import generate
    except ImportError:
        return out
    return out + [
        generate(seed, size=size).image for seed, size in zip(range(9_850_500, 9_850_506), (256, 384, 512) * 2)
    ]


def _in_threads(work: Callable[[int], list[tuple[int, tuple]]]) -> list[list[tuple[int, tuple]]]:
    """``work(thread)`` in ``THREADS`` threads at once; fails (not hangs) past the timeout."""
    pool = ThreadPoolExecutor(THREADS)
    try:
        futures = [pool.submit(work, t) for t in range(THREADS)]
        _done, pending = wait(futures, timeout=TIMEOUT_S)
        assert not pending, f"expected {THREADS} threads to finish within {TIMEOUT_S} s, {len(pending)} still running"
        return [f.result() for f in futures]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _calls(
    analyzer: cathnet.Analyzer, inputs: list, thread: int, calls: int, **options: object
) -> list[tuple[int, tuple]]:
    order = np.random.default_rng(thread).integers(0, len(inputs), calls)
    return [(int(i), _digest(analyzer.predict(inputs[i], **options))) for i in order]


def _assert_serial(results: list[list[tuple[int, tuple]]], serial: list[tuple], calls: int) -> None:
    assert [len(r) for r in results] == [calls] * THREADS
    for thread, answers in enumerate(results):
        for i, digest in answers:
            assert digest == serial[i], f"thread {thread}, input {i}: expected the serial result"


def test_one_analyzer_shared_by_8_threads(analyzer: cathnet.Analyzer, frames: list[np.ndarray]) -> None:
    serial = [_digest(analyzer.predict(f)) for f in frames]
    results = _in_threads(lambda t: _calls(analyzer, frames, t, CALLS))
    _assert_serial(results, serial, CALLS)


def test_one_analyzer_per_thread(frames: list[np.ndarray]) -> None:
    with cathnet.Analyzer(backend="litert", num_threads=1) as reference:
        serial = [_digest(reference.predict(f)) for f in frames]

    def work(thread: int) -> list[tuple[int, tuple]]:
        with cathnet.Analyzer(backend="litert", num_threads=1) as own:
            return _calls(own, frames, thread, CALLS)

    _assert_serial(_in_threads(work), serial, CALLS)


def test_photos_through_one_analyzer_in_8_threads(analyzer: cathnet.Analyzer) -> None:
    """The capture path too (screen, viewport, gates, moiré notch), on the sample photo
    (which takes the notch) and the same photo at two other sizes."""
    photo = Inputs.load().photos[0]
    photos = [
        photo,
        cv2.resize(photo, (1280, 960), interpolation=cv2.INTER_AREA),
        cv2.resize(photo, (2000, 1500), interpolation=cv2.INTER_LINEAR),
    ]
    serial = [_digest(analyzer.predict(p, photo=True)) for p in photos]
    results = _in_threads(lambda t: _calls(analyzer, photos, t, 20, photo=True))
    _assert_serial(results, serial, 20)
