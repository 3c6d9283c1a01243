"""The three screens: Capture, Review, History (Kivy widgets; no SDK calls here).

Screens only show state and forward touches to the app (``BedsideApp``); the app owns
the store, the worker and the frame source. Sizes are in dp/sp for a 10" tablet held
at arm's length: body text 22 sp, buttons 72 dp high.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
import numpy.typing as npt
from kivy.graphics import Color, Rectangle
from kivy.graphics.texture import Texture
from kivy.metrics import dp, sp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from cathnet import DISCLAIMER
from cathnet.capture import LiveState
from cathnet_bedside import review
from cathnet_bedside.storage import CaptureRecord

if TYPE_CHECKING:
    from cathnet_bedside.app import BedsideApp

BODY = sp(22)
HEADLINE = sp(30)
BUTTON_HEIGHT = dp(72)
_RED, _GREEN, _AMBER, _GREY = (1, 0.35, 0.3, 1), (0.4, 0.9, 0.45, 1), (1, 0.75, 0.2, 1), (0.8, 0.8, 0.8, 1)


def texture_of(image: npt.NDArray[np.uint8]) -> Texture:
    """A BGR uint8 image → a Kivy texture (Kivy's origin is bottom-left: flipped)."""
    h, w = image.shape[:2]
    texture = Texture.create(size=(w, h), colorfmt="bgr")
    texture.blit_buffer(np.ascontiguousarray(image[::-1]).tobytes(), colorfmt="bgr", bufferfmt="ubyte")
    return texture


def _label(text: str = "", size: float = BODY, **kwargs: Any) -> Label:
    label = Label(text=text, font_size=size, halign="left", valign="middle", **kwargs)
    label.bind(
        width=lambda lbl, w: setattr(lbl, "text_size", (w, None)),
        texture_size=lambda lbl, ts: setattr(lbl, "height", ts[1]),
    )
    label.size_hint_y = None
    return label


class _Backdrop(Screen):
    """A screen with an opaque dark background (screenshots and the device look the same)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        with self.canvas.before:
            Color(0.07, 0.08, 0.09, 1)
            self._rect = Rectangle(pos=self.pos, size=self.size)
        self.bind(
            pos=lambda *_: setattr(self._rect, "pos", self.pos), size=lambda *_: setattr(self._rect, "size", self.size)
        )


def _button(text: str, on_press: Any, **kwargs: Any) -> Button:
    return Button(
        text=text, font_size=BODY, size_hint_y=None, height=BUTTON_HEIGHT, on_press=lambda *_: on_press(), **kwargs
    )


class CaptureScreen(_Backdrop):
    """Live preview with the screen outline, guidance, and the shutter."""

    def __init__(self, app: BedsideApp, **kwargs: Any) -> None:
        super().__init__(name="capture", **kwargs)
        self.app = app
        root = BoxLayout(orientation="vertical", padding=dp(12), spacing=dp(8))
        # The tracked frames (outline drawn in) cover the camera's own widget, if any;
        # transparent until the first frame, so no blank panel shows.
        self.view_area = FloatLayout()
        self.preview = Image(fit_mode="contain", color=(1, 1, 1, 0), pos_hint={"x": 0, "y": 0})
        self.view_area.add_widget(self.preview)
        root.add_widget(self.view_area)
        self.guidance = _label("Point the tablet at the angiogram monitor", HEADLINE, color=_AMBER)
        root.add_widget(self.guidance)
        self.detail = _label("", BODY, color=_GREY)
        root.add_widget(self.detail)
        buttons = BoxLayout(size_hint_y=None, height=BUTTON_HEIGHT, spacing=dp(12))
        self.shutter = _button("Capture", app.shutter, disabled=True)
        buttons.add_widget(self.shutter)
        buttons.add_widget(_button("Open image", app.choose_file))
        buttons.add_widget(_button("History", app.show_history))
        root.add_widget(buttons)
        root.add_widget(_label(DISCLAIMER, BODY, color=_GREY))
        self.add_widget(root)

    def attach_camera(self, camera: Widget) -> None:
        """Puts the camera's widget (camera4kivy's Preview) behind the tracked frames."""
        camera.pos_hint = {"x": 0, "y": 0}
        camera.size_hint = (1, 1)
        self.view_area.add_widget(camera, index=len(self.view_area.children))

    def detach_camera(self, camera: Widget) -> None:
        if camera.parent is self.view_area:
            self.view_area.remove_widget(camera)

    def _show_image(self, image: npt.NDArray[np.uint8]) -> None:
        self.preview.texture = texture_of(image)
        self.preview.color = (1, 1, 1, 1)

    def show_frame(self, frame: npt.NDArray[np.uint8], state: LiveState) -> None:
        """One tracked preview frame: outline drawn, guidance and shutter updated."""
        shown = frame.copy()
        if state.corners is not None:
            colour = (80, 220, 80) if state.steady else (0, 190, 255)
            cv2.polylines(shown, [np.round(state.corners).astype(np.int32)], True, colour, 3, cv2.LINE_AA)
        self._show_image(shown)
        self.guidance.text = state.message[0].upper() + state.message[1:]
        self.guidance.color = _GREEN if state.steady else _AMBER
        self.detail.text = ""
        self.shutter.disabled = not state.steady

    def show_problem(self, text: str, image: npt.NDArray[np.uint8] | None = None) -> None:
        """Guidance after a failed capture or an unreadable file (with the photo, if any)."""
        if image is not None:
            self._show_image(image)
        headline, _, detail = text.partition("\n")
        self.guidance.text = headline
        self.guidance.color = _AMBER
        self.detail.text = detail
        self.shutter.disabled = True


class ReviewScreen(_Backdrop):
    """The rectified angiogram with heatmap and markers, and the findings in words."""

    def __init__(self, app: BedsideApp, **kwargs: Any) -> None:
        super().__init__(name="review", **kwargs)
        self.app = app
        self.record: CaptureRecord | None = None
        root = BoxLayout(orientation="horizontal", padding=dp(12), spacing=dp(16))
        self.image = Image(fit_mode="contain", size_hint_x=0.6)
        root.add_widget(self.image)
        side = BoxLayout(orientation="vertical", size_hint_x=0.4, spacing=dp(8))
        self.verdict = _label("", HEADLINE)
        side.add_widget(self.verdict)
        self.lines = _label("", BODY)
        side.add_widget(self.lines)
        side.add_widget(BoxLayout())  # pushes the rest down
        self.status = _label("", BODY, color=_GREY)
        side.add_widget(self.status)
        side.add_widget(_label(DISCLAIMER, BODY, color=_AMBER, bold=True))
        for text, action in (
            ("Export report", app.export_current),
            ("New capture", app.show_capture),
            ("History", app.show_history),
        ):
            side.add_widget(_button(text, action))
        root.add_widget(side)
        self.add_widget(root)

    def show(self, record: CaptureRecord, review_png: npt.NDArray[np.uint8] | None) -> None:
        """A capture in any state: pending (analysing), done (findings) or failed (why)."""
        self.record = record
        self.status.text = f"Capture {record.id}"
        if review_png is not None:
            self.image.texture = texture_of(review_png)
        if record.status == "pending":
            self.verdict.text, self.verdict.color = "Analysing...", _GREY
            self.lines.text = "The capture is saved; the findings appear here when the analysis ends."
        elif record.status == "done" and record.findings is not None:
            self.verdict.text = review.verdict(record.findings)
            self.verdict.color = _RED if record.findings["stenosis"] else _GREEN
            self.lines.text = "\n".join(review.finding_lines(record.findings))
        else:
            error = record.error or {"code": "app.internal", "message": "no findings"}
            self.verdict.text, self.verdict.color = "Not analysed", _AMBER
            self.lines.text = review.guidance_for(error["code"], error["message"])


class HistoryScreen(_Backdrop):
    """Past captures, newest first: thumbnail, time, call; open or delete."""

    def __init__(self, app: BedsideApp, **kwargs: Any) -> None:
        super().__init__(name="history", **kwargs)
        self.app = app
        root = BoxLayout(orientation="vertical", padding=dp(12), spacing=dp(8))
        root.add_widget(_label("History", HEADLINE))
        self.rows = GridLayout(cols=1, spacing=dp(8), size_hint_y=None)
        self.rows.bind(minimum_height=self.rows.setter("height"))
        scroll = ScrollView()
        scroll.add_widget(self.rows)
        root.add_widget(scroll)
        root.add_widget(_button("New capture", app.show_capture))
        self.add_widget(root)

    def refresh(self, records: list[CaptureRecord], thumbs: dict[str, npt.NDArray[np.uint8]]) -> None:
        self.rows.clear_widgets()
        if not records:
            self.rows.add_widget(_label("No captures yet.", BODY, color=_GREY))
        for record in records:
            row = BoxLayout(size_hint_y=None, height=dp(120), spacing=dp(12))
            thumb = Image(size_hint_x=None, width=dp(160), fit_mode="contain")
            if record.id in thumbs:
                thumb.texture = texture_of(thumbs[record.id])
            row.add_widget(thumb)
            summary = Label(text=_summary(record), font_size=BODY, halign="left", valign="middle")
            summary.bind(size=lambda lbl, size: setattr(lbl, "text_size", size))
            row.add_widget(summary)
            row.add_widget(
                Button(
                    text="Open",
                    font_size=BODY,
                    size_hint_x=None,
                    width=dp(140),
                    on_press=lambda *_, r=record.id: self.app.open_capture(r),
                )
            )
            row.add_widget(
                Button(
                    text="Delete",
                    font_size=BODY,
                    size_hint_x=None,
                    width=dp(140),
                    on_press=lambda *_, r=record.id: self.app.delete_capture(r),
                )
            )
            self.rows.add_widget(row)


def _summary(record: CaptureRecord) -> str:
    when = record.created.replace("T", " ")[:16] + " UTC"
    if record.status == "done" and record.findings is not None:
        call = "stenosis suspected" if record.findings["stenosis"] else "no significant stenosis"
        return f"{when}  {record.kind}\nP {record.findings['stenosis_probability']:.2f}: {call}"
    if record.status == "failed" and record.error is not None:
        return f"{when}  {record.kind}\nnot analysed: {record.error['code']}"
    return f"{when}  {record.kind}\npending analysis"
