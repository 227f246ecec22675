"""Counting subjects for the safety tables: a subject counts once per row (at its worst grade),
n (%) over the safety population of each treatment column, rows by descending frequency."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tasks.adam.adae import analysis_grade_variable
from tasks.analysis.arms import arm_columns, column_header
from tasks.report import formatting as fmt

NOT_CODED = "(NOT CODED)"
MISSING = "Missing"
ANY, OUTER, INNER = "ANY", "OUTER", "INNER"
INDENT = "   "

Columns = list[tuple[str, pd.Index]]


@dataclass(frozen=True)
class GradeScale:
    """The grade the tables count: CTCAE grade (AETOXGR) or, without it, severity (AESEV)."""
    variable: str | None
    name: str
    labels: dict[int, str]
    high: int
    high_label: str

    def footnote(self) -> str:
        if self.name == "Severity":
            return ("AE severity (AESEV: mild, moderate, severe) is shown because the data have no "
                    "CTCAE grade (AETOXGR); 'Severe' stands in for grade >= 3.")
        return "Grades: CTCAE version as recorded by the investigator (AETOXGR)."


def grade_scale(adae: pd.DataFrame) -> GradeScale:
    variable = analysis_grade_variable(adae)
    if variable == "ASEVN":
        return GradeScale(variable, "Severity", {1: "Mild", 2: "Moderate", 3: "Severe"}, 3,
                          "Severe")
    return GradeScale(variable, "CTCAE grade", {g: f"Grade {g}" for g in range(1, 6)}, 3,
                      "Grade >= 3")


def treatment_columns(adsl: pd.DataFrame, by_arm: bool) -> Columns:
    """The safety population (SAFFL = "Y") per arm, plus Total; pooled only when not by_arm."""
    return arm_columns(adsl, "SAFFL", by_arm)


def prepare_events(records: pd.DataFrame, rows: pd.Series | None = None) -> pd.DataFrame:
    """AE records (those where `rows` is True, when given) with GRADE (the analysis grade) and
    coded terms filled in (an uncoded SOC or PT is shown as "(NOT CODED)", never dropped). A
    copy, made once: of the rows taken only (ADAE filtered and then copied would be two)."""
    scale = grade_scale(records)
    taken = np.arange(len(records)) if rows is None else np.flatnonzero(rows.to_numpy(dtype=bool))
    events = records.take(taken)
    events["GRADE"] = events[scale.variable] if scale.variable else np.nan
    for term in ("AEBODSYS", "AEDECOD"):
        events[term] = events[term].fillna("").astype(str).str.strip().replace("", NOT_CODED)
    return events


def safety_events(adae: pd.DataFrame, flag: str = "TRTEMFL") -> pd.DataFrame:
    """The records where `flag` is "Y", prepared for counting (prepare_events)."""
    return prepare_events(adae, rows=adae[flag].eq("Y"))


def subject_counts(events: pd.DataFrame, columns: Columns, by: list[str],
                   flags: dict[str, pd.Series]) -> pd.DataFrame:
    """Distinct subjects per group `by`, treatment column and flag (a boolean Series aligned with
    `events`): long frame [*by, COLUMN, FLAG, n]."""
    keyed = events[["USUBJID", *by]]
    parts = []
    for flag, mask in flags.items():
        distinct = (keyed[mask.reindex(events.index, fill_value=False).to_numpy(dtype=bool)]
                    .drop_duplicates())
        for label, subjects in columns:
            mine = distinct[distinct["USUBJID"].isin(subjects)]
            n = (mine.groupby(by).size() if by
                 else pd.Series([len(mine)], index=pd.Index([0], name="_ALL")))
            parts.append(n.rename("n").reset_index().assign(COLUMN=label, FLAG=flag))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return out.drop(columns="_ALL", errors="ignore")


def worst_per_subject(events: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """One row per subject and group with its worst GRADE (missing only when all are missing)."""
    return events.groupby(["USUBJID", *by], dropna=False)["GRADE"].max().reset_index()


def grade_labels(scale: GradeScale, any_label: str) -> list[str]:
    """The columns of a by-maximum-grade table: any grade, each grade of the scale, Missing."""
    return [any_label, *scale.labels.values(), MISSING]


def grade_flags(worst: pd.DataFrame, scale: GradeScale, any_label: str) -> dict[str, pd.Series]:
    """Masks of grade_labels() over one row per subject and group at its worst GRADE."""
    masks = [pd.Series(True, index=worst.index)]
    masks += [worst["GRADE"].eq(grade) for grade in scale.labels]
    masks.append(worst["GRADE"].isna())
    return dict(zip(grade_labels(scale, any_label), masks))


def _with_denominators(counts: pd.DataFrame, columns: Columns) -> pd.DataFrame:
    sizes = {label: len(subjects) for label, subjects in columns}
    counts["N"] = counts["COLUMN"].map(sizes)
    counts["pct"] = 100.0 * counts["n"] / counts["N"].where(counts["N"] > 0)
    return counts


def _frequency_order(counts: pd.DataFrame, keys: list[str], sort_column: str,
                     sort_flag: str) -> pd.DataFrame:
    """Rows of `keys` by descending n in the sort column and flag, ties alphabetical."""
    rows = counts[keys].drop_duplicates()
    key_n = counts[(counts["COLUMN"] == sort_column) & (counts["FLAG"] == sort_flag)]
    rows = rows.merge(key_n[[*keys, "n"]], on=keys, how="left").fillna({"n": 0})
    return rows.sort_values(["n", *keys], ascending=[False] + [True] * len(keys), kind="mergesort")


def hierarchy_counts(events: pd.DataFrame, columns: Columns, outer: str, inner: str | None,
                     flags: dict[str, pd.Series] | None = None, sort_flag: str | None = None,
                     outer_order: list[str] | None = None, worst: GradeScale | None = None,
                     any_label: str = "Any event") -> pd.DataFrame:
    """Tidy counts of an "any / outer / inner" table (e.g. any TEAE / SOC / PT):
    [ORDER, LEVEL, <outer>, <inner>, COLUMN, FLAG, n, N, pct]. Either `flags` (masks of events) or
    `worst` (count each subject at its worst grade at each level: Any grade, grades, Missing).
    Outer rows by descending frequency in the last column (or `outer_order`, every listed value
    shown even when no subject has it), inner rows within by descending frequency; ties
    alphabetical."""
    levels = [(ANY, []), (OUTER, [outer])] + ([(INNER, [outer, inner])] if inner else [])
    parts = []
    for level, by in levels:
        if worst is not None:
            reduced = worst_per_subject(events, by)
            counts = subject_counts(reduced, columns, by, grade_flags(reduced, worst, any_label))
        elif flags is not None:
            counts = subject_counts(events, columns, by, flags)
        else:
            raise ValueError("hierarchy_counts counts `flags` or `worst`: neither was given")
        parts.append(counts.assign(LEVEL=level))
    counts = pd.concat(parts, ignore_index=True)
    keys = [outer] + ([inner] if inner else [])
    counts[keys] = counts.reindex(columns=keys).fillna("")     # the ANY row has no terms
    flag_names = grade_labels(worst, any_label) if worst is not None else list(flags or {})
    sort_flag = sort_flag or flag_names[0]
    sort_column = columns[-1][0] if columns else ""
    counts = _complete(counts, columns, flag_names, outer, inner, outer_order)
    return _order_rows(counts, outer, inner, sort_column, sort_flag, outer_order).pipe(
        _with_denominators, columns)


def _complete(counts: pd.DataFrame, columns: Columns, flags: list[str], outer: str,
              inner: str | None, outer_order: list[str] | None) -> pd.DataFrame:
    """Every row of the table has a count (0) for every column and flag."""
    keys = ["LEVEL", outer] + ([inner] if inner else [])
    rows = counts[keys].drop_duplicates()
    if outer_order is not None:
        listed = pd.DataFrame({"LEVEL": OUTER, outer: outer_order})
        rows = pd.concat([rows, listed], ignore_index=True).fillna("").drop_duplicates()
    grid = rows.merge(pd.DataFrame({"COLUMN": [c for c, _ in columns]}), how="cross") \
        .merge(pd.DataFrame({"FLAG": flags}), how="cross")
    full = grid.merge(counts, on=[*keys, "COLUMN", "FLAG"], how="left")
    full["n"] = full["n"].fillna(0).astype(int)
    return full


def _order_rows(counts: pd.DataFrame, outer: str, inner: str | None, sort_column: str,
                sort_flag: str, outer_order: list[str] | None) -> pd.DataFrame:
    outer_rows = counts[counts["LEVEL"] == OUTER]
    if outer_order is not None:
        rank = {value: i for i, value in enumerate(outer_order)}
    else:
        frequent = _frequency_order(outer_rows, [outer], sort_column, sort_flag)[outer].tolist()
        rank = {value: i for i, value in enumerate(frequent)}
    counts["_OUTER"] = counts[outer].map(rank).fillna(-1)
    counts["_INNER"] = -1
    if inner:
        inner_rows = counts[counts["LEVEL"] == INNER]
        ordered = _frequency_order(inner_rows, [outer, inner], sort_column, sort_flag)
        ordered["_RANK"] = ordered.groupby(outer).cumcount()
        counts = counts.merge(ordered[[outer, inner, "_RANK"]], on=[outer, inner], how="left")
        counts["_INNER"] = counts["_RANK"].where(counts["LEVEL"] == INNER, -1)
        counts = counts.drop(columns="_RANK")
    counts = counts.sort_values(["_OUTER", "_INNER"], kind="mergesort")
    row_keys = ["LEVEL", outer] + ([inner] if inner else [])
    order = counts[row_keys].drop_duplicates().reset_index(drop=True)
    order["ORDER"] = np.arange(1, len(order) + 1)
    out = counts.drop(columns=["_OUTER", "_INNER"]).merge(order, on=row_keys, how="left")
    return out.sort_values(["ORDER"], kind="mergesort").reset_index(drop=True)


def row_label(data: pd.DataFrame, outer: str, inner: str | None, any_label: str) -> pd.Series:
    """The printed first column: the any-row label, the outer term, the inner term indented."""
    label = data[outer].astype(str)
    if inner:
        label = label.mask(data["LEVEL"] == INNER, INDENT + data[inner].astype(str))
    return label.mask(data["LEVEL"] == ANY, any_label)


def wide_display(data: pd.DataFrame, label: pd.Series, first_header: str, columns: Columns,
                 flags: list[str]) -> tuple[pd.DataFrame, list[tuple[str, int]] | None]:
    """Display: one row per ORDER, per treatment column one cell per flag ("n (x.x)"); a spanning
    header per treatment column when it has more than one flag."""
    cells = data.assign(_LABEL=label.values,
                        _CELL=[fmt.n_pct(n, N) for n, N in zip(data["n"], data["N"])])
    rows = cells.drop_duplicates("ORDER").set_index("ORDER")["_LABEL"]
    table = {first_header: rows.map(fmt.text).tolist()}
    names: list[str] = []
    for column, subjects in columns:
        for flag in flags:
            part = (cells[(cells["COLUMN"] == column) & (cells["FLAG"] == flag)]
                    .set_index("ORDER")["_CELL"])
            names.append(flag if len(flags) > 1 else column_header(column, len(subjects)))
            table[f"{column}|{flag}"] = part.reindex(rows.index).fillna("0").tolist()
    display = pd.DataFrame(table)
    display.columns = [first_header, *names]
    groups = None
    if len(flags) > 1:
        groups = [("", 1)] + [(column_header(c, len(s)), len(flags)) for c, s in columns]
    return display, groups
