"""Readers for the ARCADE dataset's two tasks (COCO files), splits kept apart.

ARCADE (Popov et al., Scientific Data 2024; MICCAI 2023 challenge) ships real 512x512
X-ray coronary angiograms with expert polygons:

- ``stenosis/{train,val}.json``: one polygon per stenosis, outlining the narrowed
  stretch of the vessel (category 26);
- ``syntax/{train,val}.json``: one polygon per coronary segment, named by its SYNTAX
  number ("1" ... "16c"); their union is the frame's vessel tree.

Only ``train`` may train and only ``val`` may select or report: ``load`` takes one
split by name, and nothing here merges them. The data is read from ``../shared`` at
run time, never copied into the repository.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

DEFAULT_ROOT = Path("../shared/data/arcade")
SPLITS = ("train", "val")
TASKS = ("stenosis", "syntax")


@dataclass(frozen=True)
class Region:
    """One labelled polygon of a frame, in the frame's pixels (x right, y down).

    Attributes:
        polygon: (K, 2) float32 vertices, K >= 3.
        box: (x0, y0, x1, y1) as the COCO file gives it (x, y, w, h turned into corners).
        label: the category name ("stenosis", or a SYNTAX segment number such as "6").
    """

    polygon: npt.NDArray[np.float32] = field(repr=False)
    box: tuple[float, float, float, float]
    label: str

    @property
    def centroid(self) -> tuple[float, float]:
        """The area centroid of the polygon (may lie off a curved stretch)."""
        m = cv2.moments(self.polygon.astype(np.float32))
        if m["m00"] == 0.0:
            return float(self.polygon[:, 0].mean()), float(self.polygon[:, 1].mean())
        return m["m10"] / m["m00"], m["m01"] / m["m00"]


@dataclass(frozen=True)
class Frame:
    """One ARCADE frame and its regions.

    Attributes:
        path: the image file.
        size: (width, height) from the COCO file.
        regions: the frame's polygons (empty for a frame with no stenosis).
        task: "stenosis" or "syntax".
        split: "train" or "val".
    """

    path: Path
    size: tuple[int, int]
    regions: tuple[Region, ...]
    task: str
    split: str

    @property
    def name(self) -> str:
        return f"{self.task}/{self.split}/{self.path.name}"

    def read(self) -> npt.NDArray[np.uint8]:
        """The frame as (H, W) uint8 grey.

        Raises:
            FileNotFoundError: the image is missing or unreadable.
        """
        image = cv2.imread(str(self.path), cv2.IMREAD_GRAYSCALE)
        if image is None:
            raise FileNotFoundError(f"expected a readable image at {self.path}")
        return image

    def mask(self, scale: float = 1.0) -> npt.NDArray[np.uint8]:
        """The union of the regions rasterised at ``scale`` x the frame's size, 0/255 uint8."""
        return rasterise([r.polygon for r in self.regions], self.size, scale)


def rasterise(
    polygons: list[npt.NDArray[np.float32]], size: tuple[int, int], scale: float = 1.0
) -> npt.NDArray[np.uint8]:
    """Fills ``polygons`` (frame pixels) on a (round(H*scale), round(W*scale)) 0/255 canvas.

    Pixel centres inside a polygon are set, as the ARCADE score's masks are drawn
    (OpenCV's ``fillPoly`` with 1/16-pixel vertex precision).
    """
    w, h = round(size[0] * scale), round(size[1] * scale)
    canvas = np.zeros((h, w), np.uint8)
    if polygons:
        shift = 4
        pts = [np.round(np.asarray(p, np.float64) * scale * (1 << shift)).astype(np.int32) for p in polygons]
        cv2.fillPoly(canvas, pts, 255, lineType=cv2.LINE_8, shift=shift)
    return canvas


def available(root: Path = DEFAULT_ROOT, task: str = "stenosis") -> bool:
    """Whether ``root`` holds ``task``'s COCO files (the shared data is absent on a user's machine)."""
    return all((root / task / f"{split}.json").is_file() for split in SPLITS)


def load(split: str, task: str = "stenosis", root: Path = DEFAULT_ROOT) -> list[Frame]:
    """Every frame of one split of one task, in the COCO file's image order.

    Args:
        split: "train" or "val".
        task: "stenosis" or "syntax".
        root: the ARCADE folder (holding ``stenosis/`` and ``syntax/``).

    Raises:
        ValueError: unknown split or task.
        FileNotFoundError: the COCO file is missing.
    """
    if split not in SPLITS:
        raise ValueError(f"expected split in {SPLITS} (the test split is held out), got {split!r}")
    if task not in TASKS:
        raise ValueError(f"expected task in {TASKS}, got {task!r}")
    coco_path = root / task / f"{split}.json"
    if not coco_path.is_file():
        raise FileNotFoundError(f"expected ARCADE's COCO file at {coco_path}")
    coco = json.loads(coco_path.read_text())
    names = {c["id"]: str(c["name"]) for c in coco["categories"]}
    by_image: dict[int, list[Region]] = {img["id"]: [] for img in coco["images"]}
    for ann in coco["annotations"]:
        for flat in ann["segmentation"]:
            polygon = np.asarray(flat, np.float32).reshape(-1, 2)
            if len(polygon) < 3:
                continue
            x, y, w, h = (float(v) for v in ann["bbox"])
            by_image[ann["image_id"]].append(Region(polygon, (x, y, x + w, y + h), names[ann["category_id"]]))
    return [
        Frame(
            root / task / split / img["file_name"],
            (int(img["width"]), int(img["height"])),
            tuple(by_image[img["id"]]),
            task,
            split,
        )
        for img in coco["images"]
    ]
