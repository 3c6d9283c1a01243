"""Latency benchmarks of the SDK on the machine it runs on (``cathnet bench``).

``run(BenchOptions(...))`` times each stage single-stream and returns the bench
document; ``stages`` holds the stage definitions that the pytest-benchmark suites in
``benchmarks/`` time too; ``summarise`` turns raw per-query times into p50/p90/p99.
"""

from __future__ import annotations

from cathnet.bench.runner import FULL, QUICK, Plan, measure, measure_paired, summarise
from cathnet.bench.stages import STAGES, Inputs, Stage
from cathnet.bench.suite import FORMAT, BenchOptions, format_result, run, select

__all__ = [
    "FORMAT",
    "FULL",
    "QUICK",
    "STAGES",
    "BenchOptions",
    "Inputs",
    "Plan",
    "Stage",
    "format_result",
    "measure",
    "measure_paired",
    "run",
    "select",
    "summarise",
]
