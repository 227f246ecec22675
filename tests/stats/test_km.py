"""Kaplan-Meier: a product-limit computed by hand, and medians, quartiles, limits, landmarks and
reverse-KM follow-up identical (1e-6) to R survival (conf.type = "log-log") on tricky data."""
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tasks.dates import DAYS_PER_MONTH
from tasks.errors import BadInputError
from tasks.stats.km import (
    km_curve,
    km_landmarks,
    km_quantiles,
    km_summary,
    km_table,
    number_at_risk,
)

HERE = Path(__file__).parent
ORACLE_SCRIPT = HERE / "r_oracle.R"
RECORDED = json.loads((HERE / "r_oracle_results.json").read_text())
CASES = {case["name"]: case for case in RECORDED["cases"]}
TOL = 1e-6


def _same(ours, r) -> bool:
    """None (not reached / not estimable) must meet R's NA; numbers must agree to 1e-6."""
    if r is None or ours is None:
        return r is None and ours is None
    return abs(ours - r) < TOL


def _differences(case: dict) -> list:
    """Every number where km.py and R disagree for one recorded case."""
    bad = []
    table = km_table(case["time"], case["status"])
    reverse = km_table(case["time"], 1 - np.asarray(case["status"]))
    for key, ours in (("quantiles", km_quantiles(table)),
                      ("reverse_quantiles", km_quantiles(reverse))):
        for i, q in enumerate(ours):
            for r_name, attr in (("estimate", "estimate"), ("lower", "ci_low"),
                                 ("upper", "ci_high")):
                if not _same(getattr(q, attr), case[key][r_name][i]):
                    bad.append((key, q.prob, r_name, getattr(q, attr), case[key][r_name][i]))
    r_marks = case["landmarks"]
    for i, mark in enumerate(km_landmarks(table, r_marks["times"])):
        for r_name, attr in (("surv", "surv"), ("lower", "ci_low"), ("upper", "ci_high")):
            if not _same(getattr(mark, attr), r_marks[r_name][i]):
                bad.append(("landmark", mark.time, r_name, getattr(mark, attr), r_marks[r_name][i]))
        if r_marks["n_risk"][i] is not None and mark.n_risk != r_marks["n_risk"][i]:
            bad.append(("landmark", mark.time, "n_risk", mark.n_risk, r_marks["n_risk"][i]))
    for column in ("surv", "lower", "upper"):
        ours = [None if np.isnan(v) else v for v in table[column]]
        if len(ours) != len(case["curve"][column]) or not all(map(_same, ours,
                                                                  case["curve"][column])):
            bad.append(("curve", column))
    return bad


@pytest.mark.parametrize("name", sorted(CASES))
def test_km_matches_recorded_r_survfit_log_log(name):
    assert _differences(CASES[name]) == []


def test_r_oracle_covers_the_tricky_cases():
    assert {"ten_events_plateau_at_half", "ties_and_censoring_at_event_times", "median_not_reached",
            "all_censored", "single_event", "large_random_integer_days"} <= set(CASES)
    assert len(CASES["large_random_integer_days"]["time"]) == 1000


def test_km_median_uses_the_midpoint_where_survival_is_exactly_one_half():
    # Ten events at 1..10: S = 0.5 on [5, 6): R (and SAS) report 5.5, lifelines 5.0.
    median = km_quantiles(km_table(range(1, 11), [1] * 10), (0.5,))[0]
    assert median.estimate == 5.5
    assert median.ci_high == pytest.approx(8.0)


def test_km_median_when_the_curve_ends_at_one_half_runs_to_the_last_observation():
    median = km_quantiles(km_table([1, 2, 3, 4], [1, 1, 0, 0]), (0.5,))[0]
    assert median.estimate == 3.0            # (2 + last follow-up 4) / 2
    assert median.ci_high is None


def test_km_product_limit_by_hand():
    # time: 2 2 3 3 5 7 7 9 ; event: 1 0 1 1 0 1 1 0
    # t=2: 8 at risk, 1 event -> S = 7/8; t=3: 6 at risk, 2 events -> 7/8 * 4/6 = 7/12
    # t=5: censored only; t=7: 3 at risk, 2 events -> 7/12 * 1/3 = 7/36; t=9: censored
    table = km_table([2, 2, 3, 3, 5, 7, 7, 9], [1, 0, 1, 1, 0, 1, 1, 0])
    assert table["time"].tolist() == [2, 3, 5, 7, 9]
    assert table["n_risk"].tolist() == [8, 6, 4, 3, 1]
    assert table["n_event"].tolist() == [1, 2, 0, 2, 0]
    assert table["n_censor"].tolist() == [1, 0, 1, 0, 1]
    assert table["surv"].tolist() == pytest.approx([7 / 8, 7 / 12, 7 / 12, 7 / 36, 7 / 36])
    # Greenwood: var(log S) = sum d / (n (n - d))
    greenwood = [1 / 56, 1 / 56 + 2 / 24, 1 / 56 + 2 / 24, 1 / 56 + 2 / 24 + 2 / 3]
    assert table["std_err"].tolist()[:4] == pytest.approx(np.sqrt(greenwood))
    # log-log lower limit at t=2 by hand: S ** exp(-z se / log S)
    s, se = 7 / 8, np.sqrt(1 / 56)
    assert table["lower"].iloc[0] == pytest.approx(s ** np.exp(-1.959963985 * se / np.log(s)))
    median = km_quantiles(table, (0.5,))[0]
    assert median.estimate == 7.0            # S first below 0.5 at t = 7


def test_km_curve_from_lifelines_agrees_with_the_table():
    time, event = [2, 2, 3, 3, 5, 7, 7, 9], [1, 0, 1, 1, 0, 1, 1, 0]
    curve = km_curve(time, event).set_index("time")
    table = km_table(time, event).set_index("time")
    assert curve.loc[0.0, "surv"] == 1.0
    for column in ("surv", "lower", "upper", "n_risk", "n_event", "n_censor"):
        assert curve.loc[table.index, column].to_numpy() == pytest.approx(table[column].to_numpy())


def test_number_at_risk_counts_subjects_still_observed():
    assert (number_at_risk([2, 2, 3, 3, 5, 7, 7, 9], [0, 2, 2.5, 7, 9, 10]).tolist()
            == [8, 8, 6, 3, 1, 0])


def test_km_summary_converts_days_to_months_and_reports_follow_up():
    # 100 c, 200 e, 300 e, 400 e, 500 c: S = .75, .5 at 300, .25 at 400 -> median (300+400)/2 days
    summary = km_summary([300, 400, 500, 200, 100], [1, 1, 0, 1, 0], [6, 12, 24])
    assert (summary.n, summary.events, summary.censored) == (5, 3, 2)
    assert summary.median.estimate == pytest.approx(350 / DAYS_PER_MONTH)
    assert summary.q1.estimate == pytest.approx(250 / DAYS_PER_MONTH)
    assert [m.time for m in summary.landmarks] == [6, 12, 24]
    assert summary.landmarks[1].surv == 0.5 and summary.landmarks[1].n_risk == 2
    assert summary.landmarks[2].surv is None                 # 24 months: after the last observation
    # reverse KM: censorings (100, 500) are the events; S_rev = 1 until 500 -> follow-up median 500
    # d
    assert summary.follow_up.estimate == pytest.approx(500 / DAYS_PER_MONTH)


def test_km_summary_of_nobody_is_not_estimable():
    summary = km_summary([], [], [6])
    assert summary.n == 0 and summary.median.estimate is None and summary.landmarks[0].surv is None


@pytest.mark.parametrize("time,event",
                         [([1, np.nan], [1, 0]), ([1, -2], [1, 1]), ([1, 2], [1, 2]),
                          ([1], [1, 0])])
def test_km_rejects_bad_times_and_indicators(time, event):
    with pytest.raises(BadInputError):
        km_table(time, event)


@pytest.mark.skipif(shutil.which("Rscript") is None,
                    reason="R not installed: recorded results used")
def test_r_oracle_live_run_reproduces_the_recorded_numbers():
    run = subprocess.run(["Rscript", str(ORACLE_SCRIPT)], capture_output=True, text=True,
                         timeout=120, check=True)
    live = json.loads(run.stdout)
    assert [c["name"] for c in live["cases"]] == [c["name"] for c in RECORDED["cases"]]
    for case in live["cases"]:
        assert _differences(case) == [], case["name"]
        recorded = CASES[case["name"]]
        assert case["time"] == recorded["time"] and case["status"] == recorded["status"]
