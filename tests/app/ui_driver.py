"""Drives the real app under SDL's offscreen EGL with touches; run in its own process.

    python -m tests.app.ui_driver RESULT.json DATA_DIR PHOTO

The photo plays as the camera (``StillSource``). The driver waits for the shutter to
enable itself, touches it, waits for the findings, exports the report, opens History,
reopens the capture, deletes it, and opens the file chooser; it records what each
screen showed and on which threads ``Analyzer.predict`` ran, then writes RESULT.json.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

from cathnet_bedside.app import Options, configure_kivy


def main(result_path: Path, data_dir: Path, photo: Path) -> int:
    configure_kivy()
    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch
    from kivy.uix.button import Button
    from kivy.uix.popup import Popup

    import cathnet
    from cathnet_bedside.bedside import BedsideApp

    predict_threads: list[str] = []

    class Recording(cathnet.Analyzer):
        def predict(self, *args: Any, **kwargs: Any) -> cathnet.Findings:
            predict_threads.append(
                "main" if threading.current_thread() is threading.main_thread() else threading.current_thread().name
            )
            return super().predict(*args, **kwargs)

    app = BedsideApp(
        Options(data_dir=data_dir, image=photo, screen="capture"), make_analyzer=lambda: Recording(backend="litert")
    )
    result: dict[str, Any] = {}
    state = {"step": "wait_steady", "frames": 0}

    def touch(widget: Any) -> None:
        x, y = widget.to_window(*widget.center)
        t = UnitTestTouch(x, y)
        t.touch_down()
        t.touch_up()

    def buttons(root: Any, text: str) -> list[Button]:
        return [w for w in root.walk() if isinstance(w, Button) and w.text == text]

    def record_review() -> None:
        record = app.store.record(app.review_screen.record.id)
        rev = app.review_screen
        result["review"] = {
            "status": record.status,
            "verdict": rev.verdict.text,
            "lines": rev.lines.text,
            "id": record.id,
            "has_image": rev.image.texture is not None,
        }

    def export() -> None:
        touch(buttons(app.review_screen, "Export report")[0])
        result["export_status"] = app.review_screen.status.text
        result["exports"] = sorted(p.name for p in (data_dir / "exports").iterdir())

    def history_rows() -> None:
        result["history"] = {"current": app.manager.current, "opens": len(buttons(app.history_screen, "Open"))}

    def reopened() -> None:
        rev = app.review_screen
        result["reopened"] = {
            "current": app.manager.current,
            "id": rev.record.id if rev.record else None,
            "verdict": rev.verdict.text,
        }

    def after_delete() -> None:
        result["after_delete"] = {"opens": len(buttons(app.history_screen, "Open")), "captures": len(app.store.list())}

    def chooser() -> None:
        result["chooser_open"] = any(isinstance(w, Popup) for w in Window.children)
        for popup in [w for w in Window.children if isinstance(w, Popup)]:
            touch(buttons(popup, "Cancel")[0])

    # One action per step, each after the screen it acts on has been laid out and drawn.
    script = [
        record_review,
        export,
        lambda: touch(buttons(app.review_screen, "History")[0]),
        history_rows,
        lambda: touch(buttons(app.history_screen, "Open")[0]),
        reopened,
        lambda: touch(buttons(app.review_screen, "History")[0]),
        lambda: touch(buttons(app.history_screen, "Delete")[0]),
        lambda: result.__setitem__(
            "delete_asks",
            [len(buttons(p, "Delete")) for p in Window.children if isinstance(p, Popup)] == [1]
            and len(app.store.list()) == 1,
        ),
        lambda: touch(next(b for p in Window.children if isinstance(p, Popup) for b in buttons(p, "Delete"))),
        after_delete,
        lambda: touch(buttons(app.history_screen, "New capture")[0]),
        lambda: result.__setitem__("back_to", app.manager.current),
        lambda: touch(buttons(app.capture_screen, "Open image")[0]),
        chooser,
        lambda: result.__setitem__("chooser_closed", not any(isinstance(w, Popup) for w in Window.children)),
    ]

    def tick(dt: float) -> bool:
        state["frames"] += 1
        if state["frames"] > 3000:
            result["error"] = f"timed out in step {state['step']}"
            app.stop()
            return False
        cap, rev = app.capture_screen, app.review_screen
        if state["step"] == "wait_steady":
            result.setdefault("shutter_disabled_at_start", cap.shutter.disabled)
            if not cap.shutter.disabled:
                result["guidance_when_steady"] = cap.guidance.text
                touch(cap.shutter)
                state["step"] = "wait_review"
        elif state["step"] == "wait_review":
            if app.manager.current == "review" and rev.record is not None and rev.verdict.text != "Analysing...":
                state["step"], state["next"], state["at"] = "script", state["frames"] + 5, time.monotonic() + 0.3
        elif state["step"] == "script" and state["frames"] >= state["next"] and time.monotonic() >= state["at"]:
            if not script:
                result["predict_threads"] = predict_threads
                result["dropped_frames"] = app.worker.dropped_frames if app.worker else None
                app.stop()
                return False
            script.pop(0)()
            # Popups animate open and closed (ModalView): wait frames and time both.
            state["next"], state["at"] = state["frames"] + 5, time.monotonic() + 0.3
        return True

    Clock.schedule_interval(tick, 0)
    app.run()
    result_path.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])))
