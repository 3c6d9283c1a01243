"""``cathnet-bedside``: the Kivy tablet app, from camera to findings.

    cathnet-bedside                                   # the camera (camera4kivy)
    cathnet-bedside --video clip.mp4                  # a recorded clip as the camera
    cathnet-bedside --image photo.jpg --screenshot review.png   # scripted: analyse, show, save, exit

The UI thread only shows state and saves captures; the SDK runs on ``AnalysisWorker``'s
thread. A capture is saved (``CaptureStore``) before it is analysed, and captures left
pending by a crash or a kill are analysed again when the app starts.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Options:
    """How the app was started.

    Attributes:
        data_dir: the app's data folder (captures, exports); None: Kivy's
            ``user_data_dir`` (the app's private storage on Android).
        image: analyse this file at start (scripted mode).
        kind: what ``image`` is: ``"photo"`` of the monitor or a digital ``"frame"``.
        video: use this video file as the camera.
        screenshot: save a screenshot of ``screen`` here once it is shown, then exit.
        screen: which screen the screenshot shows (``review``, ``capture``, ``history``).
        timeout: seconds the scripted mode waits for its screen before giving up.
    """

    data_dir: Path | None = None
    image: Path | None = None
    kind: str = "photo"
    video: Path | None = None
    screenshot: Path | None = None
    screen: str = "review"
    timeout: float = 120.0


def configure_kivy(width: int = 1280, height: int = 800) -> None:
    """Environment Kivy must see before its first import (headless-safe, no argv parsing)."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="cathnet-kivy-"))
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")  # Mesa EGL, no X server
    from kivy.config import Config

    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("kivy", "exit_on_escape", "1")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cathnet-bedside", description="CathNet bedside app (research use only)")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--image", type=Path, help="analyse this photo of the monitor at start")
    source.add_argument("--frame", type=Path, help="analyse this digital angiogram frame at start")
    source.add_argument("--video", type=Path, help="use this video file as the camera")
    p.add_argument("--screenshot", type=Path, help="save a screenshot once the screen is shown, then exit")
    p.add_argument(
        "--screen",
        default="review",
        choices=("review", "capture", "history"),
        help="the screen the screenshot shows (default: review)",
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="the app's data folder (default: $CATHNET_BEDSIDE_DATA, else Kivy's user_data_dir)",
    )
    p.add_argument("--size", default="1280x800", help="window size WxH (default: a 10-inch tablet, landscape)")
    p.add_argument("--timeout", type=float, default=120.0, help="scripted mode: seconds before giving up")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 1 the image/video/storage failed, 2 usage)."""
    args = _parser().parse_args(argv)
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        sys.stderr.write(f"cathnet-bedside: expected --size WxH, e.g. 1280x800, got {args.size}\n")
        return 2
    for path in (args.image, args.frame, args.video):
        if path is not None and not path.is_file():
            sys.stderr.write(f"cathnet-bedside: expected an existing file, got {path}\n")
            return 2
    options = Options(
        data_dir=args.data_dir
        or (Path(os.environ["CATHNET_BEDSIDE_DATA"]) if "CATHNET_BEDSIDE_DATA" in os.environ else None),
        image=args.image or args.frame,
        kind="frame" if args.frame else "photo",
        video=args.video,
        screenshot=args.screenshot,
        screen=args.screen,
        timeout=args.timeout,
    )
    configure_kivy(width, height)
    from cathnet_bedside.bedside import (
        BedsideApp,  # after configure_kivy: Kivy reads it at import
    )

    app = BedsideApp(options)
    app.run()
    return int(app.exit_code)


def entry() -> None:
    sys.exit(main())
