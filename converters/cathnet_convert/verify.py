"""Parity of every variant in a bundle with the float Keras model it was converted from.

The golden set is fixed: synthetic frames from their own seeds (labelled, so AUCs can be
compared) plus the real frames of ../shared when present (agreement and differences
only). TFLite variants run under LiteRT; Core ML packages run in ``milexec`` (the saved
program, op by op, in numpy), and on macOS in Core ML itself; the int8 model also runs
under tflite-runtime 2.14 when its virtual environment is there (it needs numpy < 2, so
it runs in a subprocess with that environment's Python).
"""

from __future__ import annotations

import platform
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cathnet.backends.tflite import TFLiteBackend
from cathnet.bundle import ModelBundle
from cathnet.image_input import read_image
from cathnet.preprocess import InputSpec, preprocess
from cathnet_convert.milexec import MLProgram
from cathnet_convert.runtime_worker import run_each
from cathnet_train import dataset
from cathnet_train.metrics import roc_auc

GOLDEN_SEEDS = 9_200_000  # synthetic golden frames: never used in training, calibration or tuning
DEFAULT_REAL_DIR = Path("../shared/data/real-angiograms")
DEFAULT_TFLITE_RUNTIME_PYTHON = Path(".venv-tflite/bin/python")

# What a variant must show against the float model (max |dp| and agreement: probability;
# the lesion map is compared cell by cell, which is what catches a transposed input).
# Float variants (float32, float16, Core ML) must match closely everywhere; int8 must
# keep the float model's AUC, its calls and, on average, its lesion map.
FLOAT_LIMITS = {"agreement": 0.99, "max_abs_diff": 0.02, "lesion_map_max_abs_diff": 0.05}
INT8_LIMITS = {"auc_drop": 0.01, "agreement": 0.95, "lesion_map_mean_abs_diff": 0.02}
# tflite-runtime 2.14 runs int8 on its reference kernels (no XNNPACK), which round
# differently from LiteRT's: its calls must agree with LiteRT's and the float model's.
RUNTIME_LIMITS = {"agreement": 0.99}
# Weight-only int8 (Core ML's int8w: int8 weights, float16 compute) is neither float nor
# full-integer: its calls must agree as a float variant's do and its AUC hold as full
# int8's must; its values may move more than a float variant's, less than full int8's
# (no max |dp| limit; 0.18 for bundle 1.1.0). On the 280 golden frames, every call kept:
# bundle 1.0.0 max |dp| 0.030, lesion map 0.036; 1.1.0 max |dp| 0.052, lesion map 0.070.
WEIGHT_INT8_LIMITS = {"auc_drop": 0.01, "agreement": 0.99, "max_abs_diff": 0.1, "lesion_map_max_abs_diff": 0.1}
# Agreement counts decided calls only: frames the compared-against model scores more than
# CALL_MARGIN from the threshold. A float variant may move a probability by up to 0.02
# (FLOAT_LIMITS), so a frame within 0.02 of the threshold may flip without any limit
# being broken; counting it would fail a variant for where the threshold happens to lie.
# The agreement over all frames is reported beside it (``agreement_all``).
CALL_MARGIN = FLOAT_LIMITS["max_abs_diff"]


@dataclass(frozen=True)
class GoldenSet:
    """Preprocessed inputs; ``labels`` covers the first ``len(labels)`` (synthetic) rows."""

    x: npt.NDArray[np.float32]
    labels: npt.NDArray[np.float32]
    names: list[str]


def golden_set(spec: InputSpec, n: int = 200, real_dir: Path | None = DEFAULT_REAL_DIR) -> GoldenSet:
    """``n`` synthetic frames (seeds from ``GOLDEN_SEEDS``) and the real frames in ``real_dir``."""
    synthetic = dataset.build(list(range(GOLDEN_SEEDS, GOLDEN_SEEDS + n)), spec)
    xs, names = [synthetic.x], [f"synthetic:{GOLDEN_SEEDS + k}" for k in range(n)]
    if real_dir is not None and real_dir.is_dir():
        paths = sorted(p for p in real_dir.glob("*/*.png") if not p.stem.endswith("_gt"))
        if paths:
            xs.append(np.stack([preprocess(read_image(p), spec)[0] for p in paths]))
            names += [f"real:{p.parent.name}/{p.name}" for p in paths]
    return GoldenSet(np.concatenate(xs).astype(np.float32), synthetic.probability[:, 0], names)


def _run_tflite(
    path: Path, outputs: dict[str, list[int]], x: npt.NDArray[np.float32]
) -> dict[str, npt.NDArray[np.float32]]:
    return run_each(TFLiteBackend("litert", path, outputs, num_threads=2), x)


def _run_program(
    path: Path, outputs: dict[str, list[int]], x: npt.NDArray[np.float32], batch: int = 16
) -> dict[str, npt.NDArray[np.float32]]:
    program = MLProgram.load(path)
    names = [o.name for o in program.outputs]
    if sorted(names) != sorted(outputs):
        raise ValueError(f"expected Core ML outputs {sorted(outputs)}, the program has {sorted(names)}")
    input_name = program.inputs[0].name
    rows = [program.run({input_name: x[i : i + batch]}) for i in range(0, len(x), batch)]
    return {k: np.concatenate([r[k] for r in rows]) for k in outputs}


def _run_coreml(path: Path, x: npt.NDArray[np.float32]) -> dict[str, npt.NDArray[np.float32]]:
    """Core ML itself (macOS only)."""
    from cathnet.backends.coreml import CoreMLBackend

    return run_each(CoreMLBackend(path), x)


def _run_tflite_runtime(
    python: Path, path: Path, outputs: dict[str, list[int]], x: npt.NDArray[np.float32]
) -> dict[str, npt.NDArray[np.float32]]:
    """The int8 model under tflite-runtime, in the Python of its own environment."""
    with tempfile.TemporaryDirectory(prefix="cathnet-verify-") as tmp:
        np.save(Path(tmp) / "x.npy", x)
        done = subprocess.run(
            [
                str(python),
                "-m",
                "cathnet_convert.runtime_worker",
                str(path),
                str(Path(tmp) / "x.npy"),
                str(Path(tmp) / "out.npz"),
                *[f"{k}={','.join(map(str, v))}" for k, v in outputs.items()],
            ],
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"tflite-runtime worker failed ({done.returncode}): {done.stderr.strip()[-800:]}")
        with np.load(Path(tmp) / "out.npz") as data:
            return {k: data[k] for k in outputs}


def compare(
    reference: dict[str, npt.NDArray[np.float32]],
    got: dict[str, npt.NDArray[np.float32]],
    labels: npt.NDArray[np.float32],
    threshold: float,
) -> dict[str, Any]:
    """AUC (labelled rows), call agreement at ``threshold``, and |difference| statistics.

    ``agreement`` is over the frames ``reference`` scores more than ``CALL_MARGIN`` from
    the threshold (``undecided`` counts the others); ``agreement_all`` over every frame.
    """
    ref_p = reference["probability"].reshape(-1)
    got_p = got["probability"].reshape(-1)
    diff = np.abs(got_p - ref_p)
    map_diff = np.abs(got["lesion_map"] - reference["lesion_map"])
    n = len(labels)
    same_call = (got_p >= threshold) == (ref_p >= threshold)
    decided = np.abs(ref_p - threshold) > CALL_MARGIN
    return {
        "auc": round(roc_auc(labels, got_p[:n]), 4),
        "agreement": round(float(np.mean(same_call[decided])), 4) if decided.any() else 1.0,
        "agreement_all": round(float(np.mean(same_call)), 4),
        "undecided": int(np.count_nonzero(~decided)),
        "max_abs_diff": round(float(diff.max()), 4),
        "mean_abs_diff": round(float(diff.mean()), 5),
        "lesion_map_max_abs_diff": round(float(map_diff.max()), 4),
        "lesion_map_mean_abs_diff": round(float(map_diff.mean()), 5),
    }


def _judge(name: str, kind: str, row: dict[str, Any], reference_auc: float) -> list[str]:
    """The limits ``row`` breaks, as sentences (empty: the variant passes)."""
    failures = []
    if "int8" in name:  # full-integer TFLite, or Core ML's int8 weights
        limits = dict(INT8_LIMITS if kind == "tflite" else WEIGHT_INT8_LIMITS)
        auc_drop = limits.pop("auc_drop")
        if reference_auc - row["auc"] > auc_drop:
            failures.append(f"AUC {row['auc']} is more than {auc_drop} below the float model's {reference_auc}")
    else:
        limits = FLOAT_LIMITS
    if row["agreement"] < limits["agreement"]:
        failures.append(f"agreement {row['agreement']} < {limits['agreement']}")
    for key in ("max_abs_diff", "lesion_map_max_abs_diff", "lesion_map_mean_abs_diff"):
        if key in limits and row[key] > limits[key]:
            failures.append(f"{key} {row[key]} > {limits[key]}")
    return failures


def verify(
    bundle_path: Path | None = None,
    n: int = 200,
    real_dir: Path | None = DEFAULT_REAL_DIR,
    tflite_runtime_python: Path | None = DEFAULT_TFLITE_RUNTIME_PYTHON,
) -> dict[str, Any]:
    """Runs every variant of the bundle on the golden set against its ``reference`` model.

    Returns:
        ``{"reference_auc", "golden_set", "threshold", "call_margin", "variants": {name: {"auc",
        "agreement", "agreement_all", "undecided", "max_abs_diff", "mean_abs_diff", "lesion_map_max_abs_diff",
        "lesion_map_mean_abs_diff", "bytes", "executor", "passed", "failures"}},
        "skipped": {name: reason}, "passed"}``; the tflite-runtime row adds
        ``agreement_vs_litert``, ``agreement_all_vs_litert`` and ``max_abs_diff_vs_litert``.
    """
    import keras  # the float reference: TensorFlow only here, never in the SDK

    bundle = ModelBundle.load(bundle_path)
    refs = [name for name, art in bundle.artifacts.items() if art.kind == "keras"]
    if not refs:
        raise ValueError(
            f"expected a 'keras' reference artifact in {bundle.path}: rebuild it with cathnet-convert build"
        )
    model = keras.models.load_model(bundle.artifacts[refs[0]].path, compile=False)
    spec = bundle.input_spec
    golden = golden_set(spec, n, real_dir)
    predicted = model.predict(golden.x, batch_size=32, verbose=0)
    reference = {k: np.asarray(v, np.float32) for k, v in predicted.items()}
    outputs = {k: v["shape"] for k, v in bundle.card["outputs"].items()}
    threshold = float(bundle.card["postprocess"]["threshold"])
    reference_auc = round(roc_auc(golden.labels, reference["probability"].reshape(-1)[: len(golden.labels)]), 4)

    variants: dict[str, dict[str, Any]] = {}
    skipped: dict[str, str] = {}

    def record(
        name: str,
        kind: str,
        executor: str,
        got: dict[str, npt.NDArray[np.float32]],
        size: int,
        litert: dict[str, npt.NDArray[np.float32]] | None = None,
    ) -> None:
        """Compares ``got`` with the reference (and, for another runtime, with LiteRT's run)."""
        row = compare(reference, got, golden.labels, threshold) | {"bytes": size, "executor": executor}
        failures = _judge(name.split("@")[0], kind, row, reference_auc)
        if litert is not None:
            versus = compare(litert, got, golden.labels, threshold)
            row |= {
                "agreement_vs_litert": versus["agreement"],
                "agreement_all_vs_litert": versus["agreement_all"],
                "max_abs_diff_vs_litert": versus["max_abs_diff"],
            }
            if versus["agreement"] < RUNTIME_LIMITS["agreement"]:
                failures.append(f"agreement with LiteRT {versus['agreement']} < {RUNTIME_LIMITS['agreement']}")
        variants[name] = row | {"passed": not failures, "failures": failures}

    int8_litert: dict[str, npt.NDArray[np.float32]] | None = None
    for name, art in bundle.artifacts.items():
        if art.kind == "tflite":
            got = _run_tflite(art.path, outputs, golden.x)
            record(name, art.kind, "litert", got, art.bytes)
            if name == "tflite_int8":
                int8_litert = got
        elif art.kind == "mlpackage":
            record(
                name,
                art.kind,
                "milexec (numpy reference executor)",
                _run_program(art.path, outputs, golden.x),
                art.bytes,
            )
            if platform.system() == "Darwin":
                record(f"{name}@coreml", art.kind, "coreml", _run_coreml(art.path, golden.x), art.bytes)
            else:
                skipped[f"{name}@coreml"] = f"Core ML predicts only on macOS; this is {platform.system()}"

    if "tflite_int8" in bundle.artifacts and int8_litert is not None:
        art = bundle.artifacts["tflite_int8"]
        if tflite_runtime_python is not None and Path(tflite_runtime_python).exists():
            got = _run_tflite_runtime(Path(tflite_runtime_python), art.path, outputs, golden.x)
            record("tflite_int8@tflite-runtime", art.kind, "tflite-runtime 2.14", got, art.bytes, litert=int8_litert)
        else:
            skipped["tflite_int8@tflite-runtime"] = (
                f"no tflite-runtime environment at {tflite_runtime_python} (scripts/test.sh makes .venv-tflite)"
            )

    real = len(golden.names) - len(golden.labels)
    return {
        "bundle": str(bundle.path),
        "model": {"id": bundle.id, "version": bundle.version},
        "golden_set": f"{len(golden.labels)} synthetic frames "
        f"(seeds {GOLDEN_SEEDS}..{GOLDEN_SEEDS + len(golden.labels) - 1}, "
        f"labelled: AUC) + {real} real frames from {real_dir} (agreement and differences only)",
        "reference": f"{refs[0]} (Keras float model)",
        "reference_auc": reference_auc,
        "threshold": threshold,
        "call_margin": CALL_MARGIN,
        "variants": variants,
        "skipped": skipped,
        "passed": all(v["passed"] for v in variants.values()),
    }
