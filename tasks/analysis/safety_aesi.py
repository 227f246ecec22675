"""Adverse events of special interest: subjects by AESI group and PT (14.3.7) and exposure-
adjusted incidence rates per 100 patient-years with exact Poisson CIs (14.3.9)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2

from tasks.adam.adae import aesi_variables
from tasks.analysis.arms import column_header
from tasks.analysis.once import once_per_input
from tasks.analysis.safety_counts import (
    Columns,
    grade_scale,
    hierarchy_counts,
    prepare_events,
    row_label,
    wide_display,
)
from tasks.analysis.safety_teae import ALL_GRADES, LANDSCAPE_COLUMNS, population, teae_footnotes
from tasks.config import TrialConfig
from tasks.model import Table
from tasks.report import formatting as fmt

DAYS_PER_YEAR = 365.25
PER_PATIENT_YEARS = 100.0


def group_window(cfg: TrialConfig, group: str) -> int:
    """The treatment-emergent window (days after last dose) of an AESI group."""
    long = group in cfg.safety.aesi_long_window_groups
    return cfg.safety.aesi_window_days if long else cfg.safety.teae_window_days


@once_per_input
def aesi_events(adae: pd.DataFrame, cfg: TrialConfig) -> pd.DataFrame:
    """One row per AE record and AESI group it belongs to, treatment-emergent by the group's
    window (AESITEFL for long-window groups, else TRTEMFL); AESIGRP names the group."""
    long_groups = cfg.safety.aesi_long_window_groups
    variables = aesi_variables(cfg.aesi_groups())
    emergent = adae["TRTEMFL"].eq("Y") | adae["AESITEFL"].eq("Y")
    in_a_group = adae[list(variables.values())].notna().any(axis=1)
    records = prepare_events(adae, rows=emergent & in_a_group)
    parts = []
    for group, variable in variables.items():
        flag = "AESITEFL" if group in long_groups else "TRTEMFL"
        parts.append(records[records[variable].notna()
                             & records[flag].eq("Y")].assign(AESIGRP=group))
    return pd.concat(parts, ignore_index=True) if parts else records.assign(AESIGRP="")


def aesi_table(adae: pd.DataFrame, columns: Columns, cfg: TrialConfig) -> Table:
    """Subjects with an AESI by group (config order, every group shown) and PT."""
    scale = grade_scale(adae)
    events = aesi_events(adae, cfg)
    flags = {ALL_GRADES: pd.Series(True, index=events.index),
             scale.high_label: events["GRADE"] >= scale.high}
    groups = list(cfg.aesi_groups())
    data = hierarchy_counts(events, columns, "AESIGRP", "AEDECOD", flags=flags, outer_order=groups)
    label = row_label(data, "AESIGRP", "AEDECOD", "Any AESI")
    display, header = wide_display(data, label, "AESI group\n   Preferred term", columns,
                                   list(flags))
    long = ", ".join(cfg.safety.aesi_long_window_groups) or "none"
    notes = teae_footnotes(cfg, scale, (
        "Groups in the order of the AESI definition (config/aesi.yaml: named groups of MedDRA "
        "preferred terms), each shown even without events; preferred terms within a group by "
        "descending frequency, ties alphabetical. A term may belong to more than one group."))
    notes.append(f"Groups followed {fmt.count(cfg.safety.aesi_window_days)} days after the last "
                 f"dose (ADAE AESITEFL): {long}.")
    return Table(id="t_14_3_7_aesi", number="14.3.7",
                 title="Adverse events of special interest by group and preferred term",
                 population=population(columns), data=data, display=display, footnotes=notes,
                 source="ADSL, ADAE", landscape=len(display.columns) > LANDSCAPE_COLUMNS,
                 header_groups=header)


def poisson_rate_ci(events: np.ndarray | int, exposure: np.ndarray | float,
                    conf_level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rate events / exposure with its exact (Garwood) Poisson CI:
    low = chi2(alpha/2; 2k) / 2T (0 when k = 0), high = chi2(1 - alpha/2; 2k + 2) / 2T."""
    k = np.asarray(events, dtype="float64")
    t = np.asarray(exposure, dtype="float64")
    alpha = 1.0 - conf_level
    with np.errstate(divide="ignore", invalid="ignore"):
        t_ok = np.where(t > 0, t, np.nan)
        rate = k / t_ok
        low = np.where(k > 0, chi2.ppf(alpha / 2, 2 * k) / 2, 0.0) / t_ok
        high = chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2 / t_ok
    return rate, low, high


def patient_years(adsl: pd.DataFrame, window_days: int) -> pd.Series:
    """Per dosed subject: first dose to last dose + window_days, ended earlier by death or by the
    last date known alive (LSTALVDT, at most the cutoff); days / 365.25."""
    dosed = adsl[adsl["SAFFL"].eq("Y")].set_index("USUBJID")
    end = dosed["TRTEDT"].fillna(dosed["TRTSDT"]) + pd.Timedelta(days=window_days)
    observed = dosed["DTHDT"].fillna(dosed["LSTALVDT"]) if "LSTALVDT" in dosed else dosed["DTHDT"]
    end = end.mask(observed.notna() & (observed < end), observed)
    days = (end - dosed["TRTSDT"]).dt.days.astype("float64") + 1.0
    return days.clip(lower=0.0) / DAYS_PER_YEAR


def incidence_data(adsl: pd.DataFrame, adae: pd.DataFrame, columns: Columns,
                   cfg: TrialConfig) -> pd.DataFrame:
    """Per AESI group and column: subjects, events (AE records), patient-years, rate per 100
    patient-years and its exact CI."""
    events = aesi_events(adae, cfg)
    conf = cfg.safety.incidence_conf_level
    years_by_window = {w: patient_years(adsl, w)
                       for w in {group_window(cfg, g) for g in cfg.aesi_groups()}}
    by_group = dict(tuple(events.groupby("AESIGRP")))
    records = []
    for group in cfg.aesi_groups():
        window = group_window(cfg, group)
        years = years_by_window[window]
        in_group = by_group.get(group, events.iloc[:0])
        for column, subjects in columns:
            mine = in_group[in_group["USUBJID"].isin(subjects)]
            records.append({"AESIGRP": group, "WINDOW_DAYS": window, "COLUMN": column,
                            "N": len(subjects), "SUBJECTS": mine["USUBJID"].nunique(),
                            "EVENTS": len(mine),
                            "PATIENT_YEARS": float(years.reindex(subjects).sum())})
    data = pd.DataFrame(records, columns=["AESIGRP", "WINDOW_DAYS", "COLUMN", "N", "SUBJECTS",
                                          "EVENTS", "PATIENT_YEARS"])
    rate, low, high = poisson_rate_ci(data["EVENTS"].to_numpy(), data["PATIENT_YEARS"].to_numpy(),
                                      conf)
    data["RATE_100PY"] = PER_PATIENT_YEARS * rate
    data["CI_LOW"] = PER_PATIENT_YEARS * low
    data["CI_HIGH"] = PER_PATIENT_YEARS * high
    return data


def incidence_table(adsl: pd.DataFrame, adae: pd.DataFrame, columns: Columns,
                    cfg: TrialConfig) -> Table:
    data = incidence_data(adsl, adae, columns, cfg)
    conf = fmt.number(100 * cfg.safety.incidence_conf_level, 0)
    groups = list(cfg.aesi_groups())
    display = pd.DataFrame({"AESI group": groups})
    measures = ["Subjects n (%)", "Events", "PY", f"Rate ({conf}% CI)"]
    for column, _ in columns:
        part = data[data["COLUMN"] == column].set_index("AESIGRP").reindex(groups)
        cells = [
            [fmt.n_pct(n, N) for n, N in zip(part["SUBJECTS"], part["N"])],
            [fmt.count(e) for e in part["EVENTS"]],
            [fmt.number(y, 1) for y in part["PATIENT_YEARS"]],
            [fmt.estimate_ci(r, lo, hi, 1)
             for r, lo, hi in zip(part["RATE_100PY"], part["CI_LOW"], part["CI_HIGH"])],
        ]
        for i, values in enumerate(cells):
            display[f"{column}|{i}"] = values
    display.columns = ["AESI group"] + measures * len(columns)
    header = [("", 1)] + [(column_header(c, len(s)), len(measures)) for c, s in columns]
    notes = [
        "Events: treatment-emergent AE records of the group (a subject may have several); window "
        f"{fmt.count(cfg.safety.teae_window_days)} days after the last dose, "
        f"{fmt.count(cfg.safety.aesi_window_days)} days for "
        f"{', '.join(cfg.safety.aesi_long_window_groups) or 'no group'}.",
        "PY, patient-years: per subject, first dose to last dose + the group's window, ended "
        "earlier by death or the last date known alive (at most the cutoff); 365.25 days per year.",
        f"Rate: events per 100 patient-years; {conf}% CI exact (Poisson, chi-square limits "
        "chi2(a/2; 2k)/2T and chi2(1-a/2; 2k+2)/2T).",
    ]
    return Table(id="t_14_3_9_aesi_eair", number="14.3.9",
                 title="Exposure-adjusted incidence of adverse events of special interest",
                 population=population(columns), data=data, display=display, footnotes=notes,
                 source="ADSL, ADAE", landscape=len(display.columns) > LANDSCAPE_COLUMNS,
                 header_groups=header)
