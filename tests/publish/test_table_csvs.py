"""The CSVs of tables/: frames of one layout (the patient profiles) written as one CSV and cut per
frame give each frame's own CSV byte for byte."""
from __future__ import annotations

import pandas as pd

from tasks.publish.contents import _csv, _csvs


def _profile(subject: str, days: list[float], terms: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": pd.Series([subject] * len(days), dtype=object),
                         "DAY": pd.Series(days, dtype="float64"),
                         "LABEL": pd.Series(terms, dtype=object),
                         "DATE": pd.to_datetime(["2026-01-02"] * len(days))})


PROFILES = [_profile("S-1", [1.0, 2.5], ["RASH", 'FEVER, "HIGH"']), _profile("S-2", [], []),
            _profile("S-3", [float("nan")], ["NAUSEA"]),
            pd.DataFrame({"Arm": ["A"], "n": [3]}),                  # a table of its own layout
            _profile("S-5", [3.0], ["OEDEMA"])]


def test_frames_of_one_layout_cut_from_one_csv_equal_their_own_csvs():
    made = _csvs(PROFILES)
    assert made == [_csv(frame) for frame in PROFILES]
    assert made[0] == (b'USUBJID,DAY,LABEL,DATE\nS-1,1.0,RASH,2026-01-02\n'
                       b'S-1,2.5,"FEVER, ""HIGH""",2026-01-02\n')
    assert made[1] == b"USUBJID,DAY,LABEL,DATE\n"
    assert made[2] == b"USUBJID,DAY,LABEL,DATE\nS-3,,NAUSEA,2026-01-02\n"


def test_a_value_over_two_lines_has_its_layout_written_frame_by_frame():
    frames = [*PROFILES, _profile("S-4", [7.0], ["line\nbreak"])]
    made = _csvs(frames)
    assert made == [_csv(frame) for frame in frames]
    assert made[-1] == b'USUBJID,DAY,LABEL,DATE\nS-4,7.0,"line\nbreak",2026-01-02\n'
