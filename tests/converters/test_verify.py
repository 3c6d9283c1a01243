"""``cathnet-convert verify``: the shipped bundle passes, and broken conversions are caught.

The broken variants are real conversions of the shipped reference model with a classic
mistake built in (inputs scaled 0-255 instead of 0-1; height and width swapped), written
into a copy of the bundle with a valid card, so only parity can catch them.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras", reason="verify needs the 'convert' extra (TensorFlow)")
pytest.importorskip("coremltools", reason="verify needs the 'convert' extra (coremltools)")

from cathnet.bundle import CARD_NAME, default_bundle_path, sha256_of, size_of  # noqa: E402
from cathnet_convert.cli import main  # noqa: E402
from cathnet_convert.coreml import to_mlpackage  # noqa: E402
from cathnet_convert.tflite import to_float  # noqa: E402
from cathnet_convert.verify import (  # noqa: E402
    CALL_MARGIN,
    FLOAT_LIMITS,
    INT8_LIMITS,
    WEIGHT_INT8_LIMITS,
    compare,
    verify,
)

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
RUNTIME_PYTHON = REPO / ".venv-tflite" / "bin" / "python"
# Synthetic golden frames for the broken conversions: both classes, and an AUC that one
# swapped pair moves by < 0.01 (at 24 it moved 1.4 points).
N = 48
# The shipped bundle is judged on the whole golden set, as `cathnet-convert verify` judges
# it: on a few dozen frames a handful of swapped pairs moves the AUC past the limit (bundle
# 1.2.0's int8 model: 0.021 below float on 48 frames, 0.0005 on the 200).
SHIPPED_N = 200


@pytest.fixture(scope="module")
def shipped_result() -> dict:
    return verify(None, n=SHIPPED_N, real_dir=None, tflite_runtime_python=None)


def test_the_shipped_bundle_passes(shipped_result: dict) -> None:
    r = shipped_result
    assert r["passed"], json.dumps(r["variants"], indent=1)
    assert set(r["variants"]) == {"tflite_int8", "tflite_fp32", "coreml", "coreml_int8w"}  # build.SHIPPED
    for name, limit in (("coreml", FLOAT_LIMITS), ("coreml_int8w", WEIGHT_INT8_LIMITS)):
        row = r["variants"][name]
        assert row["executor"].startswith("milexec")
        assert row["agreement"] >= 0.99 and row["max_abs_diff"] <= limit["max_abs_diff"]
        assert row["bytes"] > 0
    assert r["variants"]["tflite_fp32"]["max_abs_diff"] < 1e-3
    # int8 keeps the float model's AUC
    assert r["reference_auc"] - r["variants"]["tflite_int8"]["auc"] <= INT8_LIMITS["auc_drop"]
    assert "coreml@coreml" in r["skipped"] or "coreml@coreml" in r["variants"]
    assert "synthetic" in r["golden_set"]


def test_agreement_counts_decided_calls_only() -> None:
    # Four frames, threshold 0.5. One sits on the threshold and flips by 0.01 (allowed:
    # float variants may move 0.02); one far from it flips by 0.3 (a real disagreement).
    threshold = 0.5
    ref = np.array([0.2, 0.495, 0.8, 0.9], np.float32)
    got = np.array([0.2, 0.505, 0.8, 0.6 - 0.3], np.float32)
    lesion_map = np.zeros((4, 2, 2, 2), np.float32)
    row = compare(
        {"probability": ref, "lesion_map": lesion_map},
        {"probability": got, "lesion_map": lesion_map},
        np.array([0, 1, 0, 1], np.float32),
        threshold,
    )
    assert abs(0.495 - threshold) <= CALL_MARGIN
    assert row["undecided"] == 1
    assert row["agreement"] == pytest.approx(2 / 3, abs=1e-4)  # the far flip counts
    assert row["agreement_all"] == pytest.approx(2 / 4)


def _reference_model() -> keras.Model:
    return keras.models.load_model(default_bundle_path() / "reference.keras", compile=False)


def _wrapped(inner: keras.Model, layer: keras.layers.Layer) -> keras.Model:
    """``inner`` behind ``layer``, its outputs keeping their names."""
    inp = keras.Input(tuple(inner.inputs[0].shape[1:]), name="image")
    outputs = inner(layer(inp))
    return keras.Model(inp, {name: keras.layers.Identity(name=name)(t) for name, t in outputs.items()})


def _bundle_with(tmp_path: Path, name: str, write: Callable[[Path], None]) -> Path:
    """A copy of the shipped bundle whose artifact ``name`` is rewritten, card updated."""
    bundle = tmp_path / "bundle"
    shutil.copytree(default_bundle_path(), bundle)
    card = json.loads((bundle / CARD_NAME).read_text())
    path = bundle / card["artifacts"][name]["file"]
    shutil.rmtree(path) if path.is_dir() else path.unlink()
    write(path)
    card["artifacts"][name].update(bytes=size_of(path), sha256=sha256_of(path))
    (bundle / CARD_NAME).write_text(json.dumps(card))
    return bundle


def test_a_wrong_input_scale_is_caught(tmp_path: Path) -> None:
    # The classic: the converted model expects 0-255 pixels while the SDK feeds 0-1.
    broken = _wrapped(_reference_model(), keras.layers.Rescaling(1 / 255.0))
    bundle = _bundle_with(tmp_path, "tflite_fp32", lambda p: p.write_bytes(to_float(broken)))
    # The whole golden set: the untouched int8 variant must pass as it does when shipped.
    result = verify(bundle, n=SHIPPED_N, real_dir=None, tflite_runtime_python=None)
    assert not result["passed"]
    assert not result["variants"]["tflite_fp32"]["passed"]
    assert result["variants"]["tflite_int8"]["passed"]  # only the broken one is blamed
    assert (
        main(
            [
                "verify",
                str(bundle),
                "--n",
                str(N),
                "--real-dir",
                str(tmp_path / "none"),
                "--tflite-runtime-python",
                str(tmp_path / "none"),
            ]
        )
        == 1
    )


def test_a_swapped_layout_is_caught(tmp_path: Path) -> None:
    # Height and width swapped (the input read in the other layout): the probability
    # barely moves, the lesion map is transposed.
    broken = _wrapped(_reference_model(), keras.layers.Permute((2, 1, 3)))
    meta = {"id": "cathnet-stenosis", "version": "broken"}
    bundle = _bundle_with(tmp_path, "coreml", lambda p: to_mlpackage(broken, p, meta, "2026-11-29T00:00:00Z"))
    result = verify(bundle, n=N, real_dir=None, tflite_runtime_python=None)
    row = result["variants"]["coreml"]
    assert not result["passed"] and not row["passed"]
    assert any("lesion_map" in f for f in row["failures"])
    assert result["variants"]["coreml_int8w"]["passed"]


def test_verify_json_on_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(
        [
            "verify",
            "--json",
            "--n",
            "8",
            "--real-dir",
            str(tmp_path / "none"),
            "--tflite-runtime-python",
            str(tmp_path / "none"),
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert status == (0 if out["passed"] else 1)
    assert {"reference_auc", "variants"} <= out.keys()
    for row in out["variants"].values():
        assert {"auc", "agreement", "max_abs_diff", "mean_abs_diff"} <= row.keys()
    assert "tflite_int8@tflite-runtime" in out["skipped"]


def test_a_bundle_without_reference_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = tmp_path / "b"
    shutil.copytree(default_bundle_path(), bundle)
    card = json.loads((bundle / CARD_NAME).read_text())
    del card["artifacts"]["reference"]
    (bundle / CARD_NAME).write_text(json.dumps(card))
    assert main(["verify", str(bundle), "--json"]) == 2
    assert "reference" in json.loads(capsys.readouterr().out)["error"]["message"]


@pytest.mark.skipif(
    not RUNTIME_PYTHON.exists(), reason="no .venv-tflite here (scripts/test.sh makes it before the tests)"
)
def test_the_int8_model_under_tflite_runtime() -> None:
    # tflite-runtime's reference int8 kernels round otherwise than LiteRT's: on 48 frames its
    # AUC sat 0.018 under the float model's (a pair or two), on 120 0.007, on verify's 280 0.006.
    result = verify(None, n=120, real_dir=None, tflite_runtime_python=RUNTIME_PYTHON)
    row = result["variants"]["tflite_int8@tflite-runtime"]
    assert row["passed"], row["failures"]
    assert row["executor"] == "tflite-runtime 2.14"
    assert row["agreement_vs_litert"] >= 0.99 and row["agreement"] >= 0.99
    assert np.isfinite(row["max_abs_diff_vs_litert"])
