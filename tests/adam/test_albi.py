"""ADLB PARAMCD ALBI against the published formula (Johnson et al., J Clin Oncol 2015;33:550-558)
computed here independently, on the demo's baseline values, with the unit conversions."""
from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from tasks.adam.adlb import build_adlb
from tasks.adam.adsl import build_adsl
from tasks.adam.albi import albi_grade, albi_score
from tasks.config import load_settings
from tasks.model import Cut
from tasks.simulate import simulate_cut

SETTINGS = load_settings()
CFG = SETTINGS.analysis
DEMO = {"cutoff": date(2026, 10, 31), "subjects": 32, "seed": 20261}   # as `make demo`


def published_albi(bilirubin_umol_l: float, albumin_g_l: float) -> tuple[float, int]:
    """Johnson 2015: ALBI = (log10 bilirubin [umol/L] x 0.66) + (albumin [g/L] x -0.085);
    grade 1 <= -2.60 < grade 2 <= -1.39 < grade 3."""
    score = math.log10(bilirubin_umol_l) * 0.66 + albumin_g_l * -0.085
    grade = 1 if score <= -2.60 else 2 if score <= -1.39 else 3
    return score, grade


@pytest.fixture(scope="module")
def demo():
    frames = simulate_cut(CFG, SETTINGS.simulation, DEMO["cutoff"], DEMO["subjects"], DEMO["seed"])
    cut = Cut(DEMO["cutoff"], "memory", frames, {})
    adsl = build_adsl(cut, CFG)
    return frames, adsl, build_adlb(adsl, cut, CFG)


def test_hand_computed_scores_and_grade_limits():
    # 0.66 x log10(17.1) - 0.085 x 40 = 0.66 x 1.2329961 - 3.4 = -2.5862226: grade 2 (> -2.60)
    assert albi_score([17.1], [40.0])[0] == pytest.approx(-2.5862226, abs=1e-7)
    assert list(albi_grade([-2.60, -2.5999, -1.39, -1.3899, float("nan")])[:4]) == [1, 2, 2, 3]
    assert math.isnan(albi_grade([float("nan")])[0])
    assert math.isnan(albi_score([0.0], [40.0])[0])         # log10(0): not scored


def test_baseline_albi_agrees_with_the_published_formula_on_the_demo(demo):
    frames, adsl, adlb = demo
    lb = frames["lb"]
    base = lb[lb["LBBLFL"].eq("Y") & lb["LBTESTCD"].isin(["BILI", "ALB"])]
    wide = base.pivot_table(index=["USUBJID", "LBDTC"], columns="LBTESTCD", values="LBSTRESN",
                            aggfunc="first").dropna().astype(float)
    assert len(wide) >= 25
    albi = adlb[adlb["PARAMCD"].eq("ALBI") & adlb["ABLFL"].eq("Y")].set_index("USUBJID")
    assert set(albi.index) == set(wide.index.get_level_values("USUBJID"))
    for (subject, day), row in wide.iterrows():
        score, grade = published_albi(row["BILI"], row["ALB"])
        assert albi.loc[subject, "AVAL"] == pytest.approx(score, abs=1e-12), subject
        assert albi.loc[subject, "BASE"] == pytest.approx(score, abs=1e-12)
        assert albi.loc[subject, "AVALCA1N"] == grade and albi.loc[subject, "BASECA1N"] == grade
        assert albi.loc[subject, "ADT"] == pd.Timestamp(day)
    grades = albi["AVALCA1N"].value_counts()
    assert grades.get(2, 0) > 0 and len(grades) >= 2      # the demo shows more than one grade


def test_conventional_units_are_converted(demo):
    """Bilirubin in mg/dL (x 17.1 = umol/L) and albumin in g/dL (x 10 = g/L) give the same ALBI."""
    frames, adsl, adlb = demo
    lb = frames["lb"].copy()
    value = pd.to_numeric(lb["LBSTRESN"])
    for test, unit, factor in (("BILI", "mg/dL", 17.1), ("ALB", "g/dL", 10.0)):
        rows = lb["LBTESTCD"].eq(test)
        lb.loc[rows, "LBSTRESN"] = (value[rows] / factor).map(repr)
        lb.loc[rows, "LBSTRESU"] = unit
        for limit in ("LBSTNRLO", "LBSTNRHI"):
            lb.loc[rows, limit] = (pd.to_numeric(lb.loc[rows, limit]) / factor).map(repr)
    cut = Cut(DEMO["cutoff"], "memory", {**frames, "lb": lb}, {})
    converted = build_adlb(adsl, cut, CFG)
    keys = ["USUBJID", "ADT"]
    si = adlb[adlb["PARAMCD"].eq("ALBI")].set_index(keys)["AVAL"].sort_index()
    conventional = converted[converted["PARAMCD"].eq("ALBI")].set_index(keys)["AVAL"].sort_index()
    assert len(si) > 300 and si.index.equals(conventional.index)
    assert (si - conventional).abs().max() < 1e-9


def test_a_pair_in_an_unknown_unit_is_not_scored(demo):
    frames, adsl, _ = demo
    lb = frames["lb"].copy()
    lb.loc[lb["LBTESTCD"].eq("BILI"), "LBSTRESU"] = "mmol/L"
    adlb = build_adlb(adsl, Cut(DEMO["cutoff"], "memory", {**frames, "lb": lb}, {}), CFG)
    assert not adlb["PARAMCD"].eq("ALBI").any()
