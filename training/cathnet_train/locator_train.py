"""Training the capture's locator network (``cathnet.capture.locator``, issue 22).

Photos come from the *tuning* families of ``photo_families`` and from today's simulator
(``photo_sim``), never from the held-out families; they show generated frames, the
real frames in ``../shared/data/real-angiograms`` and ARCADE *train* frames (the
family evaluation shows ARCADE val frames), and a share show no angiogram at all.
Targets, at the network's stride: the lit panel of the display, every angiogram
viewport on it (thumbnails are not viewports), and the viewports' outlines, a map
pixel wide (tiles a fraction of a map pixel apart merge in the viewport channel; their
outlines part them), rasterised from the exact outlines.
The int8 model is made with the training photos as its representative data.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from cathnet.capture.locator import INPUT_WH, MAP_WH, STRIDE, locator_input
from cathnet_train.photo_families import TUNING, render
from cathnet_train.photo_sim import simulate
from cathnet_train.realism import real_frame_paths
from cathnet_train.synth import generate

TRAIN_SEEDS = 13_000_000  # training photos; tuning measured seeds 11_000_000+, the verdict 12_000_000+
SOURCES = (*TUNING, "reference_sim")
EMPTY_SHARE = 0.15
PHOTO_WH = (800, 600)  # rendered smaller than a tablet's photo: the network reads 256x192 anyway
_SUPER = 4  # targets are filled at this many times the network's input resolution, then averaged


def _frames(real_dir: Path | None, arcade: Path | None) -> list[Path]:
    paths = real_frame_paths(real_dir) if real_dir is not None and real_dir.is_dir() else []
    train = None if arcade is None else arcade / "stenosis" / "train"
    if train is not None and train.is_dir():
        paths += sorted(train.glob("*.png"))
    return paths


def _mask(outlines: list[npt.NDArray[np.float64]], box: Any, line: bool = False) -> npt.NDArray[np.float32]:
    """(48, 64) area coverage of the polygons (photo pixel-edge coordinates) on the map
    grid, or with ``line`` of their outlines drawn a map pixel wide."""
    w, h = INPUT_WH
    canvas = np.zeros((h * _SUPER, w * _SUPER), np.uint8)
    for poly in outlines:
        p = np.round((box.to_model(poly) * _SUPER - 0.5) * 16).astype(np.int32)  # input edges → fine-grid centres
        if line:
            cv2.polylines(canvas, [p], True, 255, STRIDE * _SUPER, cv2.LINE_AA, shift=4)
        else:
            cv2.fillPoly(canvas, [p], 255, cv2.LINE_AA, shift=4)
    return cv2.resize(canvas.astype(np.float32) / 255, MAP_WH, interpolation=cv2.INTER_AREA)


def sample(job: tuple[str, int, Path | None]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.float32]]:
    """One training photo: (192, 256, 3) uint8 input and (48, 64, 6) targets (panel,
    angiogram, outlines, and each one's weight: the panel of today's simulator's empty
    photos is unknown, so it weighs 0 there)."""
    source, seed, real = job
    rng = np.random.default_rng(seed)
    frame = None
    if rng.random() >= EMPTY_SHARE:
        frame = cv2.imread(str(real), cv2.IMREAD_GRAYSCALE) if real is not None else generate(seed, size=512).image
    panel_weight = 1.0
    if source == "reference_sim":
        shot = simulate(seed, frame, photo_size=PHOTO_WH)
        image = shot.image
        panels = [] if shot.corners is None else [shot.corners]
        viewports = []
        if frame is not None and shot.frame_to_photo is not None:
            fh, fw = frame.shape[:2]
            outer = np.array([[[-0.5, -0.5], [fw - 0.5, -0.5], [fw - 0.5, fh - 0.5], [-0.5, fh - 0.5]]])
            viewports = [cv2.perspectiveTransform(outer, shot.frame_to_photo)[0] + 0.5]
        if frame is None:
            panel_weight = 0.0  # the simulator does not say where its other monitors are
    else:
        photo = render(source, seed, frame, photo_size=PHOTO_WH)
        image = photo.image
        panels = [] if photo.panel_outline is None else [photo.panel_outline]
        viewports = list(photo.viewport_outlines)
    x, box = locator_input(image)
    y = np.zeros((MAP_WH[1], MAP_WH[0], 6), np.float32)
    y[..., 0] = _mask(panels, box)
    y[..., 1] = _mask(viewports, box)
    y[..., 2] = _mask(viewports, box, line=True)
    y[..., 3] = panel_weight
    y[..., 4:] = 1.0
    return x, y


def photos(
    n: int, first_seed: int, real_dir: Path | None, arcade: Path | None, workers: int = 2
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.float32]]:
    """``n`` training photos, sources in turn; half the frames real when any are present."""
    real = _frames(real_dir, arcade)
    jobs = [
        (
            SOURCES[k % len(SOURCES)],
            first_seed + k,
            real[(first_seed + k) % len(real)] if real and (k // len(SOURCES)) % 2 else None,
        )
        for k in range(n)
    ]
    with ProcessPoolExecutor(workers) as pool:
        done = list(pool.map(sample, jobs, chunksize=8))
    return np.stack([d[0] for d in done]), np.stack([d[1] for d in done])


def build_model() -> Any:
    """The locator: an encoder to stride 16 with dilated context (the whole photo in
    view, to tell an angiogram among tiles and thumbnails), a decoder back to stride 4."""
    import keras
    from keras import layers

    def conv(x: Any, filters: int, strides: int = 1, dilation: int = 1, name: str = "") -> Any:
        x = layers.Conv2D(
            filters, 3, strides=strides, dilation_rate=dilation, padding="same", use_bias=False, name=f"{name}_conv"
        )(x)
        x = layers.BatchNormalization(name=f"{name}_bn")(x)
        return layers.ReLU(name=f"{name}_relu")(x)

    inp = keras.Input((INPUT_WH[1], INPUT_WH[0], 3), name="photo")
    x = layers.Rescaling(1 / 255.0, name="scale")(inp)
    x = conv(x, 12, 2, name="s2")
    x = conv(x, 16, 2, name="s4a")
    s4 = conv(x, 16, name="s4b")
    x = conv(s4, 24, 2, name="s8a")
    s8 = conv(x, 32, name="s8b")
    x = conv(s8, 48, 2, name="s16a")
    x = conv(x, 48, dilation=2, name="s16b")
    x = conv(x, 48, dilation=4, name="s16c")
    x = layers.UpSampling2D(2, interpolation="bilinear", name="up8")(x)
    x = layers.Concatenate(name="cat8")([layers.Conv2D(16, 1, name="red8")(x), s8])
    x = conv(x, 24, name="d8")
    x = layers.UpSampling2D(2, interpolation="bilinear", name="up4")(x)
    x = layers.Concatenate(name="cat4")([x, s4])
    x = conv(x, 16, name="d4")
    out = layers.Conv2D(3, 1, activation="sigmoid", name="maps")(x)
    return keras.Model(inp, out, name="cathnet_locator")


def _loss(y_true: Any, y_pred: Any) -> Any:
    """Per channel: weighted binary cross-entropy + soft Dice (each photo's weight per channel)."""
    import keras.ops as K

    target, weight = y_true[..., :3], y_true[..., 3:]
    p = K.clip(y_pred, 1e-6, 1 - 1e-6)
    bce = -(target * K.log(p) + (1 - target) * K.log(1 - p))
    bce = K.sum(bce * weight) / K.maximum(K.sum(weight), 1.0)
    inter = K.sum(p * target * weight, axis=(1, 2))
    total = K.sum((p + target) * weight, axis=(1, 2))
    dice = 1 - (2 * inter + 1.0) / (total + 1.0)
    has = K.cast(K.sum(weight, axis=(1, 2)) > 0, "float32")
    return bce + K.sum(dice * has) / K.maximum(K.sum(has), 1.0)


def _augment(x: npt.NDArray[np.uint8], y: npt.NDArray[np.float32], rng: np.random.Generator) -> tuple[Any, Any]:
    """Mirror images and exposure changes (the photos already vary pose, blur and noise)."""
    x = x.astype(np.float32)
    flip = rng.random(len(x)) < 0.5
    x[flip] = x[flip, :, ::-1]
    y = y.copy()
    y[flip] = y[flip, :, ::-1]
    gain = rng.uniform(0.75, 1.3, (len(x), 1, 1, 1)).astype(np.float32)
    return np.clip(x * gain, 0, 255), y


def train_locator(
    out: Path,
    n: int = 3600,
    epochs: int = 14,
    batch: int = 16,
    real_dir: Path | None = Path("../shared/data/real-angiograms"),
    arcade: Path | None = Path("../shared/data/arcade"),
    seed: int = 20261208,
    workers: int = 2,
) -> dict[str, Any]:
    """Renders the photos, trains the network, writes ``locator.keras``,
    ``locator_int8.tflite`` and ``training.json`` into ``out``; returns the summary."""
    import keras
    import tensorflow as tf

    from cathnet_convert.tflite import to_int8

    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    x, y = photos(n, TRAIN_SEEDS, real_dir, arcade, workers)
    t1 = time.perf_counter()
    keras.utils.set_random_seed(seed)
    model = build_model()
    steps = epochs * (len(x) // batch)
    schedule = keras.optimizers.schedules.CosineDecay(2e-3, steps, alpha=0.02)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss=_loss)
    rng = np.random.default_rng(seed)
    history = []
    for _ in range(epochs):
        order = rng.permutation(len(x))
        losses = []
        for k in range(len(x) // batch):
            idx = order[k * batch : (k + 1) * batch]
            xb, yb = _augment(x[idx], y[idx], rng)
            losses.append(float(model.train_on_batch(xb, yb)))
        history.append(round(float(np.mean(losses)), 4))
    t2 = time.perf_counter()
    model.save(out / "locator.keras")
    representative = x[rng.choice(len(x), 200, replace=False)].astype(np.float32)
    tflite = to_int8(model, representative)
    (out / "locator_int8.tflite").write_bytes(tflite)
    summary = {
        "photos": int(len(x)),
        "sources": list(SOURCES),
        "seeds": f"{TRAIN_SEEDS}..{TRAIN_SEEDS + n - 1}",
        "empty_share": EMPTY_SHARE,
        "epochs": epochs,
        "batch": batch,
        "loss_per_epoch": history,
        "parameters": int(model.count_params()),
        "int8_bytes": len(tflite),
        "stride": STRIDE,
        "seconds": {"photos": round(t1 - t0), "training": round(t2 - t1)},
        "tensorflow": tf.__version__,
    }
    (out / "training.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary
