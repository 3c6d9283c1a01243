"""Runs a TFLite model under tflite-runtime for ``verify`` (in that runtime's own venv).

``python -m cathnet_convert.runtime_worker MODEL X.npy OUT.npz NAME=D1,D2,... ...``:
each row of X (N, H, W, C) float32 runs alone; the outputs are saved by card name.
Only numpy and the SDK's TFLite backend are imported (no TensorFlow, numpy < 2 is fine).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt


def run_each(backend: Any, x: npt.NDArray[np.float32]) -> dict[str, npt.NDArray[np.float32]]:
    """Runs every row of ``x`` alone through ``backend`` (a ``Backend``); outputs stacked by name.
    The backend is closed afterwards."""
    try:
        rows = [backend.run(xi[None]) for xi in x]
    finally:
        backend.close()
    return {k: np.concatenate([r[k] for r in rows]) for k in rows[0]}


def main(argv: list[str]) -> int:
    from cathnet.backends.tflite import TFLiteBackend

    model, x_path, out_path, *specs = argv
    outputs = {name: [int(d) for d in dims.split(",")] for name, dims in (s.split("=", 1) for s in specs)}
    x = np.load(x_path)
    np.savez(out_path, **run_each(TFLiteBackend("tflite-runtime", Path(model), outputs, num_threads=2), x))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
