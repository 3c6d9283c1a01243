"""Live mode: the screen outline on camera preview frames, smoothed, with a "steady" signal.

The app feeds every preview frame (e.g. 640x480) to ``LiveTracker.update``; it draws
``corners``, shows ``message``, and enables the shutter while ``steady`` is true.
Detection runs ``find_screen`` with the tracker's own locator network; the
full-resolution photo taken at the shutter goes through ``Analyzer.predict(photo, photo=True)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cathnet.capture.locator import Locator
from cathnet.capture.screen import find_screen

READY = "capture.ready"
HOLD_STILL = "capture.hold_still"
NO_SCREEN = "capture.no_screen"
_JUMP = 0.05  # a corner move beyond this fraction of the diagonal is a jump, not a drift
_MESSAGES = {
    READY: "hold it there: ready to capture",
    HOLD_STILL: "hold still: the outline is settling",
    NO_SCREEN: "point the tablet at the angiogram monitor and fit the whole screen in the frame",
}


@dataclass(frozen=True)
class LiveState:
    """What to show for one preview frame.

    Attributes:
        corners: (4, 2) smoothed screen corners in frame pixels (TL, TR, BR, BL), or
            None while no screen is tracked.
        steady: the corners have stayed within the tolerance for enough frames.
        code: ``capture.ready``, ``capture.hold_still`` or ``capture.no_screen``.
        message: the guidance line for the user.
    """

    corners: npt.NDArray[np.float64] | None
    steady: bool
    code: str

    @property
    def message(self) -> str:
        return _MESSAGES[self.code]


class LiveTracker:
    """Tracks the monitor across preview frames (not thread-safe: one per camera feed)."""

    def __init__(
        self,
        smoothing: float = 0.5,
        steady_frames: int = 6,
        tolerance: float = 0.01,
        lost_after: int = 3,
        locator: Locator | None = None,
    ):
        """
        Args:
            smoothing: weight of the previous outline in the exponential average (0-1).
            steady_frames: consecutive frames within ``tolerance`` before ``steady``.
            tolerance: largest corner move between frames, as a fraction of the
                screen's diagonal, that still counts as steady.
            lost_after: frames without a detection before the outline is dropped
                (a single missed frame does not make the outline flicker).
            locator: the screen locator network (None: the tracker builds its own).

        Raises:
            ValueError: a parameter out of its range.
            BackendUnavailableError: no TFLite runtime can load the locator.
        """
        if not 0.0 <= smoothing < 1.0 or steady_frames < 1 or tolerance <= 0 or lost_after < 1:
            raise ValueError("expected 0 <= smoothing < 1, steady_frames >= 1, tolerance > 0, lost_after >= 1")
        self._alpha = smoothing
        self._needed = steady_frames
        self._tolerance = tolerance
        self._lost_after = lost_after
        self._locator = locator or Locator()
        self.reset()

    def reset(self) -> None:
        self._corners: npt.NDArray[np.float64] | None = None
        self._still = 0
        self._missed = 0

    def update(self, frame: npt.NDArray[np.uint8]) -> LiveState:
        """Detects the screen in one preview frame and updates the smoothed outline."""
        found = find_screen(frame, preview=True, locator=self._locator)
        if not found:
            self._missed += 1
            self._still = 0
            if self._missed >= self._lost_after:
                self._corners = None
            return LiveState(self._corners, False, NO_SCREEN)
        new = found.corners
        if self._corners is None:
            self._corners, self._still, self._missed = new, 0, 0
        else:
            diag = float(np.linalg.norm(self._corners[2] - self._corners[0]))
            moved = float(np.linalg.norm(new - self._corners, axis=1).max()) / diag
            if moved > _JUMP and self._missed + 1 < self._lost_after:
                # One odd detection (a bezel's outline, a reflection) is an outlier
                # until it persists: keep the outline, do not count the frame as still.
                self._missed += 1
                return LiveState(self._corners.copy(), False, HOLD_STILL)
            self._missed = 0
            self._still = self._still + 1 if moved <= self._tolerance else 0
            self._corners = self._alpha * self._corners + (1 - self._alpha) * new
        steady = self._still >= self._needed
        return LiveState(self._corners.copy(), steady, READY if steady else HOLD_STILL)
