"""Apply the data cutoff as datacutr does, and record every record it removes or changes."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from tasks.config import TrialConfig
from tasks.dates import earliest_date
from tasks.errors import BadInputError
from tasks.model import Cut, CutoffResult, Finding
from tasks.validate.findings import row_findings

SUBJECT_CUT = "subject consented after the cutoff: removed"
DATE_CUT = "dated after the cutoff: removed"
PARENT_CUT = "parent record removed: removed"
DEATH_RESET = "death after the cutoff: DTHFL and DTHDTC cleared"
FATAL_RESET = "death after the cutoff: fatal outcome cleared (AEOUT FATAL, AESDTH Y, AETOXGR 5)"
ONGOING = "ended after the cutoff: end date cleared (ongoing at the cutoff)"
NO_DATE = "no date: kept"
REASONS = (SUBJECT_CUT, DATE_CUT, PARENT_CUT, DEATH_RESET, FATAL_RESET, ONGOING, NO_DATE)
REMOVED_COLUMNS = ["domain", "row", "USUBJID", "variable", "value", "reason"]
LOG_COLUMNS = ["domain", "reason", "records"]
CONSENT = "RFICDTC"
DEATH = ("DTHDTC", "DTHFL")
# The fatal outcome of an AE, cleared to missing when the subject's death is after the cutoff: at
# the cutoff the subject was alive and the event ongoing (its end date is cleared too); the grade
# before death is not in the record, so AETOXGR 5 becomes missing (counted as "Missing" grade).
FATAL_OUTCOME = {"AEOUT": "FATAL", "AESDTH": "Y", "AETOXGR": "5"}


def apply_cutoff(cut: Cut, cfg: TrialConfig) -> CutoffResult:
    """Subject cut (consent after the cutoff), date cut per domain (cfg.cutoff.date_variables,
    partial dates by their earliest possible day), supplementary records with their parent,
    death reset in DM and in the fatal outcome of AE, end dates after the cutoff cleared
    (cfg.cutoff.end_date_variables). Records without a date stay and are listed as warnings.
    The input cut is not changed."""
    cutoff = pd.Timestamp(cut.cutoff)
    consent = consent_dates(cut, cfg)
    late = consent[consent["date"] > cutoff]
    died_later = death_dates(cut, cfg).loc[lambda d: d > cutoff].index
    touched: list[pd.DataFrame] = []
    undated: dict[str, int] = {}
    findings = list(cut.findings)
    frames: dict[str, pd.DataFrame] = {}
    removed_rows: dict[str, pd.Index] = {}
    parents_first = sorted(cut.domains, key=lambda d: d.startswith("supp"))
    for domain in parents_first:
        frame = cut.domains[domain]
        name = cut.file_name(domain)
        drop, log = _subject_cut(frame, domain, late)
        touched.append(log)
        if domain.startswith("supp"):
            parent = _parent_domain(frame, domain)
            gone, log = _parent_cut(frame, domain, cut.domains.get(parent),
                                    removed_rows.get(parent), ~drop)
            drop |= gone
            touched.append(log)
        elif domain in cfg.cutoff.date_variables:
            variable = cfg.cutoff.date_variables[domain]
            gone, log, no_date = _date_cut(frame, domain, variable, cutoff, ~drop)
            drop |= gone
            touched.append(log)
            if no_date.any():
                undated[domain] = int(no_date.sum())
                findings += _undated_findings(frame, no_date, name, domain, variable, cfg)
        removed_rows[domain] = frame.index[drop]
        # A copy (cleared values below must not reach the input cut); of Arrow text columns it
        # copies no data, so a domain without removed rows costs nothing.
        kept = (frame.loc[~drop] if drop.any() else frame).copy()
        if domain in cfg.cutoff.end_date_variables:
            kept, log = _clear_after(kept, domain, [cfg.cutoff.end_date_variables[domain]],
                                     cfg.cutoff.end_date_variables[domain], cutoff, ONGOING)
            touched.append(log)
        if domain == "dm":
            kept, log = _clear_after(kept, domain, list(DEATH), DEATH[0], cutoff, DEATH_RESET)
            touched.append(log)
        if domain == "ae":
            kept, log = _clear_fatal_outcome(kept, domain, died_later)
            touched.append(log)
        frames[domain] = kept
    removed = pd.concat([t for t in touched if len(t)] or [_empty_removed()], ignore_index=True)
    new_cut = replace(cut, domains={d: frames[d] for d in cut.domains}, findings=findings)
    return CutoffResult(cut=new_cut, log=_log(removed, undated, list(cut.domains)), removed=removed)


def require_subjects(result: CutoffResult) -> None:
    """BadInputError when no subject of DM is left at the cutoff (a cut before the first
    consent): there is nothing to analyse, and a report of no one would be published."""
    cut = result.cut
    if cut.has("dm") and len(cut["dm"]):
        return
    name = cut.file_name("dm")
    later = int(((result.removed["domain"] == "DM")
                 & (result.removed["reason"] == SUBJECT_CUT)).sum())
    why = (f"the {later} subject(s) of {name} consented after the cutoff" if later
           else f"{name} holds no subject")
    raise BadInputError(f"{why}: nothing to analyse at the cutoff {cut.cutoff.isoformat()}; "
                        "analyse a later cut")


def consent_dates(cut: Cut, cfg: TrialConfig) -> pd.DataFrame:
    """Per USUBJID: the informed-consent date (DM.RFICDTC, else the subject's first DS date) as
    `date` (earliest possible day), with the `variable` and text `value` it comes from."""
    parts = []
    dm = cut.get("dm")
    if dm is not None and CONSENT in dm.columns:
        parts.append(_dated(dm, CONSENT))
    ds = cut.get("ds")
    ds_variable = cfg.cutoff.date_variables.get("ds", "DSSTDTC")
    if ds is not None and ds_variable in ds.columns:
        parts.append(_dated(ds, ds_variable))
    if not parts:
        return pd.DataFrame(columns=["variable", "value", "date"],
                            index=pd.Index([], name="USUBJID"))
    dated = pd.concat(parts, ignore_index=True)
    dated["source"] = np.arange(len(dated))   # DM before DS, then the earliest DS date
    dated = dated.sort_values(["USUBJID", "rank", "date", "source"])
    return dated.drop_duplicates("USUBJID").set_index("USUBJID")[["variable", "value", "date"]]


def death_dates(cut: Cut, cfg: TrialConfig) -> pd.Series:
    """Per USUBJID: the date of death as the raw cut holds it, the earliest possible day of DM
    DTHDTC and of any DS record with DSDECOD DEATH (subjects without a dated death left out)."""
    parts = []
    dm = cut.get("dm")
    if dm is not None and DEATH[0] in dm.columns:
        parts.append(pd.DataFrame({"USUBJID": dm["USUBJID"], "date": _earliest(dm[DEATH[0]])}))
    ds = cut.get("ds")
    ds_variable = cfg.cutoff.date_variables.get("ds", "DSSTDTC")
    if ds is not None and {"DSDECOD", ds_variable} <= set(ds.columns):
        died = ds[ds["DSDECOD"].str.strip().str.upper().eq("DEATH")]
        parts.append(pd.DataFrame({"USUBJID": died["USUBJID"],
                                   "date": _earliest(died[ds_variable])}))
    if not parts:
        return pd.Series(dtype="datetime64[ns]", index=pd.Index([], name="USUBJID"))
    dated = pd.concat(parts, ignore_index=True).dropna(subset=["date"])
    return dated.groupby("USUBJID")["date"].min()


def _clear_fatal_outcome(kept: pd.DataFrame, domain: str,
                         subjects: pd.Index) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clear AEOUT FATAL, AESDTH Y and AETOXGR 5 of the `subjects` (who died after the cutoff)."""
    if "USUBJID" not in kept.columns or subjects.empty:
        return kept, _empty_removed()
    theirs = kept["USUBJID"].isin(subjects)
    logs = []
    for variable, value in FATAL_OUTCOME.items():
        if variable not in kept.columns:
            continue
        hit = (theirs & kept[variable].str.strip().str.upper().eq(value)).to_numpy()
        logs.append(_removed(domain, kept.index[hit], _subjects(kept, hit), variable,
                             kept.loc[hit, variable], FATAL_RESET))
        kept.loc[hit, variable] = ""
    return kept, pd.concat(logs, ignore_index=True) if logs else _empty_removed()


def _dated(frame: pd.DataFrame, variable: str) -> pd.DataFrame:
    out = pd.DataFrame({"USUBJID": frame["USUBJID"], "variable": variable,
                        "value": frame[variable], "date": _earliest(frame[variable]),
                        "rank": 0 if variable == CONSENT else 1})
    return out[out["date"].notna()]


def _earliest(values: pd.Series) -> pd.Series:
    return earliest_date(values).astype("datetime64[ns]")


def _subject_cut(frame: pd.DataFrame, domain: str,
                 late: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    if "USUBJID" not in frame.columns or late.empty:
        return np.zeros(len(frame), dtype=bool), _empty_removed()
    gone = frame["USUBJID"].isin(late.index).to_numpy()
    subjects = frame.loc[gone, "USUBJID"]
    return gone, _removed(domain, frame.index[gone], subjects, late["variable"].reindex(subjects),
                          late["value"].reindex(subjects), SUBJECT_CUT)


def _date_cut(frame: pd.DataFrame, domain: str, variable: str, cutoff: pd.Timestamp,
              candidates: np.ndarray) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    """Rows dated after the cutoff (removed) and rows without a date (kept), among `candidates`."""
    if variable not in frame.columns:
        return np.zeros(len(frame), dtype=bool), _empty_removed(), candidates.copy()
    day = _earliest(frame[variable])
    gone = candidates & (day > cutoff).to_numpy()
    no_date = candidates & day.isna().to_numpy()
    return gone, _removed(domain, frame.index[gone], _subjects(frame, gone), variable,
                          frame.loc[gone, variable], DATE_CUT), no_date


def _parent_domain(frame: pd.DataFrame, domain: str) -> str:
    named = frame["RDOMAIN"].iloc[0].lower() if "RDOMAIN" in frame.columns and len(frame) else ""
    return named or domain[4:]


def _parent_cut(supp: pd.DataFrame, domain: str, parent: pd.DataFrame | None,
                parent_removed: pd.Index | None,
                candidates: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
    """Supplementary records (among `candidates`) whose parent record (USUBJID + IDVAR = IDVARVAL)
    was removed and no kept parent record has the same key. Subject-level records (no IDVAR)
    follow the subject."""
    gone = np.zeros(len(supp), dtype=bool)
    needed = {"USUBJID", "IDVAR", "IDVARVAL"}
    if parent is None or parent_removed is None or not len(parent_removed) \
            or not needed <= set(supp.columns):
        return gone, _empty_removed()
    for idvar in supp["IDVAR"].unique():
        if not idvar or idvar not in parent.columns:
            continue
        keys = parent["USUBJID"] + "\x1f" + parent[idvar].str.strip()
        lost = parent.index.isin(parent_removed)
        only_removed = pd.Index(keys[lost]).difference(pd.Index(keys[~lost]))
        rows = (supp["IDVAR"] == idvar).to_numpy()
        supp_keys = supp["USUBJID"] + "\x1f" + supp["IDVARVAL"].str.strip()
        gone |= candidates & rows & supp_keys.isin(only_removed).to_numpy()
    return gone, _removed(domain, supp.index[gone], _subjects(supp, gone), "IDVARVAL",
                          supp.loc[gone, "IDVARVAL"], PARENT_CUT)


def _clear_after(kept: pd.DataFrame, domain: str, variables: list[str], date_variable: str,
                 cutoff: pd.Timestamp, reason: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Set `variables` to "" where `date_variable` is after the cutoff; log the old values."""
    if date_variable not in kept.columns:
        return kept, _empty_removed()
    after = (_earliest(kept[date_variable]) > cutoff).to_numpy()
    logs = []
    for variable in [v for v in variables if v in kept.columns]:
        logs.append(_removed(domain, kept.index[after], _subjects(kept, after), variable,
                             kept.loc[after, variable], reason))
        kept.loc[after, variable] = ""
    return kept, pd.concat(logs, ignore_index=True) if logs else _empty_removed()


def _undated_findings(frame: pd.DataFrame, no_date: np.ndarray, name: str, domain: str,
                      variable: str, cfg: TrialConfig) -> list[Finding]:
    rule = f"cutoff: {domain.upper()}.{variable} present"
    if variable not in frame.columns:
        return [Finding("warning", rule,
                        f"{name} has no {variable} column: its {int(no_date.sum())} "
                        "records are kept without a date cut", file=name, column=variable)]
    return row_findings(frame, no_date, file=name, severity="warning", rule=rule, column=variable,
                        message=f"no valid {variable}: the record is kept (cannot be placed after "
                        "the cutoff)", cap=cfg.validation.max_findings_per_rule)


def _subjects(frame: pd.DataFrame, rows: np.ndarray) -> pd.Series:
    if "USUBJID" in frame.columns:
        return frame.loc[rows, "USUBJID"]
    return pd.Series("", index=frame.index[rows])


def _removed(domain: str, index: pd.Index, subjects: pd.Series, variable: str | pd.Series,
             values: pd.Series, reason: str) -> pd.DataFrame:
    def plain(v: object) -> object:
        return v.to_numpy() if isinstance(v, pd.Series) else v
    return pd.DataFrame({"domain": domain.upper(), "row": np.asarray(index, dtype="int64") + 1,
                         "USUBJID": plain(subjects), "variable": plain(variable),
                         "value": plain(values), "reason": reason}, columns=REMOVED_COLUMNS)


def _empty_removed() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c == "row" else object)
                         for c in REMOVED_COLUMNS})


def _log(removed: pd.DataFrame, undated: dict[str, int], domains: list[str]) -> pd.DataFrame:
    """Records per domain and reason (a record with two variables changed counts once)."""
    counts = removed.groupby(["domain", "reason"])["row"].nunique().rename("records").reset_index()
    kept = pd.DataFrame({"domain": [d.upper() for d in undated], "reason": NO_DATE,
                         "records": list(undated.values())})
    log = pd.concat([counts, kept] if len(kept) else [counts], ignore_index=True)
    # each domain in the cut's order, its supplementary domain right after it
    order = {d.upper(): (domains.index(d.removeprefix("supp")) if d.removeprefix("supp") in domains
                         else i, d.startswith("supp")) for i, d in enumerate(domains)}
    log["_d"] = log["domain"].map(order)
    log["_r"] = log["reason"].map({r: i for i, r in enumerate(REASONS)})
    log = log.sort_values(["_d", "_r"]).drop(columns=["_d", "_r"]).reset_index(drop=True)
    log["records"] = log["records"].astype("int64")
    return log[LOG_COLUMNS]
