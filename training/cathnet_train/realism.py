"""How close generated angiograms are to the real ones in ../shared, as numbers.

The 80 real frames (300x300, with hand-drawn vessel masks) carry no stenosis
labels, but they fix what the generator must look like. The same measures are
taken on real and on generated frames, each with its own vessel mask, at one
common scale (the model's 256 px side):

- ``width_px``: vessel diameter at each centreline pixel (twice the distance to the
  mask's edge on the distance transform's ridge);
- ``contrast``: 1 - vessel / background on the centreline, the background being the
  frame with its vessels removed (inpainted from the dilated mask);
- ``noise``: robust sigma of the fine residual (frame minus a 2 px blur) far from
  vessels, relative to the local level;
- ``background_level`` and ``background_texture``: the vessel-free frame's mean and
  its coarse relative variation (anatomy);
- ``vessel_fraction``: share of the frame the mask covers.

Each measure is a distribution over frames (or over centreline pixels); the report
gives both medians, the 1-D Wasserstein distance in units of the real spread, and
the Kolmogorov-Smirnov statistic. ``remove_vessels`` is also what turns the real
frames into backgrounds for the generator (``RealBackgrounds``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

SCALE_SIDE = 256  # measures are taken at the model's side
PIXEL_MEASURES = ("width_px", "contrast")  # sampled along centrelines, pooled over frames
FRAME_MEASURES = ("noise", "background_level", "background_texture", "vessel_fraction")
_CENTRELINE_SAMPLES = 60  # per frame, so that large trees do not outweigh small ones


@dataclass(frozen=True)
class RealFrame:
    """One real frame from ../shared: grey image and its vessel mask (bool)."""

    name: str
    image: npt.NDArray[np.uint8]
    mask: npt.NDArray[np.bool_]


def real_frame_paths(real_dir: Path) -> list[Path]:
    """The frames under ``real_dir`` (``*/N.png``), their masks (``*/N_gt.png``) left out, sorted."""
    return sorted(p for p in real_dir.glob("*/*.png") if not p.stem.endswith("_gt"))


def load_real(real_dir: Path) -> list[RealFrame]:
    """The frames and masks under ``real_dir`` (``*/N.png`` with ``*/N_gt.png``), sorted.

    Raises:
        FileNotFoundError: no frame with a mask under ``real_dir``.
    """
    frames = []
    for path in real_frame_paths(real_dir):
        gt = path.with_name(f"{path.stem}_gt.png")
        if not gt.exists():
            continue
        image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        mask = cv2.imread(str(gt), cv2.IMREAD_GRAYSCALE)
        if image is None or mask is None or image.shape != mask.shape:
            raise FileNotFoundError(f"expected a readable frame and a mask of the same size, got {path} / {gt}")
        frames.append(RealFrame(f"{path.parent.name}/{path.name}", image, mask > 127))
    if not frames:
        raise FileNotFoundError(f"expected real frames with masks (*/N.png, */N_gt.png) under {real_dir}")
    return frames


def remove_vessels(image: npt.NDArray[np.uint8], mask: npt.NDArray[np.bool_], grow: int = 2) -> npt.NDArray[np.uint8]:
    """``image`` with the masked vessels (grown by ``grow`` px: masks are tight) inpainted."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
    hole = cv2.dilate(mask.astype(np.uint8), kernel)
    return cv2.inpaint(image, hole, 5, cv2.INPAINT_TELEA)


def _at_scale(
    image: npt.NDArray[np.uint8], mask: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_]]:
    if image.shape[0] == SCALE_SIDE and image.shape[1] == SCALE_SIDE:
        return image, mask
    size = (SCALE_SIDE, SCALE_SIDE)
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    small_mask = cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0.5
    return small, small_mask


def measure(image: npt.NDArray[np.uint8], mask: npt.NDArray[np.bool_], seed: int = 0) -> dict[str, Any]:
    """The realism measures of one frame (see the module doc), at ``SCALE_SIDE``.

    Returns:
        ``{measure: float}`` for frame measures and ``{measure: list[float]}`` for the
        centreline samples (up to ``_CENTRELINE_SAMPLES``, drawn with ``seed``).
    """
    image, mask = _at_scale(image, mask)
    grey = image.astype(np.float32)
    background = remove_vessels(image, mask).astype(np.float32)
    dist = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 5)
    ridge = mask & (dist >= cv2.dilate(dist, np.ones((3, 3), np.uint8)) - 0.01) & (dist >= 1.0)
    ys, xs = np.nonzero(ridge)
    pick = np.random.default_rng(seed).permutation(len(ys))[:_CENTRELINE_SAMPLES]
    ys, xs = ys[pick], xs[pick]
    widths = (2.0 * dist[ys, xs] - 1.0).tolist()
    local_bg = np.maximum(cv2.GaussianBlur(background, (0, 0), 1.0)[ys, xs], 1.0)
    contrast = (1.0 - cv2.GaussianBlur(grey, (0, 0), 0.7)[ys, xs] / local_bg).tolist()

    far = cv2.dilate(mask.astype(np.uint8), np.ones((11, 11), np.uint8)) == 0
    inner = np.zeros_like(far)
    inner[8:-8, 8:-8] = True  # the frame's own border (collimator, padding) is not noise
    level = cv2.GaussianBlur(grey, (0, 0), 2.0)
    residual = (grey - level) / np.maximum(level, 8.0)
    sample = residual[far & inner & (level > 8.0)]
    noise = float(1.4826 * np.median(np.abs(sample - np.median(sample)))) if sample.size > 100 else float("nan")
    coarse = cv2.GaussianBlur(background, (0, 0), 8.0)
    return {
        "width_px": widths,
        "contrast": contrast,
        "noise": noise,
        "background_level": float(background.mean() / 255.0),
        "background_texture": float(coarse.std() / max(float(coarse.mean()), 1.0)),
        "vessel_fraction": float(mask.mean()),
    }


def wasserstein(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """1-D Wasserstein-1 distance between two samples (mean gap of their quantiles)."""
    u = (np.arange(512) + 0.5) / 512
    return float(np.mean(np.abs(np.quantile(np.asarray(a, float), u) - np.quantile(np.asarray(b, float), u))))


def ks_statistic(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """Two-sample Kolmogorov-Smirnov statistic: the largest gap of the empirical CDFs."""
    a, b = np.sort(np.asarray(a, float)), np.sort(np.asarray(b, float))
    grid = np.concatenate([a, b])
    return float(
        np.max(np.abs(np.searchsorted(a, grid, "right") / a.size - np.searchsorted(b, grid, "right") / b.size))
    )


def pool(measures: list[dict[str, Any]]) -> dict[str, npt.NDArray[np.float64]]:
    """Per-measure samples over frames (centreline samples concatenated)."""
    out = {k: np.array([v for m in measures for v in m[k]], float) for k in PIXEL_MEASURES}
    out.update({k: np.array([m[k] for m in measures if np.isfinite(m[k])], float) for k in FRAME_MEASURES})
    return out


def compare(real: dict[str, npt.NDArray[np.float64]], generated: dict[str, npt.NDArray[np.float64]]) -> dict[str, Any]:
    """Per measure: both medians, W1 / the real sample's std, and KS; plus their means."""
    rows = {}
    for k in (*PIXEL_MEASURES, *FRAME_MEASURES):
        r, g = real[k], generated[k]
        rows[k] = {
            "real_median": round(float(np.median(r)), 4),
            "generated_median": round(float(np.median(g)), 4),
            "w1_over_real_std": round(wasserstein(r, g) / max(float(np.std(r)), 1e-9), 3),
            "ks": round(ks_statistic(r, g), 3),
        }
    return {
        "measures": rows,
        "mean_w1_over_real_std": round(float(np.mean([v["w1_over_real_std"] for v in rows.values()])), 3),
        "mean_ks": round(float(np.mean([v["ks"] for v in rows.values()])), 3),
    }


def real_backgrounds(frames: list[RealFrame]) -> list[npt.NDArray[np.float32]]:
    """The frames with their vessels removed, as transmission in [0, 1] (``synth.with_backgrounds``)."""
    return [remove_vessels(f.image, f.mask).astype(np.float32) / 255.0 for f in frames]


def report(real_dir: Path, n: int = 80, first_seed: int | None = None) -> dict[str, Any]:
    """Real frames against ``n`` generated frames of each look (``cathnet-train realism``).

    The reference is the real ``testing/`` half; the backgrounds a look may draw on come
    from the ``training/`` half only, so no real frame is compared with itself.
    """
    from cathnet_train.dataset import SEED_RANGES
    from cathnet_train.synth import LOOK_REAL, LOOK_V1, generate, with_backgrounds

    first_seed = SEED_RANGES["realism"][0] if first_seed is None else first_seed
    frames = load_real(real_dir)
    reference = [f for f in frames if f.name.startswith("testing/")]
    bank = real_backgrounds([f for f in frames if f.name.startswith("training/")])
    real = pool([measure(f.image, f.mask, i) for i, f in enumerate(reference)])
    looks = {"v1": LOOK_V1, "real": LOOK_REAL, "real+backgrounds": with_backgrounds(LOOK_REAL, bank)}
    out: dict[str, Any] = {
        "reference": f"{len(reference)} real frames ({real_dir}/testing); "
        f"backgrounds from the {len(bank)} in training/",
        "generated": f"{n} frames per look, seeds {first_seed}..{first_seed + n - 1}, 256 px",
        "looks": {},
    }
    for name, look in looks.items():
        generated = []
        for k in range(n):
            frame = generate(first_seed + k, size=SCALE_SIDE, look=look)
            generated.append(measure(frame.image, frame.vessel_mask > 127, k))
        out["looks"][name] = compare(real, pool(generated))
    return out
