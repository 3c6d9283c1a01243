"""Result types: frozen, validated, JSON-ready (supervision's ``Detections`` idea)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

SEVERITIES = ("mild", "moderate", "severe")
SIGNIFICANT_DS = 50.0
SEVERE_DS = 70.0
DISCLAIMER = "Research use only — not for clinical diagnosis."


def severity_for(diameter_stenosis_percent: float) -> str:
    """The clinical bin: mild (< 50 % DS), moderate (50-69 %), severe (>= 70 %)."""
    if diameter_stenosis_percent >= SEVERE_DS:
        return "severe"
    if diameter_stenosis_percent >= SIGNIFICANT_DS:
        return "moderate"
    return "mild"


@dataclass(frozen=True)
class Lesion:
    """One narrowing, in the pixel coordinates of the image passed to ``predict``.

    Attributes:
        x, y: lesion centre (x right, y down).
        box: (x0, y0, x1, y1) around the narrowed segment, x0 <= x <= x1, y0 <= y <= y1.
        score: heatmap confidence in [0, 1].
        diameter_stenosis_percent: estimated % diameter stenosis in [0, 100].
        severity: ``severity_for(diameter_stenosis_percent)``.
        outline: the narrowed stretch as a closed polygon ((x, y), ...) of at least
            three vertices, for models that outline (bundle 1.0 on); None otherwise.
    """

    x: float
    y: float
    box: tuple[float, float, float, float]
    score: float
    diameter_stenosis_percent: float
    severity: str = ""
    outline: tuple[tuple[float, float], ...] | None = None

    def __post_init__(self) -> None:
        if not self.severity:
            object.__setattr__(self, "severity", severity_for(self.diameter_stenosis_percent))
        values = (self.x, self.y, self.score, self.diameter_stenosis_percent, *self.box)
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"expected finite lesion values, got {self}")
        x0, y0, x1, y1 = self.box
        if not (x0 <= self.x <= x1 and y0 <= self.y <= y1):
            raise ValueError(f"expected the box {self.box} to contain ({self.x}, {self.y})")
        if not 0.0 <= self.score <= 1.0 or not 0.0 <= self.diameter_stenosis_percent <= 100.0:
            raise ValueError(f"expected score in [0, 1] and %DS in [0, 100], got {self}")
        if self.outline is not None and (
            len(self.outline) < 3 or not all(len(p) == 2 and all(math.isfinite(v) for v in p) for p in self.outline)
        ):
            raise ValueError(f"expected an outline of >= 3 finite (x, y) vertices, got {self.outline}")
        if self.severity != severity_for(self.diameter_stenosis_percent):
            raise ValueError(
                f"expected severity {severity_for(self.diameter_stenosis_percent)!r} for "
                f"{self.diameter_stenosis_percent:.0f} % DS, got {self.severity!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "x": round(self.x, 2),
            "y": round(self.y, 2),
            "box": [round(v, 2) for v in self.box],
            "score": round(self.score, 4),
            "diameter_stenosis_percent": round(self.diameter_stenosis_percent, 1),
            "severity": self.severity,
            "outline": None if self.outline is None else [[round(x, 2), round(y, 2)] for x, y in self.outline],
        }


@dataclass(frozen=True, eq=False)
class AnalysedView:
    """What the model looked at, for display (``Analyzer.predict(..., keep_view=True)``).

    Attributes:
        image: the image that was preprocessed: the input frame, or for a photo the
            rectified angiogram viewport. Any accepted dtype and layout.
        heatmap: (H, W) float32 in [0, 1], the lesion-centre heatmap over ``image``.
        lesions: the lesions in ``image``'s pixels (for a photo, not the photo's).
    """

    image: npt.NDArray[Any]
    heatmap: npt.NDArray[np.float32]
    lesions: tuple[Lesion, ...]


@dataclass(frozen=True)
class Findings:
    """What the model found in one image.

    Attributes:
        stenosis_probability: P(a >= 50 % diameter stenosis in the frame).
        stenosis: ``stenosis_probability >= threshold``.
        threshold: the card's calibrated decision threshold.
        lesions: candidate narrowings, most confident first.
        image_size: (width, height) of the analysed image.
        timing_ms: per stage (``decode``, ``preprocess``, ``inference``, ``postprocess``)
            and ``total``.
        model: ``{"id", "version", "sha256"}`` of the artifact that ran.
        backend: the backend that actually ran.
        screen: capture result for photos (None for digital frames): ``corners`` (the lit
            panel) and ``viewport_corners`` (the angiogram the model read), each TL TR BR
            BL in photo pixels, ``quality``, ``viewport`` (rectified pixels), and more.
        warnings: quality warnings (codes) that did not stop the analysis.
        analysed_as: ``"photo"`` (the monitor was found and the angiogram captured from
            it) or ``"frame"`` (the image was read as the angiogram itself).
        view: what the model looked at, when asked for (never in ``to_dict``).
    """

    stenosis_probability: float
    stenosis: bool
    threshold: float
    lesions: tuple[Lesion, ...]
    image_size: tuple[int, int]
    timing_ms: dict[str, float] = field(default_factory=dict)
    model: dict[str, str] = field(default_factory=dict)
    backend: str = ""
    screen: dict[str, Any] | None = None
    warnings: tuple[str, ...] = ()
    analysed_as: str = "frame"
    view: AnalysedView | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.stenosis_probability <= 1.0:
            raise ValueError(f"expected a probability in [0, 1], got {self.stenosis_probability}")
        if self.stenosis != (self.stenosis_probability >= self.threshold):
            raise ValueError("expected stenosis == (stenosis_probability >= threshold)")

    @property
    def top_lesion(self) -> Lesion | None:
        return self.lesions[0] if self.lesions else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON record of the CLI contract, without ``path``/``ok``/``error``."""
        return {
            "stenosis_probability": round(self.stenosis_probability, 4),
            "stenosis": self.stenosis,
            "threshold": round(self.threshold, 4),
            "lesions": [lesion.to_dict() for lesion in self.lesions],
            "image_size": list(self.image_size),
            "screen": self.screen,
            "warnings": list(self.warnings),
            "analysed_as": self.analysed_as,
            "timing_ms": {k: round(v, 2) for k, v in self.timing_ms.items()},
            "model": dict(self.model),
            "backend": self.backend,
        }
