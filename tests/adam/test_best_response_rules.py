"""The BOR / CBOR rules as data: one evaluator applies a tuple of Category objects in order, and
the Methods print the same objects with the configured values."""
from __future__ import annotations

import pandas as pd

from tasks.adam.best_response import BOR_RULES, CBOR_RULES, Category, best_of
from tasks.adam.descriptions import rule_descriptions
from tasks.config import load_config

REF = pd.Timestamp("2025-01-01")
CFG = load_config()
RC = CFG.response


def assessments(rows: list[tuple[str, int, str]]) -> pd.DataFrame:
    """Analysis assessments from (USUBJID, day after the reference date, AVALC)."""
    return pd.DataFrame({
        "USUBJID": [u for u, _, _ in rows], "AVALC": [a for _, _, a in rows],
        "ADT": pd.Series([REF + pd.Timedelta(days=d) for _, d, _ in rows], dtype="datetime64[ns]"),
        "REFDT": REF,
        "ADTF": "", "RSSEQ": [str(i) for i in range(len(rows))], "VISITNUM": "", "VISIT": "",
        "RSDTC": ""})


def subjects(*ids: str) -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": list(ids)})


def best(rows, ids, rules, rc=RC) -> dict[str, tuple[str, int | None]]:
    out = best_of(assessments(rows), subjects(*ids), rules, rc).set_index("USUBJID")
    return {u: (r.AVALC, None if pd.isna(r.ADT) else (r.ADT - REF).days) for u, r in out.iterrows()}


def test_cbor_rules_are_evaluated_in_order_first_rule_met_wins():
    rows = [("A", 42, "PR"), ("A", 84, "PR"), ("A", 126, "SD")]
    assert best(rows, ["A"], CBOR_RULES) == {"A": ("PR", 42)}
    # The same assessments with the SD rule moved first: the evaluator only follows the order.
    sd_first = (CBOR_RULES[2], *CBOR_RULES[:2], *CBOR_RULES[3:])
    assert best(rows, ["A"], sd_first) == {"A": ("SD", 42)}


def test_bor_category_is_dated_by_its_first_assessment_not_the_first_assessment():
    rows = [("A", 20, "SD"), ("A", 50, "SD"), ("A", 90, "SD"), ("B", 30, "NE"), ("B", 60, "PD")]
    # A: SD counts from day 42 on (sd_min_days); the day-20 SD only meets the NE rule.
    assert best(rows, ["A", "B"], BOR_RULES) == {"A": ("SD", 50), "B": ("PD", 60)}


def test_subjects_without_assessment_take_the_first_subject_rule_that_holds():
    ne = RC.model_copy(update={"missing_as_ne": True})
    assert best([], ["A"], BOR_RULES) == {"A": ("MISSING", None)}
    assert best([], ["A"], BOR_RULES, ne) == {"A": ("NE", None)}


def test_a_new_category_is_a_new_object_in_the_tuple():
    early_pd = Category("PD", "PD within 30 days",
                        lambda o, rc: o["AVALC"].eq("PD") & (o["DAYS"] <= 30))
    rows = [("A", 20, "PD"), ("B", 40, "PD")]
    rules = (early_pd, Category("NE", "anything else", lambda o, rc: True), *BOR_RULES[-2:])
    assert best(rows, ["A", "B", "C"], rules) == {"A": ("PD", 20), "B": ("NE", 40),
                                                  "C": ("MISSING", None)}


def test_cbor_confirmation_rule_reads_the_configured_window():
    rows = [("A", 42, "CR"), ("A", 76, "CR")]
    anl = assessments(rows)
    longer = RC.model_copy(update={"confirmation_min_days": 35})
    assert best_of(anl, subjects("A"), CBOR_RULES, RC)["AVALC"].tolist() == ["CR"]
    assert best_of(anl, subjects("A"), CBOR_RULES, longer)["AVALC"].tolist() == ["SD"]


def test_methods_describe_the_rules_run_in_their_order_with_configured_values():
    cfg = CFG.model_copy(update={"response": RC.model_copy(update={
        "confirmation_min_days": 35, "sd_min_days": 56, "max_ne_between": 0})})
    rules = rule_descriptions(cfg)
    cbor = rules[rules["parameter"].eq("CBOR")]
    assert cbor["order"].tolist() == list(range(1, len(CBOR_RULES) + 1))
    assert cbor["rule"].tolist() == [f"AVALC {r.avalc}" for r in CBOR_RULES]
    assert cbor["description"].iloc[0] == ("CR confirmed by a CR at least 35 days later, with only "
                                           "CR or NE in between and at most 0 NE")
    assert cbor["description"].iloc[2] == ("SD, or a CR or PR not confirmed, at least 56 days "
                                           "after the reference date (TRTSDT)")
    assert rules["parameter"].unique().tolist() == ["BOR", "CBOR", "IBOR", "ICBOR", "OS", "PFS",
                                                    "DOR", "TTR"]
    icpd = rules[rules["parameter"].eq("IBOR") & rules["rule"].eq("AVALC iCPD")]["description"]
    assert "28 to 56 days after the run's last iUPD" in icpd.iloc[0]
    assert not rules["description"].str.contains("[{}]").any()
