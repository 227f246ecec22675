"""DCR at 6 months by the landmark definition (docs/efficacy.md, Rates): ADRS DCLM, one test
per branch, and the case where it differs from DCR and from the best response within 6 months
(the issue's defect: 'DCR within 6 months' could never differ from DCR)."""
from __future__ import annotations

from datetime import date

import pandas as pd

from tasks.adam.adrs import build_adrs
from tasks.config import load_config
from tasks.model import Cut

REF = pd.Timestamp("2025-01-01")
CFG = load_config()        # landmark 6 months = 182.6 days, window 21 days: days 162-203
CUTOFF = date(2026, 1, 1)  # day 365


def derive(subjects: dict[str, list[tuple[int, str]]], cutoff: date = CUTOFF,
           **adsl) -> pd.DataFrame:
    rs = pd.DataFrame([{"STUDYID": "S", "USUBJID": s, "RSSEQ": str(i + 1), "RSTESTCD": "OVRLRESP",
                        "RSEVAL": "INVESTIGATOR", "VISIT": f"V{i}", "VISITNUM": str(i),
                        "RSDTC": (REF + pd.Timedelta(days=n)).strftime("%Y-%m-%d"), "RSSTRESC": r}
                       for i, (s, n, r) in enumerate((s, n, r) for s, v in subjects.items()
                                                     for n, r in v)],
                      columns=["STUDYID", "USUBJID", "RSSEQ", "RSTESTCD", "RSEVAL", "VISIT",
                               "VISITNUM", "RSDTC", "RSSTRESC"])
    ids = list(subjects)
    frame = {"STUDYID": "S", "USUBJID": ids, "TRTSDT": REF, "RANDDT": pd.NaT, "DTHFL": "",
             "DTHDT": pd.NaT, "FASFL": "Y", "LSTALVDT": REF + pd.Timedelta(days=300), **adsl}
    return build_adrs(pd.DataFrame(frame), Cut(cutoff, "memory", {"rs": rs}, {}), CFG)


def landmark(adrs: pd.DataFrame) -> dict[str, tuple[str, int | None, str | None]]:
    rec = adrs[adrs["PARAMCD"] == "DCLM"].set_index("USUBJID")
    return {s: (r["AVALC"], None if pd.isna(r["ADT"]) else (r["ADT"] - REF).days, r["ANL01FL"])
            for s, r in rec.iterrows()}


def test_disease_control_at_the_assessment_closest_to_six_months():
    adrs = derive({"A": [(42, "SD"), (168, "SD"), (210, "PD")],     # 168 is 14.6 days off
                   "B": [(42, "PR"), (84, "PR"), (190, "NE")],      # NE at the landmark
                   "C": [(42, "SD"), (175, "SD"), (189, "PR")]})    # 189 is closer (6.4 < 7.6)
    assert landmark(adrs) == {"A": ("Y", 168, "Y"), "B": ("N", 190, "Y"), "C": ("Y", 189, "Y")}


def test_progression_or_death_before_the_landmark_is_no_disease_control():
    adrs = derive({"A": [(42, "SD"), (126, "PD")], "B": [(42, "SD"), (168, "SD")]},
                  DTHFL=["", "Y"], DTHDT=[pd.NaT, REF + pd.Timedelta(days=175)])
    assert landmark(adrs) == {"A": ("N", 126, "Y"), "B": ("N", 175, "Y")}


def test_no_assessment_in_the_window_is_no_control_pending_or_not_reached():
    # A: window over, known alive at 6 months; B: window open at the cutoff (day 190);
    # C: lost to follow-up on day 120.
    over = derive({"A": [(42, "SD"), (126, "SD")]})
    assert landmark(over) == {"A": ("N", None, "Y")}
    pending = derive({"B": [(42, "SD"), (126, "SD")]}, cutoff=(REF + pd.Timedelta(days=190)).date(),
                     LSTALVDT=REF + pd.Timedelta(days=190))
    assert landmark(pending) == {"B": ("PENDING", None, None)}
    lost = derive({"C": [(42, "SD"), (84, "SD")]}, LSTALVDT=REF + pd.Timedelta(days=120))
    assert landmark(lost) == {"C": ("NOT REACHED", None, None)}
    assert lost.loc[lost["PARAMCD"] == "DCLM", "EXCLREAS"].tolist() == [
        "follow-up ended before the landmark without PD or death"]


def test_dcr_at_six_months_differs_from_dcr_and_from_the_best_response_within_six_months():
    # SD at day 42, PD at day 126: disease control (CBOR SD) and within 6 months (CBORW SD),
    # but not at 6 months.
    adrs = derive({"A": [(42, "SD"), (126, "PD")]})
    values = adrs.set_index("PARAMCD")["AVALC"]
    assert (values["CBOR"], values["CBORW"], values["DCLM"]) == ("SD", "SD", "N")
