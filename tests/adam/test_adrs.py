"""ADRS: which assessments count (docs/efficacy.md, per-assessment overall response) and the
per-subject parameters RSP, CRSP, CB, PD, DEATH, LSTA, BORW / CBORW."""
from __future__ import annotations

from datetime import date

import pandas as pd

from tasks.adam.adrs import build_adrs, excluded_responses
from tasks.config import load_config
from tasks.model import Cut

REF = pd.Timestamp("2025-01-01")
BASE_CFG = load_config()
RS_COLUMNS = ["STUDYID", "USUBJID", "RSSEQ", "RSTESTCD", "RSEVAL", "RSEVALID", "RSACPTFL", "VISIT",
              "VISITNUM", "RSDTC", "RSSTRESC"]


def config(**response):
    return BASE_CFG.model_copy(update={"response": BASE_CFG.response.model_copy(update=response)})


def day(n: int) -> str:
    return (REF + pd.Timedelta(days=n)).strftime("%Y-%m-%d")


def adsl_of(*subjects: str, **columns) -> pd.DataFrame:
    base = {"STUDYID": "S", "USUBJID": list(subjects), "TRTSDT": REF, "RANDDT": pd.NaT,
            "DTHFL": "", "DTHDT": pd.NaT, "FASFL": "Y", "LSTALVDT": REF + pd.Timedelta(days=400)}
    return pd.DataFrame({**base, **columns})


def rs_of(rows: list[dict]) -> pd.DataFrame:
    """RS records; each row gives at least USUBJID, RSDTC, RSSTRESC."""
    full = [{"STUDYID": "S", "RSSEQ": str(i + 1), "RSTESTCD": "OVRLRESP", "RSEVAL": "INVESTIGATOR",
             "RSEVALID": "", "RSACPTFL": "", "VISIT": f"V{i}", "VISITNUM": str(i), **row}
            for i, row in enumerate(rows)]
    return pd.DataFrame(full, columns=RS_COLUMNS)


def derive(rows, adsl=None, cutoff=date(2030, 1, 1), **response) -> pd.DataFrame:
    adsl = adsl if adsl is not None else adsl_of(*sorted({r["USUBJID"] for r in rows}))
    return build_adrs(adsl, Cut(cutoff, "memory", {"rs": rs_of(rows)}, {}), config(**response))


def one(adrs: pd.DataFrame, paramcd: str, usubjid: str = "A") -> pd.Series:
    return adrs[(adrs["PARAMCD"] == paramcd) & (adrs["USUBJID"] == usubjid)].iloc[0]


def ovr(adrs: pd.DataFrame) -> pd.DataFrame:
    return adrs[adrs["PARAMCD"] == "OVR"].sort_values("RSSEQ")


def test_only_the_configured_evaluator_counts():
    rows = [{"USUBJID": "A", "RSDTC": day(50), "RSSTRESC": "SD"},
            {"USUBJID": "A", "RSDTC": day(50), "RSSTRESC": "PR", "RSEVAL": "INDEPENDENT ASSESSOR"}]
    assert one(derive(rows), "BOR")["AVALC"] == "SD"
    assert one(derive(rows, evaluator="INDEPENDENT ASSESSOR"), "BOR")["AVALC"] == "PR"
    assert len(ovr(derive(rows))) == 1


def test_adjudicated_subject_uses_accepted_records_only():
    irf = {"USUBJID": "A", "RSDTC": day(50), "RSEVAL": "INDEPENDENT ASSESSOR"}
    rows = [{**irf, "RSSTRESC": "PR", "RSEVALID": "RADIOLOGIST 1"},
            {**irf, "RSSTRESC": "SD", "RSEVALID": "RADIOLOGIST 2", "RSACPTFL": "Y"}]
    adrs = derive(rows, evaluator="INDEPENDENT ASSESSOR")
    assert one(adrs, "BOR")["AVALC"] == "SD"
    assert ovr(adrs)["RSSEQ"].tolist() == ["2"]


def test_worst_response_per_date_kept():
    rows = [{"USUBJID": "A", "RSDTC": day(50), "RSSTRESC": "PR"},
            {"USUBJID": "A", "RSDTC": day(50), "RSSTRESC": "PD"},
            {"USUBJID": "A", "RSDTC": day(10), "RSSTRESC": "NE"},
            {"USUBJID": "A", "RSDTC": day(10), "RSSTRESC": "CR"}]
    records = ovr(derive(rows))
    assert records["ANL01FL"].tolist() == [None, "Y", None, "Y"]
    assert records["EXCLREAS"].tolist()[0] == "not the worst response of its date"
    assert one(derive(rows), "BOR")["AVALC"] == "CR"


def test_assessments_before_reference_date_ignored():
    rows = [{"USUBJID": "A", "RSDTC": day(-3), "RSSTRESC": "PR"},
            {"USUBJID": "A", "RSDTC": day(50), "RSSTRESC": "SD"}]
    adrs = derive(rows)
    assert one(adrs, "BOR")["AVALC"] == "SD"
    assert ovr(adrs)["EXCLREAS"].tolist() == ["before the reference date", ""]
    assert one(adrs, "BOR")["ADT"] == REF + pd.Timedelta(days=50)


def test_reference_date_is_configurable():
    rows = [{"USUBJID": "A", "RSDTC": day(5), "RSSTRESC": "SD"}]
    adsl = adsl_of("A", RANDDT=REF + pd.Timedelta(days=10))
    assert one(derive(rows, adsl=adsl), "BOR")["AVALC"] == "NE"
    assert one(derive(rows, adsl=adsl, reference_date="RANDDT"), "BOR")["AVALC"] == "MISSING"


def test_assessments_after_first_pd_ignored():
    rows = [{"USUBJID": "A", "RSDTC": day(42), "RSSTRESC": "PD"},
            {"USUBJID": "A", "RSDTC": day(84), "RSSTRESC": "CR"}]
    adrs = derive(rows)
    assert one(adrs, "BOR")["AVALC"] == "PD"
    assert ovr(adrs)["ANL01FL"].tolist() == ["Y", None]
    assert ovr(adrs)["EXCLREAS"].tolist()[1] == "after the first PD"
    assert one(adrs, "LSTA")["ADT"] == REF + pd.Timedelta(days=42)


def test_partial_date_imputed_to_last_day_of_month_and_flagged():
    rows = [{"USUBJID": "A", "RSDTC": "2025-03", "RSSTRESC": "SD"}]
    rec = ovr(derive(rows)).iloc[0]
    assert rec["ADT"] == pd.Timestamp("2025-03-31") and rec["ADTF"] == "D"


def test_imputed_date_capped_at_cutoff_and_death():
    rows = [{"USUBJID": "A", "RSDTC": "2025-03", "RSSTRESC": "SD"}]
    assert ovr(derive(rows, cutoff=date(2025, 3, 15))).iloc[0]["ADT"] == pd.Timestamp("2025-03-15")
    dead = adsl_of("A", DTHFL="Y", DTHDT=pd.Timestamp("2025-03-10"))
    assert ovr(derive(rows, adsl=dead)).iloc[0]["ADT"] == pd.Timestamp("2025-03-10")
    complete = [{"USUBJID": "A", "RSDTC": "2025-03-20", "RSSTRESC": "SD"}]
    assert ovr(derive(complete, adsl=dead)).iloc[0]["ADT"] == pd.Timestamp("2025-03-20")


def test_year_only_date_not_used():
    rec = ovr(derive([{"USUBJID": "A", "RSDTC": "2025", "RSSTRESC": "SD"}])).iloc[0]
    assert pd.isna(rec["ADT"]) and rec["ANL01FL"] is None
    assert rec["EXCLREAS"] == "no usable date (RSDTC missing or year only)"


def test_response_outside_controlled_terms_excluded_and_shown():
    rows = [{"USUBJID": "A", "RSDTC": day(50), "RSSTRESC": "CHECK"},
            {"USUBJID": "A", "RSDTC": day(60), "RSSTRESC": "sd"}]
    adrs = derive(rows)
    assert ovr(adrs)["EXCLREAS"].tolist() == ["response not in RECIST 1.1 controlled terms", ""]
    assert one(adrs, "BOR")["AVALC"] == "SD"


def test_every_adsl_subject_gets_every_parameter():
    adrs = derive([{"USUBJID": "A", "RSDTC": day(50), "RSSTRESC": "SD"}], adsl=adsl_of("A", "B"))
    per_subject = adrs[adrs["PARAMCD"] != "OVR"].groupby("USUBJID")["PARAMCD"].apply(sorted)
    expected = sorted(["BOR", "CBOR", "BORW", "CBORW", "DCLM", "RSP", "CRSP", "CB", "PD", "DEATH",
                       "LSTA"])
    assert per_subject.to_dict() == {"A": expected, "B": expected}
    assert one(adrs, "LSTA", "B")["AVALC"] is None


def test_rsp_dated_by_first_response_crsp_by_first_confirmed():
    rows = [{"USUBJID": "A", "RSDTC": day(21), "RSSTRESC": "PR"},
            {"USUBJID": "A", "RSDTC": day(35), "RSSTRESC": "SD"},
            {"USUBJID": "A", "RSDTC": day(56), "RSSTRESC": "PR"},
            {"USUBJID": "A", "RSDTC": day(98), "RSSTRESC": "CR"},
            {"USUBJID": "A", "RSDTC": day(140), "RSSTRESC": "CR"}]
    adrs = derive(rows)
    assert ((one(adrs, "RSP")["AVALC"], one(adrs, "RSP")["ADT"])
            == ("Y", REF + pd.Timedelta(days=21)))
    assert ((one(adrs, "CRSP")["AVALC"], one(adrs, "CRSP")["ADT"])
            == ("Y", REF + pd.Timedelta(days=56)))
    assert ((one(adrs, "CBOR")["AVALC"], one(adrs, "CBOR")["ADT"])
            == ("CR", REF + pd.Timedelta(days=98)))
    assert one(adrs, "CB")["AVALC"] == "Y" and one(adrs, "CRSP")["AVAL"] == 1.0


def test_clinical_benefit_from_cbor():
    adrs = derive([{"USUBJID": "A", "RSDTC": day(50), "RSSTRESC": "NON-CR/NON-PD"},
                   {"USUBJID": "B", "RSDTC": day(30), "RSSTRESC": "SD"}])
    assert one(adrs, "CB", "A")["AVALC"] == "Y"
    assert (one(adrs, "CB", "B")["AVALC"], one(adrs, "CB", "B")["AVAL"]) == ("N", 0.0)


def test_pd_and_death_parameters():
    adsl = adsl_of("A", "B", DTHFL=["", "Y"], DTHDT=[pd.NaT, REF + pd.Timedelta(days=90)])
    adrs = derive([{"USUBJID": "A", "RSDTC": day(42), "RSSTRESC": "PD"}], adsl=adsl)
    assert ((one(adrs, "PD", "A")["AVALC"], one(adrs, "PD", "A")["ADT"])
            == ("Y", REF + pd.Timedelta(days=42)))
    assert one(adrs, "PD", "B")["AVALC"] == "N"
    assert (one(adrs, "DEATH", "B")["AVALC"], one(adrs, "DEATH", "B")["ADT"]) == (
        "Y", REF + pd.Timedelta(days=90))
    assert one(adrs, "DEATH", "A")["AVALC"] == "N"


def test_last_adequate_assessment_skips_ne():
    adrs = derive([{"USUBJID": "A", "RSDTC": day(42), "RSSTRESC": "SD"},
                   {"USUBJID": "A", "RSDTC": day(84), "RSSTRESC": "NE"}])
    assert ((one(adrs, "LSTA")["AVALC"], one(adrs, "LSTA")["ADT"])
            == ("SD", REF + pd.Timedelta(days=42)))


def test_dcr_window_uses_assessments_within_window_only():
    # 6 months = 182.6 days: the confirming PR on day 200 lies outside the window.
    rows = [{"USUBJID": "A", "RSDTC": day(100), "RSSTRESC": "PR"},
            {"USUBJID": "A", "RSDTC": day(200), "RSSTRESC": "PR"}]
    adrs = derive(rows)
    assert one(adrs, "CBOR")["AVALC"] == "PR"
    assert one(adrs, "CBORW")["AVALC"] == "SD"
    assert one(adrs, "BORW")["AVALC"] == "PR"
    assert one(derive(rows, dcr_window_months=7), "CBORW")["AVALC"] == "PR"
    edge = [{"USUBJID": "A", "RSDTC": day(182), "RSSTRESC": "SD"}]
    assert one(derive(edge), "BORW")["AVALC"] == "SD"
    assert (one(derive([{"USUBJID": "A", "RSDTC": day(183), "RSSTRESC": "SD"}]), "BORW")["AVALC"]
            == "MISSING")


def test_subject_not_in_adsl_is_shown_not_used():
    rows = [{"USUBJID": "Z", "RSDTC": day(50), "RSSTRESC": "SD"}]
    adrs = derive(rows, adsl=adsl_of("A"))
    assert ovr(adrs)["EXCLREAS"].tolist() == ["subject not in ADSL"]
    assert set(adrs.loc[adrs["PARAMCD"] == "BOR", "USUBJID"]) == {"A"}


def test_excluded_responses_list_each_left_out_response_with_its_reason():
    rows = [{"USUBJID": "A", "RSDTC": day(-3), "RSSTRESC": "PR"},
            {"USUBJID": "A", "RSDTC": day(50), "RSSTRESC": "PR"},
            {"USUBJID": "A", "RSDTC": day(50), "RSSTRESC": "SD"},
            {"USUBJID": "A", "RSDTC": day(60), "RSSTRESC": "SD"},
            {"USUBJID": "A", "RSDTC": day(60), "RSSTRESC": "SD"},
            {"USUBJID": "A", "RSDTC": day(70), "RSSTRESC": "CHECK"},
            {"USUBJID": "A", "RSDTC": day(80), "RSSTRESC": "PD"},
            {"USUBJID": "A", "RSDTC": "", "RSSTRESC": "SD"},
            {"USUBJID": "A", "RSDTC": day(90), "RSSTRESC": "SD"}]
    found = excluded_responses(derive(rows))
    # Not listed: the repeated SD of day 60 (same as the kept one) and the SD after the first PD.
    assert found[["RSDTC", "AVALC", "EXCLREAS"]].values.tolist() == [
        [day(-3), "PR", "before the reference date"],
        [day(50), "PR", "not the worst response of its date"],
        [day(70), "CHECK", "response not in RECIST 1.1 controlled terms"],
        ["", "SD", "no usable date (RSDTC missing or year only)"]]
    assert found["USUBJID"].eq("A").all() and found["VISIT"].tolist() == ["V0", "V1", "V5", "V7"]


def cm_of(start: str) -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": ["A"], "CMCAT": ["SUBSEQUENT ANTICANCER THERAPY"],
                         "CMSTDTC": [start]})


def test_responses_after_new_anticancer_therapy_do_not_count_and_are_listed():
    # A PR before the new therapy (day 60), PRs after it that would confirm it: not counted.
    rows = [{"USUBJID": "A", "RSDTC": day(42), "RSSTRESC": "PR"},
            {"USUBJID": "A", "RSDTC": day(60), "RSSTRESC": "SD"},
            {"USUBJID": "A", "RSDTC": day(84), "RSSTRESC": "PR"},
            {"USUBJID": "A", "RSDTC": day(126), "RSSTRESC": "CR"}]
    cut = Cut(date(2030, 1, 1), "memory", {"rs": rs_of(rows), "cm": cm_of(day(60))}, {})
    adrs = build_adrs(adsl_of("A"), cut, config())
    assert (one(adrs, "BOR")["AVALC"], one(adrs, "CBOR")["AVALC"]) == ("PR", "SD")
    assert ovr(adrs)["EXCLREAS"].tolist() == [
        "", "", "after the start of a new anticancer therapy",
        "after the start of a new anticancer therapy"]
    assert excluded_responses(adrs)[["RSDTC", "EXCLREAS"]].values.tolist() == [
        [day(84), "after the start of a new anticancer therapy"],
        [day(126), "after the start of a new anticancer therapy"]]
    counted = build_adrs(adsl_of("A"), cut, config(exclude_after_new_therapy=False))
    assert (one(counted, "BOR")["AVALC"], one(counted, "CBOR")["AVALC"]) == ("CR", "PR")
    assert excluded_responses(counted).empty


def test_assessment_on_the_day_new_therapy_starts_still_counts():
    rows = [{"USUBJID": "A", "RSDTC": day(42), "RSSTRESC": "PR"},
            {"USUBJID": "A", "RSDTC": day(84), "RSSTRESC": "PR"}]
    cut = Cut(date(2030, 1, 1), "memory", {"rs": rs_of(rows), "cm": cm_of(day(84))}, {})
    assert one(build_adrs(adsl_of("A"), cut, config()), "CBOR")["AVALC"] == "PR"
