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
    the window, each searched ring's flat bin indices, the searched bins and the bins
    ``_RAY_STEP`` further in and out along their rays."""
    window = np.outer(np.hanning(side), np.hanning(side)).astype(np.float32)
    yy, xx = np.mgrid[0:side, 0:side] - side // 2
    ring = np.round(np.hypot(xx, yy)).astype(int)
    lo, hi = side // 25, side // 3
    searched = (ring >= lo) & (ring <= hi)
    rings = [np.flatnonzero(ring == r) for r in range(lo, hi + 1)]
    ys, xs = np.nonzero(searched)
    dy, dx = (ys - side // 2).astype(np.float64), (xs - side // 2).astype(np.float64)
    radius = np.hypot(dy, dx)
    along = []
    for step in (-_RAY_STEP, _RAY_STEP):
        scale = (radius + step) / radius
        py = np.clip(np.round(side // 2 + dy * scale).astype(int), 0, side - 1)
        px = np.clip(np.round(side // 2 + dx * scale).astype(int), 0, side - 1)
        along.append((py, px))
    return window, ring, lo, searched, rings, ys, xs, along


def _peak_ratios(view: npt.NDArray[np.uint8], side: int) -> npt.NDArray[np.float64]:
    """(side, side) centred map: each bin's detail power over its ring's median, 0 off
    the rings searched.

    Rings run from side/25 (slower is shading, not a grid) to side/3 cycles per image.
    Bins that do not stand out on their ray either (a straight edge) count as 0.
    """
    window, ring, lo, searched, rings, ys, xs, along = _spectrum_geometry(side)
    small = cv2.resize(to_grey(view).astype(np.float32), (side, side), interpolation=cv2.INTER_AREA)
    detail = small - cv2.GaussianBlur(small, (0, 0), 4)
    power = np.abs(np.fft.fftshift(np.fft.fft2(detail * window))) ** 2
    flat = power.ravel()
    medians = np.zeros(lo + len(rings))
    for r, bins in enumerate(rings, start=lo):
        medians[r] = np.median(flat[bins])
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


def moire_score(view: npt.NDArray[np.uint8], side: int) -> float:
    """Strongest periodic component of ``view`` seen at ``side`` pixels, over its ring's median."""
    return float(_peak_ratios(view, side).max())


def _dft_friendly(n: int) -> int:
    """The largest side <= ``n`` whose only prime factors are 2, 3 and 5: the DFT of a
    side with a large prime factor is several times slower, and a tile a few pixels
    smaller notches the same pattern."""
    for side in range(n, 0, -1):
        rest = side
        for p in (2, 3, 5):
            while rest % p == 0:
                rest //= p
        if rest == 1:
            return side
    return 1


def _starts(length: int, tile: int, step: int) -> list[int]:
    """Tile origins every ``step`` pixels, the last one flush with the end."""
    starts = list(range(0, max(length - tile, 0) + 1, step))
    if starts[-1] + tile < length:
        starts.append(length - tile)
    return starts


def _tile_keep(spectrum: npt.NDArray[np.float32], carriers: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    """1 minus a Gaussian notch (peak 1) at this tile's own peak near each expected carrier.

    ``spectrum`` is the tile's DFT as OpenCV returns it ((th, tw, 2), DC at [0, 0]);
    ``carriers`` are (row, column) positions in the centred spectrum, and the notch is
    built there, then returned uncentred, to multiply ``spectrum``. The pattern's chirp
    moves its local peak a little, so the notch goes where the tile's peak is; only the
    few bins searched around each carrier have their magnitude computed. Overlapping
    notches take their maximum, so a cluster of carriers is no wider a notch than its
    members.
    """
    th, tw = spectrum.shape[:2]
    reach = int(np.ceil(3 * _NOTCH_SPREAD))
    stamp = _stamp(reach)
    notch = np.zeros((th + 2 * reach, tw + 2 * reach), np.float32)  # padded: stamps may overhang
    # Every carrier's search window at once: (carriers, 2s+1) rows and columns, centred
    # coordinates; positions outside the spectrum are searched as -1 (never the peak).
    size = 2 * _TILE_SEARCH + 1
    lo_y = np.maximum(carriers[:, 0] - _TILE_SEARCH, 0).astype(int)
    lo_x = np.maximum(carriers[:, 1] - _TILE_SEARCH, 0).astype(int)
    hi_y = np.minimum(carriers[:, 0] + _TILE_SEARCH, th - 1).astype(int)
    hi_x = np.minimum(carriers[:, 1] + _TILE_SEARCH, tw - 1).astype(int)
    ys, xs = lo_y[:, None] + np.arange(size), lo_x[:, None] + np.arange(size)  # from the clipped low edge
    inside = (ys[:, :, None] <= hi_y[:, None, None]) & (xs[:, None, :] <= hi_x[:, None, None])
    near = spectrum[((ys - th // 2) % th)[:, :, None], ((xs - tw // 2) % tw)[:, None, :]]  # centred → DFT order
    magnitude = np.where(inside, np.sqrt(near[..., 0] * near[..., 0] + near[..., 1] * near[..., 1]), -1.0)
    best = magnitude.reshape(len(carriers), -1).argmax(axis=1)
    for k in np.flatnonzero((lo_y <= hi_y) & (lo_x <= hi_x)):
        py, px = ys[k, best[k] // size], xs[k, best[k] % size]  # the stamp's corner in the padded notch
        region = notch[py:py + 2 * reach + 1, px:px + 2 * reach + 1]
        np.maximum(region, stamp, out=region)
    return np.fft.ifftshift(1.0 - notch[reach:reach + th, reach:reach + tw])


@functools.lru_cache(maxsize=2)
def _stamp(reach: int) -> npt.NDArray[np.float32]:
    """The notch's Gaussian, peak 1, (2 reach + 1) square."""
    offsets = np.arange(-reach, reach + 1)
    return np.exp(-(offsets[:, None] ** 2 + offsets[None, :] ** 2) / (2 * _NOTCH_SPREAD**2)).astype(np.float32)


def suppress_moire(view: npt.NDArray[np.uint8], side: int, ratio: float = NOTCH_RATIO) -> npt.NDArray[np.uint8]:
    """``view`` in grey with the beat pattern notched out (same size).

    The pattern multiplies the screen's brightness, so it is removed from the logarithm
    of the image, where it adds. Its carriers are the bins at least ``ratio`` times their
    ring's median at the model's scale (a real image's peaks come in mirror pairs, so both
    halves go). A real beat pattern is not one pure frequency: lens and perspective bend
    it, so its frequency drifts across the image. The notch is therefore applied tile by
    tile (half-overlapping Hann windows over the image with a reflected border, weighted
    overlap-add), each tile at its own peak near the carrier.
    """
    grey = to_grey(view)
    ratios = _peak_ratios(grey, side)
    found = np.argwhere(ratios >= ratio).astype(np.float64) - side // 2  # cycles per image (y, x)
    if not len(found):
        return grey
    h, w = grey.shape
    th, tw = (_dft_friendly(int(round(2 * n / (_TILES + 1)))) for n in (h, w))
    sy, sx = th // 2, tw // 2
    log = cv2.copyMakeBorder(np.log1p(grey.astype(np.float32)), sy, sy, sx, sx, cv2.BORDER_REFLECT)
    window = np.outer(np.hanning(th), np.hanning(tw)).astype(np.float32)
    window2, window_sum = window * window, float(window.sum())
    carriers = np.array([th // 2, tw // 2]) + found * np.array([th / h, tw / w])
    out = np.zeros(log.shape, np.float32)
    weight = np.zeros(log.shape, np.float32)
    for y0 in _starts(log.shape[0], th, sy):
        for x0 in _starts(log.shape[1], tw, sx):
            tile = log[y0:y0 + th, x0:x0 + tw]
            mean = float((tile * window).sum() / window_sum)
            centred = tile - np.float32(mean)
            centred *= window
            # OpenCV's single-precision DFT: several times numpy's double-precision one,
            # and the image is 8-bit, so float32 loses nothing that survives rounding.
            spectrum = cv2.dft(centred, flags=cv2.DFT_COMPLEX_OUTPUT)  # (th, tw, 2), DC at [0, 0]
            spectrum *= _tile_keep(spectrum, carriers)[..., None]
            cleaned = cv2.idft(spectrum, flags=cv2.DFT_SCALE | cv2.DFT_COMPLEX_OUTPUT)[..., 0]
            # (cleaned + mean * window) * window, weighted overlap-add
            out[y0:y0 + th, x0:x0 + tw] += cleaned * window + np.float32(mean) * window2
            weight[y0:y0 + th, x0:x0 + tw] += window2
    restored = (out / np.maximum(weight, 1e-6))[sy:sy + h, sx:sx + w]
    return np.clip(np.expm1(restored), 0, 255).round().astype(np.uint8)
