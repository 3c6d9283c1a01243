"""Runs a TFLite model under tflite-runtime for ``verify`` (in that runtime's own venv).

``python -m cathnet_convert.runtime_worker MODEL X.npy OUT.npz NAME=D1,D2,... ...``:
each row of X (N, H, W, C) float32 runs alone; the outputs are saved by card name.
Only numpy and the SDK's TFLite backend are imported (no TensorFlow, numpy < 2 is fine).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def main(argv: list[str]) -> int:
    from cathnet.backends.tflite import TFLiteBackend

    model, x_path, out_path, *specs = argv
    outputs = {name: [int(d) for d in dims.split(",")] for name, dims in (s.split("=", 1) for s in specs)}
    x = np.load(x_path)
    backend = TFLiteBackend("tflite-runtime", Path(model), outputs, num_threads=2)
    try:
        rows = [backend.run(xi[None]) for xi in x]
    finally:
        backend.close()
    np.savez(out_path, **{k: np.concatenate([r[k] for r in rows]) for k in outputs})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
