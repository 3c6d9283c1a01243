"""The interface every runtime backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
import numpy.typing as npt


class Backend(ABC):
    """Runs the model on one preprocessed input.

    Attributes:
        name: the backend's public name (``litert``, ``tflite-runtime``, ``tensorflow``,
            ``coreml``), recorded in every result.
    """

    name: str

    @property
    @abstractmethod
    def input_shape(self) -> tuple[int, ...]:
        """The shape of the model's input, as the artifact declares it."""

    @abstractmethod
    def run(self, x: npt.NDArray[np.float32]) -> dict[str, npt.NDArray[np.float32]]:
        """(1, H, W, C) float32 → outputs by card name, float32, batch axis kept."""

    @abstractmethod
    def close(self) -> None:
        """Releases the runtime's resources."""
