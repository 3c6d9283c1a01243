"""TFLite execution through LiteRT, tflite-runtime or TensorFlow Lite: one code path.

The three runtimes expose the same ``Interpreter`` API; only the import differs.
Quantisation (int8 in, int8 out) is handled here from the model's own tensor
parameters, so callers always pass and receive float32.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cathnet.backends.base import Backend
from cathnet.errors import BackendUnavailableError, ModelIntegrityError

# backend name → (module, attribute path of its ``Interpreter`` class)
RUNTIMES: dict[str, tuple[str, str]] = {
    "litert": ("ai_edge_litert.interpreter", "Interpreter"),
    "tflite-runtime": ("tflite_runtime.interpreter", "Interpreter"),
    "tensorflow": ("tensorflow", "lite.Interpreter"),
}


def import_interpreter(name: str) -> Any:
    """The ``Interpreter`` class of runtime ``name``.

    Raises:
        BackendUnavailableError: the runtime is not installed or fails to import.
    """
    module_name, attribute = RUNTIMES[name]
    try:
        found: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            found = getattr(found, part)
    except Exception as exc:
        raise BackendUnavailableError(
            "backend.unavailable",
            f"expected the {name!r} runtime ({module_name}) to import, got {type(exc).__name__}: {exc}",
        ) from None
    return found


class TFLiteBackend(Backend):
    """Runs a ``.tflite`` model with one of the TFLite-compatible runtimes.

    Not thread-safe on its own: the ``Analyzer`` serialises calls with its lock.
    """

    def __init__(
        self,
        name: str,
        model_path: Path,
        outputs: dict[str, list[int]],
        num_threads: int | None = None,
    ) -> None:
        """Builds the interpreter and matches its outputs to the card's output shapes.

        Args:
            name: ``litert``, ``tflite-runtime`` or ``tensorflow``.
            model_path: the ``.tflite`` file (already sha256-verified).
            outputs: card output name → shape without the batch axis.
            num_threads: interpreter threads; None lets the runtime choose.

        Raises:
            BackendUnavailableError: the runtime is missing or cannot build an interpreter
                (e.g. tflite-runtime 2.14 under numpy 2).
            ModelIntegrityError: the model's tensors do not match the card.
        """
        interpreter_cls = import_interpreter(name)
        try:
            self._interp = interpreter_cls(model_path=str(model_path), num_threads=num_threads)
            self._interp.allocate_tensors()
        except Exception as exc:
            raise BackendUnavailableError(
                "backend.unavailable",
                f"expected {name!r} to load {model_path.name}, got {type(exc).__name__}: {exc}",
            ) from None
        self.name = name
        inputs = self._interp.get_input_details()
        if len(inputs) != 1:
            raise ModelIntegrityError("model.integrity", f"expected one model input, got {len(inputs)}")
        self._input = inputs[0]
        self._outputs: dict[str, dict[str, Any]] = {}
        details = self._interp.get_output_details()
        for out_name, shape in outputs.items():
            match = [d for d in details if list(d["shape"][1:]) == list(shape)]
            if len(match) != 1:
                raise ModelIntegrityError(
                    "model.integrity",
                    f"expected one output of shape {shape} for {out_name!r}, as the card says, got "
                    f"{[[int(v) for v in d['shape']] for d in details]}",
                )
            self._outputs[out_name] = match[0]

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(int(v) for v in self._input["shape"])

    @property
    def interpreter(self) -> Any:
        """The runtime's ``Interpreter`` (for benchmarks: op details, the raw ``invoke``)."""
        return self._interp

    def set_input(self, x: npt.NDArray[np.float32]) -> None:
        """Quantises (if the model is int8) and sets one (1, H, W, C) float32 input."""
        self._interp.set_tensor(self._input["index"], _quantize(x, self._input))

    def run(self, x: npt.NDArray[np.float32]) -> dict[str, npt.NDArray[np.float32]]:
        """Runs one (1, H, W, C) float32 input; returns float32 outputs by card name."""
        self.set_input(x)
        self._interp.invoke()
        return {name: _dequantize(self._interp.get_tensor(d["index"]), d) for name, d in self._outputs.items()}

    def close(self) -> None:
        self._interp = None


def _quantize(x: npt.NDArray[np.float32], detail: dict[str, Any]) -> npt.NDArray[Any]:
    dtype = detail["dtype"]
    if dtype == np.float32:
        return x.astype(np.float32, copy=False)
    scale, zero = detail["quantization"]
    info = np.iinfo(dtype)
    q = x / np.float32(scale)  # one float32 buffer, updated in place: the input is 256 KB
    q += np.float32(zero)
    np.rint(q, out=q)
    np.clip(q, info.min, info.max, out=q)
    return q.astype(dtype)


def _dequantize(q: npt.NDArray[Any], detail: dict[str, Any]) -> npt.NDArray[np.float32]:
    if q.dtype == np.float32:
        return np.array(q, np.float32)
    if q.dtype == np.float16:
        return np.asarray(q, np.float32)
    scale, zero = detail["quantization"]
    return np.asarray((q.astype(np.float32) - zero) * scale, np.float32)
