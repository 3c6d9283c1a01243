from __future__ import annotations

import numpy as np
import pytest

from cathnet import Findings, Lesion
from cathnet.overlay import render, to_display


def _findings() -> Findings:
    lesion = Lesion(100.0, 80.0, (90.0, 70.0, 110.0, 95.0), 0.9, 75.0)
    return Findings(0.93, True, 0.5, (lesion,), (256, 200))


def test_draws_in_severity_colour_and_upscales_small_frames() -> None:
    image = np.full((200, 256), 128, np.uint8)
    out = render(image, _findings())
    assert out.dtype == np.uint8 and out.shape == (400, 512, 3)  # 2x so text stays legible
    # The severe lesion's box edge is drawn in red (BGR), the rest stays grey.
    assert tuple(out[140, 180:220].max(axis=0)) != (128, 128, 128)
    red = (out[..., 2] > 200) & (out[..., 0] < 100)
    assert red[130:200, 170:230].any()
    assert not red[300:380, 300:500].any()


def test_sixteen_bit_and_colour_inputs_display() -> None:
    ramp = np.tile(np.linspace(0, 65535, 256, dtype=np.uint16), (200, 1))
    disp = to_display(ramp)
    assert disp.dtype == np.uint8 and disp.shape == (200, 256, 3)
    assert disp[0, 0, 0] < 10 and disp[0, -1, 0] > 245
    assert to_display(np.zeros((200, 256, 4), np.uint8)).shape == (200, 256, 3)


def test_heatmap_washes_only_where_it_is_hot() -> None:
    image = np.full((200, 256), 128, np.uint8)
    heat = np.zeros((200, 256), np.float32)
    heat[20:40, 200:240] = 0.9
    out = render(image, _findings(), heatmap=heat)  # upscaled 2x
    assert not np.array_equal(out[60, 440], (128, 128, 128))  # hot: coloured
    assert np.array_equal(out[350, 100], (128, 128, 128))  # cold: untouched grey


def test_a_heatmap_of_another_size_is_refused() -> None:
    with pytest.raises(ValueError, match="heatmap"):
        render(np.zeros((200, 256), np.uint8), _findings(), heatmap=np.zeros((10, 10), np.float32))


def test_an_outlined_lesion_is_drawn_along_its_outline_not_its_box() -> None:
    outline = ((60.0, 60.0), (160.0, 60.0), (160.0, 70.0), (60.0, 70.0))
    lesion = Lesion(110.0, 65.0, (20.0, 20.0, 200.0, 150.0), 0.9, 75.0, outline=outline)
    out = render(np.full((200, 256), 128, np.uint8), Findings(0.93, True, 0.5, (lesion,), (256, 200)))
    red = (out[..., 2] > 200) & (out[..., 0] < 100)
    assert red[118:122, 140:300].any()  # the outline's top edge, at 2x: y = 120
    assert not red[200:260, 38:42].any()  # no box edge at x = 40 (2x of the box's x0 = 20)
