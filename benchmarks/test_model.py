"""Inference per backend x variant x threads, the Keras model beside them, preprocessing,
``predict`` (the whole SDK call on a frame) and the end-to-end photo → findings.

tflite-runtime needs numpy < 2: here it is skipped with that reason; ``cathnet bench
--with-env .venv-tflite/bin/python:tflite-runtime`` times it in its own venv in the
same run (``python -m benchmarks.report`` does).
"""

from __future__ import annotations

import pytest

from cathnet.backends import available_backends
from cathnet.bench import Inputs
from cathnet.bench.runner import threads
from cathnet.bench.stages import model_stages, pipeline_stages

BACKENDS = ("litert", "tflite-runtime", "tensorflow")
VARIANTS = ("tflite_int8", "tflite_fp32")
AVAILABLE = available_backends()


@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", ["invoke", "inference"])
def test_inference(
    benchmark, bundle, inputs: Inputs, record, name: str, backend: str, variant: str, n_threads: int
) -> None:
    if AVAILABLE[backend] is not None:
        pytest.skip(f"{backend} cannot run here: {AVAILABLE[backend]}")
    stages = model_stages(bundle, backend, variant, n_threads, inputs, [name])
    try:
        stage = next(stages, None)
        if stage is None:
            pytest.skip(f"{backend} has no raw invoke to time")
        with threads(n_threads):
            benchmark.pedantic(stage.query, rounds=300, warmup_rounds=10)
    finally:
        stages.close()
    record(name, n_threads, variant, backend, macs=stage.macs)


def test_keras_inference(benchmark, bundle, inputs: Inputs, record) -> None:
    pytest.importorskip("tensorflow", reason="the Keras model needs TensorFlow (the 'train' extra)")
    from benchmarks.keras_stage import keras_stage

    stage = keras_stage(bundle, inputs)
    with threads(1):
        benchmark.pedantic(stage.query, rounds=200, warmup_rounds=10)
    record("inference", stage.threads, "reference", "keras")


@pytest.mark.parametrize("name,rounds", [("preprocess", 300), ("predict", 300), ("end_to_end_photo", 64)])
@pytest.mark.parametrize("n_threads", [1, 2])
def test_pipeline(benchmark, request, record, name: str, rounds: int, n_threads: int) -> None:
    inputs = request.getfixturevalue("sim_inputs" if name == "end_to_end_photo" else "inputs")
    stages = pipeline_stages(None, "auto", None, n_threads, inputs, [name])
    try:
        stage = next(stages)
        with threads(n_threads):
            benchmark.pedantic(stage.query, rounds=rounds, warmup_rounds=3)
    finally:
        stages.close()
    record(name, n_threads, stage.variant, stage.backend)
