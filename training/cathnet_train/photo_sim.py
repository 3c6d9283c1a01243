"""Photos of an angiogram monitor, as a tablet at the bedside would take them.

A frame (from the generator, or a real one) is laid into a monitor's screen with UI
margins, the monitor sits in a cluttered room, and a random camera pose projects it
into the photo; then defocus, glare, sensor noise and JPEG. The ground truth is the
lit screen area's four corners in photo pixels (TL, TR, BR, BL).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class MonitorPhoto:
    """One simulated photo.

    Attributes:
        image: (H, W, 3) uint8 BGR photo.
        corners: (4, 2) lit screen corners in photo pixels, TL, TR, BR, BL; None when
            the photo shows no monitor.
        screen: the screen content that was displayed (H', W') uint8, None if no monitor.
        frame_to_photo: (3, 3) homography from the displayed frame's pixels to the
            photo's, None if no monitor (ground truth for lesion positions).
    """

    image: npt.NDArray[np.uint8]
    corners: npt.NDArray[np.float64] | None
    screen: npt.NDArray[np.uint8] | None
    frame_to_photo: npt.NDArray[np.float64] | None = None


def _screen(
    frame: npt.NDArray[np.uint8], rng: np.random.Generator
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.float64]]:
    """The monitor's content (the frame on a dark UI with text) and frame → screen mapping."""
    h, w = 600, 800  # 4:3 panel
    # A backlit panel's "black" glows (30-55); the matte bezel around it does not.
    screen = np.full((h, w), int(rng.integers(30, 56)), np.uint8)
    side = int(h * rng.uniform(0.75, 0.92))
    img = cv2.resize(frame, (side, side), interpolation=cv2.INTER_AREA)
    x0, y0 = (w - side) // 2 + int(rng.integers(-40, 41)), (h - side) // 2
    screen[y0 : y0 + side, x0 : x0 + side] = img
    for k in range(int(rng.integers(2, 6))):
        y = 20 + 22 * k
        cv2.putText(screen, f"LAO {rng.integers(10, 60)} CRA {rng.integers(0, 30)}", (10, y),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.5, 200, 1, cv2.LINE_AA)
    fh, fw = frame.shape[:2]
    to_screen = np.array([[side / fw, 0, x0 + 0.5 * side / fw - 0.5], [0, side / fh, y0 + 0.5 * side / fh - 0.5], [0, 0, 1]])
    return screen, to_screen


def _room(rng: np.random.Generator, w: int, h: int) -> npt.NDArray[np.uint8]:
    """A cluttered background: a lit gradient with boxes and lines (cabinets, cables)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = rng.uniform(40, 160) + rng.uniform(-60, 60) * xx / w + rng.uniform(-60, 60) * yy / h
    room = np.dstack([base * rng.uniform(0.8, 1.2) for _ in range(3)])
    for _ in range(int(rng.integers(3, 12))):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        x1, y1 = x0 + int(rng.integers(20, w // 3)), y0 + int(rng.integers(20, h // 3))
        cv2.rectangle(room, (x0, y0), (x1, y1), tuple(float(v) for v in rng.uniform(0, 255, 3)), -1)
    for _ in range(int(rng.integers(0, 6))):
        p0 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        p1 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.line(room, p0, p1, tuple(float(v) for v in rng.uniform(0, 255, 3)), int(rng.integers(1, 5)))
    return np.clip(room, 0, 255).astype(np.uint8)


def _pose(
    rng: np.random.Generator, screen_wh: tuple[int, int], photo_wh: tuple[int, int], max_angle: float
) -> npt.NDArray[np.float64]:
    """Photo positions of the screen corners for a random camera pose."""
    sw, sh = screen_wh
    pw, ph = photo_wh
    yaw, pitch = np.radians(rng.uniform(-max_angle, max_angle, 2))
    roll = np.radians(rng.uniform(-12, 12))
    pts = np.array([[-sw / 2, -sh / 2, 0], [sw / 2, -sh / 2, 0], [sw / 2, sh / 2, 0], [-sw / 2, sh / 2, 0]])
    ry = np.array([[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0], [-np.sin(yaw), 0, np.cos(yaw)]])
    rx = np.array([[1, 0, 0], [0, np.cos(pitch), -np.sin(pitch)], [0, np.sin(pitch), np.cos(pitch)]])
    rz = np.array([[np.cos(roll), -np.sin(roll), 0], [np.sin(roll), np.cos(roll), 0], [0, 0, 1]])
    cam = pts @ (rz @ rx @ ry).T + np.array([0, 0, 2.2 * sw])
    f = 2.2 * sw
    proj = f * cam[:, :2] / cam[:, 2:3]
    # Scale so the screen covers the requested fraction of the photo, then place it.
    fraction = rng.uniform(0.3, 0.9)
    d1, d2 = proj[2] - proj[0], proj[3] - proj[1]
    area = 0.5 * abs(d1[0] * d2[1] - d1[1] * d2[0])
    proj *= np.sqrt(fraction * pw * ph / area)
    span = proj.max(axis=0) - proj.min(axis=0)
    scale = min(1.0, 0.96 * pw / span[0], 0.96 * ph / span[1])
    proj *= scale
    lo = -proj.min(axis=0)
    room_x = max(pw - (proj.max(axis=0) - proj.min(axis=0))[0], 0)
    room_y = max(ph - (proj.max(axis=0) - proj.min(axis=0))[1], 0)
    return proj + lo + np.array([rng.uniform(0, room_x), rng.uniform(0, room_y)])


def simulate(
    seed: int,
    frame: npt.NDArray[np.uint8] | None,
    photo_size: tuple[int, int] = (1600, 1200),
    max_angle: float = 35.0,
) -> MonitorPhoto:
    """Renders one photo.

    Args:
        seed: determines pose, room and artefacts.
        frame: (H, W) uint8 angiogram to display; None for a photo with no monitor.
        photo_size: (width, height) of the photo.
        max_angle: largest yaw/pitch in degrees.
    """
    rng = np.random.default_rng(seed)
    pw, ph = photo_size
    photo = _room(rng, pw, ph).astype(np.float32)
    corners = None
    screen = None
    frame_to_photo = None
    if frame is not None:
        screen, to_screen = _screen(frame, rng)
        sh, sw = screen.shape
        corners = _pose(rng, (sw, sh), (pw, ph), max_angle)
        src = np.array([[0, 0], [sw, 0], [sw, sh], [0, sh]], np.float32)
        bezel = max(6.0, 0.04 * np.linalg.norm(corners[1] - corners[0]))
        centre = corners.mean(axis=0)
        outer = centre + (corners - centre) * (1 + bezel / np.linalg.norm(corners - centre, axis=1))[:, None]
        bezel_grey = float(rng.uniform(0, 15) if rng.random() < 0.7 else rng.uniform(150, 220))
        cv2.fillConvexPoly(photo, np.round(outer).astype(np.int32), (bezel_grey,) * 3)
        hmat = cv2.getPerspectiveTransform(src - 0.5, corners.astype(np.float32) - 0.5)
        frame_to_photo = hmat.astype(np.float64) @ to_screen
        lit = cv2.warpPerspective(cv2.cvtColor(screen, cv2.COLOR_GRAY2BGR).astype(np.float32),
                                  hmat, (pw, ph), flags=cv2.INTER_LINEAR)
        inside = cv2.warpPerspective(np.ones((sh, sw), np.float32), hmat, (pw, ph), flags=cv2.INTER_LINEAR)
        gain = rng.uniform(0.8, 1.1)
        photo = photo * (1 - inside[..., None]) + lit * gain * inside[..., None]
        if rng.random() < 0.5:  # glare spot
            gx, gy = corners.mean(axis=0) + rng.uniform(-0.3, 0.3, 2) * np.ptp(corners, axis=0)
            yy, xx = np.mgrid[0:ph, 0:pw].astype(np.float32)
            r = rng.uniform(0.03, 0.1) * pw
            photo += rng.uniform(40, 120) * np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * r * r))[..., None]
    blur = rng.uniform(0.3, 2.0)
    photo = cv2.GaussianBlur(photo, (0, 0), blur)
    photo += rng.normal(0, rng.uniform(1, 5), photo.shape).astype(np.float32)
    out = np.clip(photo, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(70, 95))])
    out = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return MonitorPhoto(out, corners, screen, frame_to_photo)
