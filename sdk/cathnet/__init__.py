"""CathNet: stenosis findings on coronary angiograms, on the edge.

Research use only — not for clinical diagnosis.

Public API::

    import cathnet
    analyzer = cathnet.Analyzer()               # bundled model, backend "auto"
    findings = analyzer.predict("frame.png")    # or an ndarray
    cathnet.available_backends()
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _metadata_version

from cathnet.analyzer import Analyzer
from cathnet.backends import BACKENDS, available_backends
from cathnet.bundle import ModelBundle, default_bundle_path
from cathnet.errors import (
    BackendUnavailableError,
    CaptureError,
    CathNetError,
    InvalidImageError,
    ModelError,
    ModelIntegrityError,
    ModelNotFoundError,
)
from cathnet.findings import DISCLAIMER, AnalysedView, Findings, Lesion, severity_for
from cathnet.image_input import read_image

try:
    # One version: the installed package's metadata (pyproject.toml), never a second copy here.
    __version__ = _metadata_version("cathnet")
except PackageNotFoundError:  # the source tree on sys.path without an install
    __version__ = "0+unknown"

__all__ = [
    "BACKENDS",
    "DISCLAIMER",
    "AnalysedView",
    "Analyzer",
    "BackendUnavailableError",
    "CaptureError",
    "CathNetError",
    "Findings",
    "InvalidImageError",
    "Lesion",
    "ModelBundle",
    "ModelError",
    "ModelIntegrityError",
    "ModelNotFoundError",
    "available_backends",
    "default_bundle_path",
    "read_image",
    "severity_for",
]
