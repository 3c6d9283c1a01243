"""Where int8 gains or loses against float32: the shipped model cut after each stage.

    python -m benchmarks.int8_layers        # ~1 min; needs the 'convert' extra

Each prefix of the Keras reference model (the stem's first convolution, the stem, the
first dense block, the transition, half the second block, the whole model) is
converted to float32 and to full-integer int8 (as the bundle's, calibrated on the SDK's
sample frames) and its raw ``invoke`` timed single-stream on one pinned core with
LiteRT. The difference between consecutive prefixes is that stage's cost.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from cathnet.bench import Inputs, Plan, measure
from cathnet.bench.runner import threads
from cathnet.bundle import ModelBundle
from cathnet.preprocess import preprocess

CUTS = (
    ("stem1_relu", "stem conv 1 (3x3/2, 1 -> 16 channels, 128x128)"),
    ("stem2_conv", "stem conv 2 (3x3/2, 16 -> 32, 64x64)"),
    ("block1_1_cat", "dense block 1 (64x64, growth 8)"),
    ("trans1_pool", "transition (1x1 conv, 2x2 average pool)"),
    ("block2_3_cat", "dense block 2, first 4 layers (32x32, growth 12)"),
    (None, "the rest (block 2, heads, pooling, dense)"),
)
PLAN = Plan(queries=300, seconds=20.0, min_queries=50, warmup=20)


def _p50(model_bytes: bytes, folder: Path, name: str) -> float:
    from ai_edge_litert.interpreter import Interpreter

    path = folder / name
    path.write_bytes(model_bytes)
    interp = Interpreter(model_path=str(path), num_threads=1)
    interp.allocate_tensors()
    detail = interp.get_input_details()[0]
    interp.set_tensor(detail["index"], np.zeros(detail["shape"], detail["dtype"]))
    with threads(1):
        return float(np.median(measure(interp.invoke, PLAN)))


def main() -> int:
    import keras

    from cathnet_convert.tflite import to_float, to_int8

    bundle = ModelBundle.load()
    model = keras.models.load_model(bundle.artifacts["reference"].path, compile=False)
    frames = np.stack([preprocess(f, bundle.input_spec)[0] for f in Inputs.load().frames] * 8)
    print(
        "stage | float32 ms (cumulative) | int8 ms (cumulative) | float32 ms (stage) | int8 ms (stage) | int8 / float32"
    )
    before = (0.0, 0.0)
    with tempfile.TemporaryDirectory() as tmp:
        for cut, label in CUTS:
            prefix = model if cut is None else keras.Model(model.input, model.get_layer(cut).output)
            f32 = _p50(to_float(prefix), Path(tmp), "f32.tflite")
            i8 = _p50(to_int8(prefix, frames), Path(tmp), "i8.tflite")
            d32, d8 = f32 - before[0], i8 - before[1]
            print(f"{label} | {f32:.2f} | {i8:.2f} | {d32:.2f} | {d8:.2f} | {d8 / max(d32, 1e-3):.1f}x", flush=True)
            before = (f32, i8)
    return 0


if __name__ == "__main__":
    sys.exit(main())
