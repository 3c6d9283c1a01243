"""Core ML execution through coremltools (macOS only).

coremltools converts and saves models on Linux but can only *predict* on macOS;
elsewhere this backend reports why it is unavailable instead of failing later.
"""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cathnet.backends.base import Backend
from cathnet.errors import BackendUnavailableError, ModelIntegrityError


def unavailable_reason() -> str | None:
    """None when Core ML can predict here, else the reason it cannot."""
    if platform.system() != "Darwin":
        return f"Core ML predicts only on macOS; this is {platform.system()}"
    try:
        import coremltools  # noqa: F401
    except Exception as exc:
        return f"coremltools does not import: {type(exc).__name__}: {exc}"
    return None


class CoreMLBackend(Backend):
    """Runs an ``.mlpackage`` ML Program whose input is named ``image``."""

    name = "coreml"

    def __init__(self, model_path: Path | None, num_threads: int | None = None) -> None:
        """Loads the package.

        Raises:
            BackendUnavailableError: not macOS, no coremltools, or no Core ML artifact.
        """
        reason = unavailable_reason()
        if reason is None and model_path is None:
            reason = "the model bundle has no Core ML artifact (kind 'mlpackage')"
        if reason is not None:
            raise BackendUnavailableError("backend.unavailable", reason)
        import coremltools as ct

        assert model_path is not None
        self._input_shape = declared_input_shape(model_path)
        self._model: Any = ct.models.MLModel(str(model_path))

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self._input_shape

    def run(self, x: npt.NDArray[np.float32]) -> dict[str, npt.NDArray[np.float32]]:
        out = self._model.predict({"image": x})
        return {k: np.asarray(v, dtype=np.float32) for k, v in out.items()}

    def close(self) -> None:
        self._model = None


def declared_input_shape(model_path: Path) -> tuple[int, ...]:
    """The shape of the ``image`` input an ``.mlpackage`` declares.

    Read from the package's spec, which coremltools parses on any platform (only
    prediction needs macOS), so the check of a package against its card runs anywhere.

    Raises:
        ModelIntegrityError: ``model.integrity``: the package has no ``image`` input.
    """
    import coremltools as ct

    spec = ct.utils.load_spec(str(model_path))
    for described in spec.description.input:
        if described.name == "image":
            return tuple(int(v) for v in described.type.multiArrayType.shape)
    names = [d.name for d in spec.description.input]
    raise ModelIntegrityError("model.integrity", f"expected a Core ML input named 'image', got {names}")
