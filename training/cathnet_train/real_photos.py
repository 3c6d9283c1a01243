"""Curriculum level 4 on real frames: ARCADE angiograms photographed on a monitor.

Each real frame is put on a simulated monitor (``photo_sim``), photographed from a
random pose with the simulator's artefacts, and taken back through the SDK's own
capture path (screen, rectification, viewport, gates, moiré notch; ``photos.photograph``,
as for the synthetic level 4) — what the bedside app hands the model. Photos the capture refuses
(no screen, a blocking gate) are dropped, as the app would ask for a retake. The expert
polygons follow the frame through the photo's and the rectification's homographies.

The same photographs, on val frames and seeds of their own, measure the model through
the photo path (``arcade_eval.evaluate_bundle(photo=True)``).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from cathnet.preprocess import InputSpec
from cathnet_train import arcade
from cathnet_train.photos import photograph
from cathnet_train.real_data import FrameSet, gather, target_row, to_model

TRAIN_SEEDS = 7_100_000  # photo seeds: frame k of train is photographed with TRAIN_SEEDS + k
VAL_SEEDS = 7_900_000  # and of val with VAL_SEEDS + k, so no pose or room is shared


def _warp(polygon: npt.NDArray[np.float32], homography: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    return (
        cv2.perspectiveTransform(polygon.reshape(-1, 1, 2).astype(np.float64), homography)
        .reshape(-1, 2)
        .astype(np.float32)
    )


def _photo_job(
    job: tuple[arcade.Frame, InputSpec, int],
) -> tuple[np.ndarray, np.ndarray, list[float]] | None:
    frame, spec, seed = job
    seen = photograph(frame.read(), seed, max(spec.width, spec.height))
    if seen is None:
        return None
    _, view, to_view = seen
    x, region = to_model(view, [_warp(r.polygon, to_view) for r in frame.regions], spec)
    xs, y = target_row(x, spec, region=region)
    return xs, y, [float(bool(frame.regions)), 1.0]


def arcade_photographed(
    split: str, spec: InputSpec, root: Path = arcade.DEFAULT_ROOT, workers: int = 2, limit: int | None = None
) -> tuple[FrameSet, int]:
    """ARCADE stenosis frames of ``split``, photographed and captured, with their regions.

    Returns:
        The frames the capture path accepted, and how many photos it refused.
    """
    frames = arcade.load(split, "stenosis", root)[:limit]
    jobs = [(f, spec, seed_base(split) + k) for k, f in enumerate(frames)]
    kept = gather(_photo_job, jobs, f"arcade-stenosis-{split}-photographed", workers)
    return kept, len(frames) - len(kept)


def seed_base(split: str) -> int:
    """Frame k of ``split`` is photographed with seed ``seed_base(split) + k``."""
    return TRAIN_SEEDS if split == "train" else VAL_SEEDS
