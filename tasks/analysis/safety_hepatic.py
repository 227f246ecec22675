"""Hepatic safety (docs/safety.md item 11): the decompensation composite (14.3.10.1), ALBI at
baseline and worst post-baseline (14.3.10.2) with its grade shift (14.3.10.3), TEAEs by
baseline Child-Pugh class (14.3.10.4) and eDISH as multiples of baseline for subjects abnormal
at baseline (Figure 14.3.10)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from tasks.adam import albi
from tasks.analysis.arms import column_header
from tasks.analysis.once import once_per_input
from tasks.analysis.safety_counts import (
    INDENT,
    Columns,
    GradeScale,
    hierarchy_counts,
    prepare_events,
    row_label,
    wide_display,
)
from tasks.analysis.safety_teae import (
    ALL_GRADES,
    LANDSCAPE_COLUMNS,
    overview_table,
    population,
    teae_footnotes,
)
from tasks.config import TrialConfig
from tasks.model import Block, Figure, Paragraph, Table
from tasks.report import formatting as fmt
from tasks.report.svg import PALETTE, new_figure, to_svg
from tasks.results.safety import SafetyResults

TRANSAMINASES = ("ALT", "AST")
BILIRUBIN = "BILI"
GRADES = ("Grade 1", "Grade 2", "Grade 3")
MISSING = "Missing"
ANY_EVENT = "Any hepatic decompensation event"


@once_per_input
def decompensation_events(adae: pd.DataFrame, cfg: TrialConfig) -> pd.DataFrame:
    """Treatment-emergent records of the composite, one row per record and component it belongs
    to (COMPONENT), prepared for counting; empty when the composite is not configured."""
    groups = cfg.safety.hepatic.decompensation
    emergent = adae["TRTEMFL"].eq("Y")
    decod = adae["AEDECOD"].fillna("").astype(str).str.strip().str.upper()
    parts = [adae[emergent & decod.isin([t.upper() for t in terms])].assign(COMPONENT=name)
             for name, terms in groups.items()]
    records = pd.concat(parts) if parts else adae.iloc[:0].assign(COMPONENT="")
    return prepare_events(records)


def decompensation_blocks(adae: pd.DataFrame, columns: Columns, scale: GradeScale,
                          cfg: TrialConfig) -> list[Block]:
    """Table 14.3.10.1: subjects with a decompensation event, any and by component and PT."""
    groups = list(cfg.safety.hepatic.decompensation)
    if not groups:
        return [Paragraph("Hepatic decompensation: no composite is configured "
                          "(safety.hepatic.decompensation), so none is shown.", style="note")]
    events = decompensation_events(adae, cfg)
    flags = {ALL_GRADES: pd.Series(True, index=events.index),
             scale.high_label: events["GRADE"] >= scale.high}
    data = hierarchy_counts(events, columns, "COMPONENT", "AEDECOD", flags=flags,
                            outer_order=groups)
    label = row_label(data, "COMPONENT", "AEDECOD", ANY_EVENT)
    display, header = wide_display(data, label, "Component\n   Preferred term", columns,
                                   list(flags))
    terms = "; ".join(f"{name}: {', '.join(t.lower() for t in terms)}"
                      for name, terms in cfg.safety.hepatic.decompensation.items())
    notes = teae_footnotes(cfg, scale, "Components in the configured order, each shown even "
                           "without events; preferred terms by descending frequency.")[:3]
    notes += [f"Composite (MedDRA preferred terms): {terms}.", scale.footnote()]
    if events.empty:
        notes.insert(0, "None: no subject had a treatment-emergent hepatic decompensation event.")
    return [Table(id="t_14_3_10_1_hepatic_decompensation", number="14.3.10.1",
                  title="Hepatic decompensation events (composite)", population=population(columns),
                  data=data, display=display, footnotes=notes, source="ADSL, ADAE",
                  landscape=len(display.columns) > LANDSCAPE_COLUMNS, header_groups=header)]


def albi_subjects(adlb: pd.DataFrame, columns: Columns) -> pd.DataFrame:
    """Per safety subject: baseline ALBI score and grade, worst (highest) on-treatment score and
    its grade (BASE, BASEGR, WORST, WORSTGR; grade text "Grade n" or Missing)."""
    subjects = pd.Index(columns[-1][1] if columns else [], name="USUBJID")
    rows = adlb.loc[adlb["PARAMCD"].eq(albi.PARAMCD).to_numpy(),
                    ["USUBJID", "AVAL", "ABLFL", "ONTRTFL"]]
    base = rows[rows["ABLFL"].eq("Y")].groupby("USUBJID")["AVAL"].first().reindex(subjects)
    worst = rows[rows["ONTRTFL"].eq("Y")].groupby("USUBJID")["AVAL"].max().reindex(subjects)

    def grade(score: pd.Series) -> list[str]:
        return [MISSING if np.isnan(g) else f"Grade {int(g)}" for g in albi.albi_grade(score)]

    return pd.DataFrame({"USUBJID": subjects, "BASE": base.to_numpy(), "BASEGR": grade(base),
                         "WORST": worst.to_numpy(), "WORSTGR": grade(worst)})


def _median_range(values: pd.Series) -> str:
    values = values.dropna()
    if values.empty:
        return fmt.NOT_ESTIMABLE
    low, high = fmt.number(values.min(), 2), fmt.number(values.max(), 2)
    return f"{fmt.number(values.median(), 2)} ({low}, {high})"


def albi_notes(cfg: TrialConfig) -> list[str]:
    low, high = albi.GRADE_LIMITS
    return ["ALBI = 0.66 x log10(total bilirubin, umol/L) - 0.085 x albumin (g/L), from values "
            "of the same day (Johnson et al., J Clin Oncol 2015;33:550-558); grade 1 <= "
            f"{low:.2f}, grade 2 > {low:.2f} and <= {high:.2f}, grade 3 > {high:.2f}. Bilirubin "
            "in mg/dL x 17.1, albumin in g/dL x 10 (ADLB PARAMCD ALBI).",
            "Baseline: the last score on or before the first dose; worst: the highest score "
            f"after the first dose up to the last dose + {fmt.count(cfg.safety.teae_window_days)} "
            "days."]


def albi_table(data: pd.DataFrame, columns: Columns, cfg: TrialConfig) -> Table:
    """Table 14.3.10.2: ALBI score and grade at baseline and worst post-baseline."""
    lines: list[tuple[str, str, str | None]] = [
        ("Baseline ALBI score, median (min, max)", "BASE", None)]
    lines += [(INDENT + g, "BASEGR", g) for g in (*GRADES, MISSING)]
    lines += [("Worst post-baseline ALBI score, median (min, max)", "WORST", None)]
    lines += [(INDENT + g, "WORSTGR", g) for g in (*GRADES, MISSING)]
    lines += [("Change from baseline to worst, median (min, max)", "CHANGE", None)]
    data = data.assign(CHANGE=data["WORST"] - data["BASE"])
    records, display = [], pd.DataFrame({"Parameter": [label for label, _, _ in lines]})
    for column, subjects in columns:
        mine = data[data["USUBJID"].isin(subjects)]
        cells = []
        for order, (label, variable, category) in enumerate(lines, start=1):
            if category is None:
                cells.append(_median_range(mine[variable]))
                values = mine[variable].dropna()
                records.append({"ORDER": order, "PARAMETER": label.strip(), "COLUMN": column,
                                "N": len(subjects), "n": len(values), "median": values.median(),
                                "min": values.min(), "max": values.max()})
            else:
                n = int(mine[variable].eq(category).sum())
                cells.append(fmt.n_pct(n, len(subjects)))
                records.append({"ORDER": order, "PARAMETER": f"{variable} {category}",
                                "COLUMN": column, "N": len(subjects), "n": n})
        display[column_header(column, len(subjects))] = cells
    tidy = pd.DataFrame(records, columns=["ORDER", "PARAMETER", "COLUMN", "N", "n", "median",
                                          "min", "max"])
    notes = albi_notes(cfg) + ["n (%): subjects, percentage of the safety population N of the "
                               "column; Missing: no same-day bilirubin and albumin pair in the "
                               "period."]
    return Table(id="t_14_3_10_2_albi", number="14.3.10.2",
                 title="ALBI score and grade at baseline and worst post-baseline",
                 population=population(columns), data=tidy, display=display, footnotes=notes,
                 source="ADSL, ADLB", landscape=len(display.columns) > LANDSCAPE_COLUMNS)


def albi_shift_tables(data: pd.DataFrame, columns: Columns, cfg: TrialConfig) -> list[Table]:
    """Table 14.3.10.3 (one per treatment column with several): subjects by baseline ALBI grade
    (rows) and worst post-baseline grade (columns)."""
    categories = [*GRADES, MISSING]
    tables = []
    several = len(columns) > 1
    for i, (column, subjects) in enumerate(columns, start=1):
        mine = data[data["USUBJID"].isin(subjects)]
        counts = mine.groupby(["BASEGR", "WORSTGR"]).size()
        grid = pd.MultiIndex.from_product([categories, categories], names=["BASEGR", "WORSTGR"])
        tidy = counts.reindex(grid, fill_value=0).rename("n").reset_index().assign(
            COLUMN=column, N=len(subjects))
        display = pd.DataFrame({"Baseline ALBI grade": categories})
        for worst in categories:
            display[worst] = [fmt.count(counts.get((base, worst), 0)) for base in categories]
        display["Total"] = [fmt.count(int(mine["BASEGR"].eq(base).sum())) for base in categories]
        tables.append(Table(
            id=f"t_14_3_10_3_{i}_albi_shift" if several else "t_14_3_10_3_albi_shift",
            number=f"14.3.10.3.{i}" if several else "14.3.10.3",
            title="ALBI grade: shift from baseline to worst post-baseline"
                  + (f" ({column})" if several else ""),
            population=f"Safety population, {column} (N = {fmt.count(len(subjects))})", data=tidy,
            display=display, source="ADSL, ADLB",
            header_groups=[("", 1), ("Worst post-baseline ALBI grade", len(categories)), ("", 1)],
            footnotes=["Number of subjects."] + albi_notes(cfg)))
    return tables


def child_pugh_blocks(adsl: pd.DataFrame, results: list[tuple[str, SafetyResults]],
                      scale: GradeScale, cfg: TrialConfig) -> list[Block]:
    """Table 14.3.10.4: the TEAE overview by baseline Child-Pugh class (`results` per class)."""
    variable = cfg.safety.hepatic.child_pugh_variable
    if variable is None or variable not in adsl:
        return [Paragraph("TEAEs by baseline Child-Pugh class: no Child-Pugh class in ADSL "
                          "(safety.hepatic.child_pugh_variable), so none is shown.", style="note")]
    table = overview_table(results, scale, cfg)
    total = sum(r.population for _, r in results)
    table = replace(table, id="t_14_3_10_4_teae_by_child_pugh", number="14.3.10.4",
                    title="Overview of TEAEs by baseline Child-Pugh class",
                    population=f"Safety population (N = {fmt.count(total)}), all arms pooled",
                    footnotes=[f"Child-Pugh class at baseline (ADSL {variable}); Missing: not "
                               "recorded.",
                               *table.footnotes])
    return [table]


def child_pugh_columns(adsl: pd.DataFrame, cfg: TrialConfig) -> Columns:
    """(label, subjects) per baseline Child-Pugh class of the safety population (classes in
    alphabetical order, Missing last); empty without a configured variable."""
    variable = cfg.safety.hepatic.child_pugh_variable
    if variable is None or variable not in adsl:
        return []
    safety = adsl[adsl["SAFFL"].eq("Y")]
    value = safety[variable].fillna("").astype(str).str.strip()
    classes = sorted(set(value) - {""}) + ([""] if value.eq("").any() else [])
    return [(f"Child-Pugh {c}" if c else f"Child-Pugh {MISSING.lower()}",
             pd.Index(safety.loc[value.eq(c), "USUBJID"])) for c in classes]


def edish_baseline_data(adlb: pd.DataFrame, columns: Columns, cfg: TrialConfig) -> pd.DataFrame:
    """Subjects whose baseline ALT or AST was above the ULN: peak on-treatment ALT/AST as a
    multiple of its baseline (the higher of the two) and peak bilirubin / baseline bilirubin;
    ABOVEFL "Y" when both exceed the Hy's law multiples (of baseline here)."""
    on = adlb.loc[adlb["ONTRTFL"].eq("Y").to_numpy()
                  & adlb["PARAMCD"].isin([*TRANSAMINASES, BILIRUBIN]).to_numpy(),
                  ["USUBJID", "PARAMCD", "AVAL", "BASE", "BNRHI"]]
    ratio = on["AVAL"] / on["BASE"].where(on["BASE"] > 0)
    trans = on["PARAMCD"].isin(TRANSAMINASES)
    peak_trans = ratio[trans].groupby(on.loc[trans, "USUBJID"]).max()
    peak_bili = ratio[~trans].groupby(on.loc[~trans, "USUBJID"]).max()
    abnormal = set(on[trans & (on["BASE"] > on["BNRHI"])]["USUBJID"])
    arm = {s: column for column, subjects in columns[:-1] or columns for s in subjects}
    subjects = pd.Index([s for s in (columns[-1][1] if columns else []) if s in abnormal],
                        name="USUBJID")
    data = pd.DataFrame({"USUBJID": subjects, "COLUMN": subjects.map(arm),
                         "PEAK_ALT_AST_XBASE": peak_trans.reindex(subjects).to_numpy(),
                         "PEAK_BILI_XBASE": peak_bili.reindex(subjects).to_numpy()})
    labs = cfg.labs
    data["ABOVEFL"] = np.where((data["PEAK_ALT_AST_XBASE"].round(9) > labs.hys_law_transaminase_uln)
                               & (data["PEAK_BILI_XBASE"].round(9) > labs.hys_law_bilirubin_uln),
                               "Y", "")
    return data


def _log_formatter() -> FuncFormatter:
    return FuncFormatter(lambda value, _: f"{value:g}")


def edish_baseline_figure(data: pd.DataFrame, cfg: TrialConfig) -> Figure:
    """Figure 14.3.10: eDISH of edish_baseline_data() on log axes; above
    report.max_figure_subjects subjects, a grey density of subjects per cell instead of points
    (the subjects beyond both reference lines still drawn)."""
    x, y = "PEAK_ALT_AST_XBASE", "PEAK_BILI_XBASE"
    plotted = data[(data[x] > 0) & (data[y] > 0)]
    x_ref, y_ref = cfg.labs.hys_law_transaminase_uln, cfg.labs.hys_law_bilirubin_uln
    values = pd.concat([plotted[x], plotted[y], pd.Series([x_ref, y_ref])])
    low, high = min(0.1, values.min() / 1.5), max(10.0, values.max() * 1.5)
    fig, ax = new_figure(16, 12)
    limit = cfg.report.max_figure_subjects
    aggregated = len(plotted) > limit
    if aggregated:
        bins = np.geomspace(low, high, 31)
        counts, _, _, image = ax.hist2d(plotted[x], plotted[y], bins=[bins, bins], cmap="Greys",
                                        cmin=1)
        fig.colorbar(image, ax=ax, label="Subjects per cell", pad=0.02).ax.tick_params(labelsize=7)
    else:
        for i, (arm, points) in enumerate(plotted.groupby("COLUMN", sort=False)):
            ax.scatter(points[x], points[y], s=14, alpha=0.8, color=PALETTE[i % len(PALETTE)],
                       label=f"{arm} (n={fmt.count(len(points))})")
    above = plotted[plotted["ABOVEFL"].eq("Y")]
    if len(above):
        ax.scatter(above[x], above[y], s=60, facecolors="none", edgecolors="#9c0006",
                   linewidths=0.9,
                   label=f"Both above the reference lines (n={fmt.count(len(above))})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.xaxis.set_major_formatter(_log_formatter())
    ax.yaxis.set_major_formatter(_log_formatter())
    ax.axvline(x_ref, color="#7f7f7f", linestyle="--", linewidth=0.8)
    ax.axhline(y_ref, color="#7f7f7f", linestyle="--", linewidth=0.8)
    ax.set_xlabel("Peak ALT or AST (x baseline)", fontsize=8)
    ax.set_ylabel("Peak total bilirubin (x baseline)", fontsize=8)
    ax.tick_params(labelsize=7)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=7,
                  frameon=False)
    notes = [f"Subjects whose baseline ALT or AST was above the ULN (n = {fmt.count(len(data))}): "
             "each subject's peak on-treatment value as a multiple of its own baseline (ALT and "
             "AST: the higher of the two ratios), up to the last dose + "
             f"{fmt.count(cfg.safety.teae_window_days)} days. Reference lines at "
             f"{fmt.number(x_ref, 1)} x baseline (ALT or AST) and {fmt.number(y_ref, 1)} x "
             "baseline (bilirubin); the eDISH by ULN is Figure 14.3.8.",
             "Not plotted (no on-treatment aminotransferase and bilirubin): "
             f"{fmt.count(len(data) - len(plotted))}."]
    if aggregated:
        notes.append(f"More than {fmt.count(limit)} subjects: shaded by the number of subjects per "
                     "cell; every subject is in tables/f_14_3_10_edish_baseline.csv.")
    if data.empty:
        notes.insert(0, "None: no subject had an ALT or AST above the ULN at baseline.")
    return Figure(id="f_14_3_10_edish_baseline", number="14.3.10",
                  title="eDISH for subjects abnormal at baseline: peak aminotransferase and "
                        "bilirubin "
                        "as multiples of baseline", svg=to_svg(fig), data=data, footnotes=notes,
                  source="ADSL, ADLB")


def hepatic_blocks(adsl: pd.DataFrame, adae: pd.DataFrame, adlb: pd.DataFrame, columns: Columns,
                   scale: GradeScale, child_pugh: list[tuple[str, SafetyResults]],
                   cfg: TrialConfig) -> list[Block]:
    """Tables 14.3.10.1-4 and Figure 14.3.10; `child_pugh`: the safety results per class."""
    albi_data = albi_subjects(adlb, columns)
    return [*decompensation_blocks(adae, columns, scale, cfg), albi_table(albi_data, columns, cfg),
            *albi_shift_tables(albi_data, columns, cfg),
            *child_pugh_blocks(adsl, child_pugh, scale, cfg),
            edish_baseline_figure(edish_baseline_data(adlb, columns, cfg), cfg)]
