"""``cathnet bench``: the JSON contract (ARCHITECTURE.md), the roofline, other Python
environments merged into one run, and clear errors for bad options.

Runs use ``--queries 3``: these tests check what is reported, never how fast.
"""

from __future__ import annotations

import io
import json
import sys

import pytest

from cathnet import ModelBundle
from cathnet.bench.roofline import count_macs
from cathnet.cli import main
from tests.paths import REPO, SAMPLES

CONTRACT = {"name", "variant", "backend", "threads", "p50_ms", "p90_ms", "p99_ms", "n"}
TFLITE_PYTHON = REPO / ".venv-tflite" / "bin" / "python"


def _bench(*args: str) -> tuple[int, dict]:
    out = io.StringIO()
    code = main(["bench", "--json", "--queries", "3", *args], out=out)
    return code, json.loads(out.getvalue().strip().splitlines()[-1])


@pytest.fixture(scope="module")
def small_run() -> dict:
    code, doc = _bench(
        "--stages",
        "capture_preview,preprocess,invoke,inference,predict",
        "--threads",
        "1,2",
        "--backends",
        "litert",
        "--variants",
        "tflite_int8,tflite_fp32",
    )
    assert code == 0
    return doc


def test_every_result_has_the_contract_keys_and_ordered_percentiles(small_run: dict) -> None:
    results = small_run["results"]
    for r in results:
        assert r.keys() >= CONTRACT
        assert r["n"] == 3
        assert 0 < r["min_ms"] <= r["p50_ms"] <= r["p90_ms"] <= r["p99_ms"] <= r["max_ms"]
    keys = {(r["name"], r["variant"], r["backend"], r["threads"]) for r in results}
    for threads in (1, 2):
        assert ("capture_preview", None, None, threads) in keys
        assert ("preprocess", None, None, threads) in keys
        assert ("predict", "tflite_int8", "litert", threads) in keys
        for variant in ("tflite_int8", "tflite_fp32"):
            assert ("invoke", variant, "litert", threads) in keys
            assert ("inference", variant, "litert", threads) in keys
    assert len(keys) == len(results) == 2 * 7


def test_the_document_names_the_machine_the_runtimes_and_the_model(small_run: dict) -> None:
    bundle = ModelBundle.load()
    assert small_run["format"] == "cathnet-bench/1"
    assert {"os", "arch", "cpu", "cores", "python"} <= small_run["machine"].keys()
    assert small_run["runtimes"]["ai-edge-litert"] and small_run["runtimes"]["numpy"]
    assert small_run["model"]["sha256"]["tflite_int8"] == bundle.artifacts["tflite_int8"].sha256
    assert small_run["inputs"]["photos"] == ["monitor_photo.jpg"]


def test_the_roofline_places_each_inference_against_the_measured_peak(small_run: dict) -> None:
    peak = small_run["roofline"]["peak"]
    assert peak["gflops"] > 0 and peak["gmacs"] == pytest.approx(peak["gflops"] / 2, rel=1e-3)
    for r in small_run["results"]:
        if r["name"] in ("invoke", "inference"):
            achieved = r["macs"] / (r["p50_ms"] * 1e-3) / 1e9
            assert r["gmacs_per_s"] == pytest.approx(achieved, rel=1e-3)
            assert r["fraction_of_peak"] == pytest.approx(achieved / (peak["gmacs"] * r["threads"]), rel=1e-2)


@pytest.mark.slow
def test_the_mac_count_matches_the_keras_model_layer_by_layer(small_run: dict) -> None:
    keras = pytest.importorskip("keras", reason="the Keras reference model needs the 'train' extra")
    model = keras.models.load_model(ModelBundle.load().artifacts["reference"].path, compile=False)
    expected = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            kh, kw = layer.kernel_size
            out = layer.output.shape  # (None, H, W, C)
            expected += out[1] * out[2] * out[3] * kh * kw * layer.input.shape[-1]
        elif isinstance(layer, keras.layers.Dense):
            expected += layer.input.shape[-1] * layer.units
    assert small_run["roofline"]["macs"] == expected


def test_the_int8_and_float_graphs_count_the_same_macs() -> None:
    from ai_edge_litert.interpreter import Interpreter

    bundle = ModelBundle.load()
    counts = set()
    for variant in ("tflite_int8", "tflite_fp32"):
        interp = Interpreter(model_path=str(bundle.artifacts[variant].path))
        interp.allocate_tensors()
        counts.add(count_macs(interp))
    assert len(counts) == 1 and counts.pop() > 0


def test_another_python_is_timed_in_the_same_run() -> None:
    code, doc = _bench(
        "--stages",
        "inference",
        "--threads",
        "1",
        "--backends",
        "litert",
        "--variants",
        "tflite_int8",
        "--with-env",
        f"{sys.executable}:litert",
        "--no-peak",
    )
    assert code == 0
    children = [r for r in doc["results"] if "env" in r]
    assert len(children) == 1 and len(doc["results"]) == 2
    assert children[0]["env"]["python"] == sys.executable
    assert children[0]["n"] == 3  # the child runs this run's plan
    assert children[0]["env"]["runtimes"]["ai-edge-litert"] == doc["runtimes"]["ai-edge-litert"]


def test_tflite_runtime_is_timed_in_its_own_venv_beside_litert() -> None:
    if not TFLITE_PYTHON.is_file():
        pytest.skip(f"no tflite-runtime venv at {TFLITE_PYTHON} (scripts/test.sh builds it)")
    code, doc = _bench(
        "--stages",
        "invoke",
        "--threads",
        "1",
        "--backends",
        "litert",
        "--variants",
        "tflite_int8",
        "--with-env",
        f"{TFLITE_PYTHON}:tflite-runtime",
        "--no-peak",
    )
    assert code == 0, doc["skipped"]
    runtimes = {r["backend"]: r for r in doc["results"]}
    assert set(runtimes) == {"litert", "tflite-runtime"}
    assert runtimes["tflite-runtime"]["n"] == 3
    env = runtimes["tflite-runtime"]["env"]["runtimes"]
    assert env["tflite-runtime"] == "2.14.0" and env["numpy"].startswith("1.")


def test_a_backend_that_cannot_run_is_skipped_with_its_reason() -> None:
    code, doc = _bench(
        "--stages",
        "inference",
        "--threads",
        "1",
        "--backends",
        "litert,tflite-runtime",
        "--variants",
        "tflite_int8",
        "--no-peak",
    )
    assert code == 0
    assert [r["backend"] for r in doc["results"]] == ["litert"]
    assert [s["backend"] for s in doc["skipped"]] == ["tflite-runtime"] and doc["skipped"][0]["reason"]


@pytest.mark.parametrize(
    "args,code_in_output",
    [
        (["--stages", "warp_speed"], "usage.bad_stage"),
        (["--threads", "0"], "usage.bad_threads"),
        (["--queries", "0"], "usage.bad_queries"),
        (["--backends", "onnx"], "usage.bad_backend"),
        (["--photo", str(SAMPLES / "photos" / "no_monitor.jpg")], "bench.no_screen"),
        (["--frame", str(SAMPLES / "truth.json")], "image."),
    ],
)
def test_bad_options_exit_2_with_a_stable_code(args: list[str], code_in_output: str, capsys) -> None:
    out = io.StringIO()
    assert main(["bench", "--json", *args], out=out) == 2
    error = json.loads(out.getvalue())["error"]
    assert error["code"].startswith(code_in_output) and "expected" in error["message"]


def test_a_malformed_env_is_a_usage_error(capsys) -> None:
    assert main(["bench", "--with-env", "no-colon-here"], out=io.StringIO()) == 2
    assert "PYTHON:BACKEND" in capsys.readouterr().err


def test_human_output_says_research_use_only_and_lists_each_stage() -> None:
    out = io.StringIO()
    assert main(["bench", "--queries", "3", "--stages", "preprocess", "--threads", "1", "--no-peak"], out=out) == 0
    text = out.getvalue()
    assert "Research use only" in text and "preprocess" in text and "p90" in text
