"""Checks across domains: subjects in DM, dates against consent, death and first dose, lesions
in TU, arms and drugs the config names."""
from __future__ import annotations

from collections.abc import Callable, Iterator

import pandas as pd

from tasks.config import TrialConfig
from tasks.dates import earliest_date, latest_date
from tasks.model import Cut, Finding
from tasks.validate.findings import row_findings
from tasks.validate.rules import number

RANDOMIZED = "RANDOMIZED"   # DSDECOD of the randomization milestone (CDISC CT)


def cross_checks(cut: Cut, cfg: TrialConfig) -> list[Finding]:
    return [*subjects_in_dm(cut, cfg), *dates_after_consent(cut, cfg),
            *dates_before_death(cut, cfg), *end_not_before_start(cut, cfg),
            *assessments_after_reference(cut, cfg), *lesions_in_tu(cut, cfg),
            *named_in_config(cut, cfg)]


def subjects_in_dm(cut: Cut, cfg: TrialConfig) -> list[Finding]:
    """Every subject of every domain is in DM (error)."""
    dm = cut.get("dm")
    if dm is None or "USUBJID" not in dm.columns:
        return []
    known = pd.Index(dm["USUBJID"].unique())
    findings = []
    for domain, frame in cut.domains.items():
        if domain == "dm" or "USUBJID" not in frame.columns:
            continue
        orphan = (frame["USUBJID"] != "") & ~frame["USUBJID"].isin(known)
        findings += row_findings(frame, orphan, file=cut.file_name(domain), severity="error",
                                 rule="cross: subject in DM", column="USUBJID",
                                 message="subject {value} is not in DM", cap=_cap(cfg))
    return findings


def dates_after_consent(cut: Cut, cfg: TrialConfig) -> list[Finding]:
    """A record that lies wholly before the subject's informed consent (DM.RFICDTC): warning."""
    consent = _subject_dates(cut.get("dm"), "RFICDTC", earliest_date)
    findings = []
    for domain, frame, variable in _dated_domains(cut, cfg, cfg.validation.after_consent_domains):
        before = _latest(frame[variable]) < frame["USUBJID"].map(consent)
        findings += row_findings(frame, before, file=cut.file_name(domain), severity="warning",
                                 rule="cross: date not before consent", column=variable,
                                 message=f"{variable} {{value}} is before the subject's informed "
                                 "consent (DM.RFICDTC)", cap=_cap(cfg))
    return findings


def dates_before_death(cut: Cut, cfg: TrialConfig) -> list[Finding]:
    """A record that lies wholly after the subject's death (DM.DTHDTC): an error for the
    domains of validation.after_death_error_domains (AE onset, response, dosing), else a warning."""
    death = _subject_dates(cut.get("dm"), "DTHDTC", latest_date)
    if death.empty:
        return []
    findings = []
    for domain, frame, variable in _dated_domains(cut, cfg, tuple(cfg.cutoff.date_variables)):
        # the records of subjects who died, with the two columns a finding names
        rows = frame.loc[frame["USUBJID"].isin(death.index), ["USUBJID", variable]]
        if rows.empty:
            continue
        after = _earliest(rows[variable]) > rows["USUBJID"].map(death)
        error = domain in cfg.validation.after_death_error_domains
        findings += row_findings(rows, after, file=cut.file_name(domain),
                                 severity="error" if error else "warning",
                                 rule="cross: date not after death", column=variable,
                                 message=f"{variable} {{value}} is after the subject's death "
                                 "(DM.DTHDTC)", cap=_cap(cfg))
    return findings


def end_not_before_start(cut: Cut, cfg: TrialConfig) -> list[Finding]:
    """An end date wholly before its record's start date (error)."""
    findings = []
    for domain, end in cfg.cutoff.end_date_variables.items():
        frame = cut.get(domain)
        start = cfg.cutoff.date_variables.get(domain)
        if frame is None or start is None or not {start, end} <= set(frame.columns):
            continue
        wrong = _latest(frame[end]) < _earliest(frame[start])
        findings += row_findings(frame, wrong, file=cut.file_name(domain), severity="error",
                                 rule=f"cross: {domain.upper()}.{end} not before {start}",
                                 column=end, message=f"{end} {{value}} is before {start}",
                                 cap=_cap(cfg))
    return findings


def assessments_after_reference(cut: Cut, cfg: TrialConfig) -> list[Finding]:
    """An overall response dated wholly before the reference date (first dose or randomization,
    cfg.response.reference_date) is not used for response: warning."""
    rs = cut.get("rs")
    if rs is None or not {"USUBJID", "RSTESTCD", "RSDTC"} <= set(rs.columns):
        return []
    reference = cfg.response.reference_date
    start = _first_dose(cut) if reference == "TRTSDT" else _randomization(cut)
    response = rs["RSTESTCD"] == cfg.validation.response_test
    before = response & (_latest(rs["RSDTC"]) < rs["USUBJID"].map(start))
    return row_findings(rs, before, file=cut.file_name("rs"), severity="warning",
                        rule="cross: assessment on or after the reference date", column="RSDTC",
                        message=f"assessment {{value}} before the reference date ({reference}), "
                        "not used for response", cap=_cap(cfg))


def lesions_in_tu(cut: Cut, cfg: TrialConfig) -> list[Finding]:
    """Every lesion measured in TR (USUBJID + TRLNKID) is identified in TU (error)."""
    tr = cut.get("tr")
    if tr is None or not {"USUBJID", "TRLNKID"} <= set(tr.columns):
        return []
    tu = cut.get("tu")
    known = pd.Index([])
    if tu is not None and {"USUBJID", "TULNKID"} <= set(tu.columns):
        known = pd.Index(tu["USUBJID"] + "\x1f" + tu["TULNKID"]).unique()
    missing = (tr["TRLNKID"] != "") & ~(tr["USUBJID"] + "\x1f" + tr["TRLNKID"]).isin(known)
    return row_findings(tr, missing, file=cut.file_name("tr"), severity="error",
                        rule="cross: TR lesion in TU", column="TRLNKID",
                        message="lesion {value} is not identified in TU", cap=_cap(cfg))


def named_in_config(cut: Cut, cfg: TrialConfig) -> list[Finding]:
    """When the config names arms or drugs: an ACTARMCD or EXTRT it does not name (warning,
    one finding per value with its first row)."""
    findings = []
    dm, ex = cut.get("dm"), cut.get("ex")
    arms = cfg.study.arms
    if arms and dm is not None and {"ACTARMCD", "ACTARM"} <= set(dm.columns):
        special = {code.upper() for code in cfg.validation.special_arm_codes}
        unnamed = ~(dm["ACTARMCD"].isin([a.code for a in arms])
                    | dm["ACTARM"].isin([a.label for a in arms])
                    | dm["ACTARMCD"].str.upper().isin(special) | (dm["ACTARMCD"] == ""))
        findings += _per_value(dm, unnamed, "ACTARMCD", cut.file_name("dm"),
                               "cross: arm named in config", "subjects")
    drugs = [drug.extrt for component in cfg.study.components for drug in component.drugs]
    if drugs and ex is not None and "EXTRT" in ex.columns:
        unnamed = ~ex["EXTRT"].isin(drugs) & (ex["EXTRT"] != "")
        findings += _per_value(ex, unnamed, "EXTRT", cut.file_name("ex"),
                               "cross: drug named in config", "records")
    return findings


def _per_value(frame: pd.DataFrame, flagged: pd.Series, column: str, file: str, rule: str,
               unit: str) -> list[Finding]:
    rows = frame.loc[flagged, [column, "USUBJID"]] if "USUBJID" in frame.columns \
        else frame.loc[flagged, [column]].assign(USUBJID=None)
    findings = []
    for value, group in rows.groupby(column, sort=True):
        first = group.index[0]
        subject = group.at[first, "USUBJID"]
        findings.append(Finding("warning", rule, f"{column} '{value}' ({len(group)} {unit}) is not "
                                "named in the config: taken from the data as it is", file=file,
                                row=int(first) + 1,
                                usubjid=None if subject is None else str(subject),
                                column=column, value=str(value)))
    return findings


def _dated_domains(cut: Cut, cfg: TrialConfig,
                   domains: tuple[str, ...]) -> Iterator[tuple[str, pd.DataFrame, str]]:
    """(domain, frame, date variable) of the given domains that have USUBJID and that date."""
    for domain in domains:
        frame = cut.get(domain)
        variable = cfg.cutoff.date_variables.get(domain)
        if frame is not None and variable and {"USUBJID", variable} <= set(frame.columns):
            yield domain, frame, variable


def _subject_dates(frame: pd.DataFrame | None, variable: str,
                   how: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """USUBJID -> the date of `variable` (one row per subject, as in DM), NaT rows left out."""
    if frame is None or not {"USUBJID", variable} <= set(frame.columns):
        return pd.Series(dtype="datetime64[ns]")
    dates = pd.Series(how(frame[variable]).astype("datetime64[ns]").to_numpy(),
                      index=frame["USUBJID"].to_numpy())
    dates = dates[dates.notna()]
    return dates.groupby(level=0).min()


def _first_dose(cut: Cut) -> pd.Series:
    ex = cut.get("ex")
    if ex is None or not {"USUBJID", "EXSTDTC", "EXDOSE"} <= set(ex.columns):
        return pd.Series(dtype="datetime64[ns]")
    return _subject_dates(ex[number(ex["EXDOSE"]) > 0], "EXSTDTC", earliest_date)


def _randomization(cut: Cut) -> pd.Series:
    ds = cut.get("ds")
    if ds is None or not {"USUBJID", "DSDECOD", "DSSTDTC"} <= set(ds.columns):
        return pd.Series(dtype="datetime64[ns]")
    return _subject_dates(ds[ds["DSDECOD"] == RANDOMIZED], "DSSTDTC", earliest_date)


def _earliest(values: pd.Series) -> pd.Series:
    return earliest_date(values).astype("datetime64[ns]")


def _latest(values: pd.Series) -> pd.Series:
    return latest_date(values).astype("datetime64[ns]")


def _cap(cfg: TrialConfig) -> int:
    return cfg.validation.max_findings_per_rule
