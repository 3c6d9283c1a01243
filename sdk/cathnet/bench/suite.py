"""``cathnet bench``: every stage, on every backend and variant here, at each thread count.

The result is one JSON document (``FORMAT``): the machine and runtime versions, the
plan, the roofline (MACs and the measured peak) and one result per stage x variant x
backend x threads with p50/p90/p99 from the raw per-query times. Backends that need
another Python (tflite-runtime's numpy < 2 environment) are run there as a child
``cathnet bench`` and merged into the same document, so one run compares them all.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cathnet import backends
from cathnet.bench import roofline, runner
from cathnet.bench.machine import machine, runtimes
from cathnet.bench.stages import (
    CAPTURE_STAGES,
    MODEL_STAGES,
    STAGES,
    Inputs,
    Stage,
    capture_stages,
    model_stages,
    pipeline_stages,
)
from cathnet.bundle import ModelBundle
from cathnet.errors import BackendUnavailableError, CathNetError

FORMAT = "cathnet-bench/1"


@dataclasses.dataclass(frozen=True)
class BenchOptions:
    """What to run.

    Attributes:
        quick: the short plan (``runner.QUICK``, under a minute in all) instead of ``FULL``.
        model: bundle folder; None for the shipped model.
        backends: backends for the model stages; None for every one that runs here.
        variants: bundle artifacts for the model stages; None for every one a backend runs.
        threads: thread counts; every stage runs at each.
        stages: which of ``STAGES`` to run.
        frames: digital frames (default: the SDK's samples).
        photos: monitor photos (default: the SDK's sample photo).
        pipeline_backend: the backend ``predict`` and ``end_to_end_photo`` use.
        other_envs: (python, backend) pairs: also time ``backend``'s model stages in a
            child process of that Python (e.g. tflite-runtime's numpy < 2 venv).
        peak: measure the GEMM peak for the roofline.
        plan: overrides the plan ``quick`` selects.
    """

    quick: bool = False
    model: str | None = None
    backends: tuple[str, ...] | None = None
    variants: tuple[str, ...] | None = None
    threads: tuple[int, ...] = (1, 2)
    stages: tuple[str, ...] = STAGES
    frames: tuple[str, ...] | None = None
    photos: tuple[str, ...] | None = None
    pipeline_backend: str = "auto"
    other_envs: tuple[tuple[str, str], ...] = ()
    peak: bool = True
    plan: runner.Plan | None = None

    def __post_init__(self) -> None:
        unknown = [s for s in self.stages if s not in STAGES]
        if unknown:
            raise CathNetError("usage.bad_stage", f"expected stages among {', '.join(STAGES)}, got {unknown}")
        if not self.threads or min(self.threads) < 1:
            raise CathNetError("usage.bad_threads", f"expected thread counts >= 1, got {list(self.threads)}")


def _model_plan(bundle: ModelBundle, options: BenchOptions) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
    """(backend, variant) pairs to time, and the backends skipped with their reason."""
    available = backends.available_backends()
    names = options.backends or backends.BACKENDS  # every one: those that cannot run here say why
    pairs: list[tuple[str, str]] = []
    skipped: list[dict[str, Any]] = []
    for name in names:
        if name not in available:
            raise CathNetError(
                "usage.bad_backend", f"expected backends among {', '.join(backends.BACKENDS)}, got {name!r}"
            )
        if available[name] is not None:
            skipped.append({"backend": name, "reason": available[name] or ""})
            continue
        kind = backends.KIND_OF_BACKEND[name]
        variants = [v for v, art in bundle.artifacts.items() if art.kind == kind]
        pairs += [(name, v) for v in variants if options.variants is None or v in options.variants]
    return pairs, skipped


def _stages(
    bundle: ModelBundle,
    inputs: Inputs,
    options: BenchOptions,
    pairs: list[tuple[str, str]],
    skipped: list[dict[str, Any]],
) -> Iterator[Stage]:
    side = max(bundle.input_spec.width, bundle.input_spec.height)
    wanted = options.stages
    for threads in options.threads:
        yield from capture_stages(inputs, side, threads, [s for s in wanted if s in CAPTURE_STAGES])
        pipeline = [s for s in wanted if s in ("preprocess", "predict", "end_to_end_photo")]
        if pipeline:
            yield from pipeline_stages(options.model, options.pipeline_backend, None, threads, inputs, pipeline)
        model = [s for s in wanted if s in MODEL_STAGES]
        for backend, variant in pairs if model else []:
            try:
                yield from model_stages(bundle, backend, variant, threads, inputs, model)
            except BackendUnavailableError as exc:  # e.g. tflite-runtime under numpy 2: fails only here
                skipped.append({"backend": backend, "variant": variant, "threads": threads, "reason": exc.message})


def _child(python: str, backend: str, options: BenchOptions) -> dict[str, Any]:
    """Runs ``backend``'s model stages under another Python; its document, or an error."""
    cmd = [
        python,
        "-m",
        "cathnet",
        "bench",
        "--json",
        "--backends",
        backend,
        "--stages",
        ",".join(s for s in options.stages if s in MODEL_STAGES) or "inference",
        "--threads",
        ",".join(map(str, options.threads)),
        "--no-peak",
    ]
    if options.quick:
        cmd.append("--quick")
    if options.plan is not None:  # the same plan as this run's
        cmd += ["--queries", str(options.plan.queries)]
    if options.variants:
        cmd += ["--variants", ",".join(options.variants)]
    if options.model:
        cmd += ["--model", str(Path(options.model).resolve())]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, check=False)
        doc: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError) as exc:
        return {"error": f"expected a bench document from {python}, got {type(exc).__name__}: {exc}"}
    if done.returncode != 0 or doc.get("format") != FORMAT:
        return {
            "error": f"expected a bench document from {python}, "
            f"got exit {done.returncode}: {done.stderr.strip()[-300:]}"
        }
    return doc


def run(options: BenchOptions, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Times every selected stage; returns the bench document.

    Args:
        options: what to run.
        progress: called with one line per stage as it finishes (None: silent).

    Raises:
        ModelNotFoundError, ModelIntegrityError: the bundle cannot be used.
        InvalidImageError: an input file is not an image.
        CathNetError: a bad option (``usage.*``) or a photo without a monitor (``bench.no_screen``).
    """
    start = time.perf_counter()
    plan = options.plan or (runner.QUICK if options.quick else runner.FULL)
    bundle = ModelBundle.load(options.model)
    inputs = Inputs.load(options.frames, options.photos)
    pairs, skipped = _model_plan(bundle, options)
    wants_peak = options.peak and any(s in MODEL_STAGES for s in options.stages)
    peak = roofline.measure_peak(runner.bench_cpu()) if wants_peak else {}
    results: list[dict[str, Any]] = []
    for stage in _stages(bundle, inputs, options, pairs, skipped):
        result = time_stage(stage, plan, peak)
        results.append(result)
        if progress:
            progress(format_result(result))
    for python, backend in options.other_envs:
        doc = _child(python, backend, options)
        if "error" in doc:
            skipped.append({"backend": backend, "python": python, "reason": doc["error"]})
            continue
        env = {"python": python, "runtimes": doc["runtimes"]}
        for result in doc["results"]:
            if result.get("macs"):
                result.update(roofline.place(result["macs"], result["p50_ms"], result["threads"], peak))
            results.append({**result, "env": env})
            if progress:
                progress(format_result(result) + f"  [{python}]")
        skipped += [{**s, "python": python} for s in doc["skipped"]]
    macs = sorted({r["macs"] for r in results if r.get("macs")})
    return {
        "format": FORMAT,
        "mode": "quick" if options.quick else "full",
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "runtimes": runtimes(),
        "model": {
            "id": bundle.id,
            "version": bundle.version,
            "sha256": {name: art.sha256 for name, art in bundle.artifacts.items()},
        },
        "inputs": inputs.names,
        "plan": dataclasses.asdict(plan),
        "pinned_cpu": runner.bench_cpu(),
        "roofline": {"macs": macs[0] if len(macs) == 1 else macs, "peak": peak},
        "results": results,
        "skipped": skipped,
        "wall_s": round(time.perf_counter() - start, 1),
    }


def time_stage(stage: Stage, plan: runner.Plan, peak: dict[str, Any]) -> dict[str, Any]:
    """One result: the stage timed at its threads, summarised, placed on the roofline."""
    with runner.threads(stage.threads):
        times = runner.measure(stage.query, plan)
    result: dict[str, Any] = {
        "name": stage.name,
        "variant": stage.variant,
        "backend": stage.backend,
        "threads": stage.threads,
        **runner.summarise(times),
    }
    if stage.macs:
        result.update(macs=stage.macs, **roofline.place(stage.macs, result["p50_ms"], stage.threads, peak))
    return result


def format_result(result: dict[str, Any]) -> str:
    """One human line: stage, variant, backend, threads, p50/p90/p99, n, and the roofline."""
    line = (
        f"{result['name']:<17} {result['variant'] or '-':<13} {result['backend'] or '-':<15} "
        f"{result['threads']:>2}  p50 {result['p50_ms']:8.2f}  p90 {result['p90_ms']:8.2f}  "
        f"p99 {result['p99_ms']:8.2f} ms  n {result['n']:>5}"
    )
    if "fraction_of_peak" in result:
        line += f"  {result['gmacs_per_s']:.1f} GMAC/s ({100 * result['fraction_of_peak']:.0f} % of peak)"
    return line


def select(
    results: Sequence[dict[str, Any]],
    name: str,
    variant: str | None = None,
    backend: str | None = None,
    threads: int | None = None,
) -> dict[str, Any] | None:
    """The first result matching the given fields (None: any), or None."""
    for r in results:
        if r["name"] == name and all(
            want is None or r.get(key) == want
            for key, want in (("variant", variant), ("backend", backend), ("threads", threads))
        ):
            return r
    return None
