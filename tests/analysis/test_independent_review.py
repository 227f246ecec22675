"""The independent review's results and tables on a hand-made cut: ORR / DCR by the reviewer,
BOR concordance with a hand-computed kappa, the discordant subjects, results.json keys."""
import json
from datetime import date

import pandas as pd
import pytest

from tasks.analysis.efficacy import efficacy_results, efficacy_section
from tasks.config import load_config
from tasks.model import Table
from tasks.monitoring.pending import response_status
from tasks.publish.canonical import canonical_json

CFG = load_config()
CUTOFF = date(2027, 1, 1)      # long after the first doses of 2026-01-01: every response settled
D = pd.Timestamp
SUBJECTS = ["S1", "S2", "S3", "S4", "S5"]


def adsl_frame() -> pd.DataFrame:
    adsl = pd.DataFrame({"USUBJID": SUBJECTS, "TRT01A": "A", "TRT01AN": 1, "FASFL": "Y",
                         "RSEVALFL": "Y", "TRTSDT": D("2026-01-01"), "EOTSTT": "ONGOING"})
    return adsl.assign(TRTEDT=D("2026-05-01"), LSTALVDT=D("2026-08-01"), DTHDT=pd.NaT,
                       RANDDT=pd.NaT)


def adrs_frame() -> pd.DataFrame:
    investigator = {"S1": ("PR", "PR"), "S2": ("PR", "PR"), "S3": ("SD", "SD"), "S4": ("PD", "PD"),
                    "S5": ("SD", "SD")}
    reviewer = {"S1": ("PR", "PR"), "S2": ("SD", "SD"), "S3": ("SD", "SD"), "S4": ("PD", "PD")}
    rows = []
    for values, (bor, cbor) in ((investigator, ("BOR", "CBOR")), (reviewer, ("BORIRC", "CBORIRC"))):
        for s, (b, c) in values.items():
            rows += [(s, bor, b, "Y"), (s, cbor, c, "Y")]
    rows += [(s, "OVRIRC", reviewer[s][0], "Y") for s in reviewer]
    rows += [("S5", "BORIRC", "MISSING", "Y"), ("S5", "CBORIRC", "MISSING", "Y"),
             ("S5", "OVRIRC", "SD", None)]                  # S5's only reading is not used
    adrs = pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "AVALC", "ANL01FL"])
    return adrs.assign(ADT=D("2026-03-01"), EXCLREAS="")


def adtte_frame() -> pd.DataFrame:
    pfs = {"S1": (200, 1), "S2": (150, 1), "S3": (120, 1), "S4": (84, 0), "S5": (100, 1)}
    review = dict(pfs, S4=(42, 0))                        # S4: PD six weeks earlier by the review
    rows = [(s, p, float(a), c, "" if c else "Disease Progression",
             "Last Tumor Assessment" if c else "")
            for p, values in (("OS", pfs), ("PFS", pfs), ("PFSIRC", review))
            for s, (a, c) in values.items()]
    return pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "AVAL", "CNSR", "EVNTDESC",
                                       "CNSDTDSC"])


def results_of(adsl: pd.DataFrame, adrs: pd.DataFrame, adtte: pd.DataFrame,
               cutoff: date = CUTOFF):
    status = response_status(adsl.assign(DTHFL=""), adrs, cutoff, CFG.response)
    return efficacy_results(adsl, adrs, adtte, CFG, status)


@pytest.fixture(scope="module")
def results():
    return results_of(adsl_frame(), adrs_frame(), adtte_frame())


def test_reviewer_rates_are_over_the_same_response_evaluable_set(results):
    review = results.independent_review
    assert review.evaluator == "INDEPENDENT ASSESSOR"
    assert (review.orr.responders, review.orr.n) == (1, 5)        # S1 only; investigator: S1, S2
    assert (results.orr.responders, results.orr.n) == (2, 5)
    assert (review.dcr.responders, review.dcr.n) == (3, 5)        # S5 not reviewed: MISSING
    assert review.cbor_counts["MISSING"] == 1 and review.bor_counts["SD"] == 2
    assert (review.pfs.n, review.pfs.events) == (5, 1)


def test_reviewer_rates_leave_the_pending_subjects_apart_as_the_primary_rates_do():
    # On 2026-03-05 S3 and S5 are still in their first window (pending); S1, S2, S4 settled.
    early = results_of(adsl_frame(), adrs_frame(), adtte_frame(), cutoff=date(2026, 3, 5))
    review = early.independent_review
    assert (early.orr.responders, early.orr.n) == (2, 3)
    assert (review.orr.responders, review.orr.n, review.dcr.responders) == (1, 3, 2)
    assert review.cbor_counts["SD"] == 2          # counts still over all five


def test_concordance_agreement_and_kappa_over_the_reviewed_subjects(results):
    c = results.independent_review.concordance
    # S1-S4 reviewed (S5's reading is not an analysis record): BOR agrees for S1, S3, S4.
    # p_o = 3/4; p_e = .5 x .25 (PR) + .25 x .5 (SD) + .25 x .25 (PD) = .3125; kappa = 7/11.
    assert (c.n, c.agree, c.rate) == (4, 3, 0.75)
    assert c.kappa == pytest.approx(7 / 11)
    assert c.cells["PR"]["SD"] == 1 and c.cells["PR"]["PR"] == 1 and c.cells["PD"]["PD"] == 1
    assert c.discordant == 2                                      # S2 (response), S4 (PFS)


def test_results_json_holds_the_contract_keys(results):
    review = json.loads(canonical_json(results))["independent_review"]
    assert review["evaluator"] == "INDEPENDENT ASSESSOR"
    assert set(review["orr"]) == {"n", "responders", "rate", "ci_low", "ci_high"}
    assert {"n", "agree", "kappa"} <= set(review["concordance"])


def test_tables_show_both_readers_the_cross_table_and_the_discordant_subjects(results):
    blocks = efficacy_section(adsl_frame(), adrs_frame(), adtte_frame(), pd.DataFrame(), CFG,
                              results)
    tables = {b.id: b for b in blocks if isinstance(b, Table)}
    review = tables["t_14_2_7_independent_review"].display.set_index("")
    assert review.loc["    n / settled (%)"].iloc[0].tolist() == ["2/5 (40.0)", "1/5 (20.0)"]
    assert list(review.columns) == ["Investigator\n(N=5)", "Independent review\n(N=5)"]
    cross = tables["t_14_2_8_concordance"]
    assert cross.display.set_index("Investigator BOR \\ independent BOR").loc["PR"].tolist() == [
        "1", "1", "0"]
    assert "Agreement 3 (75.0); Cohen's kappa 0.64" in cross.footnotes[0]
    listing = tables["l_14_2_9_discordant"]
    assert listing.data["USUBJID"].tolist() == ["S2", "S4"]
    assert listing.display.loc[1, ["PFS inv., months", "PFS ind., months"]].tolist() == [
        f"{84 / 30.4375:.1f}", f"{42 / 30.4375:.1f}"]


def test_no_review_without_reviewer_parameters():
    adrs = adrs_frame()
    adrs = adrs[~adrs["PARAMCD"].str.endswith("IRC")]
    adtte = adtte_frame()
    results = results_of(adsl_frame(), adrs, adtte[adtte["PARAMCD"] != "PFSIRC"])
    assert results.independent_review is None
