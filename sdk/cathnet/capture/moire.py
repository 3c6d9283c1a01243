"""Moiré: measure the screen's pixel grid beating against the camera's, and notch it out.

A beat pattern is a pair of sharp peaks in the spectrum, where an angiogram's spectrum
is smooth around each ring of frequencies; lens and perspective make it drift a little
in frequency across the image, so it is notched out tile by tile. Both functions look at the viewport as the
model sees it (area-averaged to the model's side): a grid finer than that is averaged
away and does not count. Frequencies are counted in cycles per image, so a peak found
at the model's scale is notched at the same place in the full-resolution spectrum.
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from cathnet.preprocess import to_grey

MOIRE_WARN, MOIRE_BLOCK = 500.0, 50_000.0  # strongest peak over its ring's median (the quality gate)
NOTCH_RATIO = 100.0  # a bin this far above its ring's median (model scale) is a beat pattern's
_RAY_STEP = 6  # bins along the ray, beyond a pattern's own spread (its chirp)
_ISOLATION = 4.0  # a periodic peak is this far above its ray on both sides
_NOTCH_SPREAD = 1.5  # bins (of a tile's spectrum): the notch's Gaussian width
_TILES = 3  # notch tiles across the view (half-overlapping, so 2 * side / (_TILES + 1) wide)
_TILE_SEARCH = 2  # bins: how far a tile's own peak may lie from the carrier (the chirp)


@functools.lru_cache(maxsize=4)
def _spectrum_geometry(side: int) -> tuple[Any, ...]:
    """What ``_peak_ratios`` needs that depends only on ``side`` (computed once per side):
    the window, the searched rings' flat bin indices ring after ring and where each
    ring's run starts, the searched bins and the bins ``_RAY_STEP`` further in and out
    along their rays."""
    window = np.outer(np.hanning(side), np.hanning(side)).astype(np.float32)
    yy, xx = np.mgrid[0:side, 0:side] - side // 2
    ring = np.round(np.hypot(xx, yy)).astype(int)
    lo, hi = side // 25, side // 3
    searched = (ring >= lo) & (ring <= hi)
    rings = [np.flatnonzero(ring == r) for r in range(lo, hi + 1)]
    by_ring = np.concatenate(rings)
    counts = np.array([len(r) for r in rings])
    ring_of = np.repeat(np.arange(len(rings)), counts).astype(np.float64)
    starts = np.cumsum(counts) - counts
    middle = (starts + (counts - 1) // 2, starts + counts // 2)  # the two middle ranks of each run
    ys, xs = np.nonzero(searched)
    dy, dx = (ys - side // 2).astype(np.float64), (xs - side // 2).astype(np.float64)
    radius = np.hypot(dy, dx)
    along = []
    for step in (-_RAY_STEP, _RAY_STEP):
        scale = (radius + step) / radius
        py = np.clip(np.round(side // 2 + dy * scale).astype(int), 0, side - 1)
        px = np.clip(np.round(side // 2 + dx * scale).astype(int), 0, side - 1)
        along.append((py, px))
    return window, ring, lo, searched, (by_ring, ring_of, middle), ys, xs, along


def _ring_medians(power: npt.NDArray[np.float64], side: int) -> npt.NDArray[np.float64]:
    """The median of ``power`` (side, side, centred, non-negative) over each searched
    ring, indexed by ring radius (0 below the rings searched).

    All rings in one sort: the key orders by ring, then by power within the ring (power
    over twice the maximum stays under 1), so each ring's run is sorted and its middle
    ranks are known. The same values as ``np.median`` ring by ring, several times faster.
    """
    _, _, lo, _, (by_ring, ring_of, middle), _, _, _ = _spectrum_geometry(side)
    values = power.ravel()[by_ring]
    ordered = values[np.argsort(ring_of + values / (2.0 * max(float(values.max()), 1e-300)))]
    medians = np.zeros(lo + len(middle[0]))
    medians[lo:] = 0.5 * (ordered[middle[0]] + ordered[middle[1]])
    return medians


def _peak_ratios(view: npt.NDArray[np.uint8] | npt.NDArray[np.float32], side: int) -> npt.NDArray[np.float64]:
    """(side, side) centred map: each bin's detail power over its ring's median, 0 off
    the rings searched.

    Rings run from side/25 (slower is shading, not a grid) to side/3 cycles per image.
    Bins that do not stand out on their ray either (a straight edge) count as 0.
    """
    window, ring, _, searched, _, ys, xs, along = _spectrum_geometry(side)
    small = cv2.resize(to_grey(view).astype(np.float32), (side, side), interpolation=cv2.INTER_AREA)
    detail = small - cv2.GaussianBlur(small, (0, 0), 4)
    spectrum = cv2.dft(detail * window, flags=cv2.DFT_COMPLEX_OUTPUT)  # float32: several times numpy's
    power = np.fft.fftshift(spectrum[..., 0] ** 2 + spectrum[..., 1] ** 2).astype(np.float64)
    medians = _ring_medians(power, side)
    ratios = np.zeros_like(power, dtype=np.float64)
    ratios[searched] = power[searched] / np.maximum(medians[ring[searched]], 1e-9)
    # A straight edge (the catheter, a long vessel) puts its energy all along a ray
    # through the centre, so it stands out on every ring it crosses; a beat pattern is a
    # peak on its ray too. Bins not well above the same ray further in and further out
    # are not periodic.
    inward, outward = (power[py, px] for py, px in along)
    isolated = power[ys, xs] >= _ISOLATION * np.maximum(inward, outward)
    ratios[ys[~isolated], xs[~isolated]] = 0.0
    return ratios


def moire_map(view: npt.NDArray[np.uint8] | npt.NDArray[np.float32], side: int) -> npt.NDArray[np.float64]:
    """(side, side) centred map of ``view``'s periodic components seen at ``side`` pixels:
    each spectral bin over its ring's median (0 where not searched or not periodic)."""
    return _peak_ratios(view, side)


def moire_score(view: npt.NDArray[np.uint8], side: int) -> float:
    """Strongest periodic component of ``view`` seen at ``side`` pixels, over its ring's median."""
    return float(moire_map(view, side).max())


def _tiling(n: int) -> tuple[int, int, int, int]:
    """Tiles along a side of ``n`` pixels: (tile, count, pad before, pad after).

    Tiles are about half the side, overlap by half, and run from a reflected border
    of at least a quarter tile on each side, where a tile's Hann window is still about
    half (so every pixel is weighed, and no more tiles than that need).
    """
    tile = max(int(round(2 * n / (_TILES + 1))), 4)
    step = tile // 2
    steps = max(int(np.ceil((n + 2 * (tile // 4) - tile) / step)), 0)
    pad = tile + steps * step - n
    return tile, steps + 1, pad // 2, pad - pad // 2


def _notched_out(centred: npt.NDArray[np.float32], carriers: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    """What the notch takes out of each tile: the inverse DFT of the tile's spectrum times
    a Gaussian notch (peak 1) at the tile's own peak near each expected carrier.

    ``centred`` is (tiles, th, tw), each tile windowed with its mean removed;
    ``carriers`` are (row, column) positions in a tile's centred spectrum. The pattern's
    chirp moves its local peak a little, so the notch goes where the tile's peak is.
    Overlapping notches take their maximum, so a cluster of carriers is no wider a notch
    than its members.

    The notch is zero but for a few bins around the carriers, so only the rows and
    columns of the spectrum that hold those bins are computed, by matrix products with
    the DFT's cosines and sines (a partial DFT), and only the notched part is
    synthesised. The result equals notching each tile's full DFT (to float32 rounding),
    several times faster: a handful of bins out of ten thousand.
    """
    tiles, th, tw = centred.shape
    reach = int(np.ceil(3 * _NOTCH_SPREAD))
    size = 2 * _TILE_SEARCH + 1
    lo_y = np.maximum(carriers[:, 0] - _TILE_SEARCH, 0).astype(int)
    lo_x = np.maximum(carriers[:, 1] - _TILE_SEARCH, 0).astype(int)
    hi_y = np.minimum(carriers[:, 0] + _TILE_SEARCH, th - 1).astype(int)
    hi_x = np.minimum(carriers[:, 1] + _TILE_SEARCH, tw - 1).astype(int)
    valid = (lo_y <= hi_y) & (lo_x <= hi_x)
    if not valid.any():
        return np.zeros_like(centred)
    # Carriers a bin apart at the model's scale often share a search window in a tile's
    # coarser spectrum: the same peak, the same notch, searched once.
    lo_y, lo_x, hi_y, hi_x = np.unique(np.stack([lo_y, lo_x, hi_y, hi_x], 1)[valid], axis=0).T
    # Each carrier's search window (centred coordinates, clipped at its high edge) and
    # the rows and columns any notch around a peak in it can reach.
    ys, xs = lo_y[:, None] + np.arange(size), lo_x[:, None] + np.arange(size)
    inside = (ys[:, :, None] <= hi_y[:, None, None]) & (xs[:, None, :] <= hi_x[:, None, None])
    span = np.arange(-reach, size + reach)
    rows = np.unique(np.clip(lo_y[:, None] + span, 0, th - 1))
    cols = np.unique(np.clip(lo_x[:, None] + span, 0, tw - 1))
    cy, sy = _dft_basis(th, rows - th // 2)
    cx, sx = _dft_basis(tw, cols - tw // 2)
    # The partial spectrum S = Ey^T (tiles Ex), Ex = cos - i sin: (tiles, rows, cols).
    fr, fi = centred @ cx, -(centred @ sx)
    s_re, s_im = cy.T @ fr + sy.T @ fi, cy.T @ fi - sy.T @ fr
    power = s_re * s_re + s_im * s_im
    at_y = np.searchsorted(rows, np.minimum(ys, th - 1))
    at_x = np.searchsorted(cols, np.minimum(xs, tw - 1))
    near = np.where(inside, power[:, at_y[:, :, None], at_x[:, None, :]], -1.0)  # (tiles, carriers, size, size)
    best = near.reshape(tiles, len(lo_y), -1).argmax(axis=2)
    py = np.take_along_axis(ys[None].repeat(tiles, 0), (best // size)[..., None], 2)  # (tiles, carriers, 1)
    px = np.take_along_axis(xs[None].repeat(tiles, 0), (best % size)[..., None], 2)
    gy = _bump(rows[None, None, :] - py, reach)  # (tiles, carriers, rows)
    gx = _bump(cols[None, None, :] - px, reach)
    notch = (gy[..., :, None] * gx[..., None, :]).max(axis=1)  # (tiles, rows, cols)
    r_re, r_im = notch * s_re, notch * s_im
    # Its inverse DFT's real part: Re((cos + i sin)_y (R (cos + i sin)_x^T)) / (th tw).
    g_re, g_im = r_re @ cx.T - r_im @ sx.T, r_re @ sx.T + r_im @ cx.T
    return np.asarray((cy @ g_re - sy @ g_im) / np.float32(th * tw), np.float32)


def _dft_basis(n: int, frequencies: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """(n, k) cosines and sines of the DFT of length ``n`` at ``frequencies`` (cycles per ``n``)."""
    angle = 2.0 * np.pi * np.outer(np.arange(n), frequencies) / n
    return np.cos(angle).astype(np.float32), np.sin(angle).astype(np.float32)


def _bump(offsets: npt.NDArray[np.int64], reach: int) -> npt.NDArray[np.float32]:
    """The notch's Gaussian along one axis (peak 1), zero beyond ``reach`` bins."""
    return np.where(np.abs(offsets) <= reach, np.exp(-(offsets**2) / (2 * _NOTCH_SPREAD**2)), 0.0).astype(np.float32)


def suppress_moire(
    view: npt.NDArray[np.uint8], side: int, ratio: float = NOTCH_RATIO, ratios: npt.NDArray[np.float64] | None = None
) -> npt.NDArray[np.uint8]:
    """``view`` in grey with the beat pattern notched out (same size).

    The pattern multiplies the screen's brightness, so it is removed from the logarithm
    of the image, where it adds. Its carriers are the bins at least ``ratio`` times their
    ring's median at the model's scale (a real image's peaks come in mirror pairs, so both
    halves go). A real beat pattern is not one pure frequency: lens and perspective bend
    it, so its frequency drifts across the image. The notch is therefore applied tile by
    tile (half-overlapping Hann windows over the image with a reflected border, weighted
    overlap-add), each tile at its own peak near the carrier.

    ``ratios``: ``moire_map`` of this view, or of the same viewport at another
    resolution (carriers are in cycles per image), when already measured.
    """
    grey = to_grey(view)
    ratios = _peak_ratios(grey, side) if ratios is None else ratios
    found = np.argwhere(ratios >= ratio).astype(np.float64) - side // 2  # cycles per image (y, x)
    if not len(found):
        return grey
    (th, ny, top, bottom), (tw, nx, left, right) = _tiling(grey.shape[0]), _tiling(grey.shape[1])
    h, w = grey.shape
    log = cv2.copyMakeBorder(np.log1p(grey.astype(np.float32)), top, bottom, left, right, cv2.BORDER_REFLECT)
    hann_y, hann_x = np.hanning(th).astype(np.float32), np.hanning(tw).astype(np.float32)
    window = np.outer(hann_y, hann_x)
    carriers = np.array([th // 2, tw // 2]) + found * np.array([th / h, tw / w])
    ys0, xs0 = np.arange(ny) * (th // 2), np.arange(nx) * (tw // 2)
    tiles = np.lib.stride_tricks.sliding_window_view(log, (th, tw))[np.ix_(ys0, xs0)].reshape(-1, th, tw)
    means = (tiles.reshape(len(tiles), -1) @ window.ravel()) / np.float32(window.sum())
    centred = (tiles - means[:, None, None]) * window
    # Each tile is (cleaned + mean * window) * window, overlap-added and divided by the
    # summed window^2, with cleaned = centred - removed: that is the log image itself
    # minus the overlap-added removed * window over the same weight. The weight is the
    # outer product of the two sides' overlap-added Hann^2 (the tiles form a grid).
    removed = _notched_out(centred, carriers) * window
    taken = np.zeros(log.shape, np.float32)
    for k, (y0, x0) in enumerate(itertools.product(ys0, xs0)):
        taken[y0 : y0 + th, x0 : x0 + tw] += removed[k]
    weight_y, weight_x = np.zeros(log.shape[0], np.float32), np.zeros(log.shape[1], np.float32)
    for y0 in ys0:
        weight_y[y0 : y0 + th] += hann_y * hann_y
    for x0 in xs0:
        weight_x[x0 : x0 + tw] += hann_x * hann_x
    restored = (log - taken / np.maximum(np.outer(weight_y, weight_x), 1e-6))[top : top + h, left : left + w]
    return np.asarray(np.clip(np.expm1(restored), 0, 255).round(), np.uint8)
