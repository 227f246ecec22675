"""TEAE tables of the safety section: overview (14.3.1), SOC/PT (14.3.2), PT by maximum grade
(14.3.3), treatment-related by SOC/PT per study drug (14.3.4.x), serious by SOC/PT (14.3.5.1)."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from tasks.adam.adae import relatedness_components
from tasks.analysis.arms import column_header
from tasks.analysis.safety_counts import (
    MISSING,
    Columns,
    GradeScale,
    grade_labels,
    hierarchy_counts,
    row_label,
    wide_display,
)
from tasks.config import TrialConfig
from tasks.model import Table
from tasks.report import formatting as fmt
from tasks.results.safety import SafetyResults, Share

SOURCE = "ADSL, ADAE"
SOC_PT_HEADER = "System organ class\n   Preferred term"
ALL_GRADES = "All grades"
LANDSCAPE_COLUMNS = 7    # a table with more columns than this goes on a landscape page


def population(columns: Columns) -> str:
    total = len(columns[-1][1]) if columns else 0
    return f"Safety population (N = {fmt.count(total)})"


@dataclass(frozen=True)
class OverviewRow:
    """A row of the TEAE overview: its printed label, which events it counts, and where its
    count is in SafetyResults."""
    key: str
    label: str
    flag: Callable[[pd.DataFrame], pd.Series]
    pick: Callable[[SafetyResults], Share]


def _field(key: str) -> Callable[[SafetyResults], Share]:
    return lambda result: getattr(result, key)


def _flagged(variable: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda events: events[variable].eq("Y")


def _related_to(code: str) -> Callable[[SafetyResults], Share]:
    return lambda result: result.related_by_drug[code]


def overview_rows(scale: GradeScale, cfg: TrialConfig) -> list[OverviewRow]:
    """The rows of the TEAE overview (Table 14.3.1, results.json "safety"), in order."""
    severity = scale.name == "Severity"
    grade = "severity" if severity else "grade"
    rows = [
        OverviewRow("teae", "Any TEAE", lambda e: pd.Series(True, index=e.index), _field("teae")),
        OverviewRow("teae_grade3plus", "Severe TEAE" if severity else "TEAE of grade >= 3",
                    lambda e: e["GRADE"] >= scale.high, _field("teae_grade3plus")),
        OverviewRow("missing_grade", f"TEAE with missing {grade}", lambda e: e["GRADE"].isna(),
                    _field("missing_grade")),
        OverviewRow("serious", "Serious TEAE", lambda e: e["AESER"].eq("Y"), _field("serious")),
        OverviewRow("related", "TEAE related to any study drug", lambda e: e["RELFL"].eq("Y"),
                    _field("related")),
        OverviewRow("related_grade3plus",
                    f"TEAE related to any study drug, {scale.high_label.lower()}",
                    lambda e: e["RELFL"].eq("Y") & (e["GRADE"] >= scale.high),
                    _field("related_grade3plus")),
    ]
    for code, label, _, variable in relatedness_components(cfg):
        rows.append(OverviewRow(f"related_{code}", f"TEAE related to {label}",
                                _flagged(variable), _related_to(code)))
    rows += [
        OverviewRow("discontinuation", "TEAE leading to discontinuation of any study drug",
                    lambda e: e["DISCFL"].eq("Y"), _field("discontinuation")),
        OverviewRow("interruption_or_reduction", "TEAE leading to interruption or dose reduction",
                    lambda e: e["INTRFL"].eq("Y"), _field("interruption_or_reduction")),
        OverviewRow("fatal", "Fatal TEAE", lambda e: e["FATALFL"].eq("Y"), _field("fatal")),
    ]
    return rows


def soc_pt_order_note(columns: Columns) -> str:
    return (f"Rows by descending frequency in the {columns[-1][0] if columns else ''} column "
            "(system organ class, then preferred term within it); ties alphabetical. MedDRA terms "
            "as coded (AEBODSYS, AEDECOD).")


def teae_footnotes(cfg: TrialConfig, scale: GradeScale, order_note: str) -> list[str]:
    """Definitions shared by the TEAE tables; `order_note` says how the rows are sorted."""
    window = fmt.count(cfg.safety.teae_window_days)
    return [
        f"TEAE: onset on or after the first dose and no later than {window} days after the last "
        "dose of any study drug; an event whose onset cannot be placed before the first dose "
        "counts. Partial onset dates imputed (ADAE ASTDTF).",
        "A subject is counted once per row, at the worst grade of its events; events without a "
        f"{'severity' if scale.name == 'Severity' else 'grade'} are counted as '{MISSING}', never "
        "dropped.",
        "n (%): subjects, percentage of the safety population N of the column.",
        order_note,
        scale.footnote(),
    ]


def relatedness_footnote(cfg: TrialConfig) -> str:
    values = ", ".join(cfg.safety.related_values)
    missing = "A missing assessment counts as " + (
        "related." if cfg.safety.missing_relatedness_as_related else "not related.")
    return ("Related: AEREL, or the study drug's own assessment in SUPPAE when recorded, is one "
            f"of {values}. {missing} Related to any study drug: AEREL or any drug's assessment.")


def overview_table(columns: list[tuple[str, SafetyResults]], scale: GradeScale,
                   cfg: TrialConfig) -> Table:
    """Table 14.3.1 from the safety results of each column."""
    rows = overview_rows(scale, cfg)
    data = pd.DataFrame([{"ORDER": i, "CATEGORY": row.label, "COLUMN": label,
                          "N": result.population,
                          "n": row.pick(result).subjects, "pct": row.pick(result).pct}
                         for i, row in enumerate(rows, start=1) for label, result in columns])
    display = pd.DataFrame({"Category": [row.label for row in rows]})
    for label, result in columns:
        display[column_header(label, result.population)] = [
            fmt.n_pct(row.pick(result).subjects, result.population) for row in rows]
    notes = teae_footnotes(cfg, scale, "")[:3] + [
        relatedness_footnote(cfg),
        "Discontinuation: AEACN = DRUG WITHDRAWN; interruption or reduction: AEACN = DRUG "
        "INTERRUPTED or DOSE REDUCED.",
        "Fatal: AEOUT = FATAL, AESDTH = Y or grade 5.",
        "A pre-treatment event that worsens after first dose is recorded in SDTM as a new AE "
        "record at the higher grade, starting on the day it worsened, and counts by its own onset.",
        scale.footnote()]
    return Table(id="t_14_3_1_teae_overview", number="14.3.1",
                 title="Overview of treatment-emergent adverse events (TEAE)",
                 population=f"Safety population (N = {fmt.count(columns[-1][1].population)})",
                 data=data, display=display, footnotes=notes,
                 source=SOURCE, landscape=len(display.columns) > LANDSCAPE_COLUMNS)


def soc_pt_table(events: pd.DataFrame, columns: Columns, scale: GradeScale, table_id: str,
                 number: str, title: str, footnotes: list[str], any_label: str) -> Table:
    """Subjects by SOC and PT: all grades and grade >= 3 (or severe) side by side."""
    flags = {ALL_GRADES: pd.Series(True, index=events.index),
             scale.high_label: events["GRADE"] >= scale.high}
    data = hierarchy_counts(events, columns, "AEBODSYS", "AEDECOD", flags=flags)
    label = row_label(data, "AEBODSYS", "AEDECOD", any_label)
    display, groups = wide_display(data, label, SOC_PT_HEADER, columns, list(flags))
    return Table(id=table_id, number=number, title=title, population=population(columns),
                 data=data, display=display, footnotes=footnotes, source=SOURCE,
                 landscape=len(display.columns) > LANDSCAPE_COLUMNS, header_groups=groups)


def pt_grade_table(events: pd.DataFrame, columns: Columns, scale: GradeScale,
                   cfg: TrialConfig) -> Table:
    """Subjects by PT at their maximum grade: any grade, each grade, missing (14.3.3)."""
    any_label = f"Any {scale.name.lower()}" if scale.name == "Severity" else "Any grade"
    data = hierarchy_counts(events, columns, "AEDECOD", None, worst=scale, any_label=any_label)
    label = row_label(data, "AEDECOD", None, "Any TEAE")
    display, groups = wide_display(data, label, "Preferred term", columns,
                                   grade_labels(scale, any_label))
    title = f"Treatment-emergent adverse events by preferred term and maximum {scale.name.lower()}"
    notes = teae_footnotes(cfg, scale,
                           f"Rows by descending frequency in the {columns[-1][0]} column; "
                           "ties alphabetical. MedDRA preferred terms as coded (AEDECOD).")
    return Table(id="t_14_3_3_teae_pt_grade", number="14.3.3", title=title,
                 population=population(columns), data=data, display=display, footnotes=notes,
                 source=SOURCE, landscape=len(display.columns) > LANDSCAPE_COLUMNS,
                 header_groups=groups)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def teae_tables(events: pd.DataFrame, columns: Columns, scale: GradeScale, cfg: TrialConfig,
                overview: list[tuple[str, SafetyResults]]) -> list[Table]:
    """Tables 14.3.1 to 14.3.5.1 (the SAE listing is with the other listings)."""
    notes = teae_footnotes(cfg, scale, soc_pt_order_note(columns))
    tables = [
        overview_table(overview, scale, cfg),
        soc_pt_table(events, columns, scale, "t_14_3_2_teae_soc_pt", "14.3.2",
                     "Treatment-emergent adverse events by system organ class and preferred term",
                     notes, "Any TEAE"),
        pt_grade_table(events, columns, scale, cfg),
    ]
    related = [("RELFL", "any study drug", "any")] + [
        (variable, label, code) for code, label, _, variable in relatedness_components(cfg)]
    for i, (variable, label, code) in enumerate(related, start=1):
        tables.append(soc_pt_table(
            events[events[variable].eq("Y")], columns, scale,
            f"t_14_3_4_{i}_related_{_slug(code)}", f"14.3.4.{i}",
            f"Treatment-emergent adverse events related to {label}, by system organ class and "
            "preferred term", notes + [relatedness_footnote(cfg)], f"Any TEAE related to {label}"))
    tables.append(soc_pt_table(
        events[events["AESER"].eq("Y")], columns, scale, "t_14_3_5_1_sae_soc_pt", "14.3.5.1",
        "Serious treatment-emergent adverse events by system organ class and preferred term",
        notes + ["Serious: AESER = Y."], "Any serious TEAE"))
    return tables
