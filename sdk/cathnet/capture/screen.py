"""Finding the lit screen of a monitor in a photo.

Candidates are closed contours of the edge map simplified to convex quadrilaterals;
each is scored by how much of its perimeter lies on edges. A monitor gives two nested
quads (bezel outline, lit area): the inner one is the screen. Corners are then
refined at full resolution by fitting a line to the edge points along each side and
intersecting neighbours. "No screen" is an expected outcome, returned with a reason
(scikit-image's falsy-failure idea), never raised from deep in the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from cathnet.capture.viewport import image_area
from cathnet.preprocess import to_grey

_WORK_SIDE = 640
_MIN_AREA = 0.12  # of the photo; the product asks for a screen filling 30-90 %
_MIN_SUPPORT = 0.75
_MASK_LEVELS = ((20, True), (28, True), (40, True), (140, False))  # (grey level, lit is above)
_CHECK_WH = (160, 120)  # square-on view for the "is it an angiogram monitor" check


@dataclass(frozen=True)
class ScreenQuad:
    """A found screen: corners TL, TR, BR, BL in photo pixels (x right, y down)."""

    corners: npt.NDArray[np.float64]
    support: float
    area_fraction: float

    def __bool__(self) -> bool:
        return True


@dataclass(frozen=True)
class NoScreen:
    """Detection failed; ``reason`` says why. Falsy."""

    reason: str

    def __bool__(self) -> bool:
        return False


def order_corners(points: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """(4, 2) points → TL, TR, BR, BL, by angle around the centroid (robust to rotation)."""
    p = np.asarray(points, np.float64).reshape(4, 2)
    c = p.mean(axis=0)
    p = p[np.argsort(np.arctan2(p[:, 1] - c[1], p[:, 0] - c[0]))]  # clockwise from ~-180°
    start = int(np.argmin(p.sum(axis=1)))  # top-left: smallest x + y
    return np.roll(p, -start, axis=0)


def _support(edges: npt.NDArray[np.uint8], quad: npt.NDArray[np.float64]) -> float:
    """Fraction of perimeter samples with an edge pixel within 2 px."""
    near = cv2.dilate(edges, np.ones((5, 5), np.uint8))
    hits, total = 0, 0
    for a, b in zip(quad, np.roll(quad, -1, axis=0)):
        n = max(int(np.linalg.norm(b - a) / 2), 2)
        t = np.linspace(0.05, 0.95, n)[:, None]
        pts = np.round(a + t * (b - a)).astype(int)
        ok = (pts[:, 0] >= 0) & (pts[:, 0] < edges.shape[1]) & (pts[:, 1] >= 0) & (pts[:, 1] < edges.shape[0])
        hits += int(near[pts[ok, 1], pts[ok, 0]].astype(bool).sum())
        total += n
    return hits / max(total, 1)


def _candidates(edges: npt.NDArray[np.uint8]) -> list[npt.NDArray[np.float64]]:
    """Convex quads from the closed contours of ``edges``.

    Each contour is simplified twice: its convex hull (robust to ragged edges), and the
    contour itself (a hand over a corner makes a notch that the hull would bridge,
    pulling a side out to the hand's edge; the contour's four longest sides skip it).
    """
    closed = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(closed, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    area_min = _MIN_AREA * edges.shape[0] * edges.shape[1]
    quads = []
    for c in contours:
        hull = cv2.convexHull(c)
        hull_area = cv2.contourArea(hull)
        if hull_area < area_min:
            continue
        for shape, loose in ((hull, False), (c, True)):
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
        mask = (blurred > level) if bright else (blurred < level)
        mask = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, kernel)
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


def _four_longest_sides(poly: npt.NDArray[np.float64]) -> npt.NDArray[np.float64] | None:
    """A quad from the four longest sides of a polygon, extended to meet.

    A corner cut off by the photo's border or a hand leaves a short extra side; the
    four long sides still define the screen.
    """
    sides = [(poly[i], poly[(i + 1) % len(poly)]) for i in range(len(poly))]
    keep = sorted(np.argsort([-np.linalg.norm(b - a) for a, b in sides])[:4])
    corners = []
    for i in range(4):
        (a1, b1), (a2, b2) = sides[keep[i - 1]], sides[keep[i]]
        d1, d2 = b1 - a1, b2 - a2
        mat = np.array([d1, -d2]).T
        if abs(np.linalg.det(mat)) < 1e-9:
            return None
        t, _ = np.linalg.solve(mat, a2 - a1)
        corners.append(a1 + t * d1)
    return np.array(corners)


def _refine(grey: npt.NDArray[np.uint8], quad: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Sub-pixel corners: a line fitted to strong gradients along each side, intersected."""
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    mag = cv2.magnitude(gx, gy)
    band = max(3.0, 0.006 * float(np.hypot(*grey.shape)))
    lines = []
    for a, b in zip(quad, np.roll(quad, -1, axis=0)):
        length = np.linalg.norm(b - a)
        d = (b - a) / length
        nrm = np.array([-d[1], d[0]])
        pts, weights = [], []
        for t in np.linspace(0.1, 0.9, max(int(length / 3), 8)):
            base = a + t * (b - a)
            offs = np.arange(-band, band + 0.5, 0.5)
            samples = base + offs[:, None] * nrm
            xi = np.clip(np.round(samples[:, 0]).astype(int), 0, grey.shape[1] - 1)
            yi = np.clip(np.round(samples[:, 1]).astype(int), 0, grey.shape[0] - 1)
            m = mag[yi, xi]
            k = int(np.argmax(m))
            if m[k] > 0:
                pts.append(samples[k])
                weights.append(m[k])
        if len(pts) < 4:
            return quad
        vx, vy, x0, y0 = cv2.fitLine(np.array(pts, np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0], np.float64), np.array([vx, vy], np.float64)))
    out = []
    for i in range(4):
        (p1, d1), (p2, d2) = lines[i - 1], lines[i]
        mat = np.array([d1, -d2]).T
        if abs(np.linalg.det(mat)) < 1e-6:
            return quad
        s, _ = np.linalg.solve(mat, p2 - p1)
        out.append(p1 + s * d1)
    refined = np.array(out)
    if np.max(np.linalg.norm(refined - quad, axis=1)) > 4 * band:
        return quad  # the fit ran away (occluded side): keep the coarse corner
    return refined


def _looks_like_a_screen(
    grey: npt.NDArray[np.uint8], colour: npt.NDArray[np.uint8] | None, quad: npt.NDArray[np.float64]
) -> bool:
    """An angiogram monitor: a grey-scale image area on the panel's black.

    Seen square-on at low resolution, the quad must hold an image area (``image_area``)
    that is not colourful. A window (bright all over), a haemodynamic monitor (thin
    coloured traces on black), a flat or a colourful panel fail.
    """
    dst = np.array([[0, 0], [_CHECK_WH[0], 0], [_CHECK_WH[0], _CHECK_WH[1]], [0, _CHECK_WH[1]]], np.float32) - 0.5
    hmat = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    src = colour if colour is not None else grey
    seen = cv2.warpPerspective(src, hmat, _CHECK_WH, flags=cv2.INTER_AREA)
    box = image_area(seen, snap=False)
    if box is None:
        return False
    x0, y0, x1, y1 = box
    inside = seen[y0:y1, x0:x1]
    if float(to_grey(inside).std()) < 12.0:
        return False
    if inside.ndim == 3 and inside.shape[2] >= 3:
        hsv = cv2.cvtColor(np.ascontiguousarray(inside[:, :, :3]), cv2.COLOR_BGR2HSV)
        if float(np.median(hsv[..., 1])) > 60.0:
            return False
    return True


def _inner_screen(
    blurred: npt.NDArray[np.uint8], colour: npt.NDArray[np.uint8] | None, outer: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], float] | None:
    """A lit area just inside ``outer`` whose edge was too faint for the first pass.

    A dark matte bezel around a panel's backlit black is a weak step: look again inside
    the outer quad with lower thresholds, for a quad in a thin band (area ratio 0.75-0.98).
    """
    mask = np.zeros(blurred.shape, np.uint8)
    cv2.fillConvexPoly(mask, np.round(outer).astype(np.int32), 255)
    mask = cv2.erode(mask, np.ones((5, 5), np.uint8))
    edges = cv2.Canny(blurred, 8, 20) & mask
    outer_area = cv2.contourArea(outer.astype(np.float32))
    best: tuple[npt.NDArray[np.float64], float] | None = None
    for q in _candidates(edges):
        ratio = cv2.contourArea(q.astype(np.float32)) / outer_area
        if not 0.75 < ratio < 0.98:
            continue
        support = _support(edges, q)
        if support >= _MIN_SUPPORT and _looks_like_a_screen(blurred, colour, q):
            if best is None or cv2.contourArea(q.astype(np.float32)) > cv2.contourArea(best[0].astype(np.float32)):
                best = (q, support)
    return best


def find_screen(photo: npt.NDArray[np.uint8]) -> ScreenQuad | NoScreen:
    """Finds the lit screen area of a monitor in a photo.

    Args:
        photo: (H, W) or (H, W, 3|4) uint8 photo, BGR(A).

    Returns:
        ``ScreenQuad`` (truthy) or ``NoScreen`` with the reason (falsy).
    """
    grey_full = to_grey(photo)
    h, w = grey_full.shape
    scale = min(1.0, _WORK_SIDE / max(h, w))
    grey = cv2.resize(grey_full, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    blurred = cv2.GaussianBlur(grey, (5, 5), 0)
    hi = float(np.percentile(cv2.magnitude(cv2.Sobel(blurred, cv2.CV_32F, 1, 0), cv2.Sobel(blurred, cv2.CV_32F, 0, 1)), 90))
    edges = cv2.Canny(blurred, max(hi * 0.25, 10), max(hi * 0.6, 25))
    small = cv2.resize(photo, grey.shape[::-1], interpolation=cv2.INTER_AREA) if photo.ndim == 3 else None
    scored = [(q, _support(edges, q)) for q in _candidates(edges) + _mask_candidates(blurred)]
    good = [(q, s) for q, s in scored if s >= _MIN_SUPPORT and _looks_like_a_screen(grey, small, q)]
    if not good:
        return NoScreen("no monitor found: fit the whole screen in the frame, with its four corners visible")
    areas = [cv2.contourArea(q.astype(np.float32)) for q, _ in good]
    order = [int(k) for k in np.argsort(areas)[::-1]]
    best = order[0]
    # Nested quads: bezel outline ⊃ lit area ⊃ angiogram viewport. A bezel is a thin
    # band (inner/outer area > 0.75); the UI band around a viewport is wide (a square
    # image in a 4:3 panel leaves < 0.65). So a thin-band inner quad is the lit area,
    # and the outermost quad is kept when the only inner one is the viewport.
    for k in order[1:]:
        outer = good[order[0]][0].astype(np.float32)
        inside = all(cv2.pointPolygonTest(outer, (float(x), float(y)), False) >= 0 for x, y in good[k][0])
        if inside and areas[k] > 0.75 * areas[order[0]]:
            best = k
            break
    quad, support = good[best]
    if best == order[0]:
        inner = _inner_screen(blurred, small, quad)
        if inner is not None:
            quad, support = inner
    corners = _refine(grey_full, quad / scale)
    return ScreenQuad(order_corners(corners), support, areas[best] / (grey.shape[0] * grey.shape[1]))
