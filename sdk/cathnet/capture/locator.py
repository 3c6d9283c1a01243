"""The learned locator: where the lit display and the angiogram on it are in a photo (issue 22).

A small full-integer int8 network (``locator_int8.tflite``, made by ``cathnet-train
locator``) reads the photo area-averaged to 256x192 and gives three maps at stride 4:
the lit panel of the display that shows an angiogram, every angiogram viewport on it,
and the viewports' outlines (which part tiles too close to part in the viewport map).
Hand-tuned grey levels fit one simulator's monitors; the network was trained on
families of displays (bezels dark, light or none, black or grey panels, side UI,
thumbnails, gloved hands, lamps) and is judged on families it never saw
(``cathnet-train capture-eval --families``).

From the maps: the angiogram component nearest the photo's centre (on a display wall or
a dual view, the one the reader aims at), and the panel component that holds it; each
outline becomes a quad whose sides are fitted to the maps' half-way crossings, then,
at the photo's resolution, to the image's own step across each side where one is
clear (a side without one keeps the maps' line).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from cathnet._arrays import Photo, f32, f64, u8
from cathnet.backends.tflite import TFLiteBackend
from cathnet.errors import BackendUnavailableError
from cathnet.geometry import Letterbox, order_corners

INPUT_WH = (256, 192)
STRIDE = 4
MAP_WH = (INPUT_WH[0] // STRIDE, INPUT_WH[1] // STRIDE)
PANEL, ANGIOGRAM, OUTLINE = 0, 1, 2
MODEL_FILE = "locator_int8.tflite"
_RUNTIMES = ("litert", "tflite-runtime", "tensorflow")
_ON = 0.5  # a map pixel belongs to the region above this probability
_MIN_ANGIOGRAM = 0.01  # of the map's area: smaller regions are thumbnails or noise
_MIN_PEAK = 0.8  # an angiogram region must be this sure somewhere
_PARTS = 0.35  # an outline this likely parts two tiles (lower than _ON: between tiles it is faint)


@dataclass(frozen=True)
class Located:
    """What the locator found, in photo pixels (TL, TR, BR, BL), or None.

    Attributes:
        viewport: the angiogram's outer corners (the one nearest the photo's centre).
        panel: the lit panel holding it, when the maps show one.
        confidence: the network's mean probability over the angiogram's region.
    """

    viewport: npt.NDArray[np.float64] | None
    panel: npt.NDArray[np.float64] | None
    confidence: float


def locator_input(photo: Photo) -> tuple[npt.NDArray[np.uint8], Letterbox]:
    """(192, 256, 3) uint8 BGR: ``photo`` area-averaged to fit, centred on black, and its letterbox.

    Args:
        photo: (H, W) or (H, W, 1|3|4) uint8 or uint16 (read as 8-bit).
    """
    image = u8(cv2.convertScaleAbs(photo, alpha=1 / 257) if photo.dtype == np.uint16 else photo)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    image = u8(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else np.ascontiguousarray(image[:, :, :3]))
    h, w = image.shape[:2]
    box = Letterbox.fit(w, h, *INPUT_WH)
    cw, ch = box.content_size
    canvas = np.zeros((INPUT_WH[1], INPUT_WH[0], 3), np.uint8)
    canvas[box.pad_y : box.pad_y + ch, box.pad_x : box.pad_x + cw] = cv2.resize(
        image, (cw, ch), interpolation=cv2.INTER_AREA
    )
    return canvas, box


class Locator:
    """Runs the locator network; safe to share between threads (calls are serialised).

    Args:
        model_path: the ``.tflite`` file; None for the one shipped with the SDK.
        num_threads: interpreter threads.

    Raises:
        BackendUnavailableError: no TFLite runtime here can load the model.
    """

    def __init__(self, model_path: Path | None = None, num_threads: int | None = 1) -> None:
        path = model_path or Path(str(resources.files("cathnet.capture").joinpath(MODEL_FILE)))
        failure: BackendUnavailableError | None = None
        for name in _RUNTIMES:
            try:
                self._backend = TFLiteBackend(name, path, {"maps": [MAP_WH[1], MAP_WH[0], 3]}, num_threads)
                break
            except BackendUnavailableError as exc:
                failure = failure or exc
        else:
            assert failure is not None
            raise failure
        self._lock = threading.Lock()

    def maps(self, photo: Photo) -> tuple[npt.NDArray[np.float32], Letterbox]:
        """(48, 64, 3) probabilities (panel, angiogram, outline) for ``photo``, and the letterbox."""
        x, box = locator_input(photo)
        with self._lock:
            out = self._backend.run(x[None].astype(np.float32))["maps"][0]
        return out, box

    def locate(self, photo: Photo, grey: npt.NDArray[np.uint8] | None = None) -> Located:
        """The angiogram and its panel in ``photo``.

        Args:
            photo: the photo (see ``locator_input``).
            grey: the photo in grey at its resolution, to fit the corners to its edges;
                None keeps the maps' corners (the preview's path: about a pixel of the
                network's input, a fraction of a percent of the viewport's diagonal less good).
        """
        maps, box = self.maps(photo)
        return read_maps(maps, box, photo.shape[:2], grey)


def read_maps(
    maps: npt.NDArray[np.float32],
    box: Letterbox,
    photo_hw: tuple[int, ...],
    grey: npt.NDArray[np.uint8] | None = None,
) -> Located:
    """``Locator.locate`` from the network's maps (see the module)."""
    angiogram = maps[..., ANGIOGRAM]
    cores = (angiogram > _ON) & (maps[..., OUTLINE] < _PARTS)
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(cores.astype(np.uint8), connectivity=4)
    centre = np.array([photo_hw[1], photo_hw[0]], np.float64) / 2
    best, best_d = 0, np.inf
    for k in range(1, count):
        if stats[k, cv2.CC_STAT_AREA] < _MIN_ANGIOGRAM * angiogram.size or angiogram[labels == k].max() < _MIN_PEAK:
            continue
        d = float(np.linalg.norm(_to_photo(centroids[k][None], box)[0] - centre))
        if d < best_d:
            best, best_d = k, d
    if best == 0:
        return Located(None, None, 0.0)
    # the core grown back over its outline, within the angiogram's pixels (not into a neighbour's core)
    grown = cv2.dilate((labels == best).astype(np.uint8), np.ones((3, 3), np.uint8))
    region = (grown > 0) & (angiogram > _ON) & ((labels == 0) | (labels == best))
    confidence = float(angiogram[region].mean())
    viewport = _fit(angiogram, region, box, grey)
    if viewport is None:
        return Located(None, None, confidence)
    panel = _panel_around(maps[..., PANEL], viewport, box)
    if panel is not None and grey is not None:
        map_pixel = STRIDE / box.scale
        panel = _to_edges(grey, panel, band=1.5 * map_pixel, agree=0.6 * map_pixel)
    return Located(viewport, panel, confidence)


def on_edges(grey: npt.NDArray[np.uint8], quad: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``quad`` (photo pixel-edge coordinates) with each side on the clearest step of
    ``grey`` within a map pixel and a half, wherever that step is: the outline the blur
    gate reads (any real edge of the screen tells the focus; a side a few pixels off
    would read as blur)."""
    h, w = grey.shape[:2]
    map_pixel = STRIDE / Letterbox.fit(w, h, *INPUT_WH).scale
    return _to_edges(grey, quad, band=1.5 * map_pixel, agree=np.inf)


def _panel_around(
    prob: npt.NDArray[np.float32], viewport: npt.NDArray[np.float64], box: Letterbox
) -> npt.NDArray[np.float64] | None:
    """The lit panel around the viewport (photo pixel-edge coordinates), from the panel map.

    The angiogram sits axis-aligned on the panel: in the viewport's own square-on frame
    the panel is a rectangle around it. Rays run outward from each side of the viewport
    through the map; each side of the panel is where the median ray leaves it. A
    window or a hand that the map merges with the panel along part of a side moves
    only some rays. None when the map shows no panel around the viewport.
    """
    to_map = box.to_model(viewport) / STRIDE - 0.5  # map pixel-centre coordinates
    unit = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32)
    to_unit = cv2.getPerspectiveTransform(to_map.astype(np.float32), unit).astype(np.float64)
    from_unit = np.linalg.inv(to_unit)
    t = np.arange(0.0, 3.0, 0.01)  # out to three viewport widths: a display wall's far tiles
    run = np.linspace(0.15, 0.85, 15)
    margins = []
    for side in range(4):
        out, along = np.meshgrid(t, run, indexing="ij")
        uv = (
            np.stack([-out, along], -1),
            np.stack([along, -out], -1),
            np.stack([1 + out, along], -1),
            np.stack([along, 1 + out], -1),
        )[side]
        pts = f64(cv2.perspectiveTransform(uv.reshape(1, -1, 2), from_unit)).reshape(len(t), len(run), 2)
        inside_map = (pts[..., 0] >= -0.5) & (pts[..., 0] <= prob.shape[1] - 0.5)
        inside_map &= (pts[..., 1] >= -0.5) & (pts[..., 1] <= prob.shape[0] - 0.5)
        values = np.where(inside_map, _read(prob, pts.transpose(1, 0, 2)).T, 0.0)
        off = values <= _ON
        k = np.where(off.any(axis=0), np.argmax(off, axis=0), len(t) - 1)  # first sample off the panel
        before = values[np.maximum(k - 1, 0), np.arange(len(run))]
        after = values[k, np.arange(len(run))]
        frac = np.clip((before - _ON) / np.maximum(before - after, 1e-6), 0.0, 1.0)  # the half-way crossing
        margins.append(float(np.median(np.where(k > 0, t[np.maximum(k - 1, 0)] + frac * (t[1] - t[0]), 0.0))))
    if max(margins) <= 0.0:
        return None
    left, top, right, bottom = margins
    corners = np.array([[-left, -top], [1 + right, -top], [1 + right, 1 + bottom], [-left, 1 + bottom]], np.float64)
    in_map = cv2.perspectiveTransform(corners[None], from_unit)[0]
    return _to_photo(in_map, box)


def _to_photo(points: npt.NDArray[np.float64], box: Letterbox) -> npt.NDArray[np.float64]:
    """Map pixel-centre coordinates → photo pixel-edge coordinates (a pixel centre + 0.5,
    the convention of ``ScreenQuad.corners``): map pixel ``m`` spans input pixels
    ``STRIDE m`` to ``STRIDE (m + 1)``."""
    return box.to_image((np.asarray(points, np.float64) + 0.5) * STRIDE)


def _fit(
    prob: npt.NDArray[np.float32],
    region: npt.NDArray[np.bool_],
    box: Letterbox,
    grey: npt.NDArray[np.uint8] | None,
) -> npt.NDArray[np.float64] | None:
    """The quad of one region: its outline's four sides, fitted to the map's half-way
    crossing and, given ``grey``, to the photo's edges; None when no quad fits it.

    Corners are returned in the convention of ``ScreenQuad``: the outer edge of the
    region, in pixel-edge coordinates of the photo (a pixel centre + 0.5).
    """
    contours, _ = cv2.findContours(region.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    quad = None
    peri = cv2.arcLength(hull, True)
    for eps in (0.02, 0.04, 0.06, 0.1):
        approx = cv2.approxPolyDP(hull, eps * peri, True).reshape(-1, 2).astype(np.float64)
        if len(approx) == 4:
            quad = approx
            break
    if quad is None:
        quad = cv2.boxPoints(cv2.minAreaRect(hull)).astype(np.float64)
    quad = order_corners(quad)
    quad = _to_sides(prob, quad)
    if quad is None:
        return None
    photo_quad = _to_photo(quad, box)
    if grey is not None:
        map_pixel = STRIDE / box.scale  # in photo pixels
        photo_quad = _to_edges(grey, photo_quad, band=1.5 * map_pixel, agree=1.0 * map_pixel)
    return photo_quad


def _meet(
    a: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
    b: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
) -> npt.NDArray[np.float64] | None:
    (p1, d1), (p2, d2) = a, b
    cross = float(d1[0] * d2[1] - d1[1] * d2[0])
    if abs(cross) < 1e-6:
        return None
    t = float((p2[0] - p1[0]) * d2[1] - (p2[1] - p1[1]) * d2[0]) / cross
    return p1 + t * d1


def _lines_to_quad(
    lines: list[tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]],
) -> npt.NDArray[np.float64] | None:
    """Side lines (top, right, bottom, left order as the quad's sides TL-TR, TR-BR, ...) → corners."""
    corners = []
    for i in range(4):
        corner = _meet(lines[i - 1], lines[i])
        if corner is None:
            return None
        corners.append(corner)
    return np.array(corners)


def _side_samples(
    quad: npt.NDArray[np.float64], reach: float, step: float, count: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """For each side, ``count`` points along it and the offsets along its outward normal:
    (4, count, offsets, 2) sample positions and the offsets."""
    offs = np.arange(-reach, reach + step / 2, step)
    start = quad
    along = np.roll(quad, -1, axis=0) - start
    normals = np.stack([along[:, 1], -along[:, 0]], axis=1)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    centre = quad.mean(axis=0)
    outward = np.einsum("ij,ij->i", (start + along / 2) - centre, normals) > 0
    normals[~outward] *= -1
    t = np.linspace(0.12, 0.88, count)
    on_side = start[:, None] + t[None, :, None] * along[:, None]
    return on_side[:, :, None] + offs[None, None, :, None] * normals[:, None, None], offs


def _read(image: npt.NDArray[Any], pts: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    """``image`` read bilinearly at ``pts`` (..., offsets, 2) as float32, through 2-D maps
    (OpenCV wants their sides under 32767)."""
    flat = pts.reshape(-1, pts.shape[-2], 2).astype(np.float32)
    values = cv2.remap(
        image if image.dtype == np.float32 else image.astype(np.float32),
        flat[..., 0],
        flat[..., 1],
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return f32(values).reshape(pts.shape[:-1])


def _fit_line(points: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    vx, vy, x0, y0 = cv2.fitLine(points.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
    return np.array([x0, y0], np.float64), np.array([vx, vy], np.float64)


def _to_sides(prob: npt.NDArray[np.float32], quad: npt.NDArray[np.float64]) -> npt.NDArray[np.float64] | None:
    """Each side moved to where the map crosses one half, across it (map pixels)."""
    pts, offs = _side_samples(quad, reach=2.5, step=0.125, count=12)
    values = _read(prob, pts)  # inside → outside along each normal
    lines = []
    for side in range(4):
        hits = []
        for row in range(values.shape[1]):
            v = values[side, row]
            crossing = np.flatnonzero((v[:-1] >= _ON) & (v[1:] < _ON))
            if crossing.size == 0:
                continue
            k = crossing[np.argmin(np.abs(offs[crossing]))]
            frac = (v[k] - _ON) / max(float(v[k] - v[k + 1]), 1e-6)
            hits.append(pts[side, row, k] + frac * (pts[side, row, k + 1] - pts[side, row, k]))
        if len(hits) < 4:
            lines.append(_fit_line(quad[[side, (side + 1) % 4]]))
            continue
        lines.append(_fit_line(np.array(hits)))
    return _lines_to_quad(lines)


def _to_edges(
    grey: npt.NDArray[np.uint8], quad: npt.NDArray[np.float64], band: float, agree: float
) -> npt.NDArray[np.float64]:
    """Each side moved to the photo's strongest step across it within ``band`` pixels,
    where the step is clear along most of the side and its line lies within ``agree``
    pixels of the maps' one; otherwise the side stays. (A real frame's black border on
    a black panel shows no step at its edge: the strongest one nearby is then the
    image's own, inside; on tuning photos such sides moved 1-3 % of the diagonal.)"""
    centres = quad - 0.5  # pixel-edge → pixel-centre coordinates, as the image is sampled
    count = max(12, int(np.linalg.norm(centres[2] - centres[0]) / 12))
    pts, _ = _side_samples(centres, reach=band + 1.0, step=0.5, count=count)
    values = _read(grey, pts)
    steps = np.abs(values[..., 4:] - values[..., :-4])  # over two pixels, centred on offs[2:-2]
    # the outermost clear step: a frame's black border on a lighter panel black is a weak
    # step outside the image's own strong one, and it is the frame's edge (the agreement
    # with the maps' line keeps a neighbouring tile's edge, across a gap, out)
    offs = -np.arange(steps.shape[-1], dtype=np.float64)  # offsets run outward: the largest is the outermost
    lines = []
    for side in range(4):
        s = steps[side]
        peak = s.max(axis=1)
        ridge = np.zeros_like(s, dtype=bool)  # a step's own peak, not the shoulder of a blurred one
        ridge[:, 1:-1] = (s[:, 1:-1] >= s[:, :-2]) & (s[:, 1:-1] >= s[:, 2:])
        clear = ridge & (s >= np.maximum(8.0, 0.15 * peak)[:, None])
        k = np.argmin(np.where(clear, offs[None, :], np.inf), axis=1)
        chosen = s[np.arange(len(k)), k]
        strong = clear[np.arange(len(k)), k] & (chosen >= max(8.0, 0.5 * float(np.percentile(chosen, 75))))
        if strong.mean() < 0.5:
            lines.append(_fit_line(centres[[side, (side + 1) % 4]]))
            continue
        hits = pts[side, np.arange(len(k)), k + 2][strong]
        line = _fit_line(hits)
        ends = centres[[side, (side + 1) % 4]] - line[0]
        off = np.abs(ends[:, 0] * line[1][1] - ends[:, 1] * line[1][0])  # the side's ends from the new line
        lines.append(line if float(off.max()) <= agree else _fit_line(centres[[side, (side + 1) % 4]]))
    refined = _lines_to_quad(lines)
    if refined is None or np.abs(refined - centres).max() > 3 * band:
        return quad
    return f64(refined + 0.5)
