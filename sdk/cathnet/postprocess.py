"""Model outputs → lesions in the caller's pixels.

Two decoders, chosen by the card's ``postprocess.decoder``:

``regions`` (bundle 1.0 on): the lesion map (stride ``s``) holds the stenosis region,
%DS / 100 and the vessel mask per cell. The region channel is upsampled to the model
input, thresholded, and each connected region is one lesion: its outline is the
region's contour, its point the region's strongest pixel (on the vessel, where a
centroid of a curved stretch may not be), its %DS the region-weighted mean. Regions
are disjoint, so one narrowing is never reported twice.

``peaks`` (bundles before 1.0): the map holds a centre heatmap and a %DS estimate.
Lesions are local maxima of the heatmap, strongest first, each at least
``min_separation`` cells from a stronger one (an int8 map has plateaus: two equal
neighbouring cells are one lesion, not two), refined to sub-cell precision by the
heat-weighted centroid of their 3x3 neighbourhood; the box is the extent of the
peak's half-maximum region. Every coordinate goes back through the letterbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from cathnet._arrays import f32
from cathnet.findings import Lesion
from cathnet.geometry import Letterbox


@dataclass(frozen=True)
class PostprocessConfig:
    """Decoding parameters from the card's ``postprocess`` section."""

    threshold: float
    lesion_threshold: float = 0.3
    max_lesions: int = 5
    stride: int = 8
    min_separation: int = 2  # cells (Chebyshev) between two reported lesions
    decoder: str = "peaks"
    region_threshold: float = 0.5  # region probability that is inside an outline
    min_region_area: float = 4.0  # model-input pixels: a smaller region is noise

    @classmethod
    def from_card(cls, card: dict[str, Any]) -> PostprocessConfig:
        pp = card["postprocess"]
        return cls(
            threshold=float(pp["threshold"]),
            lesion_threshold=float(pp.get("lesion_threshold", 0.3)),
            max_lesions=int(pp.get("max_lesions", 5)),
            min_separation=int(pp.get("min_separation", 2)),
            stride=int(card["outputs"]["lesion_map"]["stride"]),
            decoder=str(pp.get("decoder", "peaks")),
            region_threshold=float(pp.get("region_threshold", 0.5)),
            min_region_area=float(pp.get("min_region_area", 4.0)),
        )


def decode(
    lesion_map: npt.NDArray[np.float32],
    box: Letterbox,
    config: PostprocessConfig,
    force_top: bool = False,
) -> tuple[Lesion, ...]:
    """Lesions from one (h, w, c) lesion map by the card's decoder (see the module docstring)."""
    if config.decoder == "regions":
        return find_regions(lesion_map, box, config, force_top)
    return find_lesions(lesion_map, box, config, force_top)


def find_regions(
    lesion_map: npt.NDArray[np.float32],
    box: Letterbox,
    config: PostprocessConfig,
    force_top: bool = False,
) -> tuple[Lesion, ...]:
    """Decodes outlined lesions from one (h, w, 3) region map.

    Args:
        lesion_map: channel 0 stenosis region in [0, 1], channel 1 %DS / 100.
        box: the letterbox the input went through.
        config: thresholds and stride.
        force_top: report the strongest region even below ``lesion_threshold``, its
            outline drawn at half its peak (a frame called positive always shows where).

    Returns:
        Lesions sorted by score, highest first, each with an ``outline`` in image pixels.
    """
    # Outlines are traced on a grid twice as fine as the model input: a contour runs
    # through the centres of its edge pixels, and on the model's own grid that would cut
    # half a model pixel (a pixel of a 512 px frame) off each side of a thin stretch.
    f = config.stride * _FINE
    h, w = lesion_map.shape[:2]
    # Cell values sit at cell centres; INTER_LINEAR with half-pixel centres puts them there.
    region = f32(
        cv2.resize(np.ascontiguousarray(lesion_map[..., 0], np.float32), (w * f, h * f), interpolation=cv2.INTER_LINEAR)
    )
    # %DS is read from the cells themselves: interpolated, a region's edge would mix in
    # the meaningless %DS of the cells outside it.
    grade = f32(
        cv2.resize(
            np.ascontiguousarray(lesion_map[..., 1], np.float32), (w * f, h * f), interpolation=cv2.INTER_NEAREST
        )
    )
    lesions = _regions(region, grade, config.region_threshold, box, config)
    if not lesions and force_top and float(region.max()) > 0.0:
        lesions = _regions(region, grade, 0.5 * float(region.max()), box, config, top_only=True)
    return lesions


_FINE = 2  # outline grid pixels per model-input pixel


def _fine_to_model(points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return (points + 0.5) / _FINE - 0.5


def _regions(
    region: npt.NDArray[np.float32],
    grade: npt.NDArray[np.float32],
    level: float,
    box: Letterbox,
    config: PostprocessConfig,
    top_only: bool = False,
) -> tuple[Lesion, ...]:
    mask = (region >= level).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    found = []
    for k in range(1, n):
        if stats[k, cv2.CC_STAT_AREA] < config.min_region_area * _FINE**2:
            continue
        x0, y0 = stats[k, cv2.CC_STAT_LEFT], stats[k, cv2.CC_STAT_TOP]
        x1, y1 = x0 + stats[k, cv2.CC_STAT_WIDTH], y0 + stats[k, cv2.CC_STAT_HEIGHT]
        inside = labels[y0:y1, x0:x1] == k
        values = np.where(inside, region[y0:y1, x0:x1], 0.0)
        peak = float(values.max())
        if peak < config.lesion_threshold and not top_only:
            continue
        found.append((peak, k, (x0, y0, x1, y1), inside, values))
    found.sort(key=lambda f: -f[0])
    lesions: list[Lesion] = []
    for peak, _, (x0, y0, x1, y1), inside, values in found[: 1 if top_only else config.max_lesions]:
        py, px = np.unravel_index(int(np.argmax(values)), values.shape)
        ds = 100.0 * float((values * grade[y0:y1, x0:x1]).sum() / max(float(values.sum()), 1e-6))
        contours, _ = cv2.findContours(inside.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        contour = max(contours, key=cv2.contourArea).reshape(-1, 2).astype(np.float64)
        if len(contour) < 3:  # a one-pixel-wide region: its bounding rectangle outlines it
            contour = np.array([[0, 0], [x1 - x0 - 1, 0], [x1 - x0 - 1, y1 - y0 - 1], [0, y1 - y0 - 1]], np.float64)
        outline = box.to_image(_fine_to_model(contour + np.array([x0, y0])))
        centre = box.to_image(_fine_to_model(np.array([[x0 + px, y0 + py]], np.float64)))[0]
        xs = np.append(outline[:, 0], centre[0])
        ys = np.append(outline[:, 1], centre[1])
        lesions.append(
            Lesion(
                x=float(centre[0]),
                y=float(centre[1]),
                box=(float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())),
                score=min(max(peak, 0.0), 1.0),
                diameter_stenosis_percent=min(max(ds, 0.0), 100.0),
                outline=tuple((float(x), float(y)) for x, y in outline),
            )
        )
    return tuple(lesions)


def find_lesions(
    lesion_map: npt.NDArray[np.float32],
    box: Letterbox,
    config: PostprocessConfig,
    force_top: bool = False,
) -> tuple[Lesion, ...]:
    """Decodes lesions from one (h, w, 2) lesion map.

    Args:
        lesion_map: channel 0 heat in [0, 1], channel 1 %DS / 100.
        box: the letterbox the input went through.
        config: thresholds and stride.
        force_top: report the strongest peak even below ``lesion_threshold`` (used when
            the frame is called positive, so that a positive call always shows where).

    Returns:
        Lesions sorted by score, highest first.
    """
    heat = np.ascontiguousarray(lesion_map[..., 0], dtype=np.float32)
    grade = lesion_map[..., 1]
    h, w = heat.shape
    local_max = (heat >= cv2.dilate(heat, np.ones((3, 3), np.uint8))) & (heat > 0.0)
    ys, xs = np.nonzero(local_max)
    order = np.argsort(-heat[ys, xs], kind="stable")
    lesions: list[Lesion] = []
    peaks: list[tuple[int, int]] = []
    for k in order:
        cy, cx = int(ys[k]), int(xs[k])
        peak = float(heat[cy, cx])
        if len(lesions) == config.max_lesions or (peak < config.lesion_threshold and not (force_top and not lesions)):
            break
        if any(max(abs(cy - py), abs(cx - px)) <= config.min_separation for py, px in peaks):
            continue
        peaks.append((cy, cx))
        y0, y1, x0, x1 = max(cy - 1, 0), min(cy + 2, h), max(cx - 1, 0), min(cx + 2, w)
        weights = heat[y0:y1, x0:x1]
        gy, gx = np.mgrid[y0:y1, x0:x1]
        total = float(weights.sum())
        mx = float((weights * gx).sum() / total)
        my = float((weights * gy).sum() / total)
        ds = 100.0 * float((weights * grade[y0:y1, x0:x1]).sum() / total)
        bx0, by0, bx1, by1 = _half_max_extent(heat, cy, cx)
        s = config.stride
        centre = box.to_image([[(mx + 0.5) * s - 0.5, (my + 0.5) * s - 0.5]])[0]
        corners = box.to_image([[bx0 * s - 0.5, by0 * s - 0.5], [(bx1 + 1) * s - 0.5, (by1 + 1) * s - 0.5]])
        lesions.append(
            Lesion(
                x=float(centre[0]),
                y=float(centre[1]),
                box=(
                    float(min(corners[0, 0], centre[0])),
                    float(min(corners[0, 1], centre[1])),
                    float(max(corners[1, 0], centre[0])),
                    float(max(corners[1, 1], centre[1])),
                ),
                score=min(max(peak, 0.0), 1.0),
                diameter_stenosis_percent=min(max(ds, 0.0), 100.0),
            )
        )
    return tuple(lesions)


def heatmap_in_image(lesion_map: npt.NDArray[np.float32], box: Letterbox, stride: int) -> npt.NDArray[np.float32]:
    """The (h, w, 2) lesion map's heat channel resampled to the image's (H, W) pixels.

    Cell (i, j) covers model pixels [j*stride, (j+1)*stride); its value is placed at
    the cell centre, as ``find_lesions`` places lesions, then the letterbox is undone.
    """
    heat = np.ascontiguousarray(lesion_map[..., 0], dtype=np.float32)
    h, w = heat.shape
    model = f32(cv2.resize(heat, (w * stride, h * stride), interpolation=cv2.INTER_LINEAR))
    return np.clip(box.map_to_image(model), 0.0, 1.0)


def _half_max_extent(heat: npt.NDArray[np.float32], cy: int, cx: int) -> tuple[int, int, int, int]:
    """Cell bounds (x0, y0, x1, y1) of the half-maximum region connected to the peak."""
    region = (heat >= 0.5 * heat[cy, cx]).astype(np.uint8)
    _, labels = cv2.connectedComponents(region, connectivity=8)
    ys, xs = np.nonzero(labels == labels[cy, cx])
    # A broad blob around a weak peak would box half the frame: cap at 2 cells each way.
    return (
        max(int(xs.min()), cx - 2),
        max(int(ys.min()), cy - 2),
        min(int(xs.max()), cx + 2),
        min(int(ys.max()), cy + 2),
    )
