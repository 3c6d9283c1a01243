"""CathNet's curriculum on real frames: short segments, longer segments, whole trees.

The seed's method, built from ARCADE's real frames (and generated ones):

1. short segments, 64x64 model pixels (128 px of a 512 px frame): crops centred on an
   expert stenosis polygon, and as many crops centred on vessel away from every
   stenosis — "is there a narrowing in this short segment, and where?";
2. longer stretches with branches, 128x128, sampled the same way;
3. whole frames in context, the model's 256x256 input: ARCADE stenosis frames, SYNTAX
   frames (vessels only) and generated frames (the only stenosis-free frames, and the
   only %DS labels);
4. whole real frames photographed on a monitor and taken back through the SDK's capture
   path (``real_photos``), half of each batch, the other half level-3 frames.

Crops are cut from the whole preprocessed frames, so a crop is exactly what the model
sees of that stretch at inference. Every batch is augmented (the eight flips and
quarter turns, gamma, contrast, noise). The network is fully convolutional, so a step
on a 64 px crop costs a sixteenth of a step on a whole frame; compute is counted in
frame-equivalents (``LEVEL_COST``) so that the curriculum and direct training can be
compared at equal compute.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from cathnet_train.real_data import FrameSet
from cathnet_train.region_model import OUTPUT_STRIDE

CROP_SIDES = {1: 64, 2: 128}
LEVEL_COST = {1: (64 / 256) ** 2, 2: (128 / 256) ** 2, 3: 1.0, 4: 1.0}


@dataclass
class Material:
    """Whole frames and, for each, where crops may be centred.

    Attributes:
        frames: every level-3 frame.
        positives: (frame, y, x) output cells inside a labelled stenosis region.
        negatives: (frame, y, x) output cells on a dark ridge (a vessel) in frames whose
            stenoses are labelled; crops around them are checked free of stenosis.
        photos: level 4, real frames photographed on a monitor and captured
            (``real_photos``); None when the run has no level 4.
    """

    frames: FrameSet
    positives: npt.NDArray[np.int32]
    negatives: npt.NDArray[np.int32]
    photos: FrameSet | None = None

    @classmethod
    def from_frames(cls, frames: FrameSet, photos: FrameSet | None = None) -> Material:
        positives, negatives = [], []
        for i in range(len(frames)):
            y = frames.y[i]
            if y[0, 0, 1] < 0.5:
                continue  # stenoses not labelled (vessel-only frames): no crops
            cells = np.argwhere(y[..., 0] >= 0.5)
            positives.extend((i, cy, cx) for cy, cx in cells)
            ridge = _ridges(frames.x[i, ..., 0].astype(np.float32))
            cells = np.argwhere(ridge & (y[..., 0] == 0))
            negatives.extend((i, cy, cx) for cy, cx in cells[:: max(1, len(cells) // 400)])
        return cls(
            frames,
            np.array(positives, np.int32).reshape(-1, 3),
            np.array(negatives, np.int32).reshape(-1, 3),
            photos,
        )


def _ridges(x: npt.NDArray[np.float32]) -> npt.NDArray[np.bool_]:
    """Output cells on dark, thin structures (vessels, and the catheter), by black top-hat."""
    tophat = cv2.morphologyEx(x, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (15, 15)))
    small = cv2.resize(tophat, (x.shape[1] // OUTPUT_STRIDE, x.shape[0] // OUTPUT_STRIDE), interpolation=cv2.INTER_AREA)
    return small >= np.quantile(small, 0.92)


def sample(
    material: Material, level: int, batch: int, rng: np.random.Generator
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """One augmented batch of ``level``: (x, lesion-map targets, probability targets)."""
    frames = material.frames
    if level == 3:
        return _augment(*_whole(frames, rng.integers(0, len(frames), batch)), rng)
    if level == 4:
        # Half photographed, half digital: the bedside reads photos, the SDK reads both.
        if material.photos is None:
            raise ValueError("expected level-4 photos in the material, got none")
        photos = _whole(material.photos, rng.integers(0, len(material.photos), batch // 2))
        digital = _whole(frames, rng.integers(0, len(frames), batch - batch // 2))
        return _augment(*(np.concatenate(pair) for pair in zip(photos, digital)), rng)
    side = CROP_SIDES[level]
    cells = side // OUTPUT_STRIDE
    full = frames.y.shape[1]
    xs, ys, ps = [], [], []
    for k in range(batch):
        pool = material.positives if k % 2 == 0 else material.negatives
        i, cy, cx = pool[rng.integers(0, len(pool))]
        jitter = rng.integers(-cells // 4, cells // 4 + 1, 2)
        y0 = int(np.clip(cy - cells // 2 + jitter[0], 0, full - cells))
        x0 = int(np.clip(cx - cells // 2 + jitter[1], 0, full - cells))
        y = frames.y[i, y0 : y0 + cells, x0 : x0 + cells].astype(np.float32)
        ys.append(y)
        s = OUTPUT_STRIDE
        xs.append(frames.x[i, y0 * s : (y0 + cells) * s, x0 * s : (x0 + cells) * s].astype(np.float32))
        # A crop holds a stenosis when a stretch of region (>= 4 cells) lies in it.
        ps.append([float((y[..., 0] >= 0.5).sum() >= 4), 1.0])
    return _augment(np.stack(xs), np.stack(ys), np.array(ps, np.float32), rng)


def _whole(
    frames: FrameSet, index: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    return frames.x[index].astype(np.float32), frames.y[index].astype(np.float32), frames.p[index].copy()


def _augment(
    x: npt.NDArray[np.float32], y: npt.NDArray[np.float32], p: npt.NDArray[np.float32], rng: np.random.Generator
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    for i in range(len(x)):
        k = int(rng.integers(0, 4))
        xi, yi = np.rot90(x[i], k), np.rot90(y[i], k)
        if rng.random() < 0.5:
            xi, yi = xi[:, ::-1], yi[:, ::-1]
        gamma = float(np.exp(rng.uniform(-0.35, 0.35)))
        contrast = float(rng.uniform(0.75, 1.15))
        xi = np.clip(xi, 0.0, 1.0) ** gamma
        xi = (xi - 0.5) * contrast + 0.5 + float(rng.uniform(-0.08, 0.08))
        if rng.random() < 0.5:
            xi = xi + rng.normal(0.0, rng.uniform(0.0, 0.04), xi.shape).astype(np.float32)
        x[i], y[i] = np.clip(xi, 0.0, 1.0), yi
    return x, y, p
