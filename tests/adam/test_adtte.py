"""ADTTE: the event and censoring table of docs/efficacy.md (OS, PFS, DOR, TTR), one rule each."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tasks.adam.adrs import build_adrs
from tasks.adam.adtte import build_adtte
from tasks.config import load_config
from tasks.errors import BadInputError, ConfigError
from tasks.model import Cut

REF = pd.Timestamp("2025-01-01")
BASE_CFG = load_config()
NACT = BASE_CFG.response.new_anticancer_therapy


def config(**response):
    return BASE_CFG.model_copy(update={"response": BASE_CFG.response.model_copy(update=response)})


def d(n: int) -> pd.Timestamp:
    return REF + pd.Timedelta(days=n)


def adsl_of(n: int = 1, **columns) -> pd.DataFrame:
    base = {"STUDYID": "S", "USUBJID": [chr(65 + i) for i in range(n)], "TRTSDT": REF,
            "RANDDT": pd.NaT, "DTHFL": "", "DTHDT": pd.NaT, "FASFL": "Y", "LSTALVDT": d(300),
            "TRT01A": "ARM", "TRT01AN": 1}
    return pd.DataFrame({**base, **columns})


def derive(responses: list[tuple[int, str]] = (), adsl: pd.DataFrame | None = None,
           cm: pd.DataFrame | None = None, cutoff: date = date(2030, 1, 1), **response):
    """ADTTE of subject A with RS assessments [(day, response)], as the flow builds it."""
    adsl = adsl if adsl is not None else adsl_of()
    rs = pd.DataFrame([{"STUDYID": "S", "USUBJID": "A", "RSSEQ": str(i + 1),
                        "RSTESTCD": "OVRLRESP", "RSEVAL": "INVESTIGATOR", "VISIT": f"V{i}",
                        "VISITNUM": str(i), "RSDTC": d(n).strftime("%Y-%m-%d"), "RSSTRESC": r}
                       for i, (n, r) in enumerate(responses)],
                      columns=["STUDYID", "USUBJID", "RSSEQ", "RSTESTCD", "RSEVAL", "VISIT",
                               "VISITNUM", "RSDTC", "RSSTRESC"])
    domains = {"rs": rs} if cm is None else {"rs": rs, "cm": cm}
    cut = Cut(cutoff, "memory", domains, {})
    cfg = config(**response)
    adrs = build_adrs(adsl, cut, cfg)
    return build_adtte(adsl, adrs, cut, cfg), adrs


def rec(adtte: pd.DataFrame, paramcd: str, usubjid: str = "A") -> dict:
    rows = adtte[(adtte["PARAMCD"] == paramcd) & (adtte["USUBJID"] == usubjid)]
    assert len(rows) == 1, rows
    r = rows.iloc[0]
    return {"ADT": (r["ADT"] - REF).days, "AVAL": r["AVAL"], "CNSR": r["CNSR"],
            "EVNTDESC": r["EVNTDESC"], "CNSDTDSC": r["CNSDTDSC"]}


def cm_of(*rows: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{"USUBJID": "A", "CMCAT": cat, "CMSTDTC": dtc} for cat, dtc in rows])


# ---- OS ----
def test_os_event_is_death_aval_counts_both_days():
    adtte, _ = derive(adsl=adsl_of(DTHFL="Y", DTHDT=d(100), LSTALVDT=d(100)))
    assert rec(adtte, "OS") == {"ADT": 100, "AVAL": 101.0, "CNSR": 0, "EVNTDESC": "Death",
                                "CNSDTDSC": None}


def test_os_censored_at_last_known_alive():
    adtte, _ = derive(adsl=adsl_of(LSTALVDT=d(200)))
    assert rec(adtte, "OS") == {"ADT": 200, "AVAL": 201.0, "CNSR": 1, "EVNTDESC": "Alive",
                                "CNSDTDSC": "Alive During Study"}


def test_os_censored_at_reference_date_when_not_known_alive_after_it():
    adtte, _ = derive(adsl=adsl_of(LSTALVDT=REF))
    assert rec(adtte, "OS") == {"ADT": 0, "AVAL": 1.0, "CNSR": 2, "EVNTDESC": "Treatment Start",
                                "CNSDTDSC": "Treatment Start"}
    randomized = adsl_of(RANDDT=REF, LSTALVDT=pd.NaT)
    adtte, _ = derive(adsl=randomized, reference_date="RANDDT")
    assert rec(adtte, "OS")["EVNTDESC"] == "Randomization" and rec(adtte, "OS")["CNSR"] == 2


def test_death_after_cutoff_ignored_and_censored_at_cutoff_at_latest():
    adsl = adsl_of(DTHFL="Y", DTHDT=d(400), LSTALVDT=d(400))
    adtte, _ = derive(adsl=adsl, cutoff=(REF + pd.Timedelta(days=365)).date())
    assert rec(adtte, "OS")["CNSR"] == 1 and rec(adtte, "OS")["ADT"] == 365
    assert rec(adtte, "PFS")["EVNTDESC"] != "Death"


def test_adtte_covers_the_full_analysis_set_only():
    adtte, _ = derive(adsl=adsl_of(2, FASFL=["Y", "N"]))
    assert set(adtte["USUBJID"]) == {"A"}


def test_missing_reference_date_in_full_analysis_set_is_a_config_error():
    with pytest.raises(ConfigError, match="RANDDT"):
        derive(reference_date="RANDDT")


# ---- PFS ----
def test_pfs_event_at_first_pd():
    adtte, adrs = derive([(42, "SD"), (84, "PD"), (126, "PD")])
    assert rec(adtte, "PFS") == {"ADT": 84, "AVAL": 85.0, "CNSR": 0,
                                 "EVNTDESC": "Disease Progression", "CNSDTDSC": None}
    row = adtte[adtte["PARAMCD"] == "PFS"].iloc[0]
    source = adrs[(adrs["ASEQ"] == row["SRCSEQ"])].iloc[0]
    assert (row["SRCDOM"], source["PARAMCD"], (source["ADT"] - REF).days) == ("ADRS", "OVR", 84)


def test_pfs_death_before_pd_is_the_event_pd_wins_a_tie():
    adtte, _ = derive([(42, "SD"), (84, "PD")], adsl=adsl_of(DTHFL="Y", DTHDT=d(60)))
    assert rec(adtte, "PFS")["EVNTDESC"] == "Death" and rec(adtte, "PFS")["ADT"] == 60
    adtte, _ = derive([(42, "SD"), (84, "PD")], adsl=adsl_of(DTHFL="Y", DTHDT=d(84)))
    assert rec(adtte, "PFS")["EVNTDESC"] == "Disease Progression"


def test_pfs_censored_at_last_adequate_assessment():
    adtte, _ = derive([(42, "SD"), (84, "NE")])
    assert rec(adtte, "PFS") == {"ADT": 42, "AVAL": 43.0, "CNSR": 1,
                                 "EVNTDESC": "Last Tumor Assessment",
                                 "CNSDTDSC": "Last Tumor Assessment"}


def test_pfs_censored_at_reference_date_without_post_baseline_assessment():
    for responses in ([], [(0, "SD")], [(30, "NE")]):
        adtte, _ = derive(responses)
        assert rec(adtte, "PFS") == {"ADT": 0, "AVAL": 1.0, "CNSR": 2,
                                     "EVNTDESC": "Treatment Start", "CNSDTDSC": "Treatment Start"}


def test_pfs_censored_before_new_anticancer_therapy():
    cm = cm_of(("SUBSEQUENT ANTICANCER THERAPY", d(90).strftime("%Y-%m-%d")))
    adtte, _ = derive([(42, "SD"), (84, "SD"), (126, "PD")], cm=cm)
    assert rec(adtte, "PFS") == {"ADT": 84, "AVAL": 85.0, "CNSR": 3,
                                 "EVNTDESC": "New Anticancer Therapy",
                                 "CNSDTDSC": "Last Tumor Assessment"}


def test_new_anticancer_therapy_before_any_assessment_censors_at_reference_date():
    cm = cm_of(("SUBSEQUENT ANTICANCER THERAPY", d(20).strftime("%Y-%m-%d")))
    adtte, _ = derive([(42, "SD")], cm=cm)
    assert (rec(adtte, "PFS")["ADT"], rec(adtte, "PFS")["CNSR"]) == (0, 3)
    assert rec(adtte, "PFS")["CNSDTDSC"] == "Treatment Start"


def test_new_therapy_rule_ignores_prior_therapy_other_categories_and_null_config():
    prior = cm_of(("SUBSEQUENT ANTICANCER THERAPY", d(-30).strftime("%Y-%m-%d")),
                  ("PRIOR ANTI-CANCER THERAPY", d(60).strftime("%Y-%m-%d")))
    adtte, _ = derive([(42, "SD"), (84, "PD")], cm=prior)
    assert rec(adtte, "PFS")["CNSR"] == 0
    later = cm_of(("SUBSEQUENT ANTICANCER THERAPY", d(60).strftime("%Y-%m-%d")))
    adtte, _ = derive([(42, "SD"), (84, "PD")], cm=later, new_anticancer_therapy=None)
    assert rec(adtte, "PFS")["CNSR"] == 0


def test_pd_on_the_day_new_therapy_starts_is_an_event():
    cm = cm_of(("SUBSEQUENT ANTICANCER THERAPY", d(84).strftime("%Y-%m-%d")))
    adtte, _ = derive([(42, "SD"), (84, "PD")], cm=cm)
    assert rec(adtte, "PFS")["CNSR"] == 0


def test_partial_new_therapy_date_counts_from_its_first_possible_day():
    cm = cm_of(("SUBSEQUENT ANTICANCER THERAPY", "2025-03"))      # 2025-03-01 = day 59
    adtte, _ = derive([(42, "SD"), (84, "PD")], cm=cm)
    assert (rec(adtte, "PFS")["CNSR"], rec(adtte, "PFS")["ADT"]) == (3, 42)


def test_missing_category_column_is_bad_input():
    with pytest.raises(BadInputError, match="CMCAT"):
        derive([(42, "SD")], cm=pd.DataFrame({"USUBJID": ["A"], "CMSTDTC": ["2025-02-01"]}))


def test_pfs_event_after_two_missed_assessments_censored():
    # 2 x 42 + 7 = 91 days allowed between the last adequate assessment and the event.
    adtte, _ = derive([(42, "SD"), (134, "PD")])
    assert rec(adtte, "PFS") == {"ADT": 42, "AVAL": 43.0, "CNSR": 4,
                                 "EVNTDESC": "Disease Progression After Missed Assessments",
                                 "CNSDTDSC": "Last Tumor Assessment"}
    adtte, _ = derive([(42, "SD"), (133, "PD")])
    assert rec(adtte, "PFS")["CNSR"] == 0
    adtte, _ = derive([(42, "SD"), (134, "PD")], pfs_missed_assessments=False)
    assert rec(adtte, "PFS")["CNSR"] == 0
    adtte, _ = derive([(42, "SD"), (134, "PD")], assessment_interval_days=56)
    assert rec(adtte, "PFS")["CNSR"] == 0


def test_death_long_after_last_assessment_censored_too():
    adtte, _ = derive([], adsl=adsl_of(DTHFL="Y", DTHDT=d(92), LSTALVDT=d(92)))
    assert rec(adtte, "PFS") == {"ADT": 0, "AVAL": 1.0, "CNSR": 4,
                                 "EVNTDESC": "Death After Missed Assessments",
                                 "CNSDTDSC": "Treatment Start"}
    assert rec(adtte, "OS")["CNSR"] == 0
    adtte, _ = derive([], adsl=adsl_of(DTHFL="Y", DTHDT=d(91), LSTALVDT=d(91)))
    assert rec(adtte, "PFS")["EVNTDESC"] == "Death"


# ---- DOR, TTR ----
def test_dor_from_first_confirmed_response_to_pd():
    adtte, _ = derive([(21, "SD"), (42, "PR"), (84, "PR"), (126, "PD")])
    dor = adtte[adtte["PARAMCD"] == "DOR"].iloc[0]
    assert ((dor["STARTDT"] - REF).days, (dor["ADT"] - REF).days, dor["AVAL"], dor["CNSR"]) == (
        42, 126, 85.0, 0)


def test_dor_censored_at_last_adequate_assessment():
    adtte, _ = derive([(42, "PR"), (84, "PR"), (126, "NE")])
    dor = rec(adtte, "DOR")
    assert (dor["ADT"], dor["CNSR"], dor["EVNTDESC"]) == (84, 1, "Last Tumor Assessment")


def test_dor_and_ttr_for_confirmed_responders_only():
    adtte, _ = derive([(42, "PR"), (84, "SD")])
    assert set(adtte["PARAMCD"]) == {"OS", "PFS", "PFSNMISS", "PFSNACT"}


def test_ttr_event_at_first_confirmed_response():
    adtte, _ = derive([(21, "PR"), (35, "SD"), (63, "PR"), (105, "CR")])
    assert rec(adtte, "TTR") == {"ADT": 63, "AVAL": 64.0, "CNSR": 0,
                                 "EVNTDESC": "Response (first confirmed CR or PR)",
                                 "CNSDTDSC": None}


def test_columns_of_the_contract():
    adtte, _ = derive([(42, "SD")])
    for column in ["USUBJID", "PARAMCD", "STARTDT", "ADT", "AVAL", "CNSR", "EVNTDESC",
                   "CNSDTDSC", "SRCDOM", "SRCVAR", "SRCSEQ", "TRT01A"]:
        assert column in adtte
    assert adtte["ADT"].dtype == "datetime64[ns]" and adtte["AVAL"].dtype == "float64"


# ---- PFS sensitivity analyses ----
def test_pfs_without_the_missed_assessment_rule_counts_the_late_event():
    adtte, _ = derive([(42, "SD"), (134, "PD")])
    assert rec(adtte, "PFS")["CNSR"] == 4
    assert rec(adtte, "PFSNMISS") == {"ADT": 134, "AVAL": 135.0, "CNSR": 0,
                                      "EVNTDESC": "Disease Progression", "CNSDTDSC": None}
    adtte, _ = derive([(42, "SD"), (134, "PD")], pfs_missed_assessments=False)
    assert "PFSNMISS" not in set(adtte["PARAMCD"])


def test_pfs_regardless_of_new_therapy_counts_the_pd_after_it():
    cm = cm_of(("SUBSEQUENT ANTICANCER THERAPY", d(90).strftime("%Y-%m-%d")))
    adtte, adrs = derive([(42, "SD"), (84, "SD"), (126, "PD")], cm=cm)
    assert rec(adtte, "PFS")["CNSR"] == 3
    assert rec(adtte, "PFSNACT") == {"ADT": 126, "AVAL": 127.0, "CNSR": 0,
                                     "EVNTDESC": "Disease Progression", "CNSDTDSC": None}
    # The PD after the new therapy is set aside in ADRS (not in the primary analysis).
    pd_record = adrs[(adrs["PARAMCD"] == "OVR") & (adrs["AVALC"] == "PD")].iloc[0]
    assert pd_record["EXCLREAS"] == "after the start of a new anticancer therapy"
    adtte, _ = derive([(42, "SD")], cm=cm, new_anticancer_therapy=None)
    assert "PFSNACT" not in set(adtte["PARAMCD"])


def test_death_120_days_after_first_dose_without_assessment_follows_the_two_interval_rule():
    """The issue's case. docs/efficacy.md: a death later than two scheduled assessment intervals
    (+ the window: 2 x 42 + 7 = 91 days) after the reference date, with no assessment, is
    censored at the reference date; the sensitivity analysis without the missed-assessment rule
    counts it, and so does a schedule whose two intervals reach day 120."""
    dead = adsl_of(DTHFL="Y", DTHDT=d(120), LSTALVDT=d(120))
    adtte, _ = derive([], adsl=dead)
    assert rec(adtte, "PFS") == {"ADT": 0, "AVAL": 1.0, "CNSR": 4,
                                 "EVNTDESC": "Death After Missed Assessments",
                                 "CNSDTDSC": "Treatment Start"}
    assert rec(adtte, "PFSNMISS") == {"ADT": 120, "AVAL": 121.0, "CNSR": 0, "EVNTDESC": "Death",
                                      "CNSDTDSC": None}
    adtte, _ = derive([], adsl=dead, assessment_interval_days=63)       # 2 x 63 + 7 = 133
    assert rec(adtte, "PFS")["EVNTDESC"] == "Death" and rec(adtte, "PFS")["AVAL"] == 121.0
