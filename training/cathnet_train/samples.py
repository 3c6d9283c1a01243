"""The sample images shipped with the SDK (generated, synthetic, small).

They are drawn in the look the shipped model was trained on, with synthetic anatomy
only: frames built on the real backgrounds in ../shared are never written into the
repository.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from cathnet_train import dataset
from cathnet_train.synth import generate

# (file name, size, forced label): a mix of sizes and of positive/negative frames.
SAMPLES = (
    ("synthetic_01_stenosis.png", 512, True),
    ("synthetic_02_normal.png", 512, False),
    ("synthetic_03_stenosis.png", 256, True),
    ("synthetic_04_normal.png", 384, False),
)


def write_samples(out: Path, look: str = "v1") -> list[Path]:
    """Writes the samples in ``look`` and ``truth.json`` (their ground truth) to ``out``."""
    drawn = dataset.LookSpec(look).resolve()  # no real_dir: synthetic backgrounds only
    out.mkdir(parents=True, exist_ok=True)
    truth = {}
    paths = []
    for (name, size, positive), seed in zip(SAMPLES, dataset.seeds("samples", len(SAMPLES))):
        frame = generate(seed, size=size, positive=positive, look=drawn)
        path = out / name
        cv2.imwrite(str(path), frame.image, [cv2.IMWRITE_PNG_COMPRESSION, 9])
        paths.append(path)
        truth[name] = {
            "seed": seed,
            "size": size,
            "look": look,
            "stenosis": frame.stenosis,
            "lesions": [
                {"x": round(l.x, 1), "y": round(l.y, 1), "box": [round(v, 1) for v in l.box],
                 "diameter_stenosis_percent": round(l.diameter_stenosis_percent, 1)}
                for l in frame.lesions
            ],
        }
    (out / "truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    return paths


# The sample photos (the app's and the benchmarks'): sample 01 on a simulated monitor, and a
# room with none.
PHOTO_SEED = 9_900_050


def write_photo_samples(out: Path, frame_path: Path) -> list[Path]:
    """Photographs the frame at ``frame_path`` on a simulated monitor (``monitor_photo.jpg``)
    and writes a photo with no angiogram monitor (``no_monitor.jpg``), with ``truth.json``
    (the screen corners and the frame's lesions in photo pixels)."""
    from cathnet_train import photo_sim

    frame = cv2.imread(str(frame_path), cv2.IMREAD_GRAYSCALE)
    if frame is None:
        raise FileNotFoundError(f"expected a sample frame at {frame_path}")
    truth_in_frame = json.loads((frame_path.parent / "truth.json").read_text())[frame_path.name]
    out.mkdir(parents=True, exist_ok=True)
    photo = photo_sim.simulate(PHOTO_SEED, frame, conditions=photo_sim.with_conditions(PHOTO_SEED, hand=None))
    empty = photo_sim.simulate(PHOTO_SEED + 1, None)
    paths = [out / "monitor_photo.jpg", out / "no_monitor.jpg"]
    for path, image in zip(paths, (photo.image, empty.image)):
        cv2.imwrite(str(path), image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    lesions = []
    for lesion in truth_in_frame["lesions"]:
        point = cv2.perspectiveTransform(np.array([[[lesion["x"], lesion["y"]]]], np.float64), photo.frame_to_photo)[0, 0]
        lesions.append({"x": round(float(point[0]), 1), "y": round(float(point[1]), 1),
                        "diameter_stenosis_percent": lesion["diameter_stenosis_percent"]})
    truth = {
        "monitor_photo.jpg": {"seed": PHOTO_SEED, "frame": frame_path.name, "stenosis": truth_in_frame["stenosis"],
                              "corners": np.round(photo.corners, 1).tolist(), "lesions": lesions},
        "no_monitor.jpg": {"seed": PHOTO_SEED + 1, "frame": None},
    }
    (out / "truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    return paths
