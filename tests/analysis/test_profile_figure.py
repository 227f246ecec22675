"""The patient-profile timeline as SVG (tasks.analysis.profile_figure): what is drawn where, for
a hand-made subject, and the cap on AE rows (the worst grades kept)."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from tasks.analysis.profile_figure import GRADE_COLOURS, profile_svg
from tasks.analysis.safety_profiles import COLUMNS

NAN = np.nan
# KIND LABEL STARTDY ENDDY VALUE GRADE SERIOUS DETAIL
ROWS = [("DOSE", "TQB2868", 1, NAN, 10, NAN, None, "GIVEN"),
        ("DOSE", "TQB2868", 22, NAN, 0, NAN, None, "WITHHELD"),
        ("DOSE", "TQB2868", 43, NAN, 10, NAN, None, "GIVEN"),
        ("AE", "NAUSEA", 10, 20, NAN, 1, "N", "RECOVERED/RESOLVED"),
        ("AE", "PNEUMONITIS", 30, NAN, NAN, 3, "Y", "NOT RECOVERED/NOT RESOLVED"),
        ("RESPONSE", "PR", 42, NAN, NAN, NAN, None, None),
        ("LAB", "ALT", 29, NAN, 2.0, 1, None, None),
        ("LAB", "ALT", 15, NAN, 1.0, 0, None, None),
        ("DEATH", "DISEASE PROGRESSION", 50, NAN, NAN, NAN, None, None)]


def _data() -> pd.DataFrame:
    rows = [dict(zip(COLUMNS[1:5] + COLUMNS[6:], (kind, label, start, end, value, grade,
                                                 serious, detail)))
            for kind, label, start, end, value, grade, serious, detail in ROWS]
    return pd.DataFrame(rows).assign(USUBJID="S-1", DATE=pd.NaT).reindex(columns=COLUMNS)


def test_each_record_is_drawn_at_its_study_day():
    svg = profile_svg(_data(), max_terms=22)
    # days 1..50 padded by 2 either side: x = 53 + (day + 1) * 113 / 53 mm
    assert svg.count('r="0.70" fill="#1f4e79"') == 2                   # two doses given
    assert '<path d="M101.34 ' in svg         # the dose withheld on day 22: a cross at x 102.04
    assert '<line x1="161.74" y1="6.00" x2="161.74"' in svg            # death on day 50
    assert ">Death</text>" in svg
    # nausea grade 1 on row 1 (y 11.4 mm) from day 10 to the end of day 20: x 76.45, width 23.45
    assert '<rect x="76.45" y="10.28" width="23.45" height="2.23" fill="#9ecae1"/>' in svg
    # the serious grade 3 pneumonitis: outlined, starred, and ongoing (an arrow at the last day)
    assert re.search(f'fill="{GRADE_COLOURS[3]}" stroke="#000000" stroke-width="0.3"/>', svg)
    # the star and the arrow; the legend's star and dose-reduced triangle
    assert svg.count('<polygon points=') == 4
    assert ">PR</text>" in svg and ">Tumour response</text>" in svg
    # ALT as a line by study day (day 15 before day 29), one marker per value
    line = re.search(r'<polyline points="([^"]+)" fill="none" stroke="#1f4e79"', svg)
    assert line is not None and line[1].split()[0].startswith("87.11,")
    assert len(line[1].split()) == 2
    assert ">ALT / ULN</text>" in svg and "AST / ULN" not in svg


def test_ae_rows_keep_the_worst_grades_in_order_of_onset():
    svg = profile_svg(_data(), max_terms=1)
    assert ">Pneumonitis</text>" in svg and ">Nausea</text>" not in svg
    assert svg.count(f'fill="{GRADE_COLOURS[1]}"/>') == 1                 # the legend's only
    both = profile_svg(_data(), max_terms=22)
    assert both.index(">Nausea</text>") < both.index(">Pneumonitis</text>")


def test_a_subject_without_records_gets_an_empty_timeline():
    svg = profile_svg(pd.DataFrame(columns=COLUMNS), max_terms=22)
    assert ">No dose</text>" in svg and ">No adverse event</text>" in svg
    assert "<polyline" not in svg and ">Death</text>" not in svg
