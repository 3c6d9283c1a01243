"""Shared inputs and the result recorder of the pytest-benchmark suites.

Frames are the SDK's samples; photos come from the photo simulator (varied rooms,
angles, screens and conditions: a latency spread a single photo would hide) when the
training package is installed, else the SDK's sample photo. Every benchmark stores
p50/p90/p99 (from the raw timings; pytest-benchmark has no percentiles), the model's
sha256, the runtime versions and the thread count in ``extra_info``.
"""

from __future__ import annotations

import contextlib

import cv2
import numpy as np
import pytest

from cathnet import CaptureError, capture
from cathnet.bench import Inputs, summarise
from cathnet.bench.machine import runtimes
from cathnet.bundle import ModelBundle

PHOTO_SEEDS = range(9_820_000, 9_820_016)


@pytest.fixture(scope="session")
def bundle() -> ModelBundle:
    return ModelBundle.load()


@pytest.fixture(scope="session")
def inputs() -> Inputs:
    """The SDK's sample frames and sample monitor photo."""
    return Inputs.load()


@pytest.fixture(scope="session")
def sim_inputs(inputs: Inputs) -> Inputs:
    """The SDK's frames, and simulated monitor photos whose capture passes its gates."""
    samples = inputs
    try:
        from cathnet_train import photo_sim
        from cathnet_train.synth import generate
    except ImportError:
        return samples
    photos, seeds = [], []
    for seed in PHOTO_SEEDS:
        photo = photo_sim.simulate(seed, generate(seed, size=512).image).image
        with contextlib.suppress(CaptureError):  # a photo the capture refuses is not timed
            capture.capture_angiogram(photo, 256)
            photos.append(photo)
            seeds.append(seed)
    previews = tuple(cv2.resize(p, (640, 480), interpolation=cv2.INTER_AREA) for p in photos)
    names = {"frames": samples.names["frames"], "photos": [f"photo_sim seed {s}" for s in seeds]}
    return Inputs(samples.frames, tuple(photos), previews, names)


@pytest.fixture
def record(benchmark, bundle: ModelBundle):
    """``record(stage, n_threads, variant=None, backend=None)``: stores the percentiles and
    the context (the stage's key, as ``cathnet bench`` names it, for ``benchmarks.check``)."""

    def _record(
        stage: str, n_threads: int, variant: str | None = None, backend: str | None = None, **extra: object
    ) -> None:
        benchmark.extra_info.update(
            stage=stage,
            threads=n_threads,
            variant=variant,
            backend=backend,
            runtimes=runtimes(),
            model=f"{bundle.id} {bundle.version}",
            **extra,
        )
        if variant in bundle.artifacts:
            benchmark.extra_info["sha256"] = bundle.artifacts[variant].sha256
        stats = getattr(benchmark, "stats", None)
        if stats is not None:  # None under --benchmark-disable (the CI smoke)
            benchmark.extra_info.update(summarise(np.asarray(stats.stats.data) * 1e3))

    return _record
