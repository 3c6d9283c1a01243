"""Coordinate conversions between the caller's image and the model's input.

One convention everywhere: x to the right, y down, in pixels, with pixel centres at
integer coordinates. Findings are always reported in the caller's image pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from cathnet._arrays import f32


@dataclass(frozen=True)
class Letterbox:
    """An aspect-preserving resize into a padded model input.

    ``model = image * scale + pad``; ``image = (model - pad) / scale``.

    Attributes:
        scale: model pixels per image pixel.
        pad_x, pad_y: left and top padding in model pixels.
        image_width, image_height: the caller's image size.
    """

    scale: float
    pad_x: int
    pad_y: int
    image_width: int
    image_height: int

    @classmethod
    def fit(cls, image_width: int, image_height: int, width: int, height: int) -> Letterbox:
        """The letterbox that fits an image_width x image_height image into width x height."""
        scale = min(width / image_width, height / image_height)
        new_w = max(1, round(image_width * scale))
        new_h = max(1, round(image_height * scale))
        return cls(scale, (width - new_w) // 2, (height - new_h) // 2, image_width, image_height)

    @property
    def content_size(self) -> tuple[int, int]:
        """(width, height) of the resized image inside the model input."""
        return (
            max(1, round(self.image_width * self.scale)),
            max(1, round(self.image_height * self.scale)),
        )

    def paste(self, content: npt.NDArray[np.float32], width: int, height: int, fill: float) -> npt.NDArray[np.float32]:
        """Places already-resized ``content`` (content_size) on a width x height canvas."""
        new_w, new_h = self.content_size
        canvas = np.full((height, width), fill, np.float32)
        canvas[self.pad_y : self.pad_y + new_h, self.pad_x : self.pad_x + new_w] = content
        return canvas

    def map_to_image(self, model_map: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """A (height, width) map over the model input → the same map over the image's pixels."""
        new_w, new_h = self.content_size
        content = model_map[self.pad_y : self.pad_y + new_h, self.pad_x : self.pad_x + new_w]
        return f32(
            cv2.resize(
                np.ascontiguousarray(content, dtype=np.float32),
                (self.image_width, self.image_height),
                interpolation=cv2.INTER_LINEAR,
            )
        )

    def to_model(self, points: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """(N, 2) image pixels → model pixels."""
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        return p * self.scale + np.array([self.pad_x, self.pad_y], dtype=np.float64)

    def to_image(self, points: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """(N, 2) model pixels → image pixels, clipped to the image."""
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        out = (p - np.array([self.pad_x, self.pad_y], dtype=np.float64)) / self.scale
        out[:, 0] = np.clip(out[:, 0], 0.0, self.image_width - 1.0)
        out[:, 1] = np.clip(out[:, 1], 0.0, self.image_height - 1.0)
        return out


def order_corners(points: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """(4, 2) points → TL, TR, BR, BL, by angle around the centroid (robust to rotation)."""
    p = np.asarray(points, np.float64).reshape(4, 2)
    pts = p.tolist()  # four points: plain Python is several times faster than numpy here
    cx = sum(x for x, _ in pts) / 4
    cy = sum(y for _, y in pts) / 4
    clockwise = sorted(range(4), key=lambda i: math.atan2(pts[i][1] - cy, pts[i][0] - cx))  # from ~-180°
    start = min(range(4), key=lambda j: pts[clockwise[j]][0] + pts[clockwise[j]][1])  # top-left: smallest x + y
    return p[[clockwise[(start + j) % 4] for j in range(4)]]
