"""Curriculum level 4: whole generated frames seen through a photographed monitor.

Each frame is put on a simulated monitor (``photo_sim``), photographed from a random
pose with the simulator's artefacts, and taken back through the SDK's own capture
path (``cathnet.capture.capture_angiogram``: screen, rectification, viewport, gates,
moiré notch). Photos the gates block are dropped (the app asks for a retake), as are
photos where no screen is found. The truth (lesions, vessel mask) follows the frame
through the photo's and the rectification's homographies into the viewport.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import numpy.typing as npt

from cathnet import CaptureError
from cathnet.capture import capture_angiogram
from cathnet.preprocess import InputSpec, to_grey
from cathnet_train.dataset import Batch, Job, LookSpec, Row, map_seeds, targets, vessel_target
from cathnet_train.photo_sim import MonitorPhoto, simulate
from cathnet_train.synth import Angiogram, generate

PHOTO_SIZE = (1024, 768)  # training photos: smaller than a tablet's, the viewport still exceeds the model's side


def photograph(
    image: npt.NDArray[np.uint8], seed: int, model_side: int, photo_size: tuple[int, int] = PHOTO_SIZE
) -> tuple[MonitorPhoto, npt.NDArray[np.uint8], npt.NDArray[np.float64]] | None:
    """``image`` on a photographed monitor and back through the SDK's capture path.

    Returns:
        (the photo, the captured viewport in grey, the frame → viewport homography), or
        None when the capture path refuses the photo (no screen, a blocking gate).
    """
    photo = simulate(seed, image, photo_size=photo_size)
    try:
        captured = capture_angiogram(photo.image, model_side)
    except CaptureError:
        return None
    assert photo.frame_to_photo is not None
    to_view = captured.to_image @ captured.rectified.homography @ photo.frame_to_photo
    return photo, to_grey(captured.image), to_view


def through_photo(frame: Angiogram, seed: int, model_side: int) -> Angiogram | None:
    """``frame`` as the model sees it after a simulated photo and the SDK's capture path.

    Returns:
        The viewport as an ``Angiogram`` (image, lesions and vessel mask in its pixels),
        or None when the capture path refuses the photo (no screen, a blocking gate).
    """
    seen = photograph(frame.image, seed, model_side)
    if seen is None:
        return None
    _, view, to_view = seen
    size = (view.shape[1], view.shape[0])

    def move(x: float, y: float) -> tuple[float, float]:
        p = cv2.perspectiveTransform(np.array([[[x, y]]], np.float64), to_view)[0, 0]
        return float(p[0]), float(p[1])

    lesions = []
    for lesion in frame.lesions:
        bx0, by0, bx1, by1 = lesion.box
        box_pts = [move(bx, by) for bx, by in ((bx0, by0), (bx1, by0), (bx1, by1), (bx0, by1))]
        xs, ys = [p[0] for p in box_pts], [p[1] for p in box_pts]
        x, y = move(lesion.x, lesion.y)
        lesions.append(dataclasses.replace(lesion, x=x, y=y, box=(min(xs), min(ys), max(xs), max(ys))))
    mask = cv2.warpPerspective(frame.vessel_mask, to_view, size, flags=cv2.INTER_LINEAR)
    return dataclasses.replace(frame, image=view, lesions=tuple(lesions), vessel_mask=mask)


def _one(job: Job) -> Row | None:
    seed, spec, look = job
    seen = through_photo(generate(seed, size=512, look=look.resolve()), seed, max(spec.width, spec.height))
    if seen is None:
        return None
    x, lesion_map = targets(seen, spec)
    return x, float(seen.stenosis), lesion_map, vessel_target(seen, spec)


def build(seed_list: list[int], spec: InputSpec, workers: int = 2, look: LookSpec | None = None) -> tuple[Batch, int]:
    """Level-4 inputs and targets for ``seed_list`` (deterministic order).

    Args:
        seed_list: generator seeds, one photo each.
        spec: the model's input contract.
        workers: processes.
        look: the generated frames' look; None for the default ``LookSpec()``.

    Returns:
        The batch of accepted photos and how many photos the capture path refused.
    """
    rows = map_seeds(_one, seed_list, spec, workers, chunksize=16, look=look if look is not None else LookSpec())
    kept = [r for r in rows if r is not None]
    return Batch.from_rows(kept), len(rows) - len(kept)
