"""The exposure section (Table 14.1.4): doses, cycles, duration, cumulative dose and relative
dose intensity per study drug, from ADEX."""
from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from tasks.analysis.arms import column_header
from tasks.analysis.safety_counts import INDENT, Columns, treatment_columns
from tasks.analysis.safety_teae import LANDSCAPE_COLUMNS, population
from tasks.config import TrialConfig
from tasks.dates import months
from tasks.model import Block, Table
from tasks.report import formatting as fmt

STATS = ["n", "mean", "sd", "median", "min", "max"]
WITHHELD, REDUCED = "Subjects with a dose withheld", "Subjects with a dose reduced"
KINDS = {"Subjects dosed": ["n"], "Administrations": ["mean", "median"], WITHHELD: ["n"],
         REDUCED: ["n"]}   # statistics printed
SUFFIX = {"n": "n (%)", "mean": "mean (SD)", "median": "median (min, max)"}
COUNTS = ("Administrations", "Cycles")


def _summary(values: pd.Series) -> dict[str, float]:
    values = values.dropna().astype("float64")
    return {"n": int(len(values)), "mean": values.mean() if len(values) else np.nan,
            "sd": values.std(ddof=1) if len(values) > 1 else np.nan,
            "median": values.median() if len(values) else np.nan,
            "min": values.min() if len(values) else np.nan,
            "max": values.max() if len(values) else np.nan}


def _median_range(row: pd.Series, counted: bool) -> str:
    """'median (min, max)'; the range of a count (administrations, cycles) without decimals."""
    if row["n"] == 0:
        return fmt.NOT_ESTIMABLE
    limits = 0 if counted else 1
    return f"{fmt.number(row['median'], 1)} ({fmt.number(row['min'], limits)}, " \
           f"{fmt.number(row['max'], limits)})"


def drug_order(adex: pd.DataFrame, cfg: TrialConfig) -> list[str]:
    """Configured drugs in config order, then any other EXTRT of the data alphabetically."""
    configured = [d.extrt.upper() for c in cfg.study.components for d in c.drugs]
    present = set(adex["EXTRT"])
    return [d for d in configured if d in present] + sorted(present - set(configured))


def exposure_data(adsl: pd.DataFrame, adex: pd.DataFrame, columns: Columns,
                  cfg: TrialConfig) -> pd.DataFrame:
    """Tidy: [DRUG, PARAMETER, COLUMN, N, n, mean, sd, median, min, max] (n = subjects)."""
    dosed = adex[adex["NADMIN"] > 0]
    safety = adsl[adsl["SAFFL"].eq("Y")].set_index("USUBJID")
    units = {drug: "/".join(sorted(set(dosed.loc[dosed["EXTRT"] == drug, "EXDOSU"]) - {""}))
             or "units"
             for drug in drug_order(adex, cfg)}
    records = []
    for column, subjects in columns:
        duration = months(safety["TRTDURD"].reindex(subjects))
        records.append({"DRUG": "ANY", "PARAMETER": "Treatment duration (months)", "COLUMN": column,
                        **_summary(duration)})
        for drug in drug_order(adex, cfg):
            mine = dosed[(dosed["EXTRT"] == drug) & dosed["USUBJID"].isin(subjects)]
            for parameter, values in (
                    ("Subjects dosed", mine["NADMIN"]),
                    ("Administrations", mine["NADMIN"]),
                    ("Cycles", mine["NCYCLES"]),
                    ("Duration (months)", months(mine["DURD"])),
                    (f"Cumulative dose ({units[drug]})", mine["CUMDOSE"]),
                    ("Relative dose intensity (%)", 100.0 * mine["RDI"]),
                    (WITHHELD, mine["NWITHHLD"].where(mine["NWITHHLD"] > 0)),
                    (REDUCED, mine["NREDUCE"].where(mine["NREDUCE"] > 0))):
                records.append({"DRUG": drug, "PARAMETER": parameter, "COLUMN": column,
                                **_summary(values)})
    data = pd.DataFrame(records, columns=["DRUG", "PARAMETER", "COLUMN", *STATS])
    data.insert(3, "N", data["COLUMN"].map({c: len(s) for c, s in columns}))
    return data


def exposure_table(adsl: pd.DataFrame, adex: pd.DataFrame, columns: Columns,
                   cfg: TrialConfig) -> Table:
    data = exposure_data(adsl, adex, columns, cfg)
    components = adex.drop_duplicates("EXTRT").set_index("EXTRT")["COMPCD"].to_dict()
    # (printed label, DRUG, PARAMETER, statistic); a heading line has no parameter
    lines: list[tuple[str, str, str | None, str]] = [
        ("Any study drug", "ANY", None, ""),
        (INDENT + "Treatment duration (months), median (min, max)", "ANY",
         "Treatment duration (months)", "median")]
    for drug in drug_order(adex, cfg):
        component = components.get(drug, drug)
        lines.append((drug if component == drug else f"{drug} ({component})", drug, None, ""))
        for parameter in data.loc[data["DRUG"] == drug, "PARAMETER"].drop_duplicates():
            for kind in KINDS.get(parameter, ["median"]):
                lines.append((f"{INDENT}{parameter}, {SUFFIX[kind]}", drug, parameter, kind))
    display = pd.DataFrame({"Study drug\n   Parameter": [line[0] for line in lines]})
    for column, subjects in columns:
        part = data[data["COLUMN"] == column].set_index(["DRUG", "PARAMETER"])
        cells = []
        for _, drug, parameter, kind in lines:
            if parameter is None:
                cells.append("")
                continue
            # a full key of the unique (DRUG, PARAMETER) index: one row
            row = cast(pd.Series, part.loc[(drug, parameter)])
            cells.append(fmt.n_pct(row["n"], row["N"]) if kind == "n"
                         else fmt.NOT_ESTIMABLE if row["n"] == 0
                         else fmt.mean_sd(row["mean"], row["sd"]) if kind == "mean"
                         else _median_range(row, parameter in COUNTS))
        display[column_header(column, len(subjects))] = cells
    unknown = int(adex["NDOSEUNK"].sum()) if "NDOSEUNK" in adex else 0
    notes = [
        "Administration: an EX record with a dose > 0 (each record is one administration). Cycles: "
        "distinct 'CYCLE n' visits (without cycle visits: distinct administration days).",
        "Duration of a drug: last - first administration + the planned interval (+ 1 day without a "
        "planned interval). Treatment duration: last - first dose of any study drug + 1 day. "
        "Months = days / 30.4375.",
        "Relative dose intensity (RDI) = actual dose intensity / planned dose intensity = "
        "(cumulative dose / duration) / (planned dose / planned interval); not computed without a "
        "planned regimen or when the dose unit differs from the planned unit.",
        f"EX records with a dose that is not a number (not counted): {fmt.count(unknown)}.",
        "Dose withheld: an EX record of a dose not given (EXOCCUR = N, or EXDOSE = 0); dose "
        "reduced: a dose given below the planned dose (ADEXREC). Both lower the relative dose "
        "intensity.",
        "Statistics over subjects dosed with the drug; n (%) over the safety population N.",
    ]
    return Table(id="t_14_1_4_exposure", number="14.1.4", title="Exposure to study treatment",
                 population=population(columns), data=data, display=display, footnotes=notes,
                 source="ADSL, ADEX", landscape=len(display.columns) > LANDSCAPE_COLUMNS)


def exposure_section(adsl: pd.DataFrame, adex: pd.DataFrame, cfg: TrialConfig,
                     by_arm: bool) -> list[Block]:
    """Table 14.1.4 (pooled only when not by_arm)."""
    return [exposure_table(adsl, adex, treatment_columns(adsl, by_arm), cfg)]
