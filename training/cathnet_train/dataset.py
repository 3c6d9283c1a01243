"""Turns generated angiograms into model inputs and training targets.

Seed ranges are disjoint by construction so that no evaluation frame is ever seen
in training: every split draws its seeds from its own range.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import cv2
import numpy as np
import numpy.typing as npt

from cathnet.geometry import Letterbox
from cathnet.preprocess import InputSpec, preprocess
from cathnet_train.synth import (
    LOOK_REAL,
    LOOK_V1,
    SEGMENT_SIDES,
    Angiogram,
    Look,
    generate,
    generate_level,
    with_backgrounds,
)

SEED_RANGES: dict[str, tuple[int, int]] = {
    "train": (0, 1_000_000),
    "calibration": (1_000_000, 1_100_000),  # representative data for int8
    "validation": (2_000_000, 2_100_000),  # threshold calibration
    "realism": (3_000_000, 3_100_000),  # generated frames compared with the real ones
    "test": (9_000_000, 9_100_000),  # held out: never used in training or tuning
    "samples": (9_900_000, 9_900_100),
}
LEVEL4_TEST_OFFSET = 50_000  # level-4 test photos: test seeds past the level-3 test frames
# Only significant lesions are drawn on the heatmap target: mild wall irregularities
# are normal findings and must not light it up (their %DS is still regressed).
T = TypeVar("T")

HEATMAP_MIN_DS = 50.0
OUTPUT_STRIDE = 8
AUX_STRIDE = 4


def seeds(split: str, n: int, offset: int = 0) -> list[int]:
    """The first ``n`` seeds of a split (after ``offset``).

    Raises:
        ValueError: unknown split, or more seeds than the split holds.
    """
    lo, hi = SEED_RANGES[split]
    if lo + offset + n > hi:
        raise ValueError(f"split {split!r} holds {hi - lo} seeds, asked for {offset + n}")
    return list(range(lo + offset, lo + offset + n))


Row = tuple[
    npt.NDArray[np.float32], float, npt.NDArray[np.float32], npt.NDArray[np.float32]
]  # one frame: x, label, lesion map, vessels


@dataclass(frozen=True)
class Batch:
    """Model-ready arrays for N frames.

    Attributes:
        x: (N, H, W, 1) float32 in [0, 1].
        probability: (N, 1) float32, 1 where a >= 50 % stenosis is present.
        lesion_map: (N, H/8, W/8, 3) float32: heat target, %DS/100 target, %DS mask.
        vessels: (N, H/4, W/4, 1) float32: vessel fraction per cell (auxiliary target).
    """

    x: npt.NDArray[np.float32]
    probability: npt.NDArray[np.float32]
    lesion_map: npt.NDArray[np.float32]
    vessels: npt.NDArray[np.float32]

    @classmethod
    def from_rows(cls, rows: list[Row]) -> Batch:
        """Stacks per-frame (x, probability, lesion map, vessels) rows."""
        return cls(
            np.stack([r[0] for r in rows]).astype(np.float32),
            np.array([[r[1]] for r in rows], np.float32),
            np.stack([r[2] for r in rows]).astype(np.float32),
            np.stack([r[3] for r in rows]).astype(np.float32),
        )

    def targets(self) -> dict[str, npt.NDArray[np.float32]]:
        """Keras ``y`` for a model built with ``vessel_head=True``."""
        return {"probability": self.probability, "lesion_map": self.lesion_map, "vessels": self.vessels}

    def take(self, n: int) -> Batch:
        """The first ``n`` frames."""
        return Batch(self.x[:n], self.probability[:n], self.lesion_map[:n], self.vessels[:n])


def concat(*batches: Batch) -> Batch:
    """The frames of ``batches`` one after the other (same input size)."""
    return Batch(
        *(np.concatenate(arrays) for arrays in zip(*((b.x, b.probability, b.lesion_map, b.vessels) for b in batches)))
    )


def targets(frame: Angiogram, spec: InputSpec) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """(model input, lesion-map target) of one frame, through the SDK's preprocessing."""
    x, box = preprocess(frame.image, spec)
    gh, gw = spec.height // OUTPUT_STRIDE, spec.width // OUTPUT_STRIDE
    yy, xx = np.mgrid[0:gh, 0:gw].astype(np.float32)
    heat = np.zeros((gh, gw), np.float32)
    ds = np.zeros((gh, gw), np.float32)
    mask = np.zeros((gh, gw), np.float32)
    for lesion in frame.lesions:
        mx, my = box.to_model([[lesion.x, lesion.y]])[0]
        cx, cy = (mx + 0.5) / OUTPUT_STRIDE - 0.5, (my + 0.5) / OUTPUT_STRIDE - 0.5
        d2 = (xx - cx) ** 2 + (yy - cy) ** 2
        near = d2 <= 1.5**2
        ds[near] = lesion.diameter_stenosis_percent / 100.0
        mask[near] = 1.0
        if lesion.diameter_stenosis_percent >= HEATMAP_MIN_DS:
            heat = np.maximum(heat, np.exp(-d2 / 2.0))
    return x, np.stack([heat, ds, mask], axis=-1)


def vessel_target(frame: Angiogram, spec: InputSpec) -> npt.NDArray[np.float32]:
    """(H/4, W/4, 1) fraction of each cell covered by vessel, letterboxed like the input."""
    h, w = frame.vessel_mask.shape
    box = Letterbox.fit(w, h, spec.width, spec.height)
    content = cv2.resize(frame.vessel_mask.astype(np.float32) / 255.0, box.content_size, interpolation=cv2.INTER_AREA)
    canvas = box.paste(content, spec.width, spec.height, 0.0)
    size = (spec.width // AUX_STRIDE, spec.height // AUX_STRIDE)
    return cv2.resize(canvas, size, interpolation=cv2.INTER_AREA)[..., None]


@dataclass(frozen=True)
class LookSpec:
    """A generator look by name, small enough to send to worker processes.

    ``"v1"`` is ``synth.LOOK_V1``. ``"real"`` is ``synth.LOOK_REAL``, which draws half
    its backgrounds from the real frames of ``real_dir``'s ``part`` half when that folder
    exists: ``testing`` for the held-out test split, ``training`` for every split that
    shapes the model (train, calibration, validation).
    """

    name: str = "v1"
    real_dir: str | None = None
    part: str = "training"

    def resolve(self) -> Look:
        return _resolve(self)

    @property
    def uses_real_backgrounds(self) -> bool:
        return self.name == "real" and self.real_dir is not None and Path(self.real_dir).is_dir()

    def describe(self) -> str:
        if self.name == "v1":
            return "look v1"
        if self.uses_real_backgrounds:
            return f"look real (half the backgrounds from the real frames in {self.real_dir}/{self.part})"
        return "look real (synthetic backgrounds only: no real frames found)"

    @classmethod
    def for_split(cls, name: str, split: str, real_dir: str | None = None) -> LookSpec:
        return cls(name, real_dir, "testing" if split == "test" else "training")


def trained_look(card: dict[str, Any]) -> str:
    """The look a bundle's model was trained on, from its card ("v1" for cards from before looks)."""
    return str(card.get("training", {}).get("config", {}).get("look", "v1"))


@functools.lru_cache(maxsize=8)
def _resolve(look: LookSpec) -> Look:
    if look.name == "v1":
        return LOOK_V1
    if look.name != "real":
        raise ValueError(f"expected look 'v1' or 'real', got {look.name!r}")
    if not look.uses_real_backgrounds:
        return LOOK_REAL
    from cathnet_train.realism import load_real, real_backgrounds

    frames = [f for f in load_real(Path(str(look.real_dir))) if f.name.startswith(f"{look.part}/")]
    return with_backgrounds(LOOK_REAL, real_backgrounds(frames))


Job = tuple[int, InputSpec, LookSpec]


def _one(job: Job) -> Row:
    seed, spec, look = job
    frame = generate(seed, size=spec.height, look=look.resolve())
    x, lesion_map = targets(frame, spec)
    return x, float(frame.stenosis), lesion_map, vessel_target(frame, spec)


def map_seeds(
    one: Callable[[Job], T],
    seed_list: list[int],
    spec: InputSpec,
    workers: int = 2,
    chunksize: int = 64,
    look: LookSpec = LookSpec(),
) -> list[T]:
    """``one((seed, spec, look))`` for each seed, in ``workers`` processes, in ``seed_list`` order."""
    jobs = [(s, spec, look) for s in seed_list]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            return list(pool.map(one, jobs, chunksize=chunksize))
    return [one(j) for j in jobs]


def build(seed_list: list[int], spec: InputSpec, workers: int = 2, look: LookSpec = LookSpec()) -> Batch:
    """Generates and preprocesses ``seed_list`` in parallel processes (deterministic order)."""
    return Batch.from_rows(map_seeds(_one, seed_list, spec, workers, look=look))


def _one_patch(job: Job) -> Row:
    seed, spec, look = job
    level = {side: lvl for lvl, side in SEGMENT_SIDES.items()}[spec.height]
    patch = generate_level(seed, level, look=look.resolve())
    x, lesion_map = targets(patch, spec)
    return x, float(patch.stenosis), lesion_map, vessel_target(patch, spec)


def build_level(seed_list: list[int], level: int, workers: int = 2, look: LookSpec = LookSpec()) -> Batch:
    """Curriculum level 1 or 2 patches (``synth.generate_level``) as model inputs and targets,
    each normalised on its own like a frame (deterministic order)."""
    if level not in SEGMENT_SIDES:
        raise ValueError(f"expected curriculum level 1 or 2 for patches, got {level}")
    side = SEGMENT_SIDES[level]
    return Batch.from_rows(map_seeds(_one_patch, seed_list, InputSpec(height=side, width=side), workers, look=look))
