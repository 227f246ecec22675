"""rtf.string_width, rtflite's text width from fonts opened once: the widths and therefore the
page breaks and bytes are rtflite's own."""
from __future__ import annotations

import pytest
import rtflite.attributes
import rtflite.pagination.core
from rtflite.strwidth import get_string_width

from tasks.report import rtf
from tasks.report.rtf import string_width, table_rtf

TEXTS = ["", "Y", "Term 12", "caf\u00e9 \u2265 3", "A preferred term long enough to wrap " * 4]


@pytest.mark.parametrize("font", [1, 4, 9, "Times New Roman", "Calibri"])
@pytest.mark.parametrize("font_size", [9, 10.5, 12])
def test_widths_are_rtflites_own(font, font_size):
    assert [string_width(t, font=font, font_size=font_size) for t in TEXTS] == [
        get_string_width(t, font=font, font_size=font_size, unit="in") for t in TEXTS]
    # 12 pt Times: "Y" is 0.722 em wide (Liberation Serif's advance), 8.664 px at 72 dpi
    assert string_width("Y", font=1, font_size=12) == pytest.approx(8.664 / 72, abs=1e-3)


def test_rtflite_measures_with_it_and_the_bytes_stay_rtflites(monkeypatch, make_table):
    assert rtflite.pagination.core.get_string_width is string_width
    assert rtflite.attributes.get_string_width is string_width
    long = make_table("14.3.2", 130, 3, landscape=True)
    long.display.iloc[5, 0] = "A preferred term long enough to wrap in its column " * 3
    ours = table_rtf(long, rtf.__name__)
    monkeypatch.setattr(rtflite.pagination.core, "get_string_width", get_string_width)
    monkeypatch.setattr(rtflite.attributes, "get_string_width", get_string_width)
    assert table_rtf(long, rtf.__name__) == ours


def test_other_units_are_refused():
    with pytest.raises(ValueError, match="inches"):
        string_width("Y", unit="mm")
