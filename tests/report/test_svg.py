"""The figure rules of tasks.report.svg: no label under 7 pt, dense data layers as a raster of at
least 200 dpi with text left vector, top-N selection that says what it leaves out."""
from __future__ import annotations

import base64
import re
import struct

import numpy as np
import pandas as pd
import pytest

from tasks.report.svg import MAX_VECTOR_ELEMENTS, new_figure, to_svg, top_n


def _raster_dpi(svg: str) -> list[float]:
    """Pixels per inch of every embedded PNG, as printed (SVG user units are points)."""
    dpis = []
    for tag in re.findall(r"<image [^>]*>", svg):
        width_pt = float(re.search(r'width="([\d.]+)"', tag)[1])
        png = base64.b64decode(re.search(r'data:image/png;base64,([^"]+)"', tag)[1])
        width_px = struct.unpack(">I", png[16:20])[0]           # IHDR width
        dpis.append(width_px / (width_pt / 72))
    return dpis


def _scatter(points: int) -> str:
    rng = np.random.default_rng(1)
    fig, ax = new_figure(10, 8)
    ax.scatter(rng.random(points), rng.random(points), s=4)
    ax.set_xlabel("Peak ALT (x ULN)")
    return to_svg(fig)


def test_a_label_under_7_pt_is_refused():
    fig, ax = new_figure(10, 6)
    ax.plot([0, 1], [0, 1])
    ax.text(0.5, 0.5, "NCT-0001", fontsize=6.5)
    with pytest.raises(ValueError, match=r"'NCT-0001' \(6.5 pt\)"):
        to_svg(fig)


def test_the_style_makes_every_default_label_at_least_7_pt():
    fig, ax = new_figure(10, 6)
    ax.plot([0, 1], [0, 1], label="curve")
    ax.set_xlabel("Months")
    ax.legend()
    svg = to_svg(fig)                                   # the guard passed: nothing under 7 pt
    assert "<image" not in svg


def test_a_dense_layer_is_a_raster_of_300_dpi_and_the_text_stays_vector():
    vector, raster = _scatter(MAX_VECTOR_ELEMENTS), _scatter(MAX_VECTOR_ELEMENTS + 1)
    assert "<image" not in vector and vector.count("<use ") >= MAX_VECTOR_ELEMENTS
    assert raster.count("<image") == 1 and raster.count("<use ") < 200
    assert all(dpi >= 200 for dpi in _raster_dpi(raster)) and _raster_dpi(raster)[0] == \
        pytest.approx(300, rel=0.02)
    # the axis label is still drawn as glyph paths (matplotlib names the text), not in the image
    assert "<!-- Peak ALT (x ULN) -->" in raster
    assert raster == _scatter(MAX_VECTOR_ELEMENTS + 1)   # and the bytes are reproducible


def test_top_n_keeps_the_order_and_says_what_it_leaves_out():
    frame = pd.DataFrame({"USUBJID": [f"S{i}" for i in range(5)], "END": [9, 7, 5, 3, 1]})
    selection = top_n(frame, 3, "the longest treatment", "f_14_2_4_swimmer")
    assert selection.shown["USUBJID"].tolist() == ["S0", "S1", "S2"]
    assert selection.note == ("The 3 subjects with the longest treatment of 5 are shown; every "
                              "subject is in tables/f_14_2_4_swimmer.csv.")
    assert top_n(frame, 5, "the longest treatment", "f").note is None
