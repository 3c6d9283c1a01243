"""Single-stream timing: one query at a time, the next issued when the last returns.

As in MLPerf's single-stream scenario, a stage is timed per query after a warm-up,
until it has run ``Plan.queries`` queries or ``Plan.seconds`` have passed (whichever
comes first, never fewer than ``Plan.min_queries``). Percentiles come from the raw
per-query times (nearest-rank is not used: numpy's linear interpolation, as in
pytest-benchmark's own quartiles).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from threadpoolctl import threadpool_limits


@dataclass(frozen=True)
class Plan:
    """How long each stage runs.

    Attributes:
        queries: timed queries per stage (the stop when the stage is fast).
        seconds: timed wall-clock per stage (the stop when the stage is slow).
        min_queries: at least this many timed queries, whatever the time.
        warmup: untimed queries first (caches, XNNPACK's packed weights, lazy allocation).
    """

    queries: int
    seconds: float
    min_queries: int
    warmup: int


FULL = Plan(queries=1024, seconds=60.0, min_queries=32, warmup=10)
QUICK = Plan(queries=48, seconds=0.75, min_queries=5, warmup=2)


def measure(query: Callable[[], object], plan: Plan) -> list[float]:
    """Per-query wall times in milliseconds, after ``plan.warmup`` untimed queries."""
    for _ in range(plan.warmup):
        query()
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < plan.queries and (len(times) < plan.min_queries or time.perf_counter() - start < plan.seconds):
        t0 = time.perf_counter()
        query()
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def measure_paired(queries: Sequence[Callable[[], object]], plan: Plan) -> list[list[float]]:
    """Per-query times (ms) of several queries run in turn, one of each per round.

    Interleaving makes their ratio robust to what drifts between separate runs (a
    neighbour on a shared host, the clock): each round sees the same machine state.
    """
    for _ in range(plan.warmup):
        for query in queries:
            query()
    times: list[list[float]] = [[] for _ in queries]
    start = time.perf_counter()
    while len(times[0]) < plan.queries and (
        len(times[0]) < plan.min_queries or time.perf_counter() - start < plan.seconds
    ):
        for query, out in zip(queries, times):
            t0 = time.perf_counter()
            query()
            out.append((time.perf_counter() - t0) * 1e3)
    return times


def summarise(times_ms: Sequence[float]) -> dict[str, float | int]:
    """p50/p90/p99 and the spread (mean, std, min, max, IQR) of raw per-query times (ms)."""
    t = np.asarray(times_ms, np.float64)
    p25, p50, p75, p90, p99 = np.percentile(t, [25, 50, 75, 90, 99])
    return {
        "p50_ms": round(float(p50), 4),
        "p90_ms": round(float(p90), 4),
        "p99_ms": round(float(p99), 4),
        "n": int(t.size),
        "mean_ms": round(float(t.mean()), 4),
        "std_ms": round(float(t.std(ddof=1)) if t.size > 1 else 0.0, 4),
        "min_ms": round(float(t.min()), 4),
        "max_ms": round(float(t.max()), 4),
        "iqr_ms": round(float(p75 - p25), 4),
    }


def bench_cpu() -> int | None:
    """The CPU that one-thread stages are pinned to (the first this process may use), or
    None where the OS offers no affinity (macOS)."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    return min(os.sched_getaffinity(0))


@contextlib.contextmanager
def threads(n: int) -> Iterator[None]:
    """OpenCV and numpy's BLAS at ``n`` threads and, at one thread, this process pinned
    to ``bench_cpu()``.

    Pinning keeps a one-thread stage on the core its peak was measured on and stops the
    scheduler moving it mid-query; all is restored afterwards. BLAS must follow: its
    own threads, pinned to the same core, spin against the query (the moiré notch's
    matrix products took ten times as long).
    """
    before = cv2.getNumThreads()
    cv2.setNumThreads(n)
    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    cpu = bench_cpu()
    try:
        if n == 1 and cpu is not None:
            os.sched_setaffinity(0, {cpu})
        with threadpool_limits(limits=n, user_api="blas"):
            yield
    finally:
        cv2.setNumThreads(before)
        if affinity is not None:
            os.sched_setaffinity(0, affinity)
