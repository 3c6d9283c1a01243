"""Finding the lit screen of a monitor in a photo.

Candidates are quads from the edge map's closed loops and from region outlines, kept
when edges support most of their perimeter. Whichever a candidate is (bezel outline,
lit area or the angiogram itself), the angiogram viewport inside it is found again
square-on, and the lit area is measured outward from the viewport to the bezel's step
along rays, one robust line per side; a lit area that an edge loop also outlines is
preferred, and the nested loops are the fallback when no viewport can be measured.
Corners are refined at full resolution by line fits to the gradient peaks along each
side. "No screen" is an expected outcome, returned with a reason (scikit-image's
falsy-failure idea), never raised from deep in the pipeline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import cv2
import numpy as np
import numpy.typing as npt

from cathnet._arrays import Photo, f32, f64, u8
from cathnet.capture.viewport import image_area
from cathnet.preprocess import to_grey

_WORK_SIDE = 640
_PREVIEW_SIDE = 320
_MAX_AREA = 0.97  # a candidate this large is the photo's own frame
_MIN_AREA = 0.12  # of the photo; the product asks for a screen filling 30-90 %
_MIN_SUPPORT = 0.75
_MASK_LEVELS = ((20, True), (28, True), (40, True), (140, False))  # (grey level, lit is above)
_CHECK_WH = (320, 240)  # square-on view of a candidate, to find the viewport in it
_PREVIEW_CHECK_WH = (160, 120)
_AGREE = 0.012  # of the work image's diagonal: a lit area and an edge loop that agree
_SIDE_SUPPORT = 0.95  # an edge loop this well supported may correct a lit area's wrong side
_MAX_MARGIN = 0.8  # widest panel margin around the viewport, in viewport widths
_STEP = 10.0  # grey levels: the panel's black to the bezel
_DARK_RIM = 75.0  # a rim darker than this is panel or bezel, not the angiogram
_MIN_CONTRAST = 4.0  # grey-level std of a viewport: the faintest real frame, photographed, still has more
_FLAT_RIM = 12.0  # grey-level std: a rim flatter than this is a light bezel, not an image's edge


@dataclass(frozen=True)
class ScreenQuad:
    """A found screen: corners TL, TR, BR, BL in photo pixels (x right, y down)."""

    corners: npt.NDArray[np.float64]
    support: float
    area_fraction: float

    def __bool__(self) -> Literal[True]:  # Literal: ``if not found`` narrows the type
        return True


@dataclass(frozen=True)
class NoScreen:
    """Detection failed; ``reason`` says why. Falsy."""

    reason: str

    def __bool__(self) -> Literal[False]:
        return False


def order_corners(points: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """(4, 2) points → TL, TR, BR, BL, by angle around the centroid (robust to rotation)."""
    p = np.asarray(points, np.float64).reshape(4, 2)
    pts = p.tolist()  # four points: plain Python is several times faster than numpy here
    cx = sum(x for x, _ in pts) / 4
    cy = sum(y for _, y in pts) / 4
    clockwise = sorted(range(4), key=lambda i: math.atan2(pts[i][1] - cy, pts[i][0] - cx))  # from ~-180°
    start = min(range(4), key=lambda j: pts[clockwise[j]][0] + pts[clockwise[j]][1])  # top-left: smallest x + y
    return p[[clockwise[(start + j) % 4] for j in range(4)]]


def _near_edges(edges: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """Pixels within 2 px of an edge (what ``_support`` looks up)."""
    return u8(cv2.dilate(edges, np.ones((5, 5), np.uint8)))


def _support(near: npt.NDArray[np.uint8], quad: npt.NDArray[np.float64]) -> float:
    """Fraction of perimeter samples on ``near`` (``_near_edges`` of the edge map)."""
    h, w = near.shape
    starts = quad
    ends = quad[[1, 2, 3, 0]]
    counts = np.maximum((np.hypot(*(ends - starts).T) / 2).astype(int), 2)  # a sample every 2 px
    side = np.repeat(np.arange(4), counts)
    index = np.arange(side.size) - np.repeat(np.cumsum(counts) - counts, counts)  # 0..count-1 per side
    t = (0.05 + 0.9 * index / (counts[side] - 1))[:, None]
    pts = np.round(starts[side] + t * (ends[side] - starts[side])).astype(int)
    ok = (pts[:, 0] >= 0) & (pts[:, 0] < w) & (pts[:, 1] >= 0) & (pts[:, 1] < h)
    return int(np.count_nonzero(near[pts[ok, 1], pts[ok, 0]])) / len(pts)


def _candidates(edges: npt.NDArray[np.uint8], outlines: bool = True) -> list[npt.NDArray[np.float64]]:
    """Convex quads from the closed contours of ``edges``.

    Each contour is simplified twice: its convex hull (robust to ragged edges), and the
    contour itself (a hand over a corner makes a notch that the hull would bridge,
    pulling a side out to the hand's edge; the contour's four longest sides skip it).
    ``outlines=False`` keeps only the hulls (the preview's fast path).
    """
    closed = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(closed, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    area_min = _MIN_AREA * edges.shape[0] * edges.shape[1]
    quads = []
    for c in contours:
        _, _, bw, bh = cv2.boundingRect(c)
        if bw * bh < area_min:  # cheaper than the hull, and it bounds the hull's area
            continue
        hull = cv2.convexHull(c)
        hull_area = cv2.contourArea(hull)
        if hull_area < area_min:
            continue
        for shape, loose in ((hull, False), (c, True)) if outlines else ((hull, False),):
            peri = cv2.arcLength(shape, True)
            for eps in (0.01, 0.02, 0.04):
                approx = cv2.approxPolyDP(shape, eps * peri, True).reshape(-1, 2).astype(np.float64)
                if len(approx) == 4 and not loose:
                    quads.append(order_corners(approx))
                    break
                if 5 <= len(approx) <= 10:
                    quad = _four_longest_sides(approx)
                    if quad is None or not cv2.isContourConvex(np.round(quad).astype(np.int32)):
                        continue
                    ratio = cv2.contourArea(quad.astype(np.float32)) / hull_area
                    if abs(ratio - 1) < (0.25 if loose else 0.15):
                        quads.append(order_corners(quad))
                        break
    return quads


def _distinct(quads: list[npt.NDArray[np.float64]], tolerance: float = 2.0) -> list[npt.NDArray[np.float64]]:
    """Drops quads whose corners all lie within ``tolerance`` px of a kept one.

    Both sides of an edge line trace a contour, and hull and outline often agree:
    the same quad would otherwise be scored several times.
    """
    kept: list[npt.NDArray[np.float64]] = []
    for q in quads:
        if all(np.abs(q - k).max() > tolerance for k in kept):
            kept.append(q)
    return kept


def _mask_candidates(blurred: npt.NDArray[np.uint8]) -> list[npt.NDArray[np.float64]]:
    """Quads from the outlines of bright (and, for light bezels, dark) regions.

    An edge loop breaks where a hand crosses the screen's edge or the bezel leaves the
    photo; a region does not: the lit panel glows above a dark bezel, and a hand over a
    corner only adds a bulge, which the four longest sides of the outline skip.
    """
    area_min = _MIN_AREA * blurred.shape[0] * blurred.shape[1]
    kernel = np.ones((5, 5), np.uint8)
    quads = []
    for level, bright in _MASK_LEVELS:
        side = (blurred > level) if bright else (blurred < level)
        mask = u8(cv2.morphologyEx(side.astype(np.uint8), cv2.MORPH_OPEN, kernel))
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for c in contours:
            if cv2.contourArea(c) < area_min:
                continue
            peri = cv2.arcLength(c, True)
            for eps in (0.01, 0.02, 0.03):
                approx = cv2.approxPolyDP(c, eps * peri, True).reshape(-1, 2).astype(np.float64)
                quad = approx if len(approx) == 4 else _four_longest_sides(approx) if 5 <= len(approx) <= 10 else None
                if quad is not None and cv2.isContourConvex(np.round(quad).astype(np.int32)):
                    ratio = cv2.contourArea(quad.astype(np.float32)) / cv2.contourArea(c)
                    if 0.8 < ratio < 1.25:
                        quads.append(order_corners(quad))
                        break
    return quads


def _meet(
    p1: Sequence[float] | npt.NDArray[np.float64],
    d1: Sequence[float] | npt.NDArray[np.float64],
    p2: Sequence[float] | npt.NDArray[np.float64],
    d2: Sequence[float] | npt.NDArray[np.float64],
    tolerance: float = 1e-9,
) -> npt.NDArray[np.float64] | None:
    """Where the line through ``p1`` along ``d1`` meets the one through ``p2`` along ``d2``.

    None when they are parallel (the determinant is under ``tolerance``).
    """
    cross = float(d1[0] * d2[1] - d1[1] * d2[0])
    if abs(cross) < tolerance:
        return None
    gap_x, gap_y = p2[0] - p1[0], p2[1] - p1[1]
    t = float(gap_x * d2[1] - gap_y * d2[0]) / cross
    return np.array([p1[0] + t * d1[0], p1[1] + t * d1[1]], np.float64)


def _four_longest_sides(poly: npt.NDArray[np.float64]) -> npt.NDArray[np.float64] | None:
    """A quad from the four longest sides of a polygon, extended to meet.

    A corner cut off by the photo's border or a hand leaves a short extra side; the
    four long sides still define the screen.
    """
    pts = poly.tolist()  # a handful of points: plain Python is faster than numpy here
    n = len(pts)
    sides = [(pts[i], pts[(i + 1) % n]) for i in range(n)]
    keep = sorted(sorted(range(n), key=lambda i: -math.dist(*sides[i]))[:4])
    corners = []
    for i in range(4):
        (a1, b1), (a2, b2) = sides[keep[i - 1]], sides[keep[i]]
        corner = _meet(a1, (b1[0] - a1[0], b1[1] - a1[1]), a2, (b2[0] - a2[0], b2[1] - a2[1]))
        if corner is None:
            return None
        corners.append(corner)
    return np.array(corners)


def _refine(
    grey: npt.NDArray[np.uint8], quad: npt.NDArray[np.float64], band: float | None = None
) -> npt.NDArray[np.float64]:
    """Sub-pixel corners: a line fitted to the strongest step across each side, intersected.

    Each side is sampled every 6 pixels; at each point, the grey profile along the
    side's normal is read within ``band`` pixels (half-pixel steps) and its steepest
    point taken (the change over one pixel either side). A robust (Huber) line through
    the steepest points ignores the few that land on a hand or a reflection. Only the
    profiles are read, all four sides at once, never a gradient of the whole image: at
    full resolution that alone would cost more than the rest of the capture.
    """
    if band is None:
        band = max(3.0, 0.006 * float(np.hypot(*grey.shape)))
    offs = np.arange(-band - 1.0, band + 1.25, 0.5, dtype=np.float32)  # a pixel beyond the band: the difference's reach
    start = quad.astype(np.float32)
    along = np.roll(start, -1, axis=0) - start
    lengths = np.linalg.norm(along, axis=1)
    normals = np.stack([-along[:, 1], along[:, 0]], axis=1) / lengths[:, None]
    count = max(int(lengths.max() / 6), 8)
    t = np.linspace(0.1, 0.9, count, dtype=np.float32)
    on_side = start[:, None] + t[None, :, None] * along[:, None]  # (4 sides, count, 2)
    samples = on_side[:, :, None] + offs[None, None, :, None] * normals[:, None, None]  # (4, count, offsets, 2)
    profile = _sample(grey, samples)
    step = np.abs(profile[..., 4:] - profile[..., :-4])  # over two pixels, centred on offs[2:-2]
    step[np.isnan(step)] = 0.0
    k = np.argmax(step, axis=2)
    sides, rows = np.arange(4)[:, None], np.arange(count)[None, :]
    keep = step[sides, rows, k] > 0
    peaks = samples[sides, rows, k + 2]  # (4, count, 2), float32 as fitLine takes them
    lines = []
    for side in range(4):
        pts = peaks[side][keep[side]]
        if len(pts) < 4:
            return quad
        vx, vy, x0, y0 = cv2.fitLine(pts, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0], np.float64), np.array([vx, vy], np.float64)))
    out = []
    for i in range(4):
        corner = _meet(*lines[i - 1], *lines[i], tolerance=1e-6)
        if corner is None:
            return quad
        out.append(corner)
    refined = np.array(out)
    if np.max(np.linalg.norm(refined - quad, axis=1)) > 4 * band:
        return quad  # the fit ran away (occluded side): keep the coarse corner
    return refined


def _sample(grey: npt.NDArray[np.uint8], points: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    """``grey`` read bilinearly at ``points`` (..., 2) as float32; NaN outside the image.

    Only the points' bounding box is converted to float.
    """
    h, w = grey.shape
    x0 = int(np.clip(np.floor(points[..., 0].min()), 0, w - 1))
    y0 = int(np.clip(np.floor(points[..., 1].min()), 0, h - 1))
    x1 = int(np.clip(np.ceil(points[..., 0].max()) + 2, x0 + 1, w))
    y1 = int(np.clip(np.ceil(points[..., 1].max()) + 2, y0 + 1, h))
    roi = grey[y0:y1, x0:x1].astype(np.float32)
    flat = points.reshape(-1, points.shape[-2], 2)  # 2-D maps (OpenCV's sides stay under 32767)
    values = cv2.remap(
        roi,
        flat[..., 0] - np.float32(x0),
        flat[..., 1] - np.float32(y0),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=np.nan,
    )
    return f32(values).reshape(points.shape[:-1])


def _square_on(
    image: npt.NDArray[np.uint8], quad: npt.NDArray[np.float64], size_wh: tuple[int, int]
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.float64]]:
    """``quad`` of ``image`` warped to a ``size_wh`` rectangle (area-averaged), and the homography."""
    w, h = size_wh
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32) - 0.5
    hmat = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    return u8(cv2.warpPerspective(image, hmat, size_wh, flags=cv2.INTER_AREA)), f64(hmat)


def _viewport_in(
    grey: npt.NDArray[np.uint8],
    quad: npt.NDArray[np.float64],
    view_wh: tuple[int, int] = _CHECK_WH,
) -> npt.NDArray[np.float64] | None:
    """The angiogram viewport (photo work pixels, TL TR BR BL) inside a screen-like quad.

    ``quad`` may be the bezel's outline, the lit area or the viewport itself. Seen
    square-on, a quad with a dark rim holds an image area: step into it (bezel → lit
    area → viewport) until the rim is the image itself, i.e. no longer dark.
    """
    for step in range(3):
        g, hmat = _square_on(grey, quad, view_wh)
        rim = np.concatenate([g[:4].ravel(), g[-4:].ravel(), g[:, :4].ravel(), g[:, -4:].ravel()])
        if _percentile(rim, 50) >= _DARK_RIM:
            # A bright rim is the angiogram's own edge. On the candidate itself it may
            # instead be a light bezel's flat outline, whose lit area is another
            # candidate; once stepped in from a dark rim, it is the image (however faint).
            return quad if step > 0 or float(rim.std()) >= _FLAT_RIM else None
        box = image_area(g)
        if box is None:
            # Stepped in already, nothing brighter inside: a dark frame's own edge.
            return quad if step > 0 else None
        x0, y0, x1, y1 = box
        corners = np.array([[[x0 - 0.5, y0 - 0.5], [x1 - 0.5, y0 - 0.5], [x1 - 0.5, y1 - 0.5], [x0 - 0.5, y1 - 0.5]]])
        quad = cv2.perspectiveTransform(corners, np.linalg.inv(hmat))[0]
    return quad


def _lit_area(
    grey: npt.NDArray[np.uint8], viewport: npt.NDArray[np.float64], rays: int = 48
) -> npt.NDArray[np.float64] | None:
    """The lit screen around a viewport: from each side of the image, outward to the bezel.

    The angiogram sits axis-aligned in the panel, so in the viewport's own frame (the
    unit square) the screen's sides are parallel to the viewport's. Along each side,
    ``rays`` rays run outward a work pixel at a time; on each, the panel's black ends in a
    sharp step at the bezel (a reflection's veil is not sharp). A robust line through
    the step points is the screen's side; rays that hit UI text or a hand over a corner
    are outliers to the fit. Where too few rays find a step, the median profile's step is used. None when
    the margin is not a dark panel or a side finds no step (the screen runs out of
    the photo, or the "viewport" was something else).
    """
    to_photo = cv2.getPerspectiveTransform(
        np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32), viewport.astype(np.float32)
    ).astype(np.float64)
    size = float(np.linalg.norm(viewport[2] - viewport[0]))
    ds = 1.0 / size  # about one work pixel per step
    s = np.arange(0.0, _MAX_MARGIN, ds)
    along = np.linspace(0.1, 0.9, rays)
    image = grey.astype(np.float32)
    out = s[:, None] + 0 * along
    run = 0 * s[:, None] + along
    uv = np.concatenate(  # all four sides' rays side by side: left, top, right, bottom
        [np.stack(p, -1) for p in ((-out, run), (run, -out), (1 + out, run), (run, 1 + out))], axis=1
    )
    pts = cv2.perspectiveTransform(uv.reshape(1, -1, 2), to_photo).reshape(len(s), 4 * rays, 2)
    values = f32(
        cv2.remap(
            image,
            pts[..., 0].astype(np.float32),
            pts[..., 1].astype(np.float32),
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=-1.0,
        )
    )
    steps = _steps(values, ds)
    lines = []
    for side in range(4):
        cols = slice(side * rays, (side + 1) * rays)
        k, side_pts = steps[cols], pts[:, cols]
        hit = ~np.isnan(k)
        if hit.sum() >= rays // 6:
            k0 = np.minimum(k[hit].astype(int), len(s) - 2)
            rays_hit = np.flatnonzero(hit)
            hits = side_pts[k0, rays_hit] + (k[hit] - k0)[:, None] * (
                side_pts[k0 + 1, rays_hit] - side_pts[k0, rays_hit]
            )
            vx, vy, x0, y0 = cv2.fitLine(hits.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
            lines.append((np.array([x0, y0], np.float64), np.array([vx, vy], np.float64)))
            continue
        side_values = values[:, cols]
        median = np.where((side_values < 0).mean(axis=1) > 0.5, -1.0, _column_median(side_values.T))
        km = _steps(median[:, None].astype(np.float32), ds)[0]
        if np.isnan(km):
            return None
        margin = km * ds
        a = ((-margin, 0.0), (0.0, -margin), (1 + margin, 0.0), (0.0, 1 + margin))[side]
        b = ((-margin, 1.0), (1.0, -margin), (1 + margin, 1.0), (1.0, 1 + margin))[side]
        ends = cv2.perspectiveTransform(np.array([[a, b]], np.float64), to_photo)[0]
        lines.append((ends[0], (ends[1] - ends[0]) / np.linalg.norm(ends[1] - ends[0])))
    corners = []
    for i in range(4):  # left x top = TL, top x right = TR, right x bottom = BR, bottom x left = BL
        corner = _meet(*lines[i], *lines[(i + 1) % 4])
        if corner is None:
            return None  # two sides parallel: no quad
        corners.append(corner)
    return np.array(corners)


def _percentile(values: npt.NDArray[np.floating[Any]], q: float) -> float:
    """``np.percentile(values, q)`` (linear interpolation) of a 1-D array, by partial sorting."""
    position = q / 100 * (values.size - 1)
    lo = int(position)
    hi = min(lo + 1, values.size - 1)
    part = np.partition(values, (lo, hi))
    return float(part[lo] + (position - lo) * (part[hi] - part[lo]))


def _column_median(x: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.floating[Any]]:
    """``np.median(x, axis=0)`` (NaN where a column holds one), without its overhead on small arrays."""
    rows = x.shape[0]
    ordered = np.sort(x, axis=0)
    median = 0.5 * (ordered[(rows - 1) // 2] + ordered[rows // 2])
    return np.where(np.isnan(x).any(axis=0), np.nan, median)


def _steps(values: npt.NDArray[np.float32], ds: float) -> npt.NDArray[np.float64]:
    """Per ray (column of ``values``), the sub-sample index where the panel's black ends
    in a step, NaN where none; -1 in ``values`` marks samples outside the photo.

    A step is a jump of ``_STEP`` over ``2 * delta`` samples after which the next
    ``3 * delta`` samples all stay at least ``_STEP / 2`` from the panel's level. A
    step up that stays dark is no bezel (dark bezels are darker than the panel, light
    ones far brighter): it is the frame's own black (a round field of view's corners)
    giving way to the panel, and the search carries on from there with the new level.
    The edge is where the ramp crosses halfway to the level beyond it.
    """
    n, rays = values.shape
    skip = max(3, int(0.015 / ds))  # clear of the image's own blurred edge
    delta = 3  # a step may be spread over a few work pixels by defocus
    width = 3 * delta
    cols = np.arange(rays)
    outside = values < 0
    stop = np.where(outside.any(axis=0), np.argmax(outside, axis=0), n)  # the photo's edge per ray
    v = np.where(outside, np.nan, values).astype(np.float64)
    ks = np.arange(skip + delta, n - delta - width)
    if ks.size == 0:
        return np.full(rays, np.nan)
    jump = np.abs(v[ks + delta] - v[ks - delta]) >= _STEP  # NaN compares False
    # Sums over the window of ``width`` samples after each candidate step, from running sums.
    starts = ks + delta
    present = ~np.isnan(v)

    def window_sum(x: npt.NDArray[Any]) -> npt.NDArray[Any]:
        running = np.zeros((n + 1, rays), np.float64 if x.dtype.kind == "f" else np.int32)
        np.cumsum(x, axis=0, out=running[1:])
        first = int(starts[0])  # ``starts`` is a run of consecutive rows: slices, not copies by index
        return running[first + width : first + width + len(starts)] - running[first : first + len(starts)]

    level = window_sum(np.where(present, v, 0.0)) / np.maximum(window_sum(present), 1)
    usable = jump & present[starts] & (starts[:, None] < stop[None, :])
    panel = _column_median(v[skip : 2 * skip + 2])
    found = np.full(rays, -1)
    resume = np.zeros(rays, int)
    for _ in range(3):  # at most two black-to-panel steps before the bezel
        live = usable & (ks[:, None] >= resume[None, :])
        dark_up = live & (level > panel + _STEP) & (level < _DARK_RIM)
        far = window_sum(present & (np.abs(v - panel[None, :]) < _STEP / 2)) == 0  # no sample near the panel's level
        ok = live & ~dark_up & far
        first_ok = np.where(ok.any(axis=0), np.argmax(ok, axis=0), len(ks))
        first_dark = np.where(dark_up.any(axis=0), np.argmax(dark_up, axis=0), len(ks))
        take = (found < 0) & (first_ok < first_dark) & (first_ok < len(ks))
        found[take] = first_ok[take]
        again = (found < 0) & (first_dark < first_ok)
        if not again.any():
            break
        panel = np.where(again, level[np.minimum(first_dark, len(ks) - 1), cols], panel)
        resume = np.where(again, ks[np.minimum(first_dark, len(ks) - 1)] + 4 * delta, resume)
    good = (found >= 0) & (panel >= 0) & (panel < _DARK_RIM)
    out = np.full(rays, np.nan)
    if not good.any():
        return out
    k = ks[found[good]]
    c = cols[good]
    mid = 0.5 * (panel[good] + level[found[good], c])
    sign = np.sign(mid - panel[good])
    offsets = np.arange(-delta, 4 * delta)
    ramp = v[np.clip(k[:, None] + offsets[None, :], 0, n - 1), c[:, None]]  # (m, len(offsets))
    crossed = sign[:, None] * (ramp - mid[:, None]) >= 0
    j = np.argmax(crossed[:, 1:], axis=1)  # first sample at or past the middle, minus one
    a = ramp[np.arange(len(k)), j]
    b = ramp[np.arange(len(k)), j + 1]
    frac = np.clip(np.where(b != a, (mid - a) / np.where(b != a, b - a, 1), 0), 0, 1)
    out[good] = k + offsets[j] + frac
    return np.where(np.isnan(out), np.nan, out)


def _looks_like_an_angiogram(
    grey: npt.NDArray[np.uint8], colour: _Colour | None, viewport: npt.NDArray[np.float64]
) -> bool:
    """The viewport, seen square-on, holds grey-scale structure: not flat, not colourful."""
    seen = colour.square_on(viewport, (96, 96)) if colour is not None else _square_on(grey, viewport, (96, 96))[0]
    if float(to_grey(seen).std()) < _MIN_CONTRAST:
        return False
    if seen.ndim == 3 and seen.shape[2] >= 3:
        hsv = cv2.cvtColor(np.ascontiguousarray(seen[:, :, :3]), cv2.COLOR_BGR2HSV)
        if float(np.median(hsv[..., 1])) > 60.0:
            return False
    return True


def _nested_fallback(
    grey: npt.NDArray[np.uint8],
    colour: _Colour | None,
    good: list[tuple[npt.NDArray[np.float64], float]],
) -> tuple[npt.NDArray[np.float64], float] | None:
    """When no lit area could be measured from a viewport (a dark real frame is found only
    in part), the edge loops themselves: the largest candidate that holds an angiogram,
    or the thin-band quad nested in it (bezel outline around the lit area)."""
    for k, (quad, support) in enumerate(good):
        viewport = _viewport_in(grey, quad)
        if viewport is None or not _looks_like_an_angiogram(grey, colour, viewport) or np.allclose(viewport, quad):
            continue
        outline = quad.astype(np.float32)
        area = cv2.contourArea(outline)
        for inner, inner_support in good[k + 1 :]:
            ratio = cv2.contourArea(inner.astype(np.float32)) / area
            held = all(cv2.pointPolygonTest(outline, (float(x), float(y)), False) >= 0 for x, y in inner)
            if held and 0.75 < ratio < 0.98:
                return inner, inner_support
        return quad, support
    return None


def _plausible(lit: npt.NDArray[np.float64], viewport: npt.NDArray[np.float64], shape: tuple[int, ...]) -> bool:
    """A lit area is a convex quad, mostly inside the photo, holding its viewport with
    margins a panel could have (area 1.05-4 times the viewport's)."""
    outline = lit.astype(np.float32)
    if not cv2.isContourConvex(np.round(lit * 16).astype(np.int32)):
        return False
    h, w = shape[:2]
    if (
        lit[:, 0].min() < -0.02 * w
        or lit[:, 1].min() < -0.02 * h
        or lit[:, 0].max() > 1.02 * w
        or lit[:, 1].max() > 1.02 * h
    ):
        return False
    if not all(cv2.pointPolygonTest(outline, (float(x), float(y)), False) >= 0 for x, y in viewport):
        return False
    ratio = cv2.contourArea(outline) / max(cv2.contourArea(viewport.astype(np.float32)), 1.0)
    return 1.05 <= ratio <= 4.0


class _Colour:
    """The photo's colour, for the angiogram check, made on first use (most photos need it
    once, some never): the photo shrunk by a whole factor (OpenCV's fast path), to no
    less than the work resolution, where a square-on view of a quad is read.

    Args:
        photo: (H, W, 3|4) uint8.
        work_scale: work pixels per photo pixel (quads are given in work pixels).
    """

    def __init__(self, photo: npt.NDArray[np.uint8], work_scale: float) -> None:
        self._photo = photo
        self._factor = max(1, int(1.0 / work_scale))
        self._work_scale = work_scale
        self._image: npt.NDArray[np.uint8] | None = None

    def square_on(self, quad: npt.NDArray[np.float64], size_wh: tuple[int, int]) -> npt.NDArray[np.uint8]:
        if self._image is None:
            self._image = _shrink_by(np.ascontiguousarray(self._photo[:, :, :3]), self._factor)
        h, w = self._photo.shape[:2]
        fx, fy = self._image.shape[1] / (w * self._work_scale), self._image.shape[0] / (h * self._work_scale)
        return _square_on(self._image, (quad + 0.5) * (fx, fy) - 0.5, size_wh)[0]  # pixel centres to centres


def _shrink_by(image: npt.NDArray[np.uint8], factor: int) -> npt.NDArray[np.uint8]:
    """``image`` area-averaged by a whole ``factor`` (the last rows and columns that do
    not fill a block are dropped: OpenCV's exact-factor path is 5-30 times faster)."""
    if factor < 2:
        return image
    h, w = image.shape[:2]
    hk, wk = h - h % factor, w - w % factor
    return u8(cv2.resize(image[:hk, :wk], (wk // factor, hk // factor), interpolation=cv2.INTER_AREA))


def _shrink(image: npt.NDArray[np.uint8], size_wh: tuple[int, int]) -> npt.NDArray[np.uint8]:
    """``image`` shrunk to ``size_wh``: area-averaged by the largest whole factor first
    when it divides both sides (a fraction of the time of OpenCV's general area
    resampling), then the rest, bilinearly when under a factor of two (the box filter
    has already removed what that would alias)."""
    h, w = image.shape[:2]
    factor = min(w // size_wh[0], h // size_wh[1])
    if factor >= 2 and w % factor == 0 and h % factor == 0:
        image = _shrink_by(image, factor)
    if image.shape[1::-1] == tuple(size_wh):
        return image
    shrunk = factor >= 2 and image.shape[1] < w
    return u8(cv2.resize(image, size_wh, interpolation=cv2.INTER_LINEAR if shrunk else cv2.INTER_AREA))


_Found = list[tuple[npt.NDArray[np.float64], float, npt.NDArray[np.float64]]]  # (lit area, support, viewport)


def _twice_found(
    lit: npt.NDArray[np.float64], quads: list[npt.NDArray[np.float64]], near: npt.NDArray[np.uint8]
) -> bool:
    """A supported edge loop also outlines this measured lit area: it is confirmed twice."""
    tolerance = _AGREE * float(np.hypot(*near.shape[:2]))
    return any(np.abs(lit - q).max() <= tolerance and _support(near, q) >= _MIN_SUPPORT for q in quads)


def _corrected(
    found: _Found,
    quads: list[npt.NDArray[np.float64]],
    near: npt.NDArray[np.uint8],
) -> tuple[npt.NDArray[np.float64], float]:
    """The lit area to trust when no measured one (largest first) is confirmed twice.

    A viewport found only in part (a dark real frame, glare) can send the rays astray
    on one side: a strongly supported edge loop that agrees with a measured lit area
    along one whole side, and could be its lit area, replaces it. Support is scored
    only for the loops that agree (the preview has not scored the others). Otherwise
    the largest measured lit area.
    """
    tolerance = _AGREE * float(np.hypot(*near.shape[:2]))
    for lit, _, viewport in found:
        for quad in quads:
            close = np.abs(lit - quad).max(axis=1) <= tolerance
            one_side = int(close.sum()) == 2 and any(close[k] and close[(k + 1) % 4] for k in range(4))
            if (
                one_side
                and _plausible(quad, viewport, near.shape)
                and (support := _support(near, quad)) >= _SIDE_SUPPORT
            ):
                return quad, support
    return found[0][0], found[0][1]


def _measure(
    grey: npt.NDArray[np.uint8],
    blurred: npt.NDArray[np.uint8],
    colour: _Colour | None,
    quad: npt.NDArray[np.float64],
    preview: bool,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None:
    """The lit area measured outward from the angiogram inside ``quad``, and that
    viewport (work pixels); None when ``quad`` holds no angiogram or no plausible lit area."""
    viewport = _viewport_in(grey, quad, _PREVIEW_CHECK_WH if preview else _CHECK_WH)
    if viewport is None or not _looks_like_an_angiogram(grey, colour, viewport):
        return None
    if not preview:
        viewport = _refine(blurred, viewport, band=3.0)
    lit = _lit_area(grey, viewport, rays=12) if preview else _lit_area(grey, viewport)
    if lit is None or not _plausible(lit, viewport, grey.shape):
        return None
    return lit, viewport


def find_screen(photo: Photo, preview: bool = False) -> ScreenQuad | NoScreen:
    """Finds the lit screen area of a monitor in a photo.

    Args:
        photo: (H, W) or (H, W, 1|3|4) uint8 photo, BGR(A); a uint16 photo is read as
            8-bit (value / 257).
        preview: the fast path for live camera frames: a quarter of the work
            resolution, edge loops only, no second look for a faint lit edge and no
            sub-pixel refinement (corners good to about a pixel of a 640x480 frame).

    Returns:
        ``ScreenQuad`` (truthy) or ``NoScreen`` with the reason (falsy).
    """
    return _find(photo, preview)[0]


@dataclass(frozen=True)
class Greys:
    """The photo in grey as the detection read it, for the capture's later steps.

    Attributes:
        full: at the photo's resolution (None on the preview path, which never makes it).
        work: area-averaged to the detection's work resolution.
    """

    full: npt.NDArray[np.uint8] | None
    work: npt.NDArray[np.uint8]

    def full_resolution(self) -> npt.NDArray[np.uint8]:
        """``full``; raises ValueError on a preview's greys, which never make it."""
        if self.full is None:
            raise ValueError("expected the greys of a capture: a preview's have no full-resolution image")
        return self.full


def locate_screen(photo: Photo) -> tuple[ScreenQuad | NoScreen, Greys]:
    """``find_screen(photo)``, and the grey images it made (the capture reuses them)."""
    return _find(photo, preview=False)


def _find(photo: Photo, preview: bool) -> tuple[ScreenQuad | NoScreen, Greys]:
    # a 16-bit export of a camera photo: full range, read as 8-bit
    photo8 = u8(cv2.convertScaleAbs(photo, alpha=1 / 257) if photo.dtype == np.uint16 else photo)
    h, w = photo8.shape[:2]
    scale = min(1.0, (_PREVIEW_SIDE if preview else _WORK_SIDE) / max(h, w))
    work_wh = (round(w * scale), round(h * scale))
    colour: _Colour | None = None
    if preview:  # shrink first: the full-resolution grey copy is only needed for refinement
        small = _shrink(photo8, work_wh)
        grey = to_grey(small)
        colour = _Colour(small, 1.0) if small.ndim == 3 else None
    else:
        grey_full = to_grey(photo8)
        grey = _shrink(grey_full, work_wh)
        colour = _Colour(photo8, scale) if photo8.ndim == 3 else None
    greys = Greys(grey_full if not preview else None, grey)
    blurred = u8(cv2.GaussianBlur(grey, (5, 5), 0))
    magnitude = f32(cv2.magnitude(cv2.Sobel(blurred, cv2.CV_32F, 1, 0), cv2.Sobel(blurred, cv2.CV_32F, 0, 1)))
    hi = _percentile(magnitude[::2, ::2].ravel(), 90)  # every fourth pixel is plenty for a percentile
    edges = u8(cv2.Canny(blurred, max(hi * 0.25, 10), max(hi * 0.6, 25)))
    near = _near_edges(edges)
    whole = _MAX_AREA * grey.shape[0] * grey.shape[1]  # the photo's own frame is no screen
    measured: dict[bytes, tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None] = {}

    def search(
        candidates: list[npt.NDArray[np.float64]],
    ) -> tuple[tuple[npt.NDArray[np.float64], float] | None, _Found, list[npt.NDArray[np.float64]], Any]:
        """The largest candidate whose lit area an edge loop confirms, and what was measured on the way
        (the lit areas, the candidates in order, the supported ones)."""
        quads = _distinct([q for q in candidates if cv2.contourArea(q.astype(np.float32)) < whole])
        quads = sorted(quads, key=lambda q: -cv2.contourArea(q.astype(np.float32)))  # largest first
        supported = ((q, support) for q in quads if (support := _support(near, q)) >= _MIN_SUPPORT)
        good = supported if preview else list(supported)  # a preview scores them only until one is taken
        found: _Found = []
        for quad, support in good:
            key = quad.tobytes()
            if key not in measured:  # the second search meets the first one's candidates again
                measured[key] = _measure(grey, blurred, colour, quad, preview)
            result = measured[key]
            if result is None:
                continue
            lit, viewport = result
            found.append((lit, support, viewport))
            if _twice_found(lit, quads, near):
                return (lit, support), found, quads, good
            if preview:  # the first plausible outline will do for a preview
                break
        return None, found, quads, good

    # Bezel outline, lit area or viewport: whichever was found, the viewport inside it
    # is found again square-on, must look like an angiogram, and the lit area is
    # measured outward from it to the bezel. The largest candidate whose lit area an
    # edge loop confirms wins (the smaller ones need not be measured). The edge loops
    # are searched first: most photos need no more. Where none is confirmed (a hand
    # across the screen's edge, the bezel leaving the photo), the bright and dark
    # regions' outlines join them and the search runs again over all, in the same
    # order; failing that, ``_corrected`` chooses among all measured.
    edge_quads = _candidates(edges, outlines=not preview)
    chosen, found, quads, good = search(edge_quads)
    if chosen is None and not preview:
        chosen, found, quads, good = search(edge_quads + _mask_candidates(blurred))
    if chosen is None and found:
        chosen = _corrected(found, quads, near)
    elif chosen is None and not preview:
        chosen = _nested_fallback(grey, colour, good)
    if chosen is None:
        return NoScreen("no monitor found: fit the whole screen in the frame, with its four corners visible"), greys
    lit, support = chosen
    area = cv2.contourArea(lit.astype(np.float32)) / (grey.shape[0] * grey.shape[1])
    corners = lit / scale if preview else _refine(grey_full, lit / scale)
    return ScreenQuad(order_corners(corners), support, float(area)), greys
