"""The sample images shipped with the SDK (generated, synthetic, small).

They are drawn in the look the shipped model was trained on, with synthetic anatomy
only: frames built on the real backgrounds in ../shared are never written into the
repository.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2

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
