"""Model inputs and targets from real frames (ARCADE, the 80 real angiograms) and the generator.

Every frame goes through the SDK's own ``preprocess`` (so training sees what the
product sees) and gets the same target layout, whatever it is labelled with:

``y`` (N, H/2, W/2, 6) float16 at the model's output stride:
    0 stenosis region (fraction of the cell inside an expert polygon, or inside a
      generated significant narrowing), 1 region valid (1 where the frame's stenoses
      are labelled), 2 %DS / 100, 3 %DS valid (generated narrowings only: ARCADE has
      no %DS), 4 vessel (fraction of the cell on a vessel), 5 vessel valid.
``p`` (N, 2) float32: frame label (>= 50 % stenosis present), label valid.

What each source labels: ARCADE stenosis frames the regions and the frame label
(every significant stenosis is outlined); ARCADE SYNTAX frames and the real
angiograms' masks the vessels only; generated frames everything, %DS included, and
they are the only frames free of stenosis.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from cathnet.preprocess import InputSpec, preprocess
from cathnet_train import arcade
from cathnet_train.dataset import LookSpec
from cathnet_train.region_model import OUTPUT_STRIDE
from cathnet_train.synth import SIGNIFICANT_DS, generate

N_TARGETS = 6


@dataclass
class FrameSet:
    """Model-ready frames with their targets (see the module docstring for the layout)."""

    x: npt.NDArray[np.float16]
    y: npt.NDArray[np.float16]
    p: npt.NDArray[np.float32]
    sources: list[str]

    def __len__(self) -> int:
        return len(self.x)

    def subset(self, index: npt.NDArray[np.intp]) -> FrameSet:
        return FrameSet(self.x[index], self.y[index], self.p[index], [self.sources[i] for i in index])


def concat(*sets: FrameSet) -> FrameSet:
    """The frames of ``sets`` one after the other (one input size)."""
    return FrameSet(
        np.concatenate([s.x for s in sets]),
        np.concatenate([s.y for s in sets]),
        np.concatenate([s.p for s in sets]),
        [n for s in sets for n in s.sources],
    )


def _cells(mask: npt.NDArray[np.uint8], spec: InputSpec) -> npt.NDArray[np.float32]:
    """A 0/255 mask at model input size → the fraction of each output cell it covers."""
    size = (spec.width // OUTPUT_STRIDE, spec.height // OUTPUT_STRIDE)
    return cv2.resize(mask.astype(np.float32) / 255.0, size, interpolation=cv2.INTER_AREA)


def to_model(
    image: npt.NDArray[np.uint8], polygons: list[npt.NDArray[np.float32]], spec: InputSpec
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.uint8]]:
    """The preprocessed input and the polygons filled at model input size (letterboxed like it)."""
    x, box = preprocess(image, spec)
    mask = arcade.rasterise([box.to_model(p).astype(np.float32) for p in polygons], (spec.width, spec.height))
    return x[..., 0], mask


def target_row(
    x: npt.NDArray[np.float32],
    spec: InputSpec,
    region: npt.NDArray[np.uint8] | None = None,
    vessel: npt.NDArray[np.uint8] | None = None,
    ds: npt.NDArray[np.float32] | None = None,
) -> tuple[npt.NDArray[np.float16], npt.NDArray[np.float16]]:
    h, w = spec.height // OUTPUT_STRIDE, spec.width // OUTPUT_STRIDE
    y = np.zeros((h, w, N_TARGETS), np.float32)
    if region is not None:
        y[..., 0], y[..., 1] = _cells(region, spec), 1.0
    if ds is not None:
        y[..., 2], y[..., 3] = ds
    if vessel is not None:
        y[..., 4], y[..., 5] = _cells(vessel, spec), 1.0
    return x.astype(np.float16), y.astype(np.float16)


def _stenosis_job(job: tuple[arcade.Frame, InputSpec]) -> tuple[np.ndarray, np.ndarray, list[float]]:
    frame, spec = job
    x, region = to_model(frame.read(), [r.polygon for r in frame.regions], spec)
    xs, y = target_row(x, spec, region=region)
    return xs, y, [float(bool(frame.regions)), 1.0]


def _vessel_job(job: tuple[arcade.Frame, InputSpec]) -> tuple[np.ndarray, np.ndarray, list[float]]:
    frame, spec = job
    x, vessel = to_model(frame.read(), [r.polygon for r in frame.regions], spec)
    xs, y = target_row(x, spec, vessel=vessel)
    return xs, y, [0.0, 0.0]


def _mask_job(job: tuple[Path, InputSpec]) -> tuple[np.ndarray, np.ndarray, list[float]]:
    path, spec = job
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    gt = cv2.imread(str(path.with_name(f"{path.stem}_gt.png")), cv2.IMREAD_GRAYSCALE)
    x, box = preprocess(image, spec)
    vessel = box.paste(
        cv2.resize(gt, box.content_size, interpolation=cv2.INTER_AREA).astype(np.float32), spec.width, spec.height, 0.0
    )
    xs, y = target_row(x[..., 0], spec, vessel=(vessel >= 128).astype(np.uint8) * 255)
    return xs, y, [0.0, 0.0]


def _synthetic_job(job: tuple[int, InputSpec, LookSpec]) -> tuple[np.ndarray, np.ndarray, list[float]]:
    seed, spec, look = job
    frame = generate(seed, size=spec.height, look=look.resolve())
    x, _ = preprocess(frame.image, spec)
    region = np.zeros((spec.height, spec.width), np.uint8)
    ds_value = np.zeros((spec.height, spec.width), np.float32)
    ds_valid = np.zeros((spec.height, spec.width), np.uint8)
    vessel = frame.vessel_mask > 0
    for lesion in frame.lesions:
        x0, y0, x1, y1 = (int(round(v)) for v in lesion.box)
        inside = np.zeros_like(vessel)
        inside[max(y0, 0) : y1 + 1, max(x0, 0) : x1 + 1] = True
        inside &= vessel
        ds_value[inside] = lesion.diameter_stenosis_percent / 100.0
        ds_valid[inside] = 255
        if lesion.diameter_stenosis_percent >= SIGNIFICANT_DS:
            region[inside] = 255
    ds = np.stack([_cells((ds_value * 255).astype(np.uint8), spec), _cells(ds_valid, spec)])
    # %DS is averaged over a cell's narrowed pixels only, and counts where they cover half of it.
    ds_cell = np.where(ds[1] > 0, ds[0] / np.maximum(ds[1], 1e-6), 0.0)
    xs, y = target_row(
        x[..., 0],
        spec,
        region=region,
        vessel=frame.vessel_mask,
        ds=np.stack([ds_cell, (ds[1] >= 0.5).astype(np.float32)]),
    )
    return xs, y, [float(frame.stenosis), 1.0]


def gather(fn, jobs: list, source: str, workers: int) -> FrameSet:  # type: ignore[no-untyped-def]
    """One ``FrameSet`` of ``fn``'s rows over ``jobs`` (in order); a job that returns None is left out."""
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            rows = list(pool.map(fn, jobs, chunksize=16))
    else:
        rows = [fn(j) for j in jobs]
    rows = [r for r in rows if r is not None]
    return FrameSet(
        np.stack([r[0] for r in rows])[..., None],
        np.stack([r[1] for r in rows]),
        np.array([r[2] for r in rows], np.float32),
        [source] * len(rows),
    )


def arcade_stenosis(split: str, spec: InputSpec, root: Path = arcade.DEFAULT_ROOT, workers: int = 2) -> FrameSet:
    """ARCADE stenosis frames of ``split`` with their regions (vessels unlabelled)."""
    frames = arcade.load(split, "stenosis", root)
    return gather(_stenosis_job, [(f, spec) for f in frames], f"arcade-stenosis-{split}", workers)


def arcade_vessels(split: str, spec: InputSpec, root: Path = arcade.DEFAULT_ROOT, workers: int = 2) -> FrameSet:
    """ARCADE SYNTAX frames of ``split``: the union of the segment polygons as the vessel mask."""
    frames = arcade.load(split, "syntax", root)
    return gather(_vessel_job, [(f, spec) for f in frames], f"arcade-syntax-{split}", workers)


def real_angiogram_vessels(folder: Path, spec: InputSpec, workers: int = 2) -> FrameSet:
    """The real angiograms of ``folder`` (``N.png`` with ``N_gt.png``) with their vessel masks."""
    paths = sorted((p for p in folder.glob("*.png") if not p.stem.endswith("_gt")), key=lambda p: int(p.stem))
    return gather(_mask_job, [(p, spec) for p in paths], f"real-angiograms-{folder.name}", workers)


def synthetic(seeds: list[int], spec: InputSpec, look: LookSpec, workers: int = 2) -> FrameSet:
    """Generated frames: regions of significant narrowings, %DS of every narrowing, vessels."""
    return gather(_synthetic_job, [(s, spec, look) for s in seeds], "synthetic", workers)
