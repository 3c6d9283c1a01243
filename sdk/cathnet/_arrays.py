"""Typed names for OpenCV's results.

OpenCV's stubs type every returned image as a generic ``MatLike``; the dtype is known
from the call (``cv2.resize`` keeps its input's dtype, ``perspectiveTransform`` keeps
float64, ...). These helpers only tell the type checker what the call returned; they
cost nothing and convert nothing.
"""

from __future__ import annotations

from typing import Any, TypeAlias, cast

import numpy as np
import numpy.typing as npt

# A photo of the monitor as the capture path takes it: 8-bit, or 16-bit read as 8-bit.
Photo: TypeAlias = npt.NDArray[np.uint8 | np.uint16]


def u8(image: Any) -> npt.NDArray[np.uint8]:
    """An OpenCV result known to be uint8."""
    return cast("npt.NDArray[np.uint8]", image)


def f32(image: Any) -> npt.NDArray[np.float32]:
    """An OpenCV result known to be float32."""
    return cast("npt.NDArray[np.float32]", image)


def f64(image: Any) -> npt.NDArray[np.float64]:
    """An OpenCV result known to be float64."""
    return cast("npt.NDArray[np.float64]", image)
