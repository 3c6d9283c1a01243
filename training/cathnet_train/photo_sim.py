"""Photos of an angiogram monitor, as a tablet at the bedside would take them.

A frame (from the generator, or a real one) is laid into a monitor's screen with UI
margins; the monitor hangs in a cluttered room, maybe beside a haemodynamic monitor or
a window; a pinhole camera (principal point at the photo's centre, 60-75 degrees of
horizontal field of view) sees it from a random pose. Then the artefacts of a hand-held
shot: moiré from the pixel grid, glare (a soft veil or a saturated specular spot), a
hand over a corner, defocus, motion blur, sensor noise and JPEG. ``Conditions`` holds
every choice, drawn from the seed or set by a test. The ground truth is the lit screen
area's four corners in photo pixels (TL, TR, BR, BL) and the frame → photo homography.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

_SCREEN_WH = (800, 600)  # a 4:3 panel, in its own pixels


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
        conditions: what the photo was taken under.
    """

    image: npt.NDArray[np.uint8]
    corners: npt.NDArray[np.float64] | None
    screen: npt.NDArray[np.uint8] | None
    frame_to_photo: npt.NDArray[np.float64] | None = None
    conditions: Conditions | None = None


@dataclass(frozen=True)
class Conditions:
    """Camera pose and artefacts of one photo (angles in degrees, lengths in photo pixels)."""

    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    fov: float = 68.0  # horizontal field of view of the tablet's camera
    fraction: float = 0.6  # screen area / photo area
    offset: tuple[float, float] = (0.5, 0.5)  # placement in the free room, 0..1 each way
    panel_black: float = 40.0  # a backlit panel's "black" glows; the matte bezel does not
    bezel_grey: float = 8.0
    gain: float = 1.0  # camera exposure relative to the screen's levels
    defocus: float = 0.8  # Gaussian sigma
    motion: float = 0.0  # linear motion blur length
    motion_angle: float = 0.0
    glare: float = 0.0  # peak added brightness; >= 150 saturates (a specular spot)
    glare_radius: float = 0.05  # of the photo width
    glare_at: tuple[float, float] = (0.5, 0.5)  # in the screen, 0..1 each way
    moire: float = 0.0  # relative amplitude of the pixel-grid beat pattern
    moire_period: float = 12.0  # in screen pixels
    moire_angle: float = 20.0
    hand: int | None = None  # index of the corner a hand covers (TL, TR, BR, BL)
    other: str | None = None  # "monitor" (haemodynamic traces) or "window"
    noise: float = 2.0
    jpeg: int = 85

    @classmethod
    def random(cls, rng: np.random.Generator, max_angle: float = 35.0) -> Conditions:
        """Conditions as a hurried clinician at the bedside would meet them."""
        yaw, pitch = rng.uniform(-max_angle, max_angle, 2)
        glare, glare_radius = 0.0, 0.05
        if rng.random() < 0.5:
            if rng.random() < 0.3:  # a lamp's specular reflection: small and saturated
                glare, glare_radius = rng.uniform(150, 260), rng.uniform(0.01, 0.03)
            else:  # a soft veil
                glare, glare_radius = rng.uniform(30, 100), rng.uniform(0.04, 0.12)
        return cls(
            yaw=float(yaw),
            pitch=float(pitch),
            roll=float(rng.uniform(-12, 12)),
            fov=float(rng.uniform(60, 75)),
            fraction=float(rng.uniform(0.3, 0.9)),
            offset=(float(rng.random()), float(rng.random())),
            panel_black=float(rng.integers(30, 56)),
            bezel_grey=float(rng.uniform(0, 15) if rng.random() < 0.7 else rng.uniform(150, 220)),
            gain=float(rng.uniform(0.8, 1.05)),
            defocus=float(rng.uniform(0.3, 2.0)),
            motion=float(rng.uniform(2, 10)) if rng.random() < 0.3 else 0.0,
            motion_angle=float(rng.uniform(0, 180)),
            glare=float(glare),
            glare_radius=float(glare_radius),
            glare_at=(float(rng.uniform(0.2, 0.8)), float(rng.uniform(0.2, 0.8))),
            moire=float(rng.uniform(0.03, 0.12)) if rng.random() < 0.3 else 0.0,
            moire_period=float(rng.uniform(6, 30)),
            moire_angle=float(rng.uniform(0, 180)),
            hand=int(rng.integers(0, 4)) if rng.random() < 0.15 else None,
            other=("monitor" if rng.random() < 0.6 else "window") if rng.random() < 0.4 else None,
            noise=float(rng.uniform(1, 5)),
            jpeg=int(rng.integers(70, 95)),
        )


def _screen(
    frame: npt.NDArray[np.uint8], rng: np.random.Generator, black: float
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.float64]]:
    """The monitor's content (the frame on a dark UI with text) and frame → screen mapping."""
    w, h = _SCREEN_WH
    screen = np.full((h, w), round(black), np.uint8)
    side = int(h * rng.uniform(0.75, 0.92))
    img = cv2.resize(frame, (side, side), interpolation=cv2.INTER_AREA)
    x0, y0 = (w - side) // 2 + int(rng.integers(-40, 41)), (h - side) // 2
    screen[y0 : y0 + side, x0 : x0 + side] = img
    for k in range(int(rng.integers(2, 6))):
        y = 20 + 22 * k
        cv2.putText(
            screen,
            f"LAO {rng.integers(10, 60)} CRA {rng.integers(0, 30)}",
            (10, y),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.5,
            200,
            1,
            cv2.LINE_AA,
        )
    fh, fw = frame.shape[:2]
    to_screen = np.array(
        [[side / fw, 0, x0 + 0.5 * side / fw - 0.5], [0, side / fh, y0 + 0.5 * side / fh - 0.5], [0, 0, 1]]
    )
    return screen, to_screen


def room(rng: np.random.Generator, w: int, h: int) -> npt.NDArray[np.float32]:
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
    return np.clip(room, 0, 255).astype(np.float32)


class Camera:
    """A pinhole camera with its principal point at the photo's centre."""

    def __init__(self, photo_wh: tuple[int, int], fov: float) -> None:
        self.w, self.h = photo_wh
        self.f = 0.5 * self.w / np.tan(np.radians(fov) / 2)

    def project(self, points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return self.f * points[:, :2] / points[:, 2:3] + np.array([self.w / 2 - 0.5, self.h / 2 - 0.5])


def rotation(yaw: float, pitch: float, roll: float) -> npt.NDArray[np.float64]:
    y, p, r = np.radians([yaw, pitch, roll])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    rx = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return rz @ rx @ ry


def place(
    cam: Camera, size_wh: tuple[float, float], c: Conditions
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], float]:
    """World rotation, translation and the bezel's outward margin for the screen pose.

    The distance is solved so the screen covers ``c.fraction`` of the photo; the
    sideways shift moves the screen (in 3-D, so perspective stays consistent) to
    ``c.offset`` of the room left around it, keeping it inside the photo.
    """
    sw, sh = size_wh
    rot = rotation(c.yaw, c.pitch, c.roll)
    pts = np.array([[-sw / 2, -sh / 2, 0], [sw / 2, -sh / 2, 0], [sw / 2, sh / 2, 0], [-sw / 2, sh / 2, 0]])
    area_goal = c.fraction * cam.w * cam.h

    def quad(t: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return cam.project(pts @ rot.T + t)

    t = np.array([0.0, 0.0, 2.0 * sw])
    for _ in range(6):  # area ~ 1 / distance^2; also back off until it fits with a margin
        q = quad(t)
        d1, d2 = q[2] - q[0], q[3] - q[1]
        area = 0.5 * abs(d1[0] * d2[1] - d1[1] * d2[0])
        span = q.max(axis=0) - q.min(axis=0)
        t[2] *= max(np.sqrt(area / area_goal), span[0] / (0.96 * cam.w), span[1] / (0.96 * cam.h))
    q = quad(t)
    span = q.max(axis=0) - q.min(axis=0)
    room = np.maximum(np.array([cam.w, cam.h]) * 0.98 - span, 0)
    shift = (np.array(c.offset) - 0.5) * room - (q.min(axis=0) + span / 2 - np.array([cam.w, cam.h]) / 2)

    def inside(q: npt.NDArray[np.float64]) -> bool:
        return bool(q.min() >= 0.01 * cam.h and q[:, 0].max() <= 0.99 * cam.w and q[:, 1].max() <= 0.99 * cam.h)

    for _ in range(12):
        moved = t + np.array([*(shift * t[2] / cam.f), 0.0])
        if inside(quad(moved)):
            return rot, moved, sw
        shift *= 0.8
    while not inside(quad(t)):  # perspective pushed it off-centre: step back until it fits
        t[2] *= 1.05
    return rot, t, sw


def other_panel(rng: np.random.Generator, kind: str) -> npt.NDArray[np.float32]:
    """A haemodynamic monitor (coloured traces on black) or a bright window with mullions."""
    w, h = 640, 400
    if kind == "window":  # daylight: a bright sky over buildings and trees
        sky = np.array([rng.uniform(210, 255), rng.uniform(170, 220), rng.uniform(110, 170)], np.float32)
        img = np.empty((h, w, 3), np.float32)
        img[:] = sky * np.linspace(1.0, 0.85, h, dtype=np.float32)[:, None, None]
        for _ in range(int(rng.integers(2, 6))):
            x0, top = int(rng.integers(0, w)), int(rng.integers(h // 3, h))
            colour = tuple(float(v) for v in rng.uniform(40, 200, 3))
            cv2.rectangle(img, (x0, top), (x0 + int(rng.integers(40, 200)), h), colour, -1)
        cv2.line(img, (w // 2, 0), (w // 2, h), (60, 60, 60), 14)
        cv2.line(img, (0, h // 2), (w, h // 2), (60, 60, 60), 14)
        return img
    img = np.full((h, w, 3), 8, np.uint8)
    x = np.arange(w)
    for k, colour in enumerate([(60, 230, 60), (40, 220, 230), (230, 200, 40), (60, 60, 230)]):
        y = 60 + 90 * k + 25 * np.sin(x / rng.uniform(8, 30)) * (np.sin(x / 3.0) > 0.6)
        cv2.polylines(img, [np.stack([x, y], 1).astype(np.int32)], False, colour, 2)
        cv2.putText(
            img, f"{int(rng.integers(40, 160))}", (w - 110, 60 + 90 * k), cv2.FONT_HERSHEY_SIMPLEX, 1.3, colour, 3
        )
    return img.astype(np.float32)


def paste_quad(photo: npt.NDArray[np.float32], content: npt.NDArray[np.float32], quad: npt.NDArray[np.float64]) -> None:
    """Warps ``content`` (H, W, 3) onto ``quad`` of ``photo`` in place, antialiased at its edge."""
    ph, pw = photo.shape[:2]
    h, w = content.shape[:2]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32) - 0.5
    hmat = cv2.getPerspectiveTransform(src, quad.astype(np.float32) - 0.5)
    warped = cv2.warpPerspective(content, hmat, (pw, ph), flags=cv2.INTER_LINEAR)
    inside = cv2.warpPerspective(np.ones((h, w), np.float32), hmat, (pw, ph), flags=cv2.INTER_LINEAR)[..., None]
    photo *= 1 - inside
    photo += warped * inside


def fill_quad(photo: npt.NDArray[np.float32], quad: npt.NDArray[np.float64], grey: float) -> None:
    """A flat quad (a bezel) with an antialiased, sub-pixel edge."""
    pts = np.round(quad * 16).astype(np.int32)  # shift=4: vertices in 1/16 pixel
    cv2.fillConvexPoly(photo, pts, (grey, grey, grey), cv2.LINE_AA, shift=4)


def _other(photo: npt.NDArray[np.float32], rng: np.random.Generator, kind: str) -> None:
    """Another monitor or a window, smaller than the angiogram monitor, somewhere in view."""
    ph, pw = photo.shape[:2]
    cam = Camera((pw, ph), 68.0)
    c = Conditions(
        yaw=float(rng.uniform(-40, 40)),
        pitch=float(rng.uniform(-20, 20)),
        roll=float(rng.uniform(-8, 8)),
        fraction=float(rng.uniform(0.05, 0.2)),
        offset=(float(rng.choice([0.0, 1.0])), float(rng.random())),
    )
    rot, t, _ = place(cam, (640, 400), c)
    pts = np.array([[-320, -200, 0], [320, -200, 0], [320, 200, 0], [-320, 200, 0]], np.float64)
    frame = np.array([[-340, -220, 0], [340, -220, 0], [340, 220, 0], [-340, 220, 0]], np.float64)
    fill_quad(photo, cam.project(frame @ rot.T + t), float(rng.uniform(10, 60)))
    paste_quad(photo, other_panel(rng, kind), cam.project(pts @ rot.T + t))


def hand(
    photo: npt.NDArray[np.float32],
    rng: np.random.Generator,
    corners: npt.NDArray[np.float64],
    k: int,
    glove: tuple[float, float, float] | None = None,
) -> None:
    """A hand over corner ``k``: a palm and fingers in a skin tone, or in ``glove`` (BGR)."""
    diag = float(np.linalg.norm(corners[2] - corners[0]))
    centre = corners.mean(axis=0)
    at = corners[k] + (corners[k] - centre) * rng.uniform(0.02, 0.12)
    skin = tuple(float(v) for v in np.array([110, 140, 190]) * rng.uniform(0.6, 1.15))
    if glove is not None:
        skin = glove
    axis = (corners[k] - centre) / np.linalg.norm(corners[k] - centre)
    angle = float(np.degrees(np.arctan2(axis[1], axis[0])))
    palm = (round(diag * rng.uniform(0.07, 0.11)), round(diag * rng.uniform(0.05, 0.08)))
    cv2.ellipse(photo, tuple(int(v) for v in np.round(at + axis * palm[0])), palm, angle, 0, 360, skin, -1)
    for spread in (-25, -8, 8, 25):
        a = np.radians(angle + 180 + spread)
        tip = at + np.array([np.cos(a), np.sin(a)]) * palm[0] * 1.4
        cv2.line(
            photo,
            tuple(int(v) for v in np.round(at + axis * palm[0] * 0.5)),
            tuple(int(v) for v in np.round(tip)),
            skin,
            max(3, round(diag * 0.02)),
        )


def simulate(
    seed: int,
    frame: npt.NDArray[np.uint8] | None,
    photo_size: tuple[int, int] = (1600, 1200),
    max_angle: float = 35.0,
    conditions: Conditions | None = None,
) -> MonitorPhoto:
    """Renders one photo.

    Args:
        seed: determines the room, the screen layout and (unless given) the conditions.
        frame: (H, W) uint8 angiogram to display; None for a photo with no monitor.
        photo_size: (width, height) of the photo.
        max_angle: largest yaw/pitch in degrees for drawn conditions.
        conditions: overrides the drawn conditions (tests set one artefact at a time).
    """
    rng = np.random.default_rng(seed)
    drawn = Conditions.random(rng, max_angle)
    c = conditions if conditions is not None else drawn
    pw, ph = photo_size
    photo = room(rng, pw, ph)
    if c.other is not None:
        _other(photo, rng, c.other)
    corners = screen = frame_to_photo = None
    if frame is not None:
        screen, to_screen = _screen(frame, rng, c.panel_black)
        sh, sw = screen.shape
        cam = Camera((pw, ph), c.fov)
        rot, t, _ = place(cam, (sw, sh), c)
        b = 0.04 * sw
        lit = np.array([[-sw / 2, -sh / 2, 0], [sw / 2, -sh / 2, 0], [sw / 2, sh / 2, 0], [-sw / 2, sh / 2, 0]])
        outer = lit * np.array([(sw / 2 + b) / (sw / 2), (sh / 2 + b) / (sh / 2), 1])
        corners = cam.project(lit @ rot.T + t)
        fill_quad(photo, cam.project(outer @ rot.T + t), c.bezel_grey)
        shown = screen.astype(np.float32)
        if c.moire > 0:  # the camera's pixel grid beating against the panel's
            yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
            a = np.radians(c.moire_angle)
            phase = 2 * np.pi * (xx * np.cos(a) + yy * np.sin(a)) / c.moire_period
            shown *= 1 + c.moire * np.cos(phase + 3 * np.sin(2 * np.pi * yy / sh))
        paste_quad(photo, cv2.cvtColor(shown * c.gain, cv2.COLOR_GRAY2BGR), corners)
        src = np.array([[0, 0], [sw, 0], [sw, sh], [0, sh]], np.float32) - 0.5
        hmat = cv2.getPerspectiveTransform(src, corners.astype(np.float32) - 0.5)
        frame_to_photo = hmat.astype(np.float64) @ to_screen
        if c.glare > 0:
            gx, gy = cv2.perspectiveTransform(np.array([[[c.glare_at[0] * sw, c.glare_at[1] * sh]]], np.float32), hmat)[
                0, 0
            ]
            yy, xx = np.mgrid[0:ph, 0:pw].astype(np.float32)
            r = c.glare_radius * pw
            photo += c.glare * np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * r * r))[..., None]
        if c.hand is not None:
            hand(photo, rng, corners, c.hand)
    out = camera_artefacts(photo, rng, c)
    return MonitorPhoto(out, corners, screen, frame_to_photo, c)


def camera_artefacts(photo: npt.NDArray[np.float32], rng: np.random.Generator, c: Conditions) -> npt.NDArray[np.uint8]:
    """What the camera does to the scene ``photo`` (H, W, 3 float32): defocus, motion
    blur, sensor noise and JPEG, as ``c`` says; the uint8 BGR photo."""
    photo = cv2.GaussianBlur(photo, (0, 0), c.defocus)
    if c.motion > 0:
        k = int(np.ceil(c.motion)) | 1
        kernel = np.zeros((k, k), np.float32)
        a = np.radians(c.motion_angle)
        half = (c.motion - 1) / 2
        p0 = (k // 2 - half * np.cos(a), k // 2 - half * np.sin(a))
        p1 = (k // 2 + half * np.cos(a), k // 2 + half * np.sin(a))
        cv2.line(
            kernel, tuple(round(v * 16) for v in p0), tuple(round(v * 16) for v in p1), 1.0, 1, cv2.LINE_AA, shift=4
        )
        photo = cv2.filter2D(photo, -1, kernel / kernel.sum())
    photo += rng.normal(0, c.noise, photo.shape).astype(np.float32)
    out = np.clip(photo, 0, 255).astype(np.uint8)
    _, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, c.jpeg])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def with_conditions(seed: int, **changes: object) -> Conditions:
    """The conditions ``seed`` would draw, with ``changes`` applied (one artefact at a time)."""
    drawn = Conditions.random(np.random.default_rng(seed))
    return dataclasses.replace(drawn, **changes)
