"""Efficacy figures: valid, byte-deterministic SVG; the plotted data (curves, numbers at risk,
best % change, swimmer lanes, spider points) computed as by hand; the swimmer cap."""
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from tasks.analysis.efficacy_data import percent_change_over_time, swimmer_lanes
from tasks.analysis.efficacy_figures import (
    km_figure,
    spider_figure,
    spider_summary,
    swimmer_figure,
    waterfall_figure,
)
from tasks.config import load_config
from tasks.dates import DAYS_PER_MONTH

CFG = load_config()
D = pd.Timestamp


def _svg_ok(svg: str) -> None:
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")


def _records(days, events, arm="A"):
    return pd.DataFrame({"USUBJID": [f"{arm}{i}" for i in range(len(days))],
                         "AVAL": np.asarray(days, float), "EVENT": events})


def test_km_figure_data_and_numbers_at_risk_by_hand():
    a = _records([30, 61, 91, 200, 400], [1, 0, 1, 1, 0])
    b = _records([100, 150], [0, 1], arm="B")
    figure = km_figure("f_14_2_1_km_os", "14.2.1", "Overall survival",
                       [("A", a), ("B", b), ("Total", pd.concat([a, b]))], 0.95)
    _svg_ok(figure.svg)
    risk = figure.data[figure.data["kind"] == "at risk"]
    a_risk = risk[risk["column"] == "A"].set_index("time")["n_risk"]
    # ticks every 2 months up to 400 days = 13.1 months: at 0, 2 (60.9 d), 4 (121.8 d), 6, ...
    assert (a_risk.loc[0.0] == 5 and a_risk.loc[2.0] == 4 and a_risk.loc[4.0] == 2
            and a_risk.loc[14.0] == 0)
    curve = figure.data[(figure.data["kind"] == "curve") & (figure.data["column"] == "A")]
    assert (curve["surv"].tolist()
            == pytest.approx([1.0, 0.8, 0.8, 0.8 * 2 / 3, 0.8 * 2 / 3 * 1 / 2, 0.8 / 3]))
    assert curve["time"].tolist()[1] == pytest.approx(30 / DAYS_PER_MONTH)


def test_km_figure_is_byte_deterministic():
    a = _records([30, 61, 91, 200, 400], [1, 0, 1, 1, 0])
    first = km_figure("f", "1", "Overall survival", [("A", a)], 0.95).svg
    assert first == km_figure("f", "1", "Overall survival", [("A", a)], 0.95).svg


def test_km_figure_with_nobody_still_draws():
    figure = km_figure("f", "1", "Overall survival", [("Total", _records([], []))], 0.95)
    _svg_ok(figure.svg)


def test_waterfall_sorts_largest_increase_first_and_notes_cut_bars():
    best = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"], "BESTPCHG": [-45.0, 150.0, 5.0],
                         "CBOR": ["PR", "PD", "SD"]})
    figure = waterfall_figure(best, cap=60, response=load_config().response)
    _svg_ok(figure.svg)
    assert figure.data["USUBJID"].tolist() == ["S2", "S3", "S1"]
    assert figure.data["BESTPCHG"].tolist() == [150.0, 5.0, -45.0]     # unclipped in tables/
    assert any("1 bar(s) above +100%" in note for note in figure.footnotes)
    assert figure.svg == waterfall_figure(best, cap=60, response=load_config().response).svg


def test_waterfall_of_many_subjects_rasterises_the_bars_only():
    rng = np.random.default_rng(3)
    best = pd.DataFrame({"USUBJID": [f"S{i:04d}" for i in range(3000)],
                         "BESTPCHG": rng.normal(-10, 30, 3000),
                         "CBOR": rng.choice(["PR", "SD", "PD"], 3000)})
    svg = waterfall_figure(best, cap=60, response=load_config().response).svg
    assert "<image" in svg and len(svg) < 1_000_000


def _adsl() -> pd.DataFrame:
    return pd.DataFrame({
        "USUBJID": ["S1", "S2", "S3"], "TRT01A": "A", "FASFL": ["Y", "Y", "Y"],
        "TRTSDT": [D("2026-01-01")] * 3,
        "TRTEDT": [D("2026-03-01"), D("2026-02-01"), D("2026-01-21")],
        "EOTSTT": ["DISCONTINUED", "ONGOING", "DISCONTINUED"],
        "LSTALVDT": [D("2026-05-01"), D("2026-06-30"), D("2026-02-15")],
        "DTHDT": [pd.NaT, pd.NaT, D("2026-02-15")], "RANDDT": pd.NaT})


def _adrs() -> pd.DataFrame:
    return pd.DataFrame({
        "USUBJID": ["S1", "S1", "S1", "S1", "S2"], "PARAMCD": ["OVR", "OVR", "OVR", "CBOR", "CBOR"],
        "AVALC": ["SD", "PR", "PD", "SD", "SD"],
        "ADT": [D("2026-01-20"), D("2026-02-12"), D("2026-04-10"), D("2026-02-12"),
                D("2026-02-12")]})


def test_swimmer_lanes_months_by_hand():
    lanes = swimmer_lanes(_adsl(), _adrs()).set_index("USUBJID")
    assert lanes.index.tolist() == ["S2", "S1", "S3"]                    # longest first
    # 1 Jan - 1 Mar
    assert lanes.loc["S1", "END_MONTHS"] == pytest.approx(60 / DAYS_PER_MONTH)
    # ongoing: last contact
    assert lanes.loc["S2", "END_MONTHS"] == pytest.approx(181 / DAYS_PER_MONTH)
    assert lanes.loc["S1", "RESPONSE_MONTHS"] == pytest.approx(43 / DAYS_PER_MONTH)
    assert lanes.loc["S1", "PD_MONTHS"] == pytest.approx(100 / DAYS_PER_MONTH)
    assert lanes.loc["S3", "DEATH_MONTHS"] == pytest.approx(46 / DAYS_PER_MONTH)
    assert lanes.loc["S3", "CBOR"] == "MISSING" and lanes.loc["S2", "ONGOING"] == "Y"


def test_swimmer_caps_the_lanes_and_says_so():
    lanes = swimmer_lanes(_adsl(), _adrs())
    figure = swimmer_figure(lanes, cap=2)
    _svg_ok(figure.svg)
    assert len(figure.data) == 3
    assert any("The 2 subjects with the longest treatment of 3" in note
               for note in figure.footnotes)
    assert figure.svg == swimmer_figure(lanes, cap=2).svg
    assert not any("longest" in note for note in swimmer_figure(lanes, cap=60).footnotes)


def test_spider_points_start_at_baseline_in_weeks():
    # S2's second visit is not analysed (ANL01FL missing: a target lesion was not measured).
    adtr = pd.DataFrame({"USUBJID": ["S1", "S1", "S1", "S2", "S2", "S2"], "PARAMCD": "SUMDIAM",
                         "PCHG": [np.nan, -20.0, -35.0, np.nan, 10.0, -90.0],
                         "ABLFL": ["Y", "", "", "Y", "", ""],
                         "ANL01FL": ["Y", "Y", "Y", "Y", "Y", None],
                         "ADT": [D("2025-12-30"), D("2026-02-12"), D("2026-03-26"), D("2025-12-29"),
                                 D("2026-02-12"), D("2026-03-26")]})
    changes = percent_change_over_time(adtr, _adsl(), CFG)
    assert changes.loc[changes["USUBJID"] == "S2", "PCHG"].tolist() == [0.0, 10.0]
    s1 = changes[changes["USUBJID"] == "S1"]
    assert s1["WEEK"].tolist() == [0.0, 6.0, 12.0] and s1["PCHG"].tolist() == [0.0, -20.0, -35.0]
    cbor = pd.Series({"S1": "PR", "S2": "SD"})
    figure = spider_figure(changes, cbor, limit=300, reference="the first dose",
                           response=load_config().response)
    _svg_ok(figure.svg)
    assert figure.data["CBOR"].tolist() == ["PR", "PR", "PR", "SD", "SD"]
    assert figure.svg == spider_figure(changes, cbor, limit=300, reference="the first dose",
                                       response=load_config().response).svg


def _many_lanes(subjects: int) -> pd.DataFrame:
    months = np.linspace(20, 1, subjects)
    return pd.DataFrame({"USUBJID": [f"S{i:05d}" for i in range(subjects)], "END_MONTHS": months,
                         "RESPONSE_MONTHS": np.nan, "PD_MONTHS": months, "DEATH_MONTHS": np.nan,
                         "ONGOING": "", "CBOR": "SD"})


def test_swimmer_of_5000_subjects_draws_the_top_lanes_only():
    lanes = _many_lanes(5000)
    figure = swimmer_figure(lanes, cap=60)
    assert len(figure.data) == 5000
    assert figure.svg.count("<!-- S0") == 60                # one label per lane drawn
    assert "<!-- S00059 -->" in figure.svg and "<!-- S00060 -->" not in figure.svg
    assert ("The 60 subjects with the longest treatment of 5000 are shown; every subject is in "
            "tables/f_14_2_4_swimmer.csv.") in figure.footnotes


def _spider_frame(subjects: int) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(7)
    weeks = np.array([0.0, 6.1, 11.9, 18.0])
    frame = pd.DataFrame({"USUBJID": np.repeat([f"S{i:05d}" for i in range(subjects)], 4),
                          "WEEK": np.tile(weeks, subjects),
                          "PCHG": np.concatenate([[0.0, *rng.normal(-20, 15, 3)]
                                                  for _ in range(subjects)])})
    cbor = pd.Series(rng.choice(["PR", "SD"], subjects), index=frame["USUBJID"].unique())
    return frame, cbor


def test_spider_of_5000_subjects_draws_medians_and_quartiles_per_assessment():
    changes, cbor = _spider_frame(5000)
    figure = spider_figure(changes, cbor, limit=300, reference="the first dose",
                           response=CFG.response)
    assert len(figure.data) == 20000 and figure.data["USUBJID"].nunique() == 5000
    assert figure.svg.count("<path") < 300                  # no line per subject
    assert any(note.startswith("More than 300 subjects: the median (line) and interquartile range")
               and "tables/f_14_2_5_spider.csv" in note for note in figure.footnotes)
    lines = spider_figure(*_spider_frame(300), limit=300, reference="the first dose",
                          response=CFG.response)
    assert not any("More than" in note for note in lines.footnotes)


def test_spider_summary_by_hand():
    # weeks 5.6 and 6.3 both round to the 6-week assessment; S1 has two values there: the last
    data = pd.DataFrame({"USUBJID": ["S1", "S1", "S1", "S2", "S3", "S4", "S5", "S6"],
                         "WEEK": [0.0, 5.6, 6.3, 6.0, 6.0, 5.9, 6.2, 12.0],
                         "PCHG": [0.0, -50.0, -10.0, -20.0, -30.0, -40.0, 10.0, -5.0],
                         "CBOR": "PR"})
    summary = spider_summary(data, bin_weeks=6.0)
    (row,) = summary[summary["WEEK"] == 6.0].to_dict("records")
    # values at week 6: S1 -10, S2 -20, S3 -30, S4 -40, S5 10 -> sorted -40 -30 -20 -10 10
    assert row["N"] == 5 and row["MEDIAN"] == -20.0
    assert row["Q1"] == -30.0 and row["Q3"] == -10.0          # linear interpolation at 1 and 3
    assert set(summary["WEEK"]) == {6.0}                     # weeks 0 and 12: fewer than 5
