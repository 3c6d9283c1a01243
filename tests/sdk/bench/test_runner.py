"""The single-stream runner: how many queries a plan runs, and the percentiles it reports."""

from __future__ import annotations

import numpy as np
import pytest

from cathnet.bench import Plan, measure, measure_paired, summarise


@pytest.mark.parametrize(
    "plan,calls,timed",
    [
        (Plan(queries=4, seconds=1e9, min_queries=1, warmup=0), 4, 4),  # the query cap stops a fast stage
        (Plan(queries=50, seconds=0.0, min_queries=3, warmup=2), 5, 3),  # the time cap, never below min_queries
    ],
)
def test_a_plan_stops_at_its_query_cap_or_its_time_cap(plan: Plan, calls: int, timed: int) -> None:
    count = []
    times = measure(lambda: count.append(1), plan)
    assert len(count) == calls
    assert len(times) == timed and all(t >= 0 for t in times)


def test_percentiles_come_from_the_raw_times() -> None:
    times = np.arange(1, 101, dtype=np.float64)  # 1..100 ms
    s = summarise(times)
    assert (s["p50_ms"], s["p90_ms"], s["p99_ms"]) == (50.5, 90.1, 99.01)  # numpy's linear interpolation
    assert (s["n"], s["min_ms"], s["max_ms"], s["mean_ms"]) == (100, 1.0, 100.0, 50.5)
    assert s["iqr_ms"] == pytest.approx(49.5)


def test_paired_queries_run_in_turn_one_of_each_per_round() -> None:
    calls: list[str] = []
    a, b = measure_paired(
        [lambda: calls.append("a"), lambda: calls.append("b")], Plan(queries=3, seconds=1e9, min_queries=1, warmup=1)
    )
    assert calls == ["a", "b"] * 4  # one warm-up round, three timed
    assert len(a) == len(b) == 3
