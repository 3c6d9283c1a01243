"""Moiré: measure the screen's pixel grid beating against the camera's, and notch it out.

A beat pattern is a pair of sharp peaks in the spectrum, where an angiogram's spectrum
is smooth around each ring of frequencies. Both functions look at the viewport as the
model sees it (area-averaged to the model's side): a grid finer than that is averaged
away and does not count. Frequencies are counted in cycles per image, so a peak found
at the model's scale is notched at the same place in the full-resolution spectrum.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from cathnet.preprocess import to_grey

MOIRE_WARN, MOIRE_BLOCK = 500.0, 50_000.0  # strongest peak over its ring's median (the quality gate)
NOTCH_RATIO = 100.0  # a bin this far above its ring's median (model scale) is a beat pattern's
_RAY_STEP = 6  # bins along the ray, beyond a pattern's own spread (its chirp)
_ISOLATION = 4.0  # a periodic peak is this far above its ray on both sides
_NOTCH_SPREAD = 1.5  # bins: the notch's Gaussian edge (the pattern's chirp spreads its peak)


def _peak_ratios(view: npt.NDArray[np.uint8], side: int) -> npt.NDArray[np.float64]:
    """(side, side) centred map: each bin's detail power over its ring's median, 0 off
    the rings searched.

    Rings run from side/25 (slower is shading, not a grid) to side/3 cycles per image.
    Bins that do not stand out on their ray either (a straight edge) count as 0.
    """
    small = cv2.resize(to_grey(view).astype(np.float32), (side, side), interpolation=cv2.INTER_AREA)
    detail = small - cv2.GaussianBlur(small, (0, 0), 4)
    window = np.outer(np.hanning(side), np.hanning(side)).astype(np.float32)
    power = np.abs(np.fft.fftshift(np.fft.fft2(detail * window))) ** 2
    yy, xx = np.mgrid[0:side, 0:side] - side // 2
    ring = np.round(np.hypot(xx, yy)).astype(int)
    lo, hi = side // 25, side // 3
    searched = (ring >= lo) & (ring <= hi)
    medians = np.zeros(hi + 1)
    for r in range(lo, hi + 1):
        medians[r] = np.median(power[ring == r])
    ratios = np.zeros_like(power, dtype=np.float64)
    ratios[searched] = power[searched] / np.maximum(medians[ring[searched]], 1e-9)
    # A straight edge (the catheter, a long vessel) puts its energy all along a ray
    # through the centre, so it stands out on every ring it crosses; a beat pattern is a
    # peak on its ray too. Bins not well above the same ray further in and further out
    # are not periodic.
    ys, xs = np.nonzero(searched)
    dy, dx = (ys - side // 2).astype(np.float64), (xs - side // 2).astype(np.float64)
    radius = np.hypot(dy, dx)
    along = []
    for step in (-_RAY_STEP, _RAY_STEP):
        scale = (radius + step) / radius
        py = np.clip(np.round(side // 2 + dy * scale).astype(int), 0, side - 1)
        px = np.clip(np.round(side // 2 + dx * scale).astype(int), 0, side - 1)
        along.append(power[py, px])
    isolated = power[ys, xs] >= _ISOLATION * np.maximum(along[0], along[1])
    ratios[ys[~isolated], xs[~isolated]] = 0.0
    return ratios


def moire_score(view: npt.NDArray[np.uint8], side: int) -> float:
    """Strongest periodic component of ``view`` seen at ``side`` pixels, over its ring's median."""
    return float(_peak_ratios(view, side).max())


def suppress_moire(view: npt.NDArray[np.uint8], side: int, ratio: float = NOTCH_RATIO) -> npt.NDArray[np.uint8]:
    """``view`` in grey with the beat pattern's spectral peaks notched out (same size).

    The pattern multiplies the screen's brightness, so it is removed from the logarithm
    of the image, where it adds. Bins at least ``ratio`` times their ring's median (at
    the model's scale) and their neighbours are notched (a real image's peaks come in
    mirror pairs, so both halves go).
    """
    grey = to_grey(view)
    peaks = _peak_ratios(grey, side) >= ratio
    if not peaks.any():
        return grey
    h, w = grey.shape
    ky, kx = np.nonzero(peaks)
    notch = np.zeros((h, w), np.float32)  # centred spectrum of the full view
    ys = np.clip(ky - side // 2 + h // 2, 0, h - 1)
    xs = np.clip(kx - side // 2 + w // 2, 0, w - 1)
    notch[ys, xs] = 1.0
    notch = cv2.GaussianBlur(cv2.dilate(notch, np.ones((3, 3), np.uint8)), (0, 0), _NOTCH_SPREAD)
    keep = 1.0 - np.clip(notch / max(float(notch.max()), 1e-9), 0.0, 1.0)
    log = np.log1p(grey.astype(np.float32))
    spectrum = np.fft.fftshift(np.fft.fft2(log))
    cleaned = np.fft.ifft2(np.fft.ifftshift(spectrum * keep)).real
    return np.clip(np.expm1(cleaned), 0, 255).round().astype(np.uint8)
