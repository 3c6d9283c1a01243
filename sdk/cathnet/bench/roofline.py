"""Where the model sits against the machine: its multiply-accumulates and a measured peak.

The MAC count is read from the TFLite graph (convolutions and fully connected layers;
element-wise ops, pooling and concatenation are memory traffic, not MACs). The peak is
a float32 GEMM (numpy's BLAS, one thread) on the same core the one-thread stages run
on, measured in a child process so that its BLAS thread count can be fixed before
numpy loads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

# One-thread float32 GEMM, best of several (a peak, not a typical rate).
_PEAK_CODE = r"""
import json, os, sys, time
cpu = int(sys.argv[1]); n = int(sys.argv[2]); reps = int(sys.argv[3])
if cpu >= 0 and hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {cpu})
import numpy as np
rng = np.random.default_rng(0)
a = rng.random((n, n), dtype=np.float32); b = rng.random((n, n), dtype=np.float32)
a @ b
times = []
for _ in range(reps):
    t0 = time.perf_counter(); a @ b; times.append(time.perf_counter() - t0)
flop = 2.0 * n ** 3
median = sorted(times)[len(times) // 2]
print(json.dumps({"best_gflops": flop / min(times) / 1e9, "median_gflops": flop / median / 1e9}))
"""
_ONE_THREAD = dict.fromkeys(
    ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"), "1"
)


def undelegated(interpreter_class: type, model_path: str | Path) -> Any:
    """An allocated interpreter of ``interpreter_class``'s runtime on ``model_path`` with no
    delegate: a delegate (XNNPACK) folds the ops it takes into ``DELEGATE`` nodes, and a
    graph it splits into several partitions hides convolutions from ``count_macs``."""
    runtime = sys.modules[interpreter_class.__module__]
    resolver = runtime.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    interpreter = interpreter_class(model_path=str(model_path), experimental_op_resolver_type=resolver)
    interpreter.allocate_tensors()
    return interpreter


def count_macs(interpreter: Any) -> int:
    """Multiply-accumulates of one inference of a TFLite graph (batch 1).

    Args:
        interpreter: an allocated ``Interpreter`` (LiteRT, tflite-runtime or TensorFlow)
            without delegates (``undelegated``).

    Returns:
        The sum over CONV_2D (out pixels x out channels x kernel area x in channels),
        DEPTHWISE_CONV_2D (out pixels x out channels x kernel area) and
        FULLY_CONNECTED (weights x batch rows) ops.
    """
    shapes = {t["index"]: [int(v) for v in t["shape"]] for t in interpreter.get_tensor_details()}
    total = 0
    for op in interpreter._get_ops_details():
        name = op["op_name"]
        if name not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            continue
        weights, out = shapes[int(op["inputs"][1])], shapes[int(op["outputs"][0])]
        if name == "CONV_2D":  # weights (O, kh, kw, I), out (N, H, W, O)
            total += int(np.prod(out)) * weights[1] * weights[2] * weights[3]
        elif name == "DEPTHWISE_CONV_2D":  # weights (1, kh, kw, O)
            total += int(np.prod(out)) * weights[1] * weights[2]
        else:  # weights (O, I), out (rows, O)
            total += int(np.prod(weights)) * int(np.prod(out[:-1]))
    return total


def measure_peak(cpu: int | None, n: int = 768, reps: int = 12) -> dict[str, Any]:
    """The float32 GEMM peak of one core, in GFLOP/s (2 FLOP per MAC).

    Args:
        cpu: the core to pin the measurement to; None where the OS has no affinity.
        n: the square matrices' side.
        reps: timed GEMMs; the best gives the peak.

    Returns:
        ``{"gflops", "median_gflops", "gmacs", "method", "cpu"}``, or ``{"error": ...}``
        when the child process fails (the bench still reports its timings).
    """
    cmd = [sys.executable, "-c", _PEAK_CODE, str(-1 if cpu is None else cpu), str(n), str(reps)]
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=120, check=True, env={**os.environ, **_ONE_THREAD}
        )
        got = json.loads(done.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, OSError, ValueError, IndexError) as exc:
        return {"error": f"expected the GEMM peak from a child process, got {type(exc).__name__}: {exc}"}
    return {
        "gflops": round(got["best_gflops"], 2),
        "median_gflops": round(got["median_gflops"], 2),
        "gmacs": round(got["best_gflops"] / 2, 2),
        "method": f"numpy float32 GEMM {n}x{n}, one BLAS thread, best of {reps}",
        "cpu": cpu,
    }


def place(macs: int, p50_ms: float, threads: int, peak: dict[str, Any]) -> dict[str, float]:
    """Achieved GMAC/s at the median latency, and its fraction of the measured one-core
    peak times ``threads`` (the cores the query may use)."""
    achieved = macs / (p50_ms * 1e-3) / 1e9
    out = {"gmacs_per_s": round(achieved, 3)}
    if "gmacs" in peak:
        out["fraction_of_peak"] = round(achieved / (peak["gmacs"] * threads), 4)
    return out
