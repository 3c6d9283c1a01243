"""Synthetic coronary angiograms with controlled stenoses and exact ground truth.

A frame is an X-ray transmission image: a smooth anatomical background attenuated
by contrast-filled vessels (Beer-Lambert over the chord length through each vessel),
plus a catheter, blur and quantum noise. Vessels are random smooth centrelines with
tapering radii and side branches; a stenosis narrows one vessel's radius over a
short length by a chosen percentage of its reference diameter.

Every random choice comes from one ``numpy.random.Generator`` seeded by the caller,
so a seed fully determines a frame.

Two looks (``Look``): ``LOOK_V1``, the one the shipped model 0.3.0 was trained on
(a smooth background, strong contrast), and ``LOOK_REAL``, calibrated on the real
frames in ../shared (``cathnet_train.realism`` measures the match): chest anatomy
(heart shadow, diaphragm, spine, ribs) or a real frame with its vessels removed as the
background, collimator edges, fainter contrast with washout, finer noise, and total
occlusions with faint distal filling.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import cv2
import numpy as np
import numpy.typing as npt

# Geometry is defined for a 256 px frame and scaled to the requested size.
_BASE = 256.0
# Rendering at twice the output resolution, then area-downsampling, anti-aliases edges.
_SUPERSAMPLE = 2
# Stenoses are only placed where the reference diameter is at least this (px at 256).
MIN_GRADABLE_DIAMETER_PX = 4.0
SIGNIFICANT_DS = 50.0
_DISTAL_FILLING = 0.3  # contrast past a total occlusion, relative to a patent lumen


@dataclass(frozen=True)
class Look:
    """How a frame is rendered (the tree and its lesions do not depend on it).

    Attributes:
        name: ``"v1"`` or ``"real"``.
        contrast: range of the contrast's attenuation per output pixel of chord.
        washout: chance that the contrast is washed out (attenuation times 0.5-0.75).
        noise: range of the quantum noise sigma (relative, at full brightness).
        anatomy: heart shadow, diaphragm, spine and ribs in the synthetic background.
        collimator: chance of collimator edges (dark straight borders).
        occlusion: chance that a significant lesion is a total occlusion (100 % DS).
        backgrounds: real frames with their vessels removed, drawn from instead of a
            synthetic background with chance ``real_background``.
    """

    name: str
    contrast: tuple[float, float]
    washout: float
    noise: tuple[float, float]
    anatomy: bool
    collimator: float
    occlusion: float
    backgrounds: Sequence[npt.NDArray[np.float32]] = ()
    real_background: float = 0.0


LOOK_V1 = Look(
    "v1", contrast=(0.07, 0.13), washout=0.0, noise=(0.008, 0.03), anatomy=False, collimator=0.0, occlusion=0.0
)
LOOK_REAL = Look(
    "real", contrast=(0.04, 0.09), washout=0.15, noise=(0.005, 0.016), anatomy=True, collimator=0.4, occlusion=0.1
)


def with_backgrounds(look: Look, backgrounds: Sequence[npt.NDArray[np.float32]], chance: float = 0.5) -> Look:
    """``look`` drawing its background from ``backgrounds`` (``realism.real_backgrounds``) with ``chance``."""
    return replace(look, backgrounds=tuple(backgrounds), real_background=chance if backgrounds else 0.0)


@dataclass(frozen=True)
class LesionTruth:
    """Ground truth of one narrowing, in output-image pixels (x right, y down)."""

    x: float
    y: float
    box: tuple[float, float, float, float]
    diameter_stenosis_percent: float
    reference_diameter_px: float


@dataclass(frozen=True)
class Angiogram:
    """One generated frame and its truth.

    Attributes:
        image: (H, W) uint8, dark vessels on a lighter background.
        lesions: every narrowing drawn, mild ones included.
        stenosis: True when any lesion reaches ``SIGNIFICANT_DS``.
        vessel_mask: (H, W) uint8, 255 on vessels (catheter excluded).
    """

    image: npt.NDArray[np.uint8]
    lesions: tuple[LesionTruth, ...]
    stenosis: bool
    vessel_mask: npt.NDArray[np.uint8] = field(repr=False)
    seed: int = 0


@dataclass
class _Vessel:
    points: npt.NDArray[np.float64]  # (N, 2) centreline, base-256 px, 1 px steps
    radius: npt.NDArray[np.float64]  # (N,) lumen radius
    depth: int
    mu_scale: float = 1.0
    branch_at: list[int] = field(default_factory=list)


def _random_centreline(
    rng: np.random.Generator, start: npt.NDArray[np.float64], heading: float, length: int
) -> npt.NDArray[np.float64]:
    """A smooth random walk of heading (curvature drifts slowly), 1 px per step."""
    curvature = np.cumsum(rng.normal(0.0, 0.0012, length))
    curvature = np.clip(curvature + rng.normal(0.0, 0.006), -0.025, 0.025)
    headings = heading + np.cumsum(curvature)
    steps = np.stack([np.cos(headings), np.sin(headings)], axis=1)
    return start + np.concatenate([[[0.0, 0.0]], np.cumsum(steps, axis=0)[:-1]])


def _inside(points: npt.NDArray[np.float64], margin: float = -20.0) -> int:
    """Number of leading points that stay within the frame (plus a margin)."""
    ok = np.all((points >= margin) & (points <= _BASE - margin), axis=1)
    bad = np.flatnonzero(~ok)
    return int(bad[0]) if bad.size else len(points)


def _grow_tree(rng: np.random.Generator) -> list[_Vessel]:
    """A trunk entering from the upper part of the frame, with one level of branches."""
    start = np.array([rng.uniform(40, 216), rng.uniform(10, 70)])
    heading = rng.uniform(0.25 * np.pi, 0.75 * np.pi) + rng.normal(0, 0.3)
    trunk_pts = _random_centreline(rng, start, heading, int(rng.uniform(180, 320)))
    trunk_pts = trunk_pts[: _inside(trunk_pts)]
    r0 = rng.uniform(3.0, 4.6)
    trunk_r = np.linspace(r0, r0 * rng.uniform(0.45, 0.65), len(trunk_pts))
    trunk = _Vessel(trunk_pts, trunk_r, depth=0)
    vessels = [trunk]
    n_branches = int(rng.integers(2, 6))
    for _ in range(n_branches):
        if len(trunk_pts) < 60:
            break
        branch = _sprout(rng, trunk, int(rng.integers(25, len(trunk_pts) - 20)), (60, 180), 30, (0.5, 0.8), clip=True)
        if branch is not None:
            vessels.append(branch)
    return vessels


def _sprout(
    rng: np.random.Generator,
    trunk: _Vessel,
    i: int,
    length: tuple[float, float],
    shortest: int,
    taper: tuple[float, float],
    clip: bool = False,
) -> _Vessel | None:
    """A side branch leaving ``trunk`` at point ``i`` (recorded in ``trunk.branch_at``), or
    None when it is shorter than ``shortest`` points (after ``clip``ping it to the frame)."""
    tangent = trunk.points[min(i + 1, len(trunk.points) - 1)] - trunk.points[i - 1]
    side = rng.choice([-1.0, 1.0])
    angle = np.arctan2(tangent[1], tangent[0]) + side * rng.uniform(0.5, 1.2)
    origin = trunk.points[i] + np.array([np.cos(angle), np.sin(angle)]) * trunk.radius[i] * 0.6
    pts = _random_centreline(rng, origin, angle, int(rng.uniform(*length)))
    if clip:
        pts = pts[: _inside(pts)]
    if len(pts) < shortest:
        return None
    rb = trunk.radius[i] * rng.uniform(0.5, 0.85)
    trunk.branch_at.append(i)
    return _Vessel(pts, np.linspace(rb, rb * rng.uniform(*taper), len(pts)), 1)


def _catheter(rng: np.random.Generator, tip: npt.NDArray[np.float64]) -> _Vessel:
    """A uniform, dense tube from the top edge to the ostium of the first tree."""
    entry = np.array([tip[0] + rng.uniform(-60, 60), -15.0])
    n = int(np.linalg.norm(tip - entry)) + 1
    t = np.linspace(0.0, 1.0, n)[:, None]
    bow = np.sin(np.pi * t) * rng.uniform(-25, 25)
    d = (tip - entry) / max(np.linalg.norm(tip - entry), 1e-6)
    pts = entry + t * (tip - entry) + bow * np.array([-d[1], d[0]])
    return _Vessel(pts, np.full(n, rng.uniform(1.8, 2.4)), depth=-1, mu_scale=1.6)


def _add_stenosis(
    rng: np.random.Generator, vessel: _Vessel, percent: float, extent: float = _BASE
) -> tuple[int, int, int, float] | None:
    """Narrow ``vessel`` in place; returns (centre index, first, last, reference radius)."""
    n = len(vessel.points)
    ok = np.flatnonzero(2.0 * vessel.radius >= MIN_GRADABLE_DIAMETER_PX)
    ok = ok[(ok > 20) & (ok < n - 20)]
    # Only inside the frame, clear of its border: a lesion off-screen cannot be labelled.
    margin = 12.0
    pts = vessel.points[ok]
    ok = ok[np.all((pts >= margin) & (pts <= extent - margin), axis=1)]
    for b in vessel.branch_at:  # keep clear of branch origins: they mimic narrowings
        ok = ok[np.abs(ok - b) > 12]
    if ok.size == 0:
        return None
    c = int(rng.choice(ok))
    r_ref = float(vessel.radius[c])
    half = int(max(3.0, r_ref * rng.uniform(1.5, 3.5)))
    idx = np.arange(max(0, c - half), min(n, c + half + 1))
    u = (idx - c) / half
    bump = 0.5 * (1.0 + np.cos(np.pi * u))
    vessel.radius[idx] *= 1.0 - (percent / 100.0) * bump
    # Eccentric plaque: the lumen centre moves toward the free wall.
    ecc = rng.uniform(-0.8, 0.8) * (percent / 100.0) * r_ref
    tangent = np.gradient(vessel.points, axis=0)[idx]
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
    normal /= np.linalg.norm(normal, axis=1, keepdims=True) + 1e-9
    vessel.points[idx] += normal * (ecc * bump)[:, None]
    return c, int(idx[0]), int(idx[-1]), r_ref


def _occlude(trees: list[list[_Vessel]], vessel: _Vessel, c: int) -> None:
    """A total occlusion at ``vessel``'s point ``c``: past it the lumen fills only faintly
    (collaterals), and so do the branches that leave the vessel downstream."""
    for tree in trees:
        if not any(v is vessel for v in tree):
            continue
        distal = _Vessel(vessel.points[c:].copy(), vessel.radius[c:].copy(), vessel.depth, mu_scale=_DISTAL_FILLING)
        vessel.points, vessel.radius = vessel.points[: c + 1], vessel.radius[: c + 1]
        if vessel.depth == 0:  # the trunk: tree[k + 1] left it at branch_at[k]
            for k, at in enumerate(vessel.branch_at):
                if at > c and k + 1 < len(tree):
                    tree[k + 1].mu_scale = _DISTAL_FILLING
        tree.append(distal)
        return


def _chord_map(vessels: list[_Vessel], scale: float, shape: tuple[int, int]) -> npt.NDArray[np.float32]:
    """Path length (output px) through the lumens at each supersampled pixel.

    The vessels of one tree share a map (one distance transform per tree keeps
    generation fast); separate trees are summed, so their crossings look denser.
    """
    radius_img = np.zeros(shape, np.float32)
    shift = 4
    f = float(1 << shift)
    for vessel in vessels:
        for (x, y), r in zip(vessel.points * scale, vessel.radius * scale):
            rr = max(r, 0.15 * scale)
            cv2.circle(radius_img, (int(x * f), int(y * f)), int(rr * f), float(rr), -1, cv2.LINE_8, shift)
    mask = (radius_img > 0).astype(np.uint8)
    edge = cv2.distanceTransform(mask, cv2.DIST_L2, 3) - 0.5
    edge = np.clip(edge, 0.0, None)
    # Where a thinner vessel (a branch, or the narrowed lumen) was drawn over a wider one,
    # the stored radius is the thinner one; the distance to the edge is the better
    # bound there, and without it crossings would render as false gaps.
    radius = np.maximum(radius_img, edge)
    chord = 2.0 * np.sqrt(np.clip(edge * (2.0 * radius - edge), 0.0, None))
    return chord / _SUPERSAMPLE


def _background(rng: np.random.Generator, size: int) -> npt.NDArray[np.float32]:
    """Smooth anatomy-like intensity field in [0.35, 0.95]."""
    coarse = rng.normal(0.0, 1.0, (6, 6)).astype(np.float32)
    field_ = cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC)
    field_ = (field_ - field_.min()) / (np.ptp(field_) + 1e-6)
    lo = rng.uniform(0.35, 0.6)
    hi = rng.uniform(max(lo + 0.2, 0.7), 0.95)
    bg = lo + (hi - lo) * field_
    # A broad oblique band stands in for the spine or a rib shadow.
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    theta = rng.uniform(0, np.pi)
    d = (xx - 0.5) * np.cos(theta) + (yy - 0.5) * np.sin(theta) - rng.uniform(-0.4, 0.4)
    bg *= 1.0 - rng.uniform(0.0, 0.2) * np.exp(-((d / rng.uniform(0.05, 0.15)) ** 2))
    return bg.astype(np.float32)


def _soft(d: npt.NDArray[np.float32], width: float) -> npt.NDArray[np.float32]:
    """0 -> 1 across ``d = 0`` over about ``width`` (a logistic edge)."""
    return (1.0 / (1.0 + np.exp(-np.clip(d / width, -30.0, 30.0)))).astype(np.float32)


def _anatomy(rng: np.random.Generator, size: int) -> npt.NDArray[np.float32]:
    """Chest anatomy as transmission in [0, 1]: lung field, heart shadow, diaphragm, spine, ribs."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    coarse = cv2.resize(rng.normal(0.0, 1.0, (5, 5)).astype(np.float32), (size, size), interpolation=cv2.INTER_CUBIC)
    bg = rng.uniform(0.5, 0.78) * (1.0 + rng.uniform(0.05, 0.15) * coarse)
    # Heart shadow: a large soft ellipse, denser than the lung around it.
    cx, cy, a, b = rng.uniform(0.3, 0.7), rng.uniform(0.45, 0.8), rng.uniform(0.25, 0.45), rng.uniform(0.2, 0.4)
    t = rng.uniform(0, np.pi)
    u = ((xx - cx) * np.cos(t) + (yy - cy) * np.sin(t)) / a
    v = (-(xx - cx) * np.sin(t) + (yy - cy) * np.cos(t)) / b
    bg *= 1.0 - rng.uniform(0.1, 0.35) * _soft(1.0 - np.sqrt(u * u + v * v), rng.uniform(0.05, 0.15))
    if rng.random() < 0.7:  # diaphragm: a dome, dense below
        dome = rng.uniform(0.65, 1.0) + rng.uniform(0.05, 0.25) * ((xx - rng.uniform(0.2, 0.8)) / 0.5) ** 2
        bg *= 1.0 - rng.uniform(0.1, 0.35) * _soft(yy - dome, rng.uniform(0.01, 0.04))
    if rng.random() < 0.6:  # spine: a vertical band with vertebrae
        sx, sw = rng.uniform(0.25, 0.75), rng.uniform(0.06, 0.1)
        band = np.exp(-(((xx - sx) / sw) ** 4))
        vertebrae = 0.5 * (1.0 + np.cos(2 * np.pi * (yy - rng.uniform(0, 1)) / rng.uniform(0.08, 0.13)))
        bg *= 1.0 - band * (rng.uniform(0.05, 0.15) + rng.uniform(0.0, 0.05) * vertebrae)
    for _ in range(int(rng.integers(2, 7))):  # ribs: thin arcs with dense edges
        y0, bend, tilt = rng.uniform(-0.1, 1.0), rng.uniform(0.2, 0.8), rng.uniform(-0.4, 0.4)
        d = yy - (y0 + tilt * (xx - 0.5) - bend * (xx - rng.uniform(0.3, 0.7)) ** 2)
        half = rng.uniform(0.015, 0.03)
        rib = np.exp(-(((np.abs(d) - half) / (0.35 * half)) ** 2)) + 0.5 * np.exp(-((d / half) ** 2))
        bg *= 1.0 - rng.uniform(0.02, 0.07) * rib
    return np.clip(bg, 0.05, 1.0).astype(np.float32)


def _real_background(
    rng: np.random.Generator, size: int, bank: Sequence[npt.NDArray[np.float32]]
) -> npt.NDArray[np.float32]:
    """A random crop (70-100 % of the side, maybe mirrored) of a real frame without its vessels."""
    bg = bank[int(rng.integers(len(bank)))]
    side = int(min(bg.shape[:2]) * rng.uniform(0.7, 1.0))
    y0 = int(rng.integers(0, bg.shape[0] - side + 1))
    x0 = int(rng.integers(0, bg.shape[1] - side + 1))
    crop = bg[y0 : y0 + side, x0 : x0 + side]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    interpolation = cv2.INTER_AREA if side > size else cv2.INTER_CUBIC
    out = cv2.resize(np.ascontiguousarray(crop), (size, size), interpolation=interpolation)
    return np.clip(out * rng.uniform(0.9, 1.1), 0.02, 1.0).astype(np.float32)


def _collimate(rng: np.random.Generator, transmitted: npt.NDArray[np.float32]) -> None:
    """Collimator shutters: one or two straight, slightly tilted dark borders (in place)."""
    size = transmitted.shape[0]
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    for side in rng.choice(4, size=int(rng.integers(1, 3)), replace=False):
        depth, tilt = rng.uniform(0.03, 0.12), rng.uniform(-0.05, 0.05)
        along, across = (xx, yy) if side in (0, 2) else (yy, xx)
        edge = depth + tilt * (along - 0.5)
        d = edge - across if side in (0, 1) else across - (1.0 - edge)
        transmitted *= 1.0 - rng.uniform(0.6, 0.9) * _soft(d, 0.004)


def _plan(rng: np.random.Generator, positive: bool, look: Look) -> list[float]:
    """The %DS of the lesions to draw: a significant one (maybe an occlusion) and maybe a
    second of any grade for a positive frame; none or one or two mild ones otherwise."""
    planned: list[float] = []
    if positive:
        planned.append(float(rng.uniform(50.0, 95.0)))
        if look.occlusion and rng.random() < look.occlusion:
            planned[0] = 100.0  # total occlusion
        if rng.random() < 0.25:
            planned.append(float(rng.uniform(20.0, 90.0)))
    elif rng.random() < 0.6:
        planned.extend(float(rng.uniform(10.0, 40.0)) for _ in range(int(rng.integers(1, 3))))
    return planned


def _place(
    rng: np.random.Generator, trees: list[list[_Vessel]], planned: list[float], scale: float, extent: float = _BASE
) -> list[LesionTruth]:
    """Narrows random gradable vessels by ``planned``; the truth in output pixels."""
    candidates = [v for tree in trees for v in tree if np.any(2 * v.radius >= MIN_GRADABLE_DIAMETER_PX)]
    lesions: list[LesionTruth] = []
    for percent in planned:
        rng.shuffle(candidates)
        for v in candidates:
            placed = _add_stenosis(rng, v, percent, extent)
            if placed is None:
                continue
            c, i0, i1, r_ref = placed
            seg = v.points[i0 : i1 + 1] * scale
            pad = r_ref * scale
            box = (
                float(seg[:, 0].min() - pad),
                float(seg[:, 1].min() - pad),
                float(seg[:, 0].max() + pad),
                float(seg[:, 1].max() + pad),
            )
            x, y = v.points[c] * scale
            lesions.append(LesionTruth(float(x), float(y), box, percent, 2.0 * r_ref * scale))
            if percent >= 100.0:
                _occlude(trees, v, c)
            break
    return lesions


def _draw_background(rng: np.random.Generator, size: int, look: Look) -> tuple[npt.NDArray[np.float32], bool]:
    """The look's background at ``size`` and whether it is a real frame's."""
    if look.name == "v1":
        return _background(rng, size), False
    if look.backgrounds and rng.random() < look.real_background:
        return _real_background(rng, size, look.backgrounds), True
    return _anatomy(rng, size), False


def _render(
    rng: np.random.Generator,
    trees: list[list[_Vessel]],
    others: list[_Vessel],
    size: int,
    scale: float,
    look: Look,
    background: npt.NDArray[np.float32] | None = None,
    real: bool = False,
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """X-ray transmission through ``trees`` and ``others`` (the catheter: dense, not in
    the mask) over the look's background (or ``background``, ``real`` when it is a real
    frame's); the image and vessel mask."""
    hi = size * _SUPERSAMPLE
    chord = np.zeros((hi, hi), np.float32)
    mu = rng.uniform(*look.contrast)
    if look.washout and rng.random() < look.washout:
        mu *= rng.uniform(0.5, 0.75)
    vessel_chord = np.zeros((hi, hi), np.float32)  # what the mask is drawn from
    for tree in trees:
        filled = [v for v in tree if v.mu_scale == 1.0]
        vessel_chord += _chord_map(filled, scale * _SUPERSAMPLE, (hi, hi))
        for v in tree:  # faint filling past an occlusion
            if v.mu_scale != 1.0:
                faint = _chord_map([v], scale * _SUPERSAMPLE, (hi, hi))
                vessel_chord += faint
                chord += (v.mu_scale - 1.0) * faint
    chord += vessel_chord
    for other in others:
        chord += other.mu_scale * _chord_map([other], scale * _SUPERSAMPLE, (hi, hi))
    chord = cv2.resize(chord, (size, size), interpolation=cv2.INTER_AREA)

    if background is None:
        background, real = _draw_background(rng, size, look)
    transmitted = background * np.exp(-mu * chord / scale)
    if look.collimator and rng.random() < look.collimator:
        _collimate(rng, transmitted)
    transmitted = cv2.GaussianBlur(transmitted, (0, 0), rng.uniform(0.4, 1.0) * scale)
    noise_sigma = rng.uniform(*look.noise) * (0.5 if real else 1.0)  # a real background has its own noise
    transmitted += rng.normal(0.0, noise_sigma, transmitted.shape).astype(np.float32) * np.sqrt(
        np.clip(transmitted, 0.05, 1.0)
    )
    image = np.clip(transmitted * 255.0 + 0.5, 0, 255).astype(np.uint8)
    small_chord = cv2.resize(vessel_chord, (size, size), interpolation=cv2.INTER_AREA)
    mask = np.where(small_chord > 0.5, 255, 0).astype(np.uint8)
    return image, mask


def generate(
    seed: int,
    size: int = 256,
    positive: bool | None = None,
    look: Look = LOOK_V1,
) -> Angiogram:
    """Generate one synthetic angiogram.

    Args:
        seed: fully determines the frame (with ``look``).
        size: output side in pixels (square); geometry scales with it.
        positive: force a significant stenosis (True), force none (False: only mild
            narrowings or a clean tree), or draw it at random (None, p = 0.5).
        look: how it is rendered (``LOOK_V1`` draws exactly the frames it always drew).

    Returns:
        The frame with its lesions and label.
    """
    rng = np.random.default_rng(seed)
    if positive is None:
        positive = bool(rng.random() < 0.5)
    trees = [_grow_tree(rng) for _ in range(int(rng.integers(1, 3)))]
    vessels = [v for tree in trees for v in tree]

    planned = _plan(rng, positive, look)
    lesions = _place(rng, trees, planned, size / _BASE)
    if positive and not any(lesion.diameter_stenosis_percent >= SIGNIFICANT_DS for lesion in lesions):
        # Rare: no vessel was wide enough. Draw again with a derived seed.
        return generate(seed + 7_919_000_003, size, positive, look)

    catheter = _catheter(rng, vessels[0].points[0])
    image, mask = _render(rng, trees, [catheter], size, size / _BASE, look)
    stenosis = any(lesion.diameter_stenosis_percent >= SIGNIFICANT_DS for lesion in lesions)
    return Angiogram(image, tuple(lesions), stenosis, mask, seed)


# Curriculum levels 1 and 2 are patches at the model's scale (1 output px = 1 px of a
# 256 px frame), rendered like whole frames (level 3) over a crop of a whole background.
SEGMENT_SIDES = {1: 64, 2: 128}


def _straight_segment(rng: np.random.Generator, side: int) -> list[_Vessel]:
    """Level 1: one short, straight, gently tapering vessel across the patch."""
    heading = rng.uniform(0.0, 2.0 * np.pi)
    centre = side / 2.0 + rng.uniform(-0.1, 0.1, 2) * side
    d = np.array([np.cos(heading), np.sin(heading)])
    t = np.arange(-0.9 * side, 0.9 * side + 1.0)
    points = centre + t[:, None] * d
    keep = np.all((points >= -6.0) & (points <= side + 6.0), axis=1)
    r0 = rng.uniform(2.0, 4.6)
    return [_Vessel(points[keep], np.linspace(r0, r0 * rng.uniform(0.85, 1.0), int(keep.sum())), depth=0)]


def _curved_segment(rng: np.random.Generator, side: int) -> list[_Vessel]:
    """Level 2: a longer curved vessel entering from one edge, with one or two branches."""
    edge = int(rng.integers(4))
    u = rng.uniform(0.2, 0.8) * side
    start, heading = {0: ((u, 0.0), np.pi / 2), 1: ((side, u), np.pi), 2: ((u, side), -np.pi / 2), 3: ((0.0, u), 0.0)}[
        edge
    ]
    for _ in range(8):  # a trunk that curls straight out again is drawn anew
        trunk_pts = _random_centreline(rng, np.array(start, float), heading + rng.normal(0.0, 0.3), int(2.2 * side))
        inside = np.all((trunk_pts >= -10.0) & (trunk_pts <= side + 10.0), axis=1)
        bad = np.flatnonzero(~inside[5:])
        trunk_pts = trunk_pts[: 5 + int(bad[0])] if bad.size else trunk_pts
        if len(trunk_pts) >= 0.8 * side:
            break
    r0 = rng.uniform(2.5, 4.6)
    trunk_r = np.linspace(r0, r0 * rng.uniform(0.6, 0.85), len(trunk_pts))
    trunk = _Vessel(trunk_pts, trunk_r, depth=0)
    vessels = [trunk]
    for _ in range(int(rng.integers(1, 3))):
        if len(trunk_pts) < 50:
            break
        branch = _sprout(
            rng, trunk, int(rng.integers(20, len(trunk_pts) - 15)), (0.4 * side, 0.9 * side), 25, (0.6, 0.9)
        )
        if branch is not None:
            vessels.append(branch)
    return vessels


def generate_level(seed: int, level: int, positive: bool | None = None, look: Look = LOOK_V1) -> Angiogram:
    """A curriculum patch: level 1, a short straight segment (64 px), narrowed or not;
    level 2, a longer curved segment with branches (128 px). Whole trees are level 3
    (``generate``); level 4 is level 3 through a photographed monitor (``photos``).

    Lesions are planned as for whole frames (one significant lesion, maybe an occlusion,
    for a positive patch; level 1 draws only the first), with the same truth.
    """
    if level not in SEGMENT_SIDES:
        raise ValueError(f"expected curriculum level 1 or 2 for a patch, got {level}")
    side = SEGMENT_SIDES[level]
    rng = np.random.default_rng(seed)
    if positive is None:
        positive = bool(rng.random() < 0.5)
    trees = [_straight_segment(rng, side) if level == 1 else _curved_segment(rng, side)]
    planned = _plan(rng, positive, look)
    lesions = _place(rng, trees, planned[:1] if level == 1 else planned, 1.0, extent=side)
    if positive and not any(lesion.diameter_stenosis_percent >= SIGNIFICANT_DS for lesion in lesions):
        return generate_level(seed + 7_919_000_003, level, positive, look)
    whole, real = _draw_background(rng, int(_BASE), look)
    y0, x0 = (int(v) for v in rng.integers(0, int(_BASE) - side + 1, 2))
    background = np.ascontiguousarray(whole[y0 : y0 + side, x0 : x0 + side])
    image, mask = _render(rng, trees, [], side, 1.0, look, background, real)
    stenosis = any(lesion.diameter_stenosis_percent >= SIGNIFICANT_DS for lesion in lesions)
    return Angiogram(image, tuple(lesions), stenosis, mask, seed)
