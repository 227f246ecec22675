"""Efficacy results and tables on a hand-made two-arm trial: ORR/DCR with exact CIs, BOR/CBOR
counts, KM medians (midpoint rule), by arm and total, and the tables' rows."""
import json
from datetime import date

import pandas as pd
import pytest

from tasks.analysis.efficacy import efficacy_results, efficacy_section
from tasks.config import load_config
from tasks.dates import DAYS_PER_MONTH
from tasks.errors import BadInputError
from tasks.model import Figure, Paragraph, Table
from tasks.monitoring.pending import response_status
from tasks.publish.canonical import canonical_json
from tasks.results.efficacy import EfficacyResults
from tasks.stats.binomial import Proportion

CFG = load_config()
D = pd.Timestamp


def adsl_frame() -> pd.DataFrame:
    # S8: full analysis set but no measurable disease (not response-evaluable); S9: screen failure.
    rows = [("S1", "A", 1, "Y", "Y"), ("S2", "A", 1, "Y", "Y"), ("S3", "A", 1, "Y", "Y"),
            ("S4", "A", 1, "Y", "Y"), ("S5", "B", 2, "Y", "Y"), ("S6", "B", 2, "Y", "Y"),
            ("S7", "B", 2, "Y", "Y"), ("S8", "B", 2, "Y", "N"),
            ("S9", "Screen Failure", 3, "N", "N")]
    adsl = pd.DataFrame(rows, columns=["USUBJID", "TRT01A", "TRT01AN", "FASFL", "RSEVALFL"])
    treated = adsl["FASFL"].eq("Y")
    adsl["TRTSDT"] = pd.Series(D("2026-01-01"), index=adsl.index).where(treated)
    adsl["TRTEDT"] = adsl["TRTSDT"] + pd.Timedelta(days=120)
    adsl["EOTSTT"] = ["DISCONTINUED", "ONGOING", "DISCONTINUED", "DISCONTINUED", "ONGOING",
                      "DISCONTINUED", "DISCONTINUED", "DISCONTINUED", "NOT TREATED"]
    adsl["LSTALVDT"] = adsl["TRTSDT"] + pd.Timedelta(days=200)
    adsl["DTHDT"] = pd.Series([pd.NaT, pd.NaT, D("2026-04-10"), pd.NaT, pd.NaT, pd.NaT, pd.NaT,
                               pd.NaT, pd.NaT])
    adsl["RANDDT"] = pd.NaT
    return adsl


def adrs_frame() -> pd.DataFrame:
    # S7: no record
    bor = {"S1": "CR", "S2": "PR", "S3": "SD", "S4": "PD", "S5": "PR", "S6": "NE"}
    cbor = {"S1": "CR", "S2": "SD", "S3": "SD", "S4": "PD", "S5": "PR", "S6": "NE"}
    cbor6 = {"S1": "CR", "S2": "NE", "S3": "SD", "S4": "PD", "S5": "PR", "S6": "NE"}
    # At 6 months: S2 progressed, S3 died before it; S6's window is still open; S7: no record.
    landmark = {"S1": "Y", "S2": "N", "S3": "N", "S4": "N", "S5": "Y", "S6": "PENDING"}
    params = (("BOR", bor), ("CBOR", cbor), ("CBORW", cbor6), ("DCLM", landmark))
    rows = [(s, p, v, D("2026-03-01")) for p, values in params for s, v in values.items()]
    rows += [("S1", "OVR", "PR", D("2026-02-12")), ("S1", "OVR", "CR", D("2026-03-26")),
             ("S4", "OVR", "PD", D("2026-02-12")), ("S8", "BOR", "PR", D("2026-02-12"))]
    return pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "AVALC", "ADT"])


def adtte_frame() -> pd.DataFrame:
    os_ = {"S1": (300, 0), "S2": (400, 1), "S3": (100, 0), "S4": (250, 0),
           "S5": (500, 1), "S6": (60, 0), "S7": (200, 1), "S8": (350, 0)}
    pfs = {"S1": (200, 0), "S2": (180, 0), "S3": (90, 0), "S4": (42, 0),
           "S5": (300, 1), "S6": (50, 0), "S7": (1, 1), "S8": (120, 0)}
    dor = {"S1": (150, 0), "S5": (200, 1)}
    rows = []
    for param, values in (("OS", os_), ("PFS", pfs), ("DOR", dor)):
        for subject, (aval, cnsr) in values.items():
            event = "DEATH" if param == "OS" or subject == "S3" else "DISEASE PROGRESSION"
            censor = ("NO POST-BASELINE ASSESSMENT" if subject == "S7" and param == "PFS"
                      else "LAST CONTACT")
            rows.append((subject, param, float(aval), cnsr, "" if cnsr else event,
                         censor if cnsr else ""))
    return pd.DataFrame(rows,
                        columns=["USUBJID", "PARAMCD", "AVAL", "CNSR", "EVNTDESC", "CNSDTDSC"])


def adtr_frame() -> pd.DataFrame:
    rows = [("S1", 50.0, None, D("2025-12-28"), "Y"), ("S1", 20.0, -60.0, D("2026-02-12"), ""),
            ("S2", 40.0, None, D("2025-12-28"), "Y"), ("S2", 26.0, -35.0, D("2026-02-12"), ""),
            ("S2", 32.0, -20.0, D("2026-03-26"), ""), ("S3", 20.0, None, D("2025-12-28"), "Y"),
            ("S3", 21.0, 5.0, D("2026-02-12"), ""), ("S4", 30.0, None, D("2025-12-28"), "Y"),
            ("S4", 42.0, 40.0, D("2026-02-12"), ""), ("S5", 60.0, None, D("2025-12-28"), "Y"),
            ("S5", 30.0, -50.0, D("2026-02-12"), ""), ("S6", 10.0, None, D("2025-12-28"), "Y")]
    frame = pd.DataFrame(rows, columns=["USUBJID", "AVAL", "PCHG", "ADT", "ABLFL"])
    return frame.assign(PARAMCD="SUMDIAM", ANL01FL="Y")


def status_at(adsl: pd.DataFrame, adrs: pd.DataFrame, cutoff: date) -> pd.DataFrame:
    adrs = adrs.assign(ANL01FL=adrs["PARAMCD"].eq("OVR").map({True: "Y", False: None}))
    return response_status(adsl.assign(DTHFL=adsl["DTHDT"].notna().map({True: "Y", False: ""})),
                           adrs, cutoff, CFG.response)


def results_of(adsl: pd.DataFrame, adrs: pd.DataFrame, adtte: pd.DataFrame,
               cutoff: date = date(2027, 1, 1)) -> EfficacyResults:
    """The results at a cut long after the first doses of 2026-01-01: every response settled."""
    return efficacy_results(adsl, adrs, adtte, CFG, status_at(adsl, adrs, cutoff))


@pytest.fixture(scope="module")
def results() -> EfficacyResults:
    return results_of(adsl_frame(), adrs_frame(), adtte_frame())


@pytest.fixture(scope="module")
def blocks(results) -> list:
    return efficacy_section(adsl_frame(), adrs_frame(), adtte_frame(), adtr_frame(), CFG, results)


def test_orr_is_confirmed_cr_pr_over_the_response_evaluable_set_with_exact_ci(results):
    # RSEVALFL: S1-S7; confirmed CR/PR: S1 (CR), S5 (PR). S8's PR is outside the population.
    assert results.orr == Proportion(n=7, responders=2, rate=2 / 7,
                                     ci_low=pytest.approx(0.0366926, abs=1e-6),
                                     ci_high=pytest.approx(0.7095791, abs=1e-6))


def test_dcr_counts_confirmed_cr_pr_sd(results):
    assert results.dcr.responders == 4 and results.dcr.n == 7
    assert ((results.dcr.ci_low, results.dcr.ci_high)
            == pytest.approx((0.1840516, 0.9010117), abs=1e-6))


def test_dcr_within_six_months_uses_the_window_cbor_parameter(results):
    assert results.dcr_6m_best.responders == 3   # S2 has SD overall but NE within 6 months


def test_dcr_at_six_months_is_over_those_who_reached_it_or_progressed_or_died(results):
    # DCLM Y: S1, S5 of S1-S5; S6 pending, S7 (no record) not reached: 2/5, not DCR's 4/7
    # nor the 3/7 of the best response within 6 months.
    landmark = results.dcr_6m
    assert (landmark.rate.responders, landmark.rate.n, landmark.pending, landmark.not_reached) == (
        2, 5, 1, 1)
    assert (landmark.rate.ci_low, landmark.rate.ci_high) == pytest.approx((0.0527450, 0.8533672),
                                                                          abs=1e-6)
    assert results.by_arm["B"].dcr_6m.rate.n == 1 and results.by_arm["B"].dcr_6m.pending == 1


def test_unconfirmed_orr_uses_bor(results):
    assert results.orr_unconfirmed.responders == 3
    assert results.orr_unconfirmed.ci_low == pytest.approx(0.0989883, abs=1e-6)


def test_bor_and_cbor_counts_cover_every_evaluable_subject_missing_without_record(results):
    assert (results.bor_counts
            == {"CR": 1, "PR": 2, "SD": 1, "NON-CR/NON-PD": 0, "PD": 1, "NE": 1, "MISSING": 1})
    assert (results.cbor_counts
            == {"CR": 1, "PR": 1, "SD": 2, "NON-CR/NON-PD": 0, "PD": 1, "NE": 1, "MISSING": 1})


def test_os_median_in_months_over_the_full_analysis_set(results):
    # Total: 60e 100e 200c 250e 300e 350e 400c 500c -> S = .875 .75 .75 .6 .45: median 300 days
    # (R survfit log-log: median 300, CI 60 to NA).
    os = results.os
    assert (os.n, os.events, os.median_ci_high, os.unit) == (8, 5, None, "months")
    assert os.median == pytest.approx(300 / DAYS_PER_MONTH)
    assert os.median_ci_low == pytest.approx(60 / DAYS_PER_MONTH)   # R: 60


def test_by_arm_results_and_the_midpoint_median(results):
    arm_a, arm_b = results.by_arm["A"], results.by_arm["B"]
    # Arm A OS: 100e 250e 300e 400c -> S = 0.5 exactly on [250, 300): median 275 days.
    assert arm_a.os.median == pytest.approx(275 / DAYS_PER_MONTH)
    assert arm_b.os.median == pytest.approx(350 / DAYS_PER_MONTH)
    assert (arm_a.orr.responders, arm_a.orr.n) == (1, 4)
    assert (arm_b.orr.responders, arm_b.orr.n) == (1, 3)
    assert arm_a.orr.ci_high == pytest.approx(0.8058796, abs=1e-6)
    assert set(results.by_arm) == {"A", "B"}          # screen failures are no arm
    assert [label for label, _ in results.columns()] == ["A", "B", "Total"]


def test_landmarks_follow_up_and_dor(results):
    six = results.os.landmarks[0]
    assert six.time == 6 and six.surv == pytest.approx(0.75) and six.n_risk == 6
    assert results.os.landmarks[2].surv is None      # 24 months: after the last observation
    assert results.dor.n == 2 and results.dor.events == 1
    assert results.follow_up.unit == "months" and results.follow_up.median is not None


def test_results_are_plain_json(results):
    text = canonical_json(results)
    assert json.loads(text)["orr"]["responders"] == 2
    assert json.loads(text)["os"]["landmarks"][0]["time"] == 6


def test_single_arm_has_no_by_arm():
    adsl = adsl_frame().assign(TRT01A="A", TRT01AN=1)
    assert results_of(adsl, adrs_frame(), adtte_frame()).by_arm is None


def test_no_window_parameters_give_no_dcr_6m():
    adrs = adrs_frame()
    results = results_of(adsl_frame(), adrs[~adrs["PARAMCD"].isin(["CBORW", "DCLM"])],
                         adtte_frame())
    assert results.dcr_6m is None and results.dcr_6m_best is None and results.dcr.responders == 4


def test_unknown_response_value_is_an_error_naming_the_subject():
    adrs = adrs_frame()
    adrs.loc[(adrs["USUBJID"] == "S3") & (adrs["PARAMCD"] == "CBOR"), "AVALC"] = "VGPR"
    with pytest.raises(BadInputError, match="S3"):
        results_of(adsl_frame(), adrs, adtte_frame())


def test_two_bor_records_for_one_subject_is_an_error():
    adrs = pd.concat([adrs_frame(), adrs_frame().iloc[[0]]])
    with pytest.raises(BadInputError, match="more than one BOR"):
        results_of(adsl_frame(), adrs, adtte_frame())


def test_tte_record_without_aval_is_an_error():
    adtte = adtte_frame()
    adtte.loc[0, "AVAL"] = float("nan")
    with pytest.raises(BadInputError, match="ADTTE OS"):
        results_of(adsl_frame(), adrs_frame(), adtte)


def _table(blocks, table_id) -> Table:
    return next(b for b in blocks if getattr(b, "id", None) == table_id)


def test_section_holds_five_tables_and_five_figures_in_order(blocks):
    ids = [b.id for b in blocks if isinstance(b, (Table, Figure))]
    assert ids == ["t_14_2_1_bor", "t_14_2_2_response_rates", "t_14_2_3_km_os", "f_14_2_1_km_os",
                   "t_14_2_4_km_pfs", "f_14_2_2_km_pfs", "t_14_2_5_km_dor", "f_14_2_3_waterfall",
                   "f_14_2_4_swimmer", "f_14_2_5_spider"]


def test_bor_table_rows_and_counts(blocks):
    table = _table(blocks, "t_14_2_1_bor")
    assert list(table.display.columns) == ["", "A\n(N=4)", "B\n(N=3)", "Total\n(N=7)"]
    assert len(table.display) == 16
    cbor = table.display.iloc[8:].set_index("")
    assert cbor.loc["    Stable disease (SD)"].tolist() == ["2 (50.0)", "0", "2 (28.6)"]
    assert cbor.loc["    Missing (no assessment)"].tolist() == ["0", "1 (33.3)", "1 (14.3)"]
    assert ("1 subject(s) of the full analysis set without measurable disease"
            in " ".join(table.footnotes))
    assert table.data["n"].sum() == 2 * 2 * 7               # BOR and CBOR, arms and total


def test_rate_table_shows_exact_ci(blocks):
    table = _table(blocks, "t_14_2_2_response_rates")
    rows = table.display.set_index("")
    assert rows.loc["    Rate, % (95% CI)"].iloc[0].tolist() == [
        "25.0 (0.6, 80.6)", "33.3 (0.8, 90.6)", "28.6 (3.7, 71.0)"]
    assert rows.loc["Pending (response can still change), n"].tolist() == ["0", "0", "0"]
    assert "Clopper-Pearson" in " ".join(table.footnotes)
    assert "28 days" in " ".join(table.footnotes)           # the configured confirmation interval


def test_km_table_lists_events_censoring_reasons_median_and_landmarks(blocks):
    table = _table(blocks, "t_14_2_4_km_pfs").display.set_index("")
    assert table.loc["Events, n (%)"].tolist() == ["4 (100.0)", "2 (50.0)", "6 (75.0)"]
    assert table.loc["    NO POST-BASELINE ASSESSMENT"].tolist() == ["0", "1 (25.0)", "1 (12.5)"]
    assert (list(table.index).index("    NO POST-BASELINE ASSESSMENT")
            > list(table.index).index("Censored, n (%)"))
    assert table.loc["Rate at 24 months, % (95% CI)"].tolist() == ["NE", "NE", "NE"]
    os_table = _table(blocks, "t_14_2_3_km_os").display.set_index("")
    assert os_table.loc["Median (95% CI), months",
                        "A\n(N=4)"].startswith(f"{275 / DAYS_PER_MONTH:.1f} (")
    assert "Median follow-up (95% CI), months" in os_table.index
    assert "Brookmeyer-Crowley" in " ".join(_table(blocks, "t_14_2_3_km_os").footnotes)


def test_no_cell_is_blank_or_nan(blocks):
    for block in blocks:
        if isinstance(block, Table):
            cells = block.display.iloc[:, 1:].to_numpy().ravel().tolist()
            assert not any("nan" in c.lower() for c in cells), block.id


def test_without_lesion_data_the_lesion_figures_are_replaced_by_a_note():
    blocks = efficacy_section(adsl_frame(), adrs_frame(), adtte_frame(), pd.DataFrame(), CFG,
                              results_of(adsl_frame(), adrs_frame(), adtte_frame()))
    assert not any(getattr(b, "id", "") in ("f_14_2_3_waterfall", "f_14_2_5_spider")
                   for b in blocks)
    assert any(isinstance(b, Paragraph) and "waterfall" in b.text for b in blocks)


def test_without_the_window_parameters_the_table_shows_ne_and_says_why():
    adrs = adrs_frame()
    adrs = adrs[~adrs["PARAMCD"].isin(["CBORW", "DCLM"])]
    blocks = efficacy_section(adsl_frame(), adrs, adtte_frame(), adtr_frame(), CFG,
                              results_of(adsl_frame(), adrs, adtte_frame()))
    table = _table(blocks, "t_14_2_2_response_rates")
    rows = table.display.set_index("")
    for label in ("Disease control rate at 6 months (landmark)",
                  "Disease control rate, best response within 6 months (supportive)"):
        assert rows.loc[label:].iloc[1:3].to_numpy().ravel().tolist() == ["NE"] * 6
    assert any("no CBORW parameter" in note for note in table.footnotes)
    assert any("no DCLM parameter" in note for note in table.footnotes)


def test_rate_table_shows_dcr_at_six_months_with_its_own_denominator(blocks):
    table = _table(blocks, "t_14_2_2_response_rates")
    rows = table.display.set_index("").loc["Disease control rate at 6 months (landmark)":]
    assert rows.index[1] == "    n / reached 6 months (%)"
    assert rows.iloc[1].tolist() == ["1/4 (25.0)", "1/1 (100.0)", "2/5 (40.0)"]
    notes = " ".join(table.footnotes)
    assert "B: 1 pending (window not over, no assessment yet), 1 not reached" in notes
    assert "182.6 days" in notes


def test_a_cut_with_nobody_in_the_analysis_sets_gives_ne_tables():
    adsl = adsl_frame().assign(FASFL="N", RSEVALFL="N")
    results = results_of(adsl, adrs_frame(), adtte_frame())
    assert results.orr.rate is None and results.os.n == 0 and results.os.median is None
    blocks = efficacy_section(adsl, adrs_frame(), adtte_frame(), adtr_frame(), CFG, results)
    rates = _table(blocks, "t_14_2_2_response_rates")
    assert list(rates.display.columns) == ["", "Total\n(N=0)"]
    assert rates.display.set_index("").loc["    Rate, % (95% CI)"].iloc[0, 0] == "NE"


def test_pending_subjects_are_apart_from_the_rates_with_the_orr_range():
    # Cut 2026-03-05, day 63 after the first doses: the first window (42 + 28 days) is still open.
    # Settled: S1 (CR confirmed), S5 (PR confirmed), S4 (PD), S3 (died). Pending: S2, whose PR of
    # 2026-02-12 awaits its confirmation (due 2026-03-26, + 7 days), S6 and S7 (first window).
    adrs = pd.concat([adrs_frame(), pd.DataFrame(
        [("S2", "OVR", "PR", D("2026-02-12"))], columns=["USUBJID", "PARAMCD", "AVALC", "ADT"])])
    total = results_of(adsl_frame(), adrs, adtte_frame(), cutoff=date(2026, 3, 5))
    assert (total.orr.responders, total.orr.n) == (2, 4)
    pending = total.pending
    assert (pending.evaluable, pending.settled, pending.pending) == (7, 4, 3)
    assert (pending.awaiting_confirmation, pending.in_first_window) == (1, 2)
    assert (pending.orr_if_none_confirm, pending.orr_if_all_confirm) == (2 / 5, 3 / 5)
    assert pending.cbor_counts == {"CR": 0, "PR": 0, "SD": 1, "NON-CR/NON-PD": 0, "PD": 0, "NE": 1,
                                   "MISSING": 1}
    blocks = efficacy_section(adsl_frame(), adrs, adtte_frame(), adtr_frame(), CFG, total)
    rows = _table(blocks, "t_14_2_2_response_rates").display.set_index("")
    assert rows.loc["    n / settled (%)"].iloc[0].tolist() == [
        "1/3 (33.3)", "1/1 (100.0)", "2/4 (50.0)"]
    assert rows.loc["    If no pending response confirms / if every one does, %", "Total\n(N=7)"] \
        == "40.0 to 60.0"
    bor = _table(blocks, "t_14_2_1_bor")
    assert "3 of the 7 subjects are pending at the cut (confirmed best overall response so far: " \
           "1 SD, 1 NE, 1 MISSING)" in " ".join(bor.footnotes)
