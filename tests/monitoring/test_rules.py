"""Monitoring rules at a cut on tiny hand-made ADSL / ADRS / ADAE frames: each verdict."""
import json
from dataclasses import dataclass
from datetime import date, timedelta
from math import comb

import pandas as pd
import pytest

from tasks.config import SimonDesign, TrialConfig, load_config
from tasks.errors import BadInputError, ConfigError
from tasks.model import Paragraph, Table
from tasks.monitoring.decision import monitoring_blocks
from tasks.monitoring.pending import response_status
from tasks.monitoring.predictive import predictive_probability
from tasks.monitoring.rules import evaluate_monitoring
from tasks.publish.canonical import canonical_json, plain
from tasks.results.monitoring import MonitoringResults, NotEvaluated
from tasks.results.verdict import Verdict

CUTOFF = date(2026, 1, 31)
# Default rule: chance to respond from reference date + 42 (first assessment) + 28 (confirmation).
READY = CUTOFF - timedelta(days=70)        # exactly on the boundary: has had the chance
NOT_READY = CUTOFF - timedelta(days=69)    # one day short: pending
# Fixed design: stage 1 continue if > 1 responses in the first 4; promising if > 3 in 8.
DESIGN = SimonDesign(r1=1, n1=4, r=3, n=8)


def config(**simon) -> TrialConfig:
    cfg = load_config()
    update = {"design": DESIGN, **simon}
    simon_cfg = cfg.monitoring.simon.model_copy(update=update)
    monitoring = cfg.monitoring.model_copy(update={"simon": simon_cfg})
    return cfg.model_copy(update={"monitoring": monitoring})


def adsl(rows: list[tuple]) -> pd.DataFrame:
    """rows: (USUBJID, TRTSDT, RSEVALFL, SAFFL, DTHFL)."""
    frame = pd.DataFrame(rows, columns=["USUBJID", "TRTSDT", "RSEVALFL", "SAFFL", "DTHFL"])
    return frame.assign(TRTSDT=pd.to_datetime(frame["TRTSDT"]))


def adrs(cbor: dict[str, str], ovr: list[tuple] = ()) -> pd.DataFrame:
    """CBOR per subject, and OVR assessments (USUBJID, AVALC, ADT) used by the analysis."""
    frame = pd.DataFrame({"USUBJID": list(cbor), "PARAMCD": "CBOR", "AVALC": list(cbor.values()),
                          "ADT": pd.NaT, "ANL01FL": None})
    records = pd.DataFrame(list(ovr), columns=["USUBJID", "AVALC", "ADT"]).assign(
        PARAMCD="OVR", ANL01FL="Y")
    return pd.concat([frame, records.assign(ADT=pd.to_datetime(records["ADT"]))], ignore_index=True)


def adae(rows: list[tuple] = ()) -> pd.DataFrame:
    """rows: (USUBJID, TRTEMFL, AETOXGR, RELFL, ASTDT)."""
    frame = pd.DataFrame(list(rows), columns=["USUBJID", "TRTEMFL", "AETOXGR", "RELFL", "ASTDT"])
    return frame.assign(AESEQ=range(1, len(frame) + 1), ASTDT=pd.to_datetime(frame["ASTDT"]))


def subjects(dates: list[date], **overrides) -> pd.DataFrame:
    rows = [(f"S{i + 1}", d, "Y", "Y", "N") for i, d in enumerate(dates)]
    return adsl(rows).assign(**overrides)


@dataclass
class Outcome:
    """The typed results, their JSON (results.json "monitoring") and the decision-page blocks."""
    typed: MonitoringResults
    results: dict
    blocks: list


def run(adsl_frame, cbor, ae=None, cfg=None, ovr=(), cutoff=CUTOFF) -> Outcome:
    cfg = cfg or config()
    status = response_status(adsl_frame, adrs(cbor, ovr), cutoff, cfg.response)
    outcome = evaluate_monitoring(status, adsl_frame, ae if ae is not None else adae(), cfg, cutoff)
    return Outcome(outcome.results, plain(outcome.results),
                   monitoring_blocks(outcome.results, outcome.safety_boundary,
                                     cfg.report.max_listing_rows_in_pdf))


def paragraphs(outcome) -> list[str]:
    return [b.text for b in outcome.blocks if isinstance(b, Paragraph)]


def test_stage1_not_yet_evaluable_counts_pending_subjects_separately():
    # S1, S2 had the chance (no response), S3, S4 one day short: 0 responses + 2 pending could
    # exceed 1.
    outcome = run(subjects([READY, READY, NOT_READY, NOT_READY]), {"S1": "SD", "S2": "SD"})
    stage1 = outcome.results["simon"]["stage1"]
    assert (stage1["evaluable"], stage1["pending"], stage1["responses"]) == (2, 2, 0)
    assert stage1["verdict"] == "NOT YET EVALUABLE"
    assert any("Simon stage 1 not yet evaluable: 2 of 4 subjects settled, 2 pending" in p
               for p in paragraphs(outcome))


def test_stage1_continue_when_responses_exceed_r1():
    outcome = run(subjects([READY] * 4), {"S1": "PR", "S2": "CR", "S3": "SD", "S4": "PD"})
    stage1 = outcome.results["simon"]["stage1"]
    assert (stage1["responses"], stage1["evaluable"], stage1["verdict"]) == (2, 4, "CONTINUE")
    assert any(p.startswith("Simon stage 1: 2 responses in 4 evaluable; continue if > 1: CONTINUE")
               for p in paragraphs(outcome))
    assert outcome.results["simon"]["final"]["verdict"] == "NOT YET EVALUABLE"


def test_stage1_stop_for_futility_and_final_not_promising():
    # S2 progressed and S3 died before their window: both have had their chance; one response only.
    frame = subjects([READY, NOT_READY, NOT_READY, READY]).assign(DTHFL=["N", "N", "Y", "N"])
    outcome = run(frame, {"S1": "PR", "S2": "PD", "S4": "SD"})
    simon = outcome.results["simon"]
    assert (simon["stage1"]["responses"], simon["stage1"]["evaluable"]) == (1, 4)
    assert simon["stage1"]["verdict"] == "STOP FOR FUTILITY"
    assert simon["final"]["verdict"] == "NOT PROMISING"


def test_final_declare_promising_after_passed_stage1():
    outcome = run(subjects([READY] * 8), {"S1": "PR", "S2": "PR", "S5": "CR", "S8": "PR"})
    assert outcome.results["simon"]["final"]["responses"] == 4
    assert outcome.results["simon"]["final"]["verdict"] == "DECLARE PROMISING"


def test_efficacy_subjects_ordered_by_reference_date_then_usubjid():
    # S9 starts first, so the stage-1 cohort is S9, S1, S2, S3 (2 responses: CONTINUE). By USUBJID
    # alone it would be S1..S4 with S4 pending; S0 (RSEVALFL = N, a responder) must not count.
    frame = subjects([READY] * 3 + [NOT_READY, READY - timedelta(days=1)],
                     USUBJID=["S1", "S2", "S3", "S4", "S9"])
    frame = pd.concat([frame, adsl([("S0", READY, "N", "Y", "N")])], ignore_index=True)
    outcome = run(frame, {"S9": "PR", "S1": "PR", "S0": "CR"})
    stage1 = outcome.results["simon"]["stage1"]
    assert (stage1["responses"], stage1["evaluable"], stage1["verdict"]) == (2, 4, "CONTINUE")
    assert outcome.results["efficacy_subjects"] == 5


def test_safety_boundary_crossed_counts_only_related_grade3_in_window():
    # Window 21 days: onset day = ASTDT - TRTSDT + 1 <= 21. S1..S3 window complete; S4 inside it.
    start = pd.Timestamp("2025-06-01")
    frame = subjects([start] * 3 + [pd.Timestamp(CUTOFF) - pd.Timedelta(days=10)])
    day = lambda n: start + pd.Timedelta(days=n - 1)  # noqa: E731
    ae = adae([
        ("S1", "Y", "3", "Y", day(21)),      # event: related grade 3 on day 21
        ("S2", "Y", "4", "Y", day(1)),       # event
        ("S3", "Y", "3", "Y", day(22)),      # day 22: outside the window
        ("S3", "Y", "2", "Y", day(5)),       # grade 2
        ("S3", "Y", "3", "N", day(5)),       # not related
        ("S3", "", "3", "Y", day(5)),        # not treatment-emergent
    ])
    outcome = run(frame, {}, ae)
    safety = outcome.results["safety_stopping"]
    assert (safety["t"], safety["m"], safety["in_window"]) == (2, 3, 1)
    assert safety["posterior_prob"] == pytest.approx(1 - 4 * 0.33**3 + 3 * 0.33**4)  # Beta(3, 2)
    assert safety["boundary_t"] == 2
    assert safety["verdict"] == "SAFETY BOUNDARY CROSSED"
    assert any("SAFETY BOUNDARY CROSSED" in p and "1 subjects still inside the 21-day window" in p
               for p in paragraphs(outcome))


def test_safety_event_inside_an_open_window_counts_the_subject():
    recent = pd.Timestamp(CUTOFF) - pd.Timedelta(days=5)
    frame = subjects([recent, recent])
    outcome = run(frame, {}, adae([("S1", "Y", "3", "Y", recent + pd.Timedelta(days=2))]))
    safety = outcome.results["safety_stopping"]
    assert (safety["t"], safety["m"], safety["in_window"]) == (1, 1, 1)
    assert safety["posterior_prob"] == pytest.approx(1 - 0.33**2)          # Beta(2, 1)
    assert safety["verdict"] == "SAFETY BOUNDARY CROSSED"


def test_safety_ae_without_grade_is_counted_not_dropped():
    frame = subjects([pd.Timestamp("2025-06-01")])
    outcome = run(frame, {}, adae([("S1", "Y", "", "Y", pd.Timestamp("2025-06-03"))]))
    safety = outcome.results["safety_stopping"]
    assert (safety["t"], safety["m"], safety["verdict"]) == (0, 1, "CONTINUE")
    assert safety["unjudged_records"]["missing_grade"] == 1


def test_decision_blocks_tables_10_1_and_10_2():
    outcome = run(subjects([READY] * 4), {"S1": "PR", "S2": "CR"})
    tables = {b.number: b for b in outcome.blocks if isinstance(b, Table)}
    assert list(tables["10.1"].display.columns) == ["Rule", "Boundary", "Observed", "Verdict"]
    assert tables["10.1"].display["Verdict"].tolist() == [
        "CONTINUE", "NOT YET EVALUABLE", "CONTINUE", "CONTINUE"]
    boundary = tables["10.2"]
    assert tables["10.2"].title == "Bayesian safety stopping boundary"
    assert len(boundary.data) == 29                       # study.planned_enrollment
    assert boundary.data["boundary_t"].iloc[:3].tolist() == [1, 2, 2]
    assert all(str(CUTOFF) in p for p in paragraphs(outcome))


def test_predictive_probability_uses_evaluable_subjects_of_the_first_n_max():
    outcome = run(subjects([READY] * 3 + [NOT_READY]), {"S1": "PR"})
    pred = outcome.results["predictive"]
    assert (pred["x"], pred["m"], pred["pending"], pred["n_max"]) == (1, 3, 1, 8)
    assert pred["posterior_mean"] == pytest.approx(2 / 5)                   # Beta(2, 3)
    expected = predictive_probability(1, 3, 8, 0.10, 0.95, 1.0, 1.0)     # trial p0, default theta_t
    assert pred["pp"] == pytest.approx(expected.pp)
    assert pred["verdict"] == ("STOP FOR FUTILITY" if expected.pp < 0.05 else "CONTINUE")


def test_predictive_probability_stop_for_futility():
    # 0 responses in 7 evaluable, n_max = 8: only y = 1 is left to hope for. Final posterior
    # Beta(2, 8): P(p > 0.1) = P(Bin(9, 0.1) <= 1) = 0.9^9 + 9 * 0.1 * 0.9^8 = 0.7748 < 0.95 -> PP =
    # 0.
    outcome = run(subjects([READY] * 7 + [NOT_READY]), {})
    pred = outcome.results["predictive"]
    assert pytest.approx(0.77484, abs=1e-5) == 0.9**9 + 9 * 0.1 * 0.9**8
    assert (pred["x"], pred["m"], pred["pp"]) == (0, 7, 0.0)
    assert pred["min_future_responses_for_success"] is None
    assert pred["verdict"] == "STOP FOR FUTILITY"


def test_monitoring_results_are_plain_json():
    outcome = run(subjects([READY] * 4), {"S1": "PR"}, adae([("S1", "Y", "3", "Y", READY)]))
    restored = json.loads(canonical_json(outcome.typed))
    assert restored == outcome.results
    assert set(restored) == {"cutoff", "efficacy_subjects", "simon", "predictive",
                             "safety_stopping", "information_fraction"}


def test_computed_design_used_when_config_gives_p0_p1_only():
    outcome = run(subjects([READY]), {}, cfg=config(design=None))
    design = outcome.results["simon"]["design"]
    assert outcome.results["simon"]["source"] == "optimal"
    assert (design["r1"], design["n1"], design["r"], design["n"]) == (1, 10, 5, 29)
    assert (outcome.results["information_fraction"]
            == {"evaluable": 1, "planned": 29, "fraction": 1 / 29})


def test_rules_without_parameters_are_reported_not_configured():
    outcome = run(subjects([READY]), {}, cfg=config(design=None, p0=None, p1=None))
    assert outcome.typed.simon == NotEvaluated("monitoring.simon sets neither design nor p0/p1")
    assert outcome.results["simon"]["verdict"] == "NOT CONFIGURED"
    assert outcome.results["predictive"]["verdict"] == "NOT CONFIGURED"
    assert ([v for _, v in outcome.typed.verdicts()]
            == [Verdict.NOT_CONFIGURED] * 2 + [Verdict.CONTINUE])


def test_missing_relatedness_column_is_bad_input():
    with pytest.raises(BadInputError, match="RELFL"):
        run(subjects([READY]), {}, adae().drop(columns="RELFL"))


def test_unknown_safety_event_is_a_config_error():
    cfg = config()
    rule = cfg.monitoring.safety_stopping.model_copy(update={"event": "dlt"})
    monitoring = cfg.monitoring.model_copy(update={"safety_stopping": rule})
    cfg = cfg.model_copy(update={"monitoring": monitoring})
    with pytest.raises(ConfigError, match="related_grade3plus_first_cycle"):
        run(subjects([READY]), {}, cfg=cfg)


# --- pending is never failure (issue 10) --------------------------------------------------------

START = pd.Timestamp("2026-01-01")
OPTIMAL = SimonDesign(r1=1, n1=10, r=5, n=29)     # Simon's optimal design for p0 0.1, p1 0.3


def day(n: int) -> pd.Timestamp:
    return START + pd.Timedelta(days=n)          # n days after the first dose


def ten_subjects(confirmed_s10: bool) -> tuple[pd.DataFrame, dict, list]:
    """Eight SD at day 42; S9 PR at day 42 confirmed by a PR at day 70; S10 PR at day 42 whose
    confirming scan is due at day 84 (q42 days; window 7 days: reported by day 91 at the latest)."""
    frame = subjects([START] * 10)
    cbor = {f"S{i}": "SD" for i in range(1, 9)}
    cbor |= {"S9": "PR", "S10": "PR" if confirmed_s10 else "SD"}
    ovr = [(f"S{i}", "SD", day(42)) for i in range(1, 9)]
    ovr += [("S9", "PR", day(42)), ("S9", "PR", day(70)), ("S10", "PR", day(42))]
    if confirmed_s10:
        ovr.append(("S10", "PR", day(84)))
    return frame, cbor, ovr


def test_futility_is_not_called_on_a_pending_responder():
    # Before: S10 "had a chance to respond" at day 42 + 28, so 1 response in 10: STOP FOR FUTILITY.
    frame, cbor, ovr = ten_subjects(confirmed_s10=False)
    outcome = run(frame, cbor, cfg=config(design=OPTIMAL), ovr=ovr, cutoff=day(75).date())
    stage1 = outcome.results["simon"]["stage1"]
    assert (stage1["responses"], stage1["evaluable"], stage1["pending"]) == (1, 9, 1)
    assert stage1["verdict"] == "NOT YET EVALUABLE"
    assert stage1["non_responses_to_fail"] == 1 and stage1["responses_to_pass"] == 1


def test_the_confirmation_a_month_later_continues():
    frame, cbor, ovr = ten_subjects(confirmed_s10=True)
    outcome = run(frame, cbor, cfg=config(design=OPTIMAL), ovr=ovr, cutoff=day(105).date())
    stage1 = outcome.results["simon"]["stage1"]
    assert (stage1["responses"], stage1["evaluable"], stage1["verdict"]) == (2, 10, "CONTINUE")


def test_an_unconfirmed_response_settles_once_its_confirming_scan_is_overdue():
    # No scan reported by day 91 (due day 84 + 7): S10 settles as a non-responder.
    frame, cbor, ovr = ten_subjects(confirmed_s10=False)
    for cut, pending, verdict in ((91, 1, "NOT YET EVALUABLE"), (92, 0, "STOP FOR FUTILITY")):
        stage1 = run(frame, cbor, cfg=config(design=OPTIMAL), ovr=ovr,
                     cutoff=day(cut).date()).results["simon"]["stage1"]
        assert (stage1["pending"], stage1["verdict"]) == (pending, verdict), cut


def test_confirmation_no_longer_possible_after_an_sd_or_a_second_ne():
    # S10's PR at day 42 is followed by SD at day 84 (not allowed between): settled at day 85.
    frame, cbor, ovr = ten_subjects(confirmed_s10=False)
    for later in ([("S10", "SD", day(84))], [("S10", "NE", day(60)), ("S10", "NE", day(70))]):
        stage1 = run(frame, cbor, cfg=config(design=OPTIMAL), ovr=ovr + later,
                     cutoff=day(85).date()).results["simon"]["stage1"]
        assert (stage1["pending"], stage1["verdict"]) == (0, "STOP FOR FUTILITY")
    # max_ne_between 1: after an NE at day 84 the scan of day 126 may still confirm (until 133)
    for cut, pending in ((133, 1), (134, 0)):
        one_ne = run(frame, cbor, cfg=config(design=OPTIMAL), ovr=ovr + [("S10", "NE", day(84))],
                     cutoff=day(cut).date()).results["simon"]["stage1"]
        assert one_ne["pending"] == pending, cut


def test_a_pending_response_counts_for_no_rule_and_death_settles_it():
    frame, cbor, ovr = ten_subjects(confirmed_s10=False)
    pending = run(frame, cbor, cfg=config(design=OPTIMAL), ovr=ovr, cutoff=day(75).date())
    assert (pending.results["predictive"]["m"], pending.results["predictive"]["pending"]) == (9, 1)
    assert pending.results["information_fraction"]["evaluable"] == 9
    died = run(frame.assign(DTHFL=["N"] * 9 + ["Y"]), cbor, cfg=config(design=OPTIMAL), ovr=ovr,
               cutoff=day(75).date())
    assert died.results["simon"]["stage1"]["verdict"] == "STOP FOR FUTILITY"


def test_final_boundary_exceeded_before_the_final_analysis_declare_promising_at_it():
    # Design 1/4, 3/8: S1-S4 responded; S5-S8 within the first window: 4 > 3 with 4 not settled.
    frame = subjects([READY] * 4 + [NOT_READY] * 4)
    cbor = {"S1": "PR", "S2": "PR", "S3": "CR", "S4": "PR"}
    final = run(frame, cbor).results["simon"]["final"]
    assert (final["responses"], final["evaluable"], final["pending"]) == (4, 4, 4)
    assert final["verdict"] == "FINAL BOUNDARY EXCEEDED"
    final = run(subjects([READY] * 8), cbor).results["simon"]["final"]
    assert (final["evaluable"], final["verdict"]) == (8, "DECLARE PROMISING")


def test_inference_is_given_once_stage_two_is_reached_and_null_before():
    before = run(subjects([READY] * 2 + [NOT_READY] * 2), {"S1": "PR"})
    assert before.results["simon"]["stage1"]["verdict"] == "NOT YET EVALUABLE"
    assert before.results["simon"]["inference"] is None
    after = run(subjects([READY] * 6), {"S1": "PR", "S2": "PR", "S5": "PR"})
    inference = after.results["simon"]["inference"]
    # 3 responses of the first 8 (2 not yet enrolled: provisional, counted as non-responders);
    # p = sum_{x1=2..4} b(x1; 4, 0.1) P(Bin(4, 0.1) >= 3 - x1).
    b = lambda k, n, p=0.1: comb(n, k) * p**k * (1 - p) ** (n - k)  # noqa: E731
    expected = b(2, 4) * (1 - b(0, 4)) + b(3, 4) + b(4, 4)
    assert inference["p_value"] == pytest.approx(expected, abs=1e-12)
    assert (inference["responses"], inference["n"], inference["provisional"]) == (3, 8, 2)
    assert set(inference) >= {"p_value", "estimate", "ci_low", "ci_high", "method"}
    # Table 10.3 prints it beside the naive binomial p-value P(Bin(8, 0.1) >= 3).
    table = next(b for b in after.blocks if isinstance(b, Table) and b.number == "10.3")
    naive = 1 - b(0, 8) - b(1, 8) - b(2, 8)
    assert table.display["p-value (H0: rate = 10.0%)"].tolist() == [f"{expected:.4f}",
                                                                     f"{naive:.4f}"]
    assert any("Provisional: 2 of the first 8" in note for note in table.footnotes)
    assert any("not given, stage 2 is not reached" in p for p in paragraphs(before))


def test_safety_death_inside_the_window_settles_the_subject():
    recent = pd.Timestamp(CUTOFF) - pd.Timedelta(days=5)
    frame = subjects([recent, recent]).assign(DTHFL=["Y", "N"])
    safety = run(frame, {}).results["safety_stopping"]
    assert (safety["t"], safety["m"], safety["in_window"]) == (0, 1, 1)
