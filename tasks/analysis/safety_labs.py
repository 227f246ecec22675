"""Liver laboratory tests (14.3.8): worst on-treatment CTCAE grade, shift from baseline grade,
potential Hy's law listing, records not graded, and the eDISH figure."""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from tasks.adam import ctcae
from tasks.analysis.arms import column_header
from tasks.analysis.safety_counts import INDENT, Columns
from tasks.analysis.safety_listings import listing_blocks
from tasks.analysis.safety_teae import LANDSCAPE_COLUMNS, population
from tasks.config import TrialConfig
from tasks.model import Block, Figure, Table
from tasks.report import formatting as fmt
from tasks.report.svg import (
    MIN_FONT_PT,
    PALETTE,
    aggregated_note,
    draw_density,
    legend_above,
    new_figure,
    to_svg,
)

SOURCE = "ADSL, ADLB"
EDISH_ID = "f_14_3_8_edish"
DENSITY_CELLS = 30                   # per axis, of the eDISH drawn as a density
TRANSAMINASES = ("ALT", "AST")
BILIRUBIN = "BILI"
NOT_GRADED = "Not graded"
NO_VALUE = "No on-treatment value"
MISSING = "Missing"


def _panel(cfg: TrialConfig) -> list[str]:
    return [key for key in cfg.labs.liver_tests if key in ctcae.RULES]


def _labels(adlb: pd.DataFrame, tests: list[str]) -> dict[str, str]:
    names = adlb.drop_duplicates("PARAMCD").set_index("PARAMCD")["PARAM"].to_dict()
    return {t: f"{names.get(t) or t}" for t in tests}


def _on_treatment(adlb: pd.DataFrame, variables: list[str]) -> pd.DataFrame:
    """The on-treatment records (ONTRTFL), only the variables needed: ADLB is large."""
    return adlb.loc[adlb["ONTRTFL"].eq("Y").to_numpy(), variables]


def subject_grades(adlb: pd.DataFrame, columns: Columns, tests: list[str]) -> pd.DataFrame:
    """Per safety subject and test: BASECAT (baseline grade or Missing) and WORSTCAT (worst
    on-treatment grade, Not graded, or No on-treatment value)."""
    subjects = pd.Index(columns[-1][1] if columns else [], name="USUBJID")
    grid = pd.MultiIndex.from_product([subjects, tests], names=["USUBJID", "PARAMCD"])
    on = _on_treatment(adlb, ["USUBJID", "PARAMCD", "ATOXGRN"])
    worst = on.groupby(["USUBJID", "PARAMCD"])["ATOXGRN"].max().reindex(grid)
    has_value = on.groupby(["USUBJID", "PARAMCD"]).size().reindex(grid).notna()
    base = (adlb[adlb["ABLFL"].eq("Y")].groupby(["USUBJID", "PARAMCD"])["BTOXGRN"].first()
            .reindex(grid))
    out = pd.DataFrame(index=grid).reset_index()
    grade_text = worst.map(lambda g: fmt.count(g) if pd.notna(g) else "").to_numpy()
    out["WORSTCAT"] = np.select([worst.notna().to_numpy(), has_value.to_numpy()],
                                [grade_text, NOT_GRADED], NO_VALUE)
    out["BASECAT"] = [fmt.count(g) if pd.notna(g) else MISSING for g in base]
    return out


def worst_grade_table(adlb: pd.DataFrame, grades: pd.DataFrame, columns: Columns,
                      cfg: TrialConfig) -> Table:
    """Subjects by worst on-treatment grade per test; `grades` from subject_grades()."""
    tests = _panel(cfg)
    labels = _labels(adlb, tests)
    counts = {column: grades[grades["USUBJID"].isin(subjects)]
                      .groupby(["PARAMCD", "WORSTCAT"]).size()
              for column, subjects in columns}
    records = []
    for test in tests:
        categories = ([fmt.count(g) for g in range(ctcae.RULES[test].max_grade + 1)]
                      + [NOT_GRADED, NO_VALUE])
        for category in categories:
            for column, subjects in columns:
                n = int(counts[column].get((test, category), 0))
                records.append({"PARAMCD": test, "CATEGORY": category, "COLUMN": column,
                                "N": len(subjects), "n": n,
                                "pct": 100.0 * n / len(subjects) if len(subjects) else np.nan})
    data = pd.DataFrame(records, columns=["PARAMCD", "CATEGORY", "COLUMN", "N", "n", "pct"])
    rows: list[str] = []
    cells: dict[str, list[str]] = {column: [] for column, _ in columns}
    for test in tests:
        rows.append(labels[test])
        for column in cells:
            cells[column].append("")
        part = data[data["PARAMCD"] == test]
        for category in part["CATEGORY"].drop_duplicates():
            rows.append(INDENT + _grade_label(category))
            for column, _ in columns:
                row = part[(part["CATEGORY"] == category) & (part["COLUMN"] == column)].iloc[0]
                cells[column].append(fmt.n_pct(row["n"], row["N"]))
    display = pd.DataFrame({"Test\n   Worst grade": rows})
    for column, subjects in columns:
        display[column_header(column, len(subjects))] = cells[column]
    notes = [
        f"Grades: {ctcae.VERSION} from the value, its normal range and, for ALT, AST, ALP and "
        "bilirubin when the baseline was above the ULN, multiples of the baseline.",
        "On treatment: after the first dose and up to the last dose + "
        f"{fmt.count(cfg.safety.teae_window_days)} days. Baseline: last value on or before the "
        "first dose.",
        f"{NOT_GRADED}: on-treatment values exist but none could be graded (see Table 14.3.8.4).",
        "n (%): subjects, percentage of the safety population N of the column.",
        _terms_note(tests),
    ]
    return Table(id="t_14_3_8_1_liver_worst_grade", number="14.3.8.1",
                 title="Liver laboratory tests: worst on-treatment CTCAE grade",
                 population=population(columns), data=data, display=display, footnotes=notes,
                 source=SOURCE, landscape=len(display.columns) > LANDSCAPE_COLUMNS)


def shift_tables(adlb: pd.DataFrame, grades: pd.DataFrame, columns: Columns,
                 cfg: TrialConfig) -> list[Table]:
    """Subjects by baseline grade (rows) and worst on-treatment grade (columns), per test: one
    table per treatment column (14.3.8.2, or 14.3.8.2.1, 14.3.8.2.2 ... with several columns)."""
    tests = _panel(cfg)
    labels = _labels(adlb, tests)
    categories = [fmt.count(g) for g in range(5)] + [MISSING]
    grades = grades.assign(WORSTCAT=grades["WORSTCAT"].where(grades["WORSTCAT"].isin(categories),
                                                             MISSING))
    rows: list[tuple[str, str | None]] = []
    for test in tests:
        rows += [(test, None)] + [(test, b) for b in categories]
    tables = []
    for i, (column, subjects) in enumerate(columns, start=1):
        counts = (grades[grades["USUBJID"].isin(subjects)]
                  .groupby(["PARAMCD", "BASECAT", "WORSTCAT"]).size())
        grid = pd.MultiIndex.from_product([tests, categories, categories],
                                          names=["PARAMCD", "BASECAT", "WORSTCAT"])
        data = counts.reindex(grid, fill_value=0).rename("n").reset_index() \
            .assign(COLUMN=column, N=len(subjects))
        display = pd.DataFrame({"Test\n   Baseline grade": [
            labels[test] if base is None else INDENT + _grade_label(base) for test, base in rows]})
        for worst in categories:
            display[_grade_label(worst)] = [
                "" if base is None else fmt.count(counts.get((test, base, worst), 0))
                for test, base in rows]
        several = len(columns) > 1
        tables.append(Table(
            id=f"t_14_3_8_2_{i}_liver_shift" if several else "t_14_3_8_2_liver_shift",
            number=f"14.3.8.2.{i}" if several else "14.3.8.2",
            title="Liver laboratory tests: shift from baseline grade to worst on-treatment grade"
                  + (f" ({column})" if several else ""),
            population=f"Safety population, {column} (N = {fmt.count(len(subjects))})", data=data,
            display=display, source=SOURCE,
            header_groups=[("", 1), ("Worst on-treatment grade", len(categories))],
            footnotes=["Number of subjects. Missing baseline: no value on or before the first dose "
                       "(or not gradable); missing worst grade: no gradable on-treatment value.",
                       f"Grades: {ctcae.VERSION}; on treatment: after the first dose and up to the "
                       f"last dose + {fmt.count(cfg.safety.teae_window_days)} days.",
                       _terms_note(tests)]))
    return tables


def _grade_label(category: str) -> str:
    return f"Grade {category}" if category.isdigit() else category


def _terms_note(tests: list[str]) -> str:
    return "CTCAE terms: " + "; ".join(f"{t}: {ctcae.RULES[t].term}" for t in tests) + "."


def _exceeds(ratio: pd.Series, multiple: float) -> pd.Series:
    return ratio.round(ctcae.PRECISION) > multiple


def hys_law_candidates(adlb: pd.DataFrame, cfg: TrialConfig) -> pd.DataFrame:
    """Subjects with an on-treatment ALT or AST > hys_law_transaminase_uln x ULN and total bilirubin
    > hys_law_bilirubin_uln x ULN at most hys_law_window_days apart (either order): the first such
    pair by aminotransferase date, one row per subject."""
    labs = cfg.labs
    keep = ["USUBJID", "TRT01A", "PARAMCD", "ADT", "AVAL", "R2ULN"]
    on = _on_treatment(adlb, keep)
    trans = on.loc[on["PARAMCD"].isin(TRANSAMINASES)
                   & _exceeds(on["R2ULN"], labs.hys_law_transaminase_uln), keep]
    bili = on.loc[on["PARAMCD"].eq(BILIRUBIN) & _exceeds(on["R2ULN"], labs.hys_law_bilirubin_uln),
                  ["USUBJID", "ADT", "AVAL", "R2ULN"]]
    pairs = trans.merge(bili, on="USUBJID", suffixes=("", "_BILI"))
    pairs["DAYS_APART"] = (pairs["ADT_BILI"] - pairs["ADT"]).dt.days
    pairs = pairs[pairs["DAYS_APART"].abs() <= labs.hys_law_window_days]
    first = (pairs.sort_values(["USUBJID", "ADT", "ADT_BILI", "PARAMCD"], kind="mergesort")
             .drop_duplicates("USUBJID"))
    return first.rename(columns={"PARAMCD": "TEST", "ADT": "ADT_TRANS", "AVAL": "AVAL_TRANS",
                                 "R2ULN": "R2ULN_TRANS"}).reset_index(drop=True)[
        ["USUBJID", "TRT01A", "TEST", "ADT_TRANS", "AVAL_TRANS", "R2ULN_TRANS", "ADT_BILI",
         "AVAL_BILI", "R2ULN_BILI", "DAYS_APART"]]


def hys_law_listing(data: pd.DataFrame, cfg: TrialConfig) -> Table:
    """Listing of hys_law_candidates()."""
    display = pd.DataFrame({
        "Subject": data["USUBJID"].map(fmt.text), "Treatment": data["TRT01A"].map(fmt.text),
        "Test": data["TEST"].map(fmt.text), "Date": data["ADT_TRANS"].map(fmt.iso_date),
        "x ULN": [fmt.number(v, 1) for v in data["R2ULN_TRANS"]],
        "Bilirubin date": data["ADT_BILI"].map(fmt.iso_date),
        "Bilirubin x ULN": [fmt.number(v, 1) for v in data["R2ULN_BILI"]],
        "Days apart": [fmt.number(v, 0) for v in data["DAYS_APART"]]})
    labs = cfg.labs
    notes = [f"Potential Hy's law: ALT or AST > {fmt.number(labs.hys_law_transaminase_uln, 1)} x "
             f"ULN and total bilirubin > {fmt.number(labs.hys_law_bilirubin_uln, 1)} x ULN, both "
             f"on treatment, measured at most {fmt.count(labs.hys_law_window_days)} days apart "
             "(either order); the first such pair per subject. ALP is not used to exclude "
             "cholestasis: review case by case."]
    return Table(id="t_14_3_8_3_hys_law", number="14.3.8.3",
                 title="Listing of potential Hy's law cases",
                 population="Safety population", data=data, display=display, footnotes=notes,
                 source=SOURCE, landscape=True,
                 empty_text="None: no subject met the potential Hy's law criteria.")


def ungraded_blocks(adlb: pd.DataFrame, cfg: TrialConfig) -> list[Block]:
    """Liver-panel records that could not be graded, by test and reason (never dropped unseen)."""
    not_graded = adlb[adlb["NOGRDRS"].ne("")]
    data = not_graded.groupby(["PARAMCD", "NOGRDRS"]).agg(
        RECORDS=("USUBJID", "size"), SUBJECTS=("USUBJID", "nunique")).reset_index()
    labels = _labels(adlb, _panel(cfg))
    display = pd.DataFrame({"Test": data["PARAMCD"].map(labels).map(fmt.text),
                            "Reason": data["NOGRDRS"].map(fmt.text),
                            "Records": data["RECORDS"].map(fmt.count),
                            "Subjects": data["SUBJECTS"].map(fmt.count)})
    notes = ["These records are left out of the grade, shift and Hy's law summaries; validation "
             "lists them.",
             "Non-numeric result: LBSTRESN is not a number (e.g. '<5'); no normal range: LBSTNRHI "
             "(increases) or LBSTNRLO (decreases) missing."]
    return [Table(id="t_14_3_8_4_liver_not_graded", number="14.3.8.4",
                  title="Liver laboratory records not graded", population="All liver-panel records",
                  data=data, display=display, footnotes=notes, source="ADLB",
                  empty_text="None: every liver-panel record had a numeric result, a date and "
                             "the normal range its grading needs.")]


def edish_data(adlb: pd.DataFrame, cases: pd.DataFrame, columns: Columns) -> pd.DataFrame:
    """Per safety subject: peak on-treatment ALT-or-AST / ULN and bilirubin / ULN, and whether
    the subject is a potential Hy's law case (in `cases`, from hys_law_candidates())."""
    on = _on_treatment(adlb, ["USUBJID", "PARAMCD", "R2ULN"])
    trans = on[on["PARAMCD"].isin(TRANSAMINASES)].groupby("USUBJID")["R2ULN"].max()
    bili = on[on["PARAMCD"].eq(BILIRUBIN)].groupby("USUBJID")["R2ULN"].max()
    arm = {s: column for column, subjects in columns[:-1] or columns for s in subjects}
    subjects = pd.Index(columns[-1][1] if columns else [], name="USUBJID")
    hys = set(cases["USUBJID"])
    return pd.DataFrame({"USUBJID": subjects, "COLUMN": subjects.map(arm),
                         "PEAK_ALT_AST_XULN": trans.reindex(subjects).to_numpy(),
                         "PEAK_BILI_XULN": bili.reindex(subjects).to_numpy(),
                         "HYSLAWFL": ["Y" if s in hys else "" for s in subjects]})


def edish_figure(data: pd.DataFrame, cfg: TrialConfig) -> Figure:
    """The eDISH plot of edish_data(): log axes, reference lines at the Hy's law thresholds,
    potential Hy's law cases ringed; above report.max_figure_subjects subjects, the subjects
    per cell as grey shades instead of one point each (the ringed cases still drawn)."""
    x, y = "PEAK_ALT_AST_XULN", "PEAK_BILI_XULN"
    plotted = data[(data[x] > 0) & (data[y] > 0)]
    x_ref, y_ref = cfg.labs.hys_law_transaminase_uln, cfg.labs.hys_law_bilirubin_uln
    values = pd.concat([plotted[x], plotted[y], pd.Series([x_ref, y_ref])])
    low, high = min(0.1, values.min() / 1.5), max(10.0, values.max() * 1.5)
    limit = cfg.report.max_figure_subjects
    aggregated = len(plotted) > limit
    fig, ax = new_figure(16, 12)
    if aggregated:
        edges = np.geomspace(low, high, DENSITY_CELLS + 1)
        draw_density(ax, plotted[x], plotted[y], edges, edges)
    else:
        for i, (arm, points) in enumerate(plotted.groupby("COLUMN", sort=False)):
            ax.scatter(points[x], points[y], s=14, alpha=0.8, color=PALETTE[i % len(PALETTE)],
                       label=f"{arm} (n={fmt.count(len(points))})")
    cases = plotted[plotted["HYSLAWFL"].eq("Y")]
    if len(cases):
        ax.scatter(cases[x], cases[y], s=60, facecolors="none", edgecolors="black", linewidths=0.8,
                   label=f"Potential Hy's law case (n={fmt.count(len(cases))})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.axvline(x_ref, color="#7f7f7f", linestyle="--", linewidth=0.8)
    ax.axhline(y_ref, color="#7f7f7f", linestyle="--", linewidth=0.8)
    for text, (px, py), ha, va in (("Potential Hy's law", (high / 1.1, high / 1.1), "right", "top"),
                                   ("Temple's corollary", (high / 1.1, low * 1.1), "right",
                                    "bottom"),
                                   ("Hyperbilirubinaemia", (low * 1.1, high / 1.1), "left", "top")):
        ax.text(px, py, text, ha=ha, va=va, fontsize=MIN_FONT_PT, color="#595959")
    ax.set_xlabel("Peak ALT or AST (x ULN)")
    ax.set_ylabel("Peak total bilirubin (x ULN)")
    legend_above(ax, columns=2)
    missing = len(data) - len(plotted)
    drawn = "Each subject counts in one cell" if aggregated else "Each point is a subject"
    notes = [f"{drawn}: peak on-treatment values (after the first dose, up to the last dose + "
             f"{fmt.count(cfg.safety.teae_window_days)} days), not necessarily on the same day. "
             f"Reference lines at {fmt.number(x_ref, 1)} x ULN (ALT or AST) and "
             f"{fmt.number(y_ref, 1)} x ULN (bilirubin).",
             "Ringed: potential Hy's law cases by the time window of Listing 14.3.8.3.",
             "Subjects without both an on-treatment aminotransferase and bilirubin value: "
             f"{fmt.count(missing)} (not plotted)."]
    if aggregated:
        notes.append(aggregated_note(limit, f"{fmt.count(len(plotted))} subjects shaded by the "
                                     "number in each cell of the log-scaled grid", EDISH_ID))
    return Figure(id=EDISH_ID, number="14.3.8",
                  title="eDISH: peak aminotransferase against peak total bilirubin",
                  svg=to_svg(fig), data=data, footnotes=notes, source=SOURCE)


def liver_blocks(adlb: pd.DataFrame, columns: Columns, cfg: TrialConfig,
                 listings: bool) -> list[Block]:
    """Tables 14.3.8.1-4 and Figure 14.3.8; the Hy's law listing only with `listings`."""
    grades = subject_grades(adlb, columns, _panel(cfg))
    cases = hys_law_candidates(adlb, cfg)
    blocks: list[Block] = [worst_grade_table(adlb, grades, columns, cfg),
                           *shift_tables(adlb, grades, columns, cfg)]
    if listings:
        blocks += listing_blocks(hys_law_listing(cases, cfg), cfg)
    blocks += ungraded_blocks(adlb, cfg)
    blocks.append(edish_figure(edish_data(adlb, cases, columns), cfg))
    return blocks
