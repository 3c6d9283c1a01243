"""Popups: "Open image" (a file chooser that also asks what the file is) and confirmations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.filechooser import FileChooserListView
from kivy.uix.label import Label
from kivy.uix.popup import Popup

from cathnet_bedside.screens import BODY, BUTTON_HEIGHT

IMAGE_PATTERNS = ["*.png", "*.jpg", "*.jpeg", "*.bmp", "*.tif", "*.tiff", "*.PNG", "*.JPG", "*.JPEG"]


def open_chooser(on_chosen: Callable[[Path, str], None], start: Path | None = None) -> Popup:
    """Shows the chooser; ``on_chosen(path, kind)`` with kind ``"photo"`` or ``"frame"``."""
    layout = BoxLayout(orientation="vertical", spacing=dp(8))
    chooser = FileChooserListView(path=str(start or Path.home()), filters=IMAGE_PATTERNS)
    layout.add_widget(chooser)
    buttons = BoxLayout(size_hint_y=None, height=BUTTON_HEIGHT, spacing=dp(12))
    popup = Popup(title="Open an image", content=layout, size_hint=(0.9, 0.9))

    def choose(kind: str) -> None:
        if chooser.selection:
            popup.dismiss()
            on_chosen(Path(chooser.selection[0]), kind)

    buttons.add_widget(Button(text="Photo of the monitor", font_size=BODY, on_press=lambda *_: choose("photo")))
    buttons.add_widget(Button(text="Digital frame", font_size=BODY, on_press=lambda *_: choose("frame")))
    buttons.add_widget(Button(text="Cancel", font_size=BODY, on_press=lambda *_: popup.dismiss()))
    layout.add_widget(buttons)
    popup.open()
    return popup


def confirm(question: str, action: str, on_yes: Callable[[], None]) -> Popup:
    """Asks before an action that cannot be undone (deleting a capture)."""
    layout = BoxLayout(orientation="vertical", spacing=dp(12), padding=dp(12))
    layout.add_widget(Label(text=question, font_size=BODY))
    buttons = BoxLayout(size_hint_y=None, height=BUTTON_HEIGHT, spacing=dp(12))
    popup = Popup(title=action, content=layout, size_hint=(0.6, 0.4))

    def yes() -> None:
        popup.dismiss()
        on_yes()

    buttons.add_widget(Button(text=action, font_size=BODY, on_press=lambda *_: yes()))
    buttons.add_widget(Button(text="Cancel", font_size=BODY, on_press=lambda *_: popup.dismiss()))
    layout.add_widget(buttons)
    popup.open()
    return popup
