"""Photos of angiogram displays from many families of monitor, UI, room and camera (issue 22).

``photo_sim`` draws one kind of monitor (a dark or light bezel around a 4:3 panel of one
black level, one viewport, text on the left). Cath labs differ far more, so this module
renders *families*, each a design of its own: the monitor and its bezel, the UI around
the angiogram (grey panels, side bars, thumbnails, several viewports, a display wall of
tiles), the room and the camera (wide phone lenses with barrel distortion, exposure
that clips the screen, gloved hands, lamps). Detection is tuned on ``TUNING`` and judged
on ``HELD_OUT``, which no tuning looked at. Each photo carries its truth: the lit panel's
corners, the corners of the angiogram the reader aims at (the angiogram tile nearest the
photo's centre) and where the frame's pixels land.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from cathnet_train.photo_sim import Camera, Conditions, camera_artefacts, hand, other_panel, place, room

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in content pixels, exclusive ends


@dataclass
class Display:
    """What a monitor shows, before it is photographed.

    Attributes:
        content: (h, w, 3) float32 BGR, the lit panel's pixels.
        viewports: angiogram viewports in content pixels (x0, y0, x1, y1, exclusive ends).
        frames: for each viewport, the frame it shows (uint8; a reference run's is another frame).
        frame_to_content: for each viewport, (3, 3) its frame's pixels → content pixels.
        bezel: the bezel's width as a fraction of the panel's width (0: edge to edge).
        bezel_bgr: the bezel's colour.
    """

    content: npt.NDArray[np.float32]
    viewports: list[Box] = field(default_factory=list)
    frames: list[npt.NDArray[np.uint8]] = field(default_factory=list)
    frame_to_content: list[npt.NDArray[np.float64]] = field(default_factory=list)
    bezel: float = 0.04
    bezel_bgr: tuple[float, float, float] = (10.0, 10.0, 10.0)


@dataclass(frozen=True)
class CameraStyle:
    """How the photo is taken (beyond ``photo_sim.Conditions``' pose and blur)."""

    distortion: float = 0.0  # barrel: a photo point p (in half-widths from the centre) shows p * (1 + k |p|^2)
    gain: float = 1.0  # exposure relative to the screen's levels; above ~1.2 the bright angiogram clips
    tint: tuple[float, float, float] = (1.0, 1.0, 1.0)  # white balance, per BGR channel
    sharpen: float = 0.0  # a phone's unsharp mask (halo amount)


@dataclass(frozen=True)
class FamilyPhoto:
    """One rendered photo and its truth.

    Attributes:
        image: (H, W, 3) uint8 BGR.
        family: the family's name.
        corners: (4, 2) the lit panel's corners in photo pixels, TL TR BR BL; None without a display.
        viewport_corners: (4, 2) the outer corners of the angiogram the reader aims at
            (nearest the photo's centre), TL TR BR BL; None when no angiogram is shown.
        frame: the frame the aimed viewport shows (the given frame, or on a wall or a dual
            view maybe a reference run's); None when no angiogram is shown.
        frame_to_photo: (3, 3) ``frame``'s pixels → photo pixels before the lens' distortion
            (``to_photo`` applies it too); None when no angiogram is shown.
        distortion: the lens' barrel coefficient (``CameraStyle.distortion``).
        glare_on_angiogram: a saturating reflection lies on the aimed angiogram (a block is fair).
        viewport_outlines: every angiogram viewport shown (the aimed one and, on a wall or a
            dual view, the reference run's) as (N, 2) polygons in photo pixels, their sides
            sampled densely so the lens' curvature shows; thumbnails are not viewports.
        panel_outline: the lit panel likewise; None without a display.
    """

    image: npt.NDArray[np.uint8]
    family: str
    corners: npt.NDArray[np.float64] | None
    viewport_corners: npt.NDArray[np.float64] | None
    frame: npt.NDArray[np.uint8] | None
    frame_to_photo: npt.NDArray[np.float64] | None
    distortion: float = 0.0
    glare_on_angiogram: bool = False
    viewport_outlines: tuple[npt.NDArray[np.float64], ...] = ()
    panel_outline: npt.NDArray[np.float64] | None = None

    def to_photo(self, points: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """(N, 2) displayed-frame pixels → photo pixels, through the lens' distortion."""
        if self.frame_to_photo is None:
            raise ValueError(f"expected a photo of an angiogram, got one of family {self.family} without it")
        p = cv2.perspectiveTransform(np.asarray(points, np.float64).reshape(-1, 1, 2), self.frame_to_photo)
        return distort(p.reshape(-1, 2), self.distortion, self.image.shape[1::-1])


def distort(points: npt.NDArray[np.float64], k: float, photo_wh: tuple[int, int]) -> npt.NDArray[np.float64]:
    """Where undistorted photo points land in the distorted photo (``CameraStyle.distortion``)."""
    if k == 0.0:
        return np.asarray(points, np.float64)
    centre = np.array([photo_wh[0], photo_wh[1]], np.float64) / 2 - 0.5
    unit = photo_wh[0] / 2
    u = (np.asarray(points, np.float64) - centre) / unit
    d = u.copy()
    for _ in range(30):  # fixed point of d = u / (1 + k |d|^2); contracts for the k used here
        d = u / (1 + k * np.sum(d * d, axis=-1, keepdims=True))
    return d * unit + centre


def _undistorted_at(photo_wh: tuple[int, int], k: float) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """For each distorted photo pixel, the undistorted pixel it shows (remap maps)."""
    w, h = photo_wh
    centre = np.array([w, h], np.float32) / 2 - 0.5
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dx, dy = (xx - centre[0]) / (w / 2), (yy - centre[1]) / (w / 2)
    grow = 1 + k * (dx * dx + dy * dy)
    return (dx * grow * (w / 2) + centre[0]).astype(np.float32), (dy * grow * (w / 2) + centre[1]).astype(np.float32)


# ---------------------------------------------------------------- screen contents


def _text(content: npt.NDArray[np.float32], rng: np.random.Generator, box: Box, colour: tuple[float, ...]) -> None:
    """Lines of UI text (projection angles, frame rates, dose) inside ``box``, clipped to it."""
    x0, y0, x1, y1 = (max(int(v), 0) for v in box)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return
    ink = np.zeros((y1 - y0, x1 - x0), np.uint8)  # putText draws 8-bit images only
    words = ("LAO", "RAO", "CRA", "CAU", "fps", "mGy", "kV", "mA", "run", "ms", "cm")
    scale = float(rng.uniform(0.4, 0.7))
    step = int(30 * scale + 8)
    for y in range(step, y1 - y0, step):
        if rng.random() < 0.2:
            continue
        line = " ".join(f"{rng.choice(words)} {int(rng.integers(0, 120))}" for _ in range(int(rng.integers(1, 4))))
        cv2.putText(ink, line, (6, y), cv2.FONT_HERSHEY_SIMPLEX, scale, 255, 1, cv2.LINE_AA)
    alpha = (ink.astype(np.float32) / 255)[..., None]
    area = content[y0:y1, x0:x1]
    area[...] = area * (1 - alpha) + np.array(colour, np.float32) * alpha


def _grey(frame: npt.NDArray[np.uint8], rng: np.random.Generator) -> npt.NDArray[np.uint8]:
    """Another run's frame, for a reference viewport or a thumbnail: the frame mirrored
    or turned, with its own window and level."""
    other = np.rot90(frame, int(rng.integers(1, 4))) if rng.random() < 0.5 else frame[:, ::-1]
    levelled = other.astype(np.float32) * rng.uniform(0.8, 1.1) + rng.uniform(-20, 20)
    return np.ascontiguousarray(np.clip(levelled, 0, 255).astype(np.uint8))


def _put_frame(display: Display, frame: npt.NDArray[np.uint8], box: Box, rng: np.random.Generator) -> None:
    """``frame`` fitted (aspect kept, centred) into ``box`` of the content, recorded as a
    viewport with its frame → content mapping."""
    x0, y0, x1, y1 = box
    fh, fw = frame.shape[:2]
    scale = min((x1 - x0) / fw, (y1 - y0) / fh)
    w, h = max(round(fw * scale), 8), max(round(fh * scale), 8)
    vx, vy = round(x0 + ((x1 - x0) - w) / 2), round(y0 + ((y1 - y0) - h) / 2)
    img = cv2.resize(frame.astype(np.float32), (w, h), interpolation=cv2.INTER_AREA)
    tint = np.array([1.0, 1.0, 1.0], np.float32) * rng.uniform(0.97, 1.03, 3).astype(np.float32)
    display.content[vy : vy + h, vx : vx + w] = img[..., None] * tint
    display.viewports.append((vx, vy, vx + w, vy + h))
    display.frames.append(frame)
    sx, sy = w / fw, h / fh
    display.frame_to_content.append(np.array([[sx, 0, vx + 0.5 * sx - 0.5], [0, sy, vy + 0.5 * sy - 0.5], [0, 0, 1]]))


def _traces(rng: np.random.Generator, w: int, h: int) -> npt.NDArray[np.float32]:
    """A haemodynamic tile: coloured pressure and ECG traces on black."""
    return cv2.resize(other_panel(rng, "monitor"), (max(w, 8), max(h, 8)), interpolation=cv2.INTER_AREA)


def _video(rng: np.random.Generator, w: int, h: int) -> npt.NDArray[np.float32]:
    """A room camera's feed: a colourful, cluttered scene."""
    return room(rng, max(w, 8), max(h, 8))


def _list_tile(rng: np.random.Generator, w: int, h: int, bright: bool) -> npt.NDArray[np.float32]:
    """A list or form (the procedure log): text rows on a light or dark ground."""
    ground = rng.uniform(170, 235) if bright else rng.uniform(15, 45)
    tile = np.full((max(h, 8), max(w, 8), 3), ground, np.float32) * rng.uniform(0.92, 1.0, 3).astype(np.float32)
    ink = (30.0, 30.0, 30.0) if bright else (210.0, 210.0, 210.0)
    _text(tile, rng, (0, 0, w, h), ink)
    return tile


def _panel(rng: np.random.Generator, wh: tuple[int, int], black: float) -> Display:
    w, h = wh
    return Display(np.full((h, w, 3), black, np.float32))


def _bedside(frame: npt.NDArray[np.uint8] | None, rng: np.random.Generator) -> Display:
    """4:3 bedside monitor: dark bezel, a dark panel, text on one side."""
    d = _panel(rng, (800, 600), float(rng.uniform(10, 45)))
    d.bezel, d.bezel_bgr = float(rng.uniform(0.02, 0.06)), (float(rng.uniform(0, 25)),) * 3
    side = float(600 * rng.uniform(0.78, 0.95))
    x0 = 400 - side / 2 + float(rng.uniform(-60, 60))
    if frame is not None:
        _put_frame(d, frame, (x0, 300 - side / 2, x0 + side, 300 + side / 2), rng)
    else:  # haemodynamics, or a room camera's feed, where the angiogram would be
        d.content[100:500, 150:650] = _traces(rng, 500, 400) if rng.random() < 0.5 else _video(rng, 500, 400)
    _text(d.content, rng, (0, 0, 150, 600), (200.0, 200.0, 200.0))
    return d


def _light_bezel(frame: npt.NDArray[np.uint8] | None, rng: np.random.Generator) -> Display:
    """5:4 monitor in a silver or white frame; the panel black, text top and bottom."""
    d = _panel(rng, (750, 600), float(rng.uniform(0, 30)))
    d.bezel = float(rng.uniform(0.025, 0.07))
    d.bezel_bgr = tuple(float(v) for v in rng.uniform(140, 235) * rng.uniform(0.95, 1.05, 3))
    side = float(600 * rng.uniform(0.75, 0.88))
    if frame is not None:
        _put_frame(d, frame, (375 - side / 2, 300 - side / 2, 375 + side / 2, 300 + side / 2), rng)
    _text(d.content, rng, (0, 0, 750, 300 - side / 2), (230.0, 230.0, 120.0))
    _text(d.content, rng, (0, 300 + side / 2, 750, 600), (230.0, 230.0, 230.0))
    return d


def _grey_panel(frame: npt.NDArray[np.uint8] | None, rng: np.random.Generator) -> Display:
    """16:10 review station: a mid-grey UI, the angiogram on its own black square."""
    d = _panel(rng, (960, 600), float(rng.uniform(60, 120)))
    d.bezel, d.bezel_bgr = float(rng.uniform(0.015, 0.05)), (float(rng.uniform(5, 40)),) * 3
    side = float(600 * rng.uniform(0.8, 0.92))
    x0 = float(rng.uniform(180, 960 - side - 20))
    if frame is not None:
        _put_frame(d, frame, (x0, 300 - side / 2, x0 + side, 300 + side / 2), rng)
    else:
        d.content[80:520, 200:760] = _list_tile(rng, 560, 440, bright=True)
    for k in range(int(rng.integers(3, 7))):  # toolbar buttons
        y = 40 + 70 * k
        cv2.rectangle(d.content, (20, y), (150, y + 50), tuple(float(v) for v in rng.uniform(120, 220, 3)), -1)
    return d


def _side_ui(frame: npt.NDArray[np.uint8] | None, rng: np.random.Generator) -> Display:
    """16:9 workstation: the angiogram left, a bright side bar with thumbnails and forms."""
    d = _panel(rng, (1066, 600), float(rng.uniform(0, 25)))
    d.bezel, d.bezel_bgr = float(rng.uniform(0.01, 0.04)), (float(rng.uniform(5, 30)),) * 3
    bar = float(rng.uniform(0.3, 0.42)) * 1066
    side = min(600 * rng.uniform(0.85, 0.97), 1066 - bar - 20)
    if frame is not None:
        _put_frame(d, frame, (10, 300 - side / 2, 10 + side, 300 + side / 2), rng)
    x0 = int(1066 - bar)
    d.content[:, x0:] = _list_tile(rng, 1066 - x0, 600, bright=rng.random() < 0.7)
    thumb = int((1066 - x0 - 40) / 3)
    for k in range(3):  # thumbnails of the other runs: small angiograms, not the one to read
        tx = x0 + 10 + k * (thumb + 10)
        if frame is not None:
            small = cv2.resize(_grey(frame, rng), (thumb, thumb), interpolation=cv2.INTER_AREA)
            d.content[20 : 20 + thumb, tx : tx + thumb] = small[..., None]
    colours = [(200.0, 120.0, 40.0), (40.0, 160.0, 230.0), (60.0, 200.0, 60.0)]
    for k, colour in enumerate(colours):
        cv2.rectangle(d.content, (x0 + 10, 560 - 50 * k), (x0 + 150, 590 - 50 * k), colour, -1)
    return d


def _gloves(frame: npt.NDArray[np.uint8] | None, rng: np.random.Generator) -> Display:
    """The bedside monitor of another vendor (4:3, dark) in a room of gloves and lamps."""
    d = _panel(rng, (800, 600), float(rng.uniform(5, 35)))
    d.bezel, d.bezel_bgr = float(rng.uniform(0.03, 0.06)), (float(rng.uniform(20, 60)),) * 3
    side = float(600 * rng.uniform(0.82, 0.96))
    if frame is not None:
        _put_frame(d, frame, (400 - side / 2, 300 - side / 2, 400 + side / 2, 300 + side / 2), rng)
    _text(d.content, rng, (400 + side / 2, 0, 800, 600), (180.0, 230.0, 230.0))
    return d


def _tiles(
    frame: npt.NDArray[np.uint8] | None, rng: np.random.Generator, d: Display, grid: tuple[int, int], gap: float
) -> None:
    """Fills ``d`` with a grid of tiles: the live angiogram, maybe a reference run, traces,
    a video feed and a list, in a random order."""
    h, w = d.content.shape[:2]
    cols, rows = grid
    tw, th = (w - gap * (cols + 1)) / cols, (h - gap * (rows + 1)) / rows
    kinds = ["live"] + (["reference"] if rng.random() < 0.6 else []) + ["traces", "video", "list", "traces"]
    kinds = kinds[: cols * rows]
    kinds += ["list"] * (cols * rows - len(kinds))
    order = rng.permutation(len(kinds))
    for slot, k in enumerate(order):
        cx, cy = slot % cols, slot // cols
        box = (gap + cx * (tw + gap), gap + cy * (th + gap), gap + cx * (tw + gap) + tw, gap + cy * (th + gap) + th)
        x0, y0, x1, y1 = (round(v) for v in box)
        kind = kinds[k]
        if kind in ("live", "reference") and frame is None:
            kind = "traces"
        if kind == "live":
            _put_frame(d, frame, box, rng)
        elif kind == "reference":
            _put_frame(d, _grey(frame, rng), box, rng)
        elif kind == "traces":
            d.content[y0:y1, x0:x1] = _traces(rng, x1 - x0, y1 - y0)
        elif kind == "video":
            d.content[y0:y1, x0:x1] = _video(rng, x1 - x0, y1 - y0)
        else:
            d.content[y0:y1, x0:x1] = _list_tile(rng, x1 - x0, y1 - y0, bright=rng.random() < 0.4)


def _quad_review(frame: npt.NDArray[np.uint8] | None, rng: np.random.Generator) -> Display:
    """4:3 review monitor split in four: the live run and up to three earlier runs."""
    d = _panel(rng, (800, 600), float(rng.uniform(0, 30)))
    d.bezel, d.bezel_bgr = float(rng.uniform(0.02, 0.05)), (float(rng.uniform(0, 30)),) * 3
    gap = float(rng.uniform(3, 24))
    side = min((600 - 3 * gap) / 2, (800 - 3 * gap) / 2)
    x0 = (800 - 2 * side - gap) / 2
    slots = [(x0 + cx * (side + gap), gap + cy * (side + gap)) for cy in (0, 1) for cx in (0, 1)]
    live = int(rng.integers(0, 4))
    for k, (sx, sy) in enumerate(slots):
        box = (sx, sy, sx + side, sy + side)
        if frame is None:
            d.content[round(sy) : round(sy + side), round(sx) : round(sx + side)] = _traces(
                rng, round(sx + side) - round(sx), round(sy + side) - round(sy)
            )
        elif k == live:
            _put_frame(d, frame, box, rng)
        elif rng.random() < 0.8:
            _put_frame(d, _grey(frame, rng), box, rng)
    return d


def _display_wall(frame: npt.NDArray[np.uint8] | None, rng: np.random.Generator) -> Display:
    """A ceiling-mounted 16:9 display wall: one large panel of 2x2 or 3x2 tiles."""
    d = _panel(rng, (1600, 900), float(rng.uniform(0, 20)))
    d.bezel, d.bezel_bgr = float(rng.uniform(0.005, 0.03)), (float(rng.uniform(5, 40)),) * 3
    _tiles(frame, rng, d, ((2, 2), (3, 2))[int(rng.integers(0, 2))], float(rng.uniform(6, 30)))
    return d


def _dual_view(frame: npt.NDArray[np.uint8] | None, rng: np.random.Generator) -> Display:
    """16:9 monitor with two viewports side by side: the live run and a reference run."""
    d = _panel(rng, (1066, 600), float(rng.uniform(0, 30)))
    d.bezel, d.bezel_bgr = float(rng.uniform(0.015, 0.05)), (float(rng.uniform(0, 30)),) * 3
    gap = float(rng.uniform(8, 40))
    side = float(rng.uniform(440, (1066 - gap - 16) / 2))
    left = (1066 - 2 * side - gap) / 2
    boxes = [
        (left, 300 - side / 2, left + side, 300 + side / 2),
        (left + side + gap, 300 - side / 2, 1066 - left, 300 + side / 2),
    ]
    if frame is not None:
        live = int(rng.integers(0, 2))
        _put_frame(d, frame, boxes[live], rng)
        _put_frame(d, _grey(frame, rng), boxes[1 - live], rng)
    else:
        for x0, y0, x1, y1 in boxes:
            d.content[round(y0) : round(y1), round(x0) : round(x1)] = _traces(
                rng, round(x1) - round(x0), round(y1) - round(y0)
            )
    _text(d.content, rng, (0, 0, 1066, 300 - side / 2), (220.0, 220.0, 220.0))
    return d


def _edge_to_edge(frame: npt.NDArray[np.uint8] | None, rng: np.random.Generator) -> Display:
    """16:10 glass panel without a bezel: the panel's black meets the wall."""
    d = _panel(rng, (960, 600), float(rng.uniform(3, 30)))
    d.bezel, d.bezel_bgr = float(rng.uniform(0.0, 0.006)), (float(rng.uniform(0, 8)),) * 3
    side = float(600 * rng.uniform(0.8, 1.0))
    x0 = float(rng.uniform(120, 960 - side - 40))
    if frame is not None:
        _put_frame(d, frame, (x0, 300 - side / 2, x0 + side, 300 + side / 2), rng)
    else:
        d.content[60:540, 200:760] = _video(rng, 560, 480)
    _text(d.content, rng, (0, 0, x0, 600), (220.0, 220.0, 220.0))
    return d


def _phone(frame: npt.NDArray[np.uint8] | None, rng: np.random.Generator) -> Display:
    """A bedside 4:3 monitor photographed with a wide phone lens (the camera is the family)."""
    d = _panel(rng, (800, 600), float(rng.uniform(10, 40)))
    d.bezel = float(rng.uniform(0.02, 0.05))
    d.bezel_bgr = (float(rng.uniform(0, 30)),) * 3 if rng.random() < 0.7 else (float(rng.uniform(150, 220)),) * 3
    side = float(600 * rng.uniform(0.8, 0.95))
    if frame is not None:
        _put_frame(d, frame, (400 - side / 2, 300 - side / 2, 400 + side / 2, 300 + side / 2), rng)
    _text(d.content, rng, (0, 0, 400 - side / 2, 600), (200.0, 200.0, 200.0))
    return d


def _overexposed(frame: npt.NDArray[np.uint8] | None, rng: np.random.Generator) -> Display:
    """A bright angiogram on a dark monitor, the camera's exposure set for the room."""
    d = _panel(rng, (800, 600), float(rng.uniform(5, 30)))
    d.bezel, d.bezel_bgr = float(rng.uniform(0.02, 0.05)), (float(rng.uniform(0, 25)),) * 3
    side = float(600 * rng.uniform(0.82, 0.95))
    if frame is not None:
        bright = np.clip(frame.astype(np.float32) * rng.uniform(1.05, 1.25) + rng.uniform(10, 40), 0, 255).astype(
            np.uint8
        )
        _put_frame(d, bright, (400 - side / 2, 300 - side / 2, 400 + side / 2, 300 + side / 2), rng)
    _text(d.content, rng, (0, 0, 400 - side / 2, 600), (200.0, 200.0, 200.0))
    return d


# ---------------------------------------------------------------- families


@dataclass(frozen=True)
class Family:
    """A family: a display design and the photographic conditions it is seen under."""

    name: str
    description: str
    display: Callable[[npt.NDArray[np.uint8] | None, np.random.Generator], Display]
    fraction: tuple[float, float] = (0.3, 0.85)  # lit panel area / photo area
    max_angle: float = 30.0
    fov: tuple[float, float] = (60.0, 75.0)
    distortion: tuple[float, float] = (0.0, 0.0)
    gain: tuple[float, float] = (0.8, 1.05)
    glove: float = 0.0  # chance of a gloved hand over the panel's edge
    lamps: float = 0.0  # chance of a lamp's saturated reflection (anywhere on the display)
    sharpen: float = 0.0


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("bedside", "4:3 bedside monitor, dark bezel, dark panel, side text", _bedside),
        Family("light_bezel", "5:4 monitor in a silver or white frame, black panel", _light_bezel),
        Family("grey_panel", "16:10 review station with a mid-grey UI", _grey_panel),
        Family("side_ui", "16:9 workstation, bright side bar with thumbnails and forms", _side_ui),
        Family(
            "gloves_lamps", "4:3 monitor, gloved hands over its edge, lamp reflections", _gloves, glove=0.6, lamps=0.5
        ),
        Family("quad_review", "4:3 review monitor split in four runs", _quad_review),
        Family("display_wall", "ceiling display wall of 2x2 or 3x2 tiles", _display_wall, fraction=(0.45, 0.9)),
        Family("dual_view", "16:9 monitor with the live and a reference run side by side", _dual_view),
        Family("edge_to_edge", "16:10 glass panel without a bezel", _edge_to_edge, fraction=(0.4, 0.92)),
        Family(
            "phone_lens",
            "wide phone lens: barrel distortion, sharpening, white balance",
            _phone,
            fov=(75.0, 90.0),
            distortion=(0.02, 0.07),
            sharpen=0.6,
        ),
        Family("overexposed", "bright angiogram, exposure that clips it, no reflection", _overexposed, gain=(1.2, 1.6)),
    )
}
TUNING = ("bedside", "light_bezel", "grey_panel", "side_ui", "gloves_lamps", "quad_review")
HELD_OUT = ("display_wall", "dual_view", "edge_to_edge", "phone_lens", "overexposed")


def _content_to_photo(content_wh: tuple[int, int], quad: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """(3, 3) content pixel centres → photo pixel centres for a panel pasted onto ``quad``
    (``photo_sim``'s convention: the content's outer edge lands on ``quad`` - 0.5)."""
    w, h = content_wh
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32) - 0.5
    return cv2.getPerspectiveTransform(src, quad.astype(np.float32) - 0.5).astype(np.float64)


def outline(
    quad: npt.NDArray[np.float64], k: float, photo_wh: tuple[int, int], per_side: int = 16
) -> npt.NDArray[np.float64]:
    """The (4 * per_side, 2) polygon of ``quad``'s sides sampled evenly, through the lens' distortion ``k``."""
    t = np.arange(per_side)[:, None] / per_side
    sides = [quad[i] + t * (quad[(i + 1) % 4] - quad[i]) for i in range(4)]
    return distort(np.concatenate(sides), k, photo_wh)


def _outer(box: Box) -> npt.NDArray[np.float64]:
    """The outer corners of a content box, in pixel-centre coordinates, TL TR BR BL."""
    x0, y0, x1, y1 = box
    return np.array([[x0 - 0.5, y0 - 0.5], [x1 - 0.5, y0 - 0.5], [x1 - 0.5, y1 - 0.5], [x0 - 0.5, y1 - 0.5]])


def render(
    family: str, seed: int, frame: npt.NDArray[np.uint8] | None, photo_size: tuple[int, int] = (1600, 1200)
) -> FamilyPhoto:
    """One photo of ``family``'s display showing ``frame`` (None: the display shows no angiogram).

    Args:
        family: a key of ``FAMILIES``.
        seed: draws the display, the room, the pose and the artefacts.
        frame: (H, W) uint8 angiogram, or None.
        photo_size: (width, height).

    Raises:
        KeyError: an unknown family.
    """
    fam = FAMILIES[family]
    rng = np.random.default_rng(seed)
    display = fam.display(frame, rng)
    h, w = display.content.shape[:2]
    yaw, pitch = rng.uniform(-fam.max_angle, fam.max_angle, 2)
    pose = Conditions(
        yaw=float(yaw),
        pitch=float(pitch),
        roll=float(rng.uniform(-10, 10)),
        fov=float(rng.uniform(*fam.fov)),
        fraction=float(rng.uniform(*fam.fraction)),
        offset=(float(rng.random()), float(rng.random())),
        defocus=float(rng.uniform(0.3, 1.6)),
        motion=float(rng.uniform(2, 8)) if rng.random() < 0.2 else 0.0,
        motion_angle=float(rng.uniform(0, 180)),
        noise=float(rng.uniform(1, 5)),
        jpeg=int(rng.integers(70, 95)),
    )
    cam_style = CameraStyle(
        distortion=float(rng.uniform(*fam.distortion)),
        gain=float(rng.uniform(*fam.gain)),
        tint=tuple(float(v) for v in rng.uniform(0.9, 1.1, 3)) if fam.sharpen > 0 else (1.0, 1.0, 1.0),
        sharpen=fam.sharpen * float(rng.uniform(0.5, 1.0)),
    )
    pw, ph = photo_size
    photo = room(rng, pw, ph)
    cam = Camera((pw, ph), pose.fov)
    rot, t, _ = place(cam, (w, h), pose)
    lit = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]], np.float64)
    corners = cam.project(lit @ rot.T + t)
    if display.bezel > 0:
        b = display.bezel * w
        outer = lit * np.array([(w / 2 + b) / (w / 2), (h / 2 + b) / (h / 2), 1])
        quad = np.round(cam.project(outer @ rot.T + t) * 16).astype(np.int32)
        cv2.fillConvexPoly(photo, quad, display.bezel_bgr, cv2.LINE_AA, shift=4)
    to_photo = _content_to_photo((w, h), corners)
    shown = display.content * cam_style.gain
    warped = cv2.warpPerspective(shown, to_photo, (pw, ph), flags=cv2.INTER_LINEAR)
    inside = cv2.warpPerspective(np.ones((h, w), np.float32), to_photo, (pw, ph), flags=cv2.INTER_LINEAR)[..., None]
    photo = photo * (1 - inside) + warped * inside

    viewport = frame_to_photo = shown_frame = None
    quads: list[npt.NDArray[np.float64]] = []
    glare_on = False
    if display.viewports:
        quads = [cv2.perspectiveTransform(_outer(v)[None], to_photo)[0] + 0.5 for v in display.viewports]
        centre = np.array([pw, ph], np.float64) / 2
        aim = int(
            np.argmin([np.linalg.norm(distort(q, cam_style.distortion, (pw, ph)).mean(axis=0) - centre) for q in quads])
        )
        viewport = quads[aim]
        frame_to_photo = to_photo @ display.frame_to_content[aim]
        shown_frame = display.frames[aim]
    if rng.random() < fam.lamps:  # a lamp's specular reflection on the screen's glass
        u, v = rng.uniform(0.05, 0.95, 2)
        spot = cv2.perspectiveTransform(np.array([[[u * w, v * h]]], np.float64), to_photo)[0, 0]
        r = float(rng.uniform(0.008, 0.025)) * pw
        yy, xx = np.mgrid[0:ph, 0:pw].astype(np.float32)
        photo += (
            float(rng.uniform(180, 280)) * np.exp(-((xx - spot[0]) ** 2 + (yy - spot[1]) ** 2) / (2 * r * r))[..., None]
        )
        if viewport is not None:
            inside_view = cv2.pointPolygonTest(viewport.astype(np.float32), (float(spot[0]), float(spot[1])), True)
            glare_on = inside_view > -r
    if rng.random() < fam.glove:
        colour = ((200.0, 120.0, 60.0), (170.0, 80.0, 120.0), (215.0, 225.0, 230.0))[int(rng.integers(0, 3))]
        hand(photo, rng, corners, int(rng.integers(0, 4)), glove=colour)
    photo *= np.array(cam_style.tint, np.float32)
    outlines = tuple(outline(q, cam_style.distortion, (pw, ph)) for q in quads)
    panel_outline = outline(corners, cam_style.distortion, (pw, ph))
    if cam_style.distortion > 0:
        mx, my = _undistorted_at((pw, ph), cam_style.distortion)
        photo = cv2.remap(photo.astype(np.float32), mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        corners = distort(corners, cam_style.distortion, (pw, ph))
        viewport = None if viewport is None else distort(viewport, cam_style.distortion, (pw, ph))
    image = camera_artefacts(photo.astype(np.float32), rng, pose)
    if cam_style.sharpen > 0:  # the phone's own sharpening, after its demosaic and before JPEG in truth
        soft = cv2.GaussianBlur(image, (0, 0), 1.5)
        image = cv2.addWeighted(image, 1 + cam_style.sharpen, soft, -cam_style.sharpen, 0)
    return FamilyPhoto(
        image=image,
        family=family,
        corners=corners,
        viewport_corners=viewport,
        frame=shown_frame,
        frame_to_photo=frame_to_photo,
        distortion=cam_style.distortion,
        glare_on_angiogram=glare_on,
        viewport_outlines=outlines,
        panel_outline=panel_outline,
    )
