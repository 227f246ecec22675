"""Tumour lesions from TU/TR: one row per subject, assessment visit and lesion, and the visits.

A lesion's role (TARGET / NON-TARGET / NEW) and location come from TU (TULNKID = TRLNKID); a TR
record whose lesion is not in TU keeps its TRGRPID as role and is listed by lesion_findings.
The size used for a target lesion: lymph nodes (location containing LYMPH NODE) by their short
axis (TRTESTCD SAXIS or LPERP when recorded, else LDIAM as the simulator records it); other
lesions by LDIAM (RECIST 1.1) or VIABDIAM (mRECIST, viable tumour). Non-target and new lesions
by their state (TRTESTCD TUMSTATE).
"""
from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from tasks.adam.flags import y_or_none
from tasks.adam.response_terms import normalise
from tasks.config import TrialConfig
from tasks.dates import latest_date, to_date
from tasks.distinct import per_distinct
from tasks.model import Cut, Finding

TARGET, NON_TARGET, NEW = "TARGET", "NON-TARGET", "NEW"
SHORT_AXIS_TESTCDS = ("SAXIS", "LPERP")           # CDISC TRTESTCD of a node's short axis
DIAMETER_TESTCD = {"RECIST 1.1": "LDIAM", "mRECIST": "VIABDIAM"}
STATE_TESTCD = "TUMSTATE"
NODE_LOCATION = "LYMPH NODE"
LESION_COLUMNS = ["USUBJID", "VISITKEY", "VISIT", "LNKID", "ROLE", "NODE", "SIZE", "STATE",
                  "COMPLETE", "PARTIAL"]


def _of_evaluator(frame: pd.DataFrame, prefix: str, evaluator: str) -> pd.DataFrame:
    """Records of the evaluator (all when --EVAL is absent or blank); adjudicated subjects:
    the accepted records (--ACPTFL = "Y") only."""
    eval_col, accept_col = f"{prefix}EVAL", f"{prefix}ACPTFL"
    if eval_col in frame and normalise(frame[eval_col]).ne("").any():
        frame = frame[normalise(frame[eval_col]).eq(evaluator.upper())]
    if accept_col in frame:
        accepted = frame[accept_col].eq("Y")
        frame = frame[accepted | ~frame["USUBJID"].isin(frame.loc[accepted, "USUBJID"])]
    return frame


def _visit_key(frame: pd.DataFrame) -> pd.Series:
    """VISITNUM where recorded (as a number), else the visit name."""
    name = normalise(frame["VISIT"]) if "VISIT" in frame else pd.Series("", index=frame.index)
    if "VISITNUM" not in frame:
        return name
    number = per_distinct(frame["VISITNUM"], lambda v: pd.to_numeric(v, errors="coerce").map(
        lambda n: f"{n:g}", na_action="ignore"))
    return number.fillna(name)


def tumour_identification(cut: Cut, cfg: TrialConfig) -> pd.DataFrame:
    """USUBJID, LNKID, ROLE, LOC, VISITKEY, VISIT, DTC per lesion of TU (first record of each)."""
    tu = cut.get("tu")
    if tu is None:
        return pd.DataFrame(columns=["USUBJID", "LNKID", "ROLE", "LOC", "VISITKEY", "VISIT", "DTC"])
    tu = _of_evaluator(tu, "TU", cfg.response.evaluator)
    out = pd.DataFrame({
        "USUBJID": tu["USUBJID"], "LNKID": tu["TULNKID"], "ROLE": normalise(tu["TUSTRESC"]),
        "LOC": normalise(tu["TULOC"]) if "TULOC" in tu else "",
        "VISITKEY": _visit_key(tu), "VISIT": tu.get("VISIT", ""), "DTC": tu.get("TUDTC", "")})
    return out.drop_duplicates(["USUBJID", "LNKID"]).reset_index(drop=True)


def lesion_table(cut: Cut, cfg: TrialConfig, tu: pd.DataFrame) -> pd.DataFrame:
    """One row per subject, assessment and lesion: SIZE (mm; NaN = not measured) for target
    lesions, STATE for the others; a NEW lesion identified in TU (`tumour_identification`)
    counts at its TU visit."""
    tr = cut.get("tr")
    if tr is None or tr.empty:
        return pd.DataFrame(columns=LESION_COLUMNS)
    diameter = DIAMETER_TESTCD[cfg.response.lesion_criteria]
    measured, new = _measurements(tr, tu, cfg), _new_lesion_records(tu)
    # an empty part must not take part in choosing the columns' dtypes (pandas warns it will)
    rec = ((pd.concat([measured, new], ignore_index=True) if len(new) else measured)
           .pipe(lambda f: f.assign(**record_dates(f["DTC"])))
           .pipe(split_visits_by_date))
    keys = ["USUBJID", "VISITKEY", "LNKID"]
    values = rec.groupby([*keys, "TESTCD"])["VALUE"].first().unstack("TESTCD")
    values = values.reindex(columns=list(dict.fromkeys([diameter, "LDIAM", *SHORT_AXIS_TESTCDS])))
    short_axis = values[list(SHORT_AXIS_TESTCDS)].bfill(axis=1).iloc[:, 0].fillna(values["LDIAM"])
    first = rec.sort_values("ROW").groupby(keys, sort=False).agg(
        VISIT=("VISIT", "first"), ROLE=("ROLE", "first"), NODE=("NODE", "first"),
        COMPLETE=("COMPLETE", "max"), PARTIAL=("PARTIAL", "max"))
    state = rec[rec["TESTCD"].eq(STATE_TESTCD)].groupby(keys)["TEXT"].first()
    lesions = first.join(state.rename("STATE"))
    lesions["SIZE"] = np.where(lesions["NODE"], short_axis.reindex(lesions.index),
                               values[diameter].reindex(lesions.index))
    lesions["STATE"] = lesions["STATE"].fillna("")
    return lesions.reset_index().reindex(columns=LESION_COLUMNS)


def _measurements(tr: pd.DataFrame, tu: pd.DataFrame, cfg: TrialConfig) -> pd.DataFrame:
    """The TR records that carry a size or a state, with the lesion's role and location."""
    tr = _of_evaluator(tr, "TR", cfg.response.evaluator)
    testcd = normalise(tr["TRTESTCD"])
    keep = testcd.isin({DIAMETER_TESTCD[cfg.response.lesion_criteria], "LDIAM", STATE_TESTCD,
                        *SHORT_AXIS_TESTCDS})
    tr, testcd = tr[keep], testcd[keep]
    rec = pd.DataFrame({
        "USUBJID": tr["USUBJID"], "LNKID": tr["TRLNKID"], "VISITKEY": _visit_key(tr),
        "VISIT": tr.get("VISIT", ""), "DTC": tr.get("TRDTC", ""), "TESTCD": testcd,
        "VALUE": pd.to_numeric(tr["TRSTRESN"], errors="coerce"), "TEXT": normalise(tr["TRSTRESC"]),
        "GRPID": normalise(tr["TRGRPID"]) if "TRGRPID" in tr else "", "ROW": tr.index})
    rec["VALUE"] = rec["VALUE"].where(rec["VALUE"] >= 0)     # negative: not a measurement
    rec = rec.merge(tu[["USUBJID", "LNKID", "ROLE", "LOC"]], on=["USUBJID", "LNKID"],
                    how="left", indicator="_in_tu")
    rec["ROLE"] = rec["ROLE"].where(rec.pop("_in_tu").eq("both"), rec["GRPID"])
    rec["NODE"] = rec["LOC"].fillna("").str.contains(NODE_LOCATION, regex=False)
    return rec


def _new_lesion_records(tu: pd.DataFrame) -> pd.DataFrame:
    """TU identifications of NEW lesions, as records of their visit (no size, no state)."""
    new = tu[tu["ROLE"].eq(NEW)]
    return new.assign(TESTCD="", VALUE=np.nan, TEXT="", GRPID=NEW, ROW=-1, NODE=False)


def split_visits_by_date(rec: pd.DataFrame) -> pd.DataFrame:
    """A visit whose records carry two or more different complete dates holds as many
    assessments (e.g. two scans filed as one unscheduled visit): VISITKEY becomes
    "<visit>@<date>"; its records without a complete date join its first date."""
    group = [rec["USUBJID"], rec["VISITKEY"]]
    several = rec.groupby(group)["COMPLETE"].transform("nunique") > 1
    when = rec["COMPLETE"].fillna(rec.groupby(group)["COMPLETE"].transform("min"))
    rec["VISITKEY"] = rec["VISITKEY"].where(~several,
                                            rec["VISITKEY"] + "@" + when.dt.strftime("%Y-%m-%d"))
    return rec


def record_dates(dtc: pd.Series) -> dict[str, pd.Series]:
    """COMPLETE (a full date, else NaT) and PARTIAL (the last day a partial date may mean)."""
    return {"COMPLETE": to_date(dtc).astype("datetime64[ns]"),
            "PARTIAL": latest_date(dtc).astype("datetime64[ns]")}


def visit_table(lesions: pd.DataFrame, reference: pd.Series, cutoff: pd.Timestamp) -> pd.DataFrame:
    """One row per subject and visit: ADT (latest complete date of the visit; else the last day
    of the latest partial month, not after the cutoff, ADTF = "D"), ABLFL on the baseline (the
    last visit on or before the reference date, else the first visit), PHASE (pre-baseline,
    baseline, post-baseline). `reference`: USUBJID -> reference date."""
    visits = lesions.groupby(["USUBJID", "VISITKEY"], sort=False).agg(
        VISIT=("VISIT", "first"), COMPLETE=("COMPLETE", "max"), PARTIAL=("PARTIAL", "max"))
    visits = visits.reset_index()
    imputed = visits["COMPLETE"].isna() & visits["PARTIAL"].notna()
    # pandas-stubs: clip takes no Timestamp bound (pandas does)
    visits["ADT"] = visits["COMPLETE"].fillna(
        visits["PARTIAL"].clip(upper=cutoff))  # type: ignore[call-overload]
    visits["ADTF"] = np.where(imputed, "D", "")
    visits["VISITN"] = pd.to_numeric(visits["VISITKEY"], errors="coerce")
    visits = (visits.sort_values(["USUBJID", "ADT", "VISITN"], na_position="last")
              .reset_index(drop=True))
    ref = visits["USUBJID"].map(reference).astype("datetime64[ns]")
    on_or_before = (visits["ADT"] <= ref).to_numpy()
    position = visits.groupby("USUBJID").cumcount()
    last_before = (pd.Series(np.where(on_or_before, position, -1)).groupby(visits["USUBJID"])
                   .transform("max"))
    baseline_pos = last_before.where(last_before >= 0, 0)
    visits["PHASE"] = np.select([position < baseline_pos, position == baseline_pos],
                                ["pre-baseline", "baseline"], "post-baseline")
    visits["ABLFL"] = y_or_none(visits["PHASE"].eq("baseline"))
    return visits.drop(columns=["COMPLETE", "PARTIAL"])


def baseline_lesions(lesions: pd.DataFrame, role: str, tu_roles: pd.DataFrame) -> pd.DataFrame:
    """USUBJID, LNKID, NODE of the subject's lesions of `role`: as identified in TU, else (no TU
    lesion of that role for the subject) those TR records name."""
    from_tu = tu_roles[tu_roles["ROLE"].eq(role)][["USUBJID", "LNKID", "LOC"]]
    from_tu = from_tu.assign(NODE=from_tu["LOC"].str.contains(NODE_LOCATION, regex=False))
    from_tr = lesions[lesions["ROLE"].eq(role) & ~lesions["USUBJID"].isin(from_tu["USUBJID"])]
    from_tr = from_tr.drop_duplicates(["USUBJID", "LNKID"])
    return pd.concat([from_tu[["USUBJID", "LNKID", "NODE"]], from_tr[["USUBJID", "LNKID", "NODE"]]],
                     ignore_index=True)


def lesion_findings(cut: Cut, cfg: TrialConfig) -> list[Finding]:
    """Lesion records the derivation cannot use as they are: negative or missing diameters
    (without TRSTAT NOT DONE) and TR records of a lesion not identified in TU."""
    tr = cut.get("tr")
    if tr is None or tr.empty:
        return []
    tr = _of_evaluator(tr, "TR", cfg.response.evaluator)
    name = cut.file_name("tr")
    size_tests = {DIAMETER_TESTCD[cfg.response.lesion_criteria], "LDIAM", *SHORT_AXIS_TESTCDS}
    sized = normalise(tr["TRTESTCD"]).isin(size_tests)
    value = pd.to_numeric(tr["TRSTRESN"], errors="coerce")
    not_done = (normalise(tr["TRSTAT"]).eq("NOT DONE") if "TRSTAT" in tr
                else pd.Series(False, index=tr.index))
    problems: list[tuple[pd.Series, Literal["error", "warning"], str, str]] = [
        (sized & (value < 0), "error", "TR-NEGATIVE-DIAMETER",
         "negative lesion diameter: the lesion counts as not measured"),
        (sized & value.isna() & ~not_done, "warning", "TR-MISSING-DIAMETER",
         "lesion diameter missing without TRSTAT = NOT DONE: the lesion counts as not measured"),
    ]
    findings = [Finding(severity, rule, message, file=name, row=int(i) + 1,
                        usubjid=str(tr.at[i, "USUBJID"]), column="TRSTRESN",
                        value=str(tr.at[i, "TRSTRESN"]))
                for mask, severity, rule, message in problems for i in tr.index[mask]]
    tu = tumour_identification(cut, cfg)
    if cut.has("tu"):
        known = pd.MultiIndex.from_frame(tu[["USUBJID", "LNKID"]])
        linked = pd.MultiIndex.from_arrays([tr["USUBJID"], tr["TRLNKID"]])
        orphan = tr.index[~linked.isin(known) & tr["TRLNKID"].ne("")]
        findings += [Finding("warning", "TR-LESION-NOT-IN-TU",
                             "TR lesion not identified in TU: its role is taken from TRGRPID",
                             file=name, row=int(i) + 1, usubjid=str(tr.at[i, "USUBJID"]),
                             column="TRLNKID", value=str(tr.at[i, "TRLNKID"])) for i in orphan]
    return findings
