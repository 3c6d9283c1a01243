"""Square-on view of a found screen, and the coordinate mapping back to the photo.

``rectification`` is the geometry alone (the homography and the rectified size);
``rectify`` also warps the whole screen. The capture warps only the viewport.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from cathnet._arrays import f64, u8
from cathnet.capture.pose import aspect_ratio
from cathnet.findings import Lesion


def lesion_through(lesion: Lesion, homography: npt.NDArray[np.float64]) -> Lesion:
    """``lesion`` taken through the (3, 3) ``homography``.

    The box becomes the bounding box of its four mapped corners (and the centre);
    the outline's vertices are mapped one by one.
    """

    def through(points: npt.ArrayLike) -> npt.NDArray[np.float64]:
        p = np.asarray(points, np.float64).reshape(-1, 1, 2)
        return f64(cv2.perspectiveTransform(p, homography)).reshape(-1, 2)

    x0, y0, x1, y1 = lesion.box
    box = through([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    cx, cy = through([[lesion.x, lesion.y]])[0]
    outline = None
    if lesion.outline is not None:
        outline = tuple((float(x), float(y)) for x, y in through(lesion.outline))
    return dataclasses.replace(
        lesion,
        x=float(cx),
        y=float(cy),
        outline=outline,
        box=(
            float(min(box[:, 0].min(), cx)),
            float(min(box[:, 1].min(), cy)),
            float(max(box[:, 0].max(), cx)),
            float(max(box[:, 1].max(), cy)),
        ),
    )


@dataclass(frozen=True)
class Rectification:
    """A found screen seen square-on: the mapping both ways.

    Attributes:
        homography: (3, 3) photo pixels → rectified pixels.
        size: (width, height) of the rectified screen.
    """

    homography: npt.NDArray[np.float64]
    size: tuple[int, int]

    def to_photo(self, points: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """(N, 2) rectified pixels → photo pixels (inverse homography)."""
        p = np.asarray(points, np.float64).reshape(-1, 1, 2)
        return f64(cv2.perspectiveTransform(p, np.linalg.inv(self.homography))).reshape(-1, 2)

    def lesion_to_photo(self, lesion: Lesion) -> Lesion:
        """A lesion in rectified pixels → the same lesion in photo pixels (``lesion_through``)."""
        return lesion_through(lesion, f64(np.linalg.inv(self.homography)))

    def to_rectified(self, points: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """(N, 2) photo pixels → rectified pixels."""
        p = np.asarray(points, np.float64).reshape(-1, 1, 2)
        return f64(cv2.perspectiveTransform(p, self.homography)).reshape(-1, 2)


@dataclass(frozen=True)
class Rectified(Rectification):
    """A rectified screen: its geometry and ``image``, the screen warped square-on
    (same dtype and channels as the photo, ``size`` pixels)."""

    image: npt.NDArray[np.uint8]


def rectification(corners: npt.ArrayLike, photo_wh: tuple[int, int]) -> Rectification:
    """The square-on geometry of the quad ``corners`` (TL, TR, BR, BL, photo pixels).

    The rectangle has the screen's true aspect ratio (from the pose, ``aspect_ratio``),
    so a square angiogram comes out square; its longer side keeps the screen's own
    resolution in the photo (the longest side of the outline), so a warp to it
    downsamples nothing: the model's preprocessing downsamples once, with area
    averaging, which does not amplify moiré.
    """
    c = np.asarray(corners, np.float64).reshape(4, 2)
    aspect = aspect_ratio(c, photo_wh)
    longest = max(float(np.linalg.norm(c[(i + 1) % 4] - c[i])) for i in range(4))
    width, height = (longest, longest / aspect) if aspect >= 1 else (longest * aspect, longest)
    width_px, height_px = max(round(width), 1), max(round(height), 1)
    # Corners are pixel positions of the screen's outer edge: map them to the outer
    # edge of the output pixels (-0.5 and size - 0.5).
    dst = np.array([[-0.5, -0.5], [width_px - 0.5, -0.5], [width_px - 0.5, height_px - 0.5], [-0.5, height_px - 0.5]])
    hmat = cv2.getPerspectiveTransform(c.astype(np.float32), dst.astype(np.float32)).astype(np.float64)
    return Rectification(hmat, (width_px, height_px))


def rectify(photo: npt.NDArray[np.uint8], corners: npt.ArrayLike) -> Rectified:
    """Warps the quad ``corners`` (TL, TR, BR, BL, photo pixels) to a rectangle
    (``rectification``'s geometry), bilinearly, at the screen's own resolution."""
    geometry = rectification(corners, (photo.shape[1], photo.shape[0]))
    image = u8(
        cv2.warpPerspective(
            photo, geometry.homography, geometry.size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
    )
    return Rectified(geometry.homography, geometry.size, image)
