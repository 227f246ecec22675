"""The items for the DSMB's attention (page 2), each rule on hand-made facts: deaths in the window
or of unknown cause, grade 5 TEAEs, new SAEs, a boundary crossed or within one event, data
behind."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tasks.analysis.attention import ATTENTION_RULES, AttentionFacts, attention_items
from tasks.analysis.deaths import DEATH_COLUMNS
from tasks.config import SimonDesign, load_config
from tasks.monitoring.pending import response_status
from tasks.monitoring.rules import evaluate_monitoring

CFG = load_config()
CUTOFF = date(2026, 3, 16)          # day 75 of subjects who started 2026-01-01
START = pd.Timestamp("2026-01-01")


def cfg_with(design: SimonDesign):
    simon = CFG.monitoring.simon.model_copy(update={"design": design})
    return CFG.model_copy(update={"monitoring": CFG.monitoring.model_copy(update={"simon": simon})})


def monitoring(cfg, responders: int = 1, pending_pr: bool = True, related_events: int = 0):
    """Ten subjects from 2026-01-01: `responders` confirmed PRs, one PR of day 42 awaiting its
    confirmation when `pending_pr`, SD otherwise; `related_events` related grade 3 TEAEs on day
    5."""
    ids = [f"S{i}" for i in range(1, 11)]
    adsl = pd.DataFrame({"USUBJID": ids, "TRTSDT": START, "RSEVALFL": "Y", "SAFFL": "Y",
                         "DTHFL": "N"})
    cbor = ["PR"] * responders + ["SD"] * (10 - responders)
    rows = [(s, "CBOR", c, pd.NaT, None) for s, c in zip(ids, cbor)]
    rows += [(s, "OVR", "PR" if (i < responders or (pending_pr and i == 9)) else "SD",
              START + pd.Timedelta(days=42), "Y") for i, s in enumerate(ids)]
    rows += [(s, "OVR", "PR", START + pd.Timedelta(days=70), "Y") for s in ids[:responders]]
    adrs = pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "AVALC", "ADT", "ANL01FL"])
    adae = pd.DataFrame({"USUBJID": ids[:related_events], "TRTEMFL": "Y", "AETOXGR": "3",
                         "RELFL": "Y", "ASTDT": START + pd.Timedelta(days=4)})
    status = response_status(adsl, adrs, CUTOFF, cfg.response)
    return evaluate_monitoring(status, adsl, adae, cfg, CUTOFF).results


def facts(**overrides) -> AttentionFacts:
    quiet = dict(deaths=pd.DataFrame(columns=DEATH_COLUMNS),
                 adae=pd.DataFrame(columns=["USUBJID", "TRTEMFL", "ATOXGRN", "AEDECOD", "ASTDT"]),
                 new_saes=None, previous=None,
                 monitoring=monitoring(cfg_with(SimonDesign(r1=1, n1=10, r=5, n=29)), responders=3,
                                       pending_pr=False),
                 currency=pd.DataFrame({"USUBJID": ["S1"], "BEHINDFL": [""]}), cfg=CFG)
    return AttentionFacts(**{**quiet, **overrides})


def death(usubjid: str, days_after: float | None, cause: str, fatal_ae: str = "", ongoing: str = "",
          dthfl: str = "Y") -> dict:
    unknown = "Y" if cause.upper() in ("", *CFG.safety.unknown_death_causes) else ""
    return {"USUBJID": usubjid, "TRT01A": "A", "SAFFL": "Y", "DTHFL": dthfl,
            "DTHDT": pd.Timestamp("2026-02-20"), "DTHDY": 51.0, "DAYS_AFTER_LAST_DOSE": days_after,
            "WITHIN_WINDOW": "" if days_after is None else ("Y" if days_after <= 30 else "N"),
            "DTHCAUS": cause, "DTHCGR1": "OTHER", "UNKNOWNFL": unknown, "FATAL_AE": fatal_ae,
            "FATAL_TEAE": "Y" if fatal_ae else "", "ONGOING_SAE": ongoing, "ATTENTION": ""}


def test_the_rules_are_named_data_in_order():
    assert [rule.name for rule in ATTENTION_RULES] == [
        "death in the window or of unknown cause", "grade 5 TEAE", "new serious adverse events",
        "monitoring boundary crossed or within reach", "data behind the cutoff"]


def test_nothing_to_say_gives_no_item():
    assert attention_items(facts()) == ()


def test_each_death_in_the_window_or_of_unknown_cause_points_to_the_death_listing():
    deaths = pd.DataFrame([
        death("S1", 18, "UNKNOWN CAUSE", ongoing="ALANINE AMINOTRANSFERASE INCREASED (grade 3)"),
        death("S2", 5, "SEPSIS", fatal_ae="SEPSIS"),
        death("S3", 90, "DISEASE PROGRESSION"),         # beyond the window, known cause: no item
        death("S4", 200, ""),                            # no cause recorded: unknown
    ])
    items = attention_items(facts(deaths=deaths))
    assert [i.subjects for i in items] == [("S1",), ("S2",), ("S4",)]
    assert items[0].text == ("S1 died 2026-02-20, 18 days after the last dose (within 30); cause "
                             "unknown (UNKNOWN CAUSE); no fatal AE record; serious AEs ongoing at "
                             "death: ALANINE AMINOTRANSFERASE INCREASED (grade 3).")
    assert "fatal AE: SEPSIS" in items[1].text
    assert items[2].text.startswith("S4 died 2026-02-20, 200 days after the last dose; cause "
                                    "unknown;")
    assert {i.target for i in items} == {"t_14_3_6_2_death_listing"}


def test_grade5_teaes_and_new_saes():
    adae = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"], "TRTEMFL": ["Y", "Y", None],
                         "ATOXGRN": [5.0, 4.0, 5.0],
                         "AEDECOD": ["HEPATIC FAILURE", "SEPSIS", "FALL"],
                         "ASTDT": pd.to_datetime(["2026-02-01"] * 3)})
    new = pd.DataFrame({"USUBJID": ["S2", "S2"], "AEDECOD": ["SEPSIS", "PNEUMONIA"],
                        "AETOXGR": ["4", ""]})
    items = attention_items(facts(adae=adae, new_saes=new, previous="2026-01-31/v1"))
    assert [(i.rule, i.text) for i in items] == [
        ("grade 5 TEAE", "S1: grade 5 TEAE HEPATIC FAILURE, onset 2026-02-01."),
        ("new serious adverse events", "2 serious adverse event(s) new since the previous cut "
                                       "(2026-01-31/v1) in 1 subject(s): S2 SEPSIS (grade 4); "
                                       "S2 PNEUMONIA.")]
    assert items[1].target == "t_16_4_4_new_saes" and items[1].subjects == ("S2",)


def test_a_stage_one_boundary_within_one_event_is_named():
    # Design 1/10: 1 response, S10's PR awaits confirmation. If S10 settles without it: futility;
    # if it confirms: stage 1 passes. Both are one event away.
    results = monitoring(cfg_with(SimonDesign(r1=1, n1=10, r=5, n=29)), responders=1,
                         pending_pr=True)
    items = attention_items(facts(monitoring=results))
    texts = [i.text for i in items]
    assert texts[0].startswith("Simon stage 1: 1 more subject(s) settling without a response would "
                               "make the boundary (> 1 responses) impossible to pass")
    assert texts[1] == ("Simon stage 1: 1 more response(s) would exceed the boundary (> 1; 1 so "
                        "far).")
    assert {i.target for i in items} == {"t_10_1_monitoring_rules"}


def test_crossed_boundaries_and_a_safety_boundary_one_event_away():
    crossed = monitoring(cfg_with(SimonDesign(r1=1, n1=4, r=2, n=10)), responders=3,
                         pending_pr=False)
    texts = [i.text for i in attention_items(facts(monitoring=crossed))]
    assert "Simon final: DECLARE PROMISING (3 responses in 10 evaluable; boundary > 2)." in texts
    # Safety: P(rate > 0.33) > 0.8 is crossed at 5 events in 10 (Beta(6, 6)); 4 events is one away.
    near = monitoring(cfg_with(SimonDesign(r1=1, n1=4, r=5, n=10)), responders=3, pending_pr=False,
                      related_events=4)
    assert near.safety_stopping.boundary_t == 5
    safety = [i.text for i in attention_items(facts(monitoring=near))
              if i.text.startswith("Safety")]
    assert safety == ["Safety stopping: 4 events in 10 assessable; 1 more would cross the boundary "
                      "(treatment-related grade >= 3 TEAE with onset in the first 21 days)."]


def test_subjects_whose_data_are_behind():
    currency = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"], "BEHINDFL": ["Y", "", "Y"]})
    [item] = attention_items(facts(currency=currency))
    assert item.text == ("2 subject(s) in follow-up with data more than 60 days behind the "
                         "cutoff: S1; S3.")
    assert item.target == "l_16_1_1_data_currency" and item.subjects == ("S1", "S3")
    many = pd.DataFrame({"USUBJID": [f"S{i:02d}" for i in range(1, 13)], "BEHINDFL": "Y"})
    [item] = attention_items(facts(currency=many))
    assert item.text.endswith("S09; S10, and 2 more.") and len(item.subjects) == 12


@pytest.mark.parametrize("margin, expected", [(0, 0), (1, 1)])
def test_the_margin_comes_from_the_config(margin, expected):
    cfg = cfg_with(SimonDesign(r1=1, n1=4, r=5, n=10))
    cfg = cfg.model_copy(update={"monitoring": cfg.monitoring.model_copy(
        update={"attention_margin_events": margin})})
    near = monitoring(cfg, responders=3, pending_pr=False, related_events=4)
    items = attention_items(facts(monitoring=near, cfg=cfg))
    assert sum(i.text.startswith("Safety") for i in items) == expected
