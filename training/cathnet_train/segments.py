"""Curriculum stage 1: short vessel segments cut from preprocessed whole frames.

CathNet's idea: first teach "is there a narrowing in this short segment?", then
whole trees in context. A segment here is a 64x64 window of a preprocessed frame
(so its normalisation is the frame's own, as at inference) with its targets cut
from the same place: every window around a significant lesion, every window around
a mild one (a hard negative), and windows centred on random vessel pixels (crossings,
branch origins, the catheter: the classic false positives). Windows are aligned to
the lesion-map stride so the targets crop exactly.
"""

from __future__ import annotations

import numpy as np

from cathnet_train.dataset import AUX_STRIDE, OUTPUT_STRIDE, Batch

SEGMENT = 64
# A window "contains" a significant lesion when the heat target in it peaks above this.
_CONTAINS = 0.6


def _window(rng: np.random.Generator, cell: int, cells: int, grid: int) -> int:
    """Top-left cell of a window that holds ``cell`` away from the window's border."""
    lo = min(max(cell - cells + 2, 0), grid - cells)
    hi = max(min(cell - 1, grid - cells), lo)
    return int(rng.integers(lo, hi + 1))


def cut_segments(frames: Batch, seed: int, random_per_frame: int = 2) -> Batch:
    """Windows around every lesion plus ``random_per_frame`` random vessel windows.

    Args:
        frames: whole preprocessed frames and their targets.
        seed: for the window positions.
        random_per_frame: windows centred on random vessel cells per frame.

    Returns:
        A ``Batch`` of (N, 64, 64, 1) segments whose ``probability`` is 1 when the
        segment holds a significant lesion centre.
    """
    rng = np.random.default_rng(seed)
    n, height, width, _ = frames.x.shape
    grid_h, grid_w = height // OUTPUT_STRIDE, width // OUTPUT_STRIDE
    cells = SEGMENT // OUTPUT_STRIDE
    picks: list[tuple[int, int, int]] = []
    for i in range(n):
        lesion_cells = np.argwhere(frames.lesion_map[i, :, :, 2] > 0)
        centres = {tuple(c) for c in lesion_cells[:: max(1, len(lesion_cells) // 3)]}
        vessel = np.argwhere(frames.vessels[i, :, :, 0] > 0.3)
        for k in rng.permutation(len(vessel))[:random_per_frame]:
            centres.add((int(vessel[k][0]) * AUX_STRIDE // OUTPUT_STRIDE,
                         int(vessel[k][1]) * AUX_STRIDE // OUTPUT_STRIDE))
        for cy, cx in centres:
            picks.append((i, _window(rng, int(cy), cells, grid_h), _window(rng, int(cx), cells, grid_w)))
    x = np.empty((len(picks), SEGMENT, SEGMENT, 1), np.float32)
    lesion_map = np.empty((len(picks), cells, cells, 3), np.float32)
    aux = SEGMENT // AUX_STRIDE
    vessels = np.empty((len(picks), aux, aux, 1), np.float32)
    r = OUTPUT_STRIDE // AUX_STRIDE
    for j, (i, gy, gx) in enumerate(picks):
        y0, x0 = gy * OUTPUT_STRIDE, gx * OUTPUT_STRIDE
        x[j] = frames.x[i, y0 : y0 + SEGMENT, x0 : x0 + SEGMENT]
        lesion_map[j] = frames.lesion_map[i, gy : gy + cells, gx : gx + cells]
        vessels[j] = frames.vessels[i, gy * r : gy * r + aux, gx * r : gx * r + aux]
    probability = (lesion_map[..., 0].max(axis=(1, 2)) > _CONTAINS).astype(np.float32)[:, None]
    return Batch(x, probability, lesion_map, vessels)

