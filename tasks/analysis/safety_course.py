"""AESI over time (docs/safety.md item 13): time to first onset and to resolution per group
(14.3.12.1), grade >= 3 events by treatment cycle (14.3.12.2), and the cumulative incidence of a
first event with death as a competing risk (Aalen-Johansen; 14.3.12.3, Figure 14.3.12)."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from tasks.analysis.arms import column_header
from tasks.analysis.safety_aesi import aesi_events, group_window
from tasks.analysis.safety_counts import Columns, grade_scale
from tasks.analysis.safety_teae import LANDSCAPE_COLUMNS, population
from tasks.config import TrialConfig
from tasks.dates import DAYS_PER_MONTH
from tasks.model import Block, Figure, Table
from tasks.report import formatting as fmt
from tasks.report.svg import PALETTE, new_figure, to_svg
from tasks.results.safety_course import AesiCourse
from tasks.stats.cif import CENSORED, COMPETING, EVENT, cumulative_incidence

SOURCE = "ADSL, ADAE"
RESOLVED = ("RECOVERED/RESOLVED", "RECOVERED/RESOLVED WITH SEQUELAE")
CYCLES_SHOWN = 6                    # cycles 1..6 in columns, later ones together


def _landmark(months: float) -> str:
    return fmt.number(months, 0) if float(months).is_integer() else fmt.number(months, 1)


def first_events(events: pd.DataFrame) -> pd.DataFrame:
    """The first onset per AESI group and subject: AESIGRP USUBJID ASTDT ASTDY."""
    dated = events[events["ASTDT"].notna()].sort_values(["AESIGRP", "USUBJID", "ASTDT"],
                                                        kind="mergesort")
    return dated.drop_duplicates(["AESIGRP", "USUBJID"])[["AESIGRP", "USUBJID", "ASTDT", "ASTDY"]]


def competing_risk_data(adsl: pd.DataFrame, first: pd.DataFrame, window_days: int,
                        cutoff: date) -> pd.DataFrame:
    """Per safety subject, for one group: DAYS from first dose (day 1) to the first event, to
    death (competing) or to the end of observation (censored): the last dose + the group's
    window, the last date known alive, or the cutoff, whichever is first; KIND 1/2/0."""
    safety = adsl[adsl["SAFFL"].eq("Y")].set_index("USUBJID")
    end = safety["TRTEDT"].fillna(safety["TRTSDT"]) + pd.Timedelta(days=window_days)
    alive = safety["LSTALVDT"] if "LSTALVDT" in safety else pd.Series(pd.NaT, index=safety.index)
    day = pd.Series(pd.Timestamp(cutoff), index=safety.index)
    end = pd.concat([end, alive, day], axis=1).min(axis=1)
    onset = first.set_index("USUBJID")["ASTDT"].reindex(safety.index)
    onset = onset.where(onset <= end)
    death = safety["DTHDT"].where(safety["DTHDT"] <= end)
    when = onset.fillna(death).fillna(end)
    kind = np.select([onset.notna().to_numpy(), death.notna().to_numpy()], [EVENT, COMPETING],
                     CENSORED)
    days = (when - safety["TRTSDT"]).dt.days.astype("float64") + 1.0
    return pd.DataFrame({"USUBJID": safety.index, "DAYS": days.clip(lower=1.0).to_numpy(),
                         "KIND": kind})


def _stats(values: pd.Series) -> tuple[float | None, float | None, float | None]:
    values = values.dropna()
    if values.empty:
        return None, None, None
    return float(values.median()), float(values.min()), float(values.max())


def group_course(group: str, subjects: pd.Index, adsl: pd.DataFrame, events: pd.DataFrame,
                 first: pd.DataFrame, cfg: TrialConfig, cutoff: date) -> AesiCourse:
    """The course of one AESI group among `subjects` (events and first onsets of the group)."""
    mine = events[events["USUBJID"].isin(subjects)]
    firsts = first[first["USUBJID"].isin(subjects)]
    outcome = mine["AEOUT"].fillna("").astype(str).str.strip().str.upper()
    resolved = mine[outcome.isin(RESOLVED) & mine["AENDT"].notna() & mine["ASTDT"].notna()]
    duration = (resolved["AENDT"] - resolved["ASTDT"]).dt.days.astype("float64") + 1.0
    onset = _stats(firsts["ASTDY"])
    landmarks = cfg.safety.aesi_course.landmarks_months
    risk = competing_risk_data(adsl[adsl["USUBJID"].isin(subjects)], firsts,
                               group_window(cfg, group), cutoff)
    cif = cumulative_incidence(risk["DAYS"].to_numpy(), risk["KIND"].to_numpy(),
                               np.array(landmarks) * DAYS_PER_MONTH)
    return AesiCourse(group=group, subjects=int(firsts["USUBJID"].nunique()),
                      onset_median_days=onset[0], onset_min_days=onset[1], onset_max_days=onset[2],
                      events=len(mine), resolved=len(resolved),
                      resolution_median_days=_stats(duration)[0],
                      cumulative_incidence={_landmark(m): None if np.isnan(v) else float(v)
                                            for m, v in zip(landmarks, cif)})


def course_by_column(adsl: pd.DataFrame, adae: pd.DataFrame, columns: Columns, cfg: TrialConfig,
                     cutoff: date) -> dict[str, list[AesiCourse]]:
    """Per treatment column: the course of every AESI group (config order)."""
    events = aesi_events(adae, cfg)
    first = first_events(events)
    groups = list(cfg.aesi_groups())
    by_group = {g: (events[events["AESIGRP"] == g], first[first["AESIGRP"] == g]) for g in groups}
    return {column: [group_course(g, subjects, adsl, *by_group[g], cfg, cutoff) for g in groups]
            for column, subjects in columns}


def _range(median: float | None, low: float | None, high: float | None) -> str:
    if median is None:
        return fmt.NOT_ESTIMABLE
    return f"{fmt.number(median, 1)} ({fmt.number(low, 0)}, {fmt.number(high, 0)})"


def onset_table(courses: dict[str, list[AesiCourse]], columns: Columns, cfg: TrialConfig) -> Table:
    """Table 14.3.12.1: subjects, time to first onset, events resolved and time to resolution."""
    groups = list(cfg.aesi_groups())
    measures = ["Subjects n (%)", "First onset, day: median (min, max)", "Events", "Resolved n (%)",
                "Duration of resolved, days: median"]
    display = pd.DataFrame({"AESI group": groups})
    records = []
    for column, subjects in columns:
        rows = courses[column]
        cells = [[fmt.n_pct(c.subjects, len(subjects)) for c in rows],
                 [_range(c.onset_median_days, c.onset_min_days, c.onset_max_days) for c in rows],
                 [fmt.count(c.events) for c in rows],
                 [fmt.n_pct(c.resolved, c.events) for c in rows],
                 [fmt.number(c.resolution_median_days, 1) for c in rows]]
        for i, values in enumerate(cells):
            display[f"{column}|{i}"] = values
        records += [{"AESIGRP": c.group, "COLUMN": column, "N": len(subjects),
                     "SUBJECTS": c.subjects, "ONSET_MEDIAN": c.onset_median_days,
                     "ONSET_MIN": c.onset_min_days,
                     "ONSET_MAX": c.onset_max_days, "EVENTS": c.events, "RESOLVED": c.resolved,
                     "RESOLUTION_MEDIAN": c.resolution_median_days} for c in rows]
    display.columns = ["AESI group"] + measures * len(columns)
    notes = ["Treatment-emergent events of each group (its own window: Table 14.3.7). First onset: "
             "study day of the subject's first event of the group (day 1 = first dose).",
             f"Resolved: outcome {' or '.join(r.lower() for r in RESOLVED)} with an end date; "
             "percentage of the group's events. Duration: end - onset + 1 day, over resolved "
             "events; events still ongoing are not in the median.",
             "NE: no event (or none resolved). Groups in the order of the AESI definition."]
    return Table(id="t_14_3_12_1_aesi_onset_resolution", number="14.3.12.1",
                 title="Adverse events of special interest: time to first onset and to resolution",
                 population=population(columns), data=pd.DataFrame(records), display=display,
                 footnotes=notes, source=SOURCE, landscape=True,
                 header_groups=[("", 1)] + [(column_header(c, len(s)), len(measures))
                                            for c, s in columns])


def cycle_table(adae: pd.DataFrame, columns: Columns, cfg: TrialConfig) -> Table:
    """Table 14.3.12.2: subjects with a grade >= 3 event of each group by the cycle of onset (all
    arms pooled: the Total column's subjects)."""
    scale = grade_scale(adae)
    events = aesi_events(adae, cfg)
    subjects = columns[-1][1] if columns else pd.Index([])
    severe = events[(events["GRADE"] >= scale.high) & events["USUBJID"].isin(subjects)]
    last = f"Cycle {CYCLES_SHOWN + 1}+"
    labels = [f"Cycle {k}" for k in range(1, CYCLES_SHOWN + 1)] + [last, "Cycle unknown"]
    cycle = severe["ACYCLE"]
    severe = severe.assign(CYCLE=np.select(
        [cycle.isna().to_numpy(), (cycle > CYCLES_SHOWN).to_numpy()], ["Cycle unknown", last],
        "Cycle " + cycle.fillna(0).astype(int).astype(str)))
    counts = severe.drop_duplicates(["AESIGRP", "USUBJID", "CYCLE"]).groupby(
        ["AESIGRP", "CYCLE"]).size()
    groups = list(cfg.aesi_groups())
    grid = pd.MultiIndex.from_product([groups, labels], names=["AESIGRP", "CYCLE"])
    data = counts.reindex(grid, fill_value=0).rename("n").reset_index().assign(N=len(subjects))
    display = pd.DataFrame({"AESI group": groups})
    for label in labels:
        display[label] = [fmt.count(counts.get((g, label), 0)) for g in groups]
    display["Any cycle"] = [fmt.n_pct(severe.loc[severe["AESIGRP"] == g, "USUBJID"].nunique(),
                                      len(subjects)) for g in groups]
    notes = ["Subjects with a treatment-emergent event of the group of "
             f"{scale.high_label.lower()}, by the treatment cycle of its onset: the cycle of the "
             "subject's last study-drug record (given or withheld) on or before the onset (ADAE "
             "ACYCLE). A subject counts once per cycle and may count in several cycles; Any "
             "cycle: n (%) of the safety population.",
             "Cycle unknown: onset before the first dose record or without a cycle visit. All arms "
             "pooled."]
    return Table(id="t_14_3_12_2_aesi_grade3_by_cycle", number="14.3.12.2",
                 title=f"Adverse events of special interest of {scale.high_label.lower()} by cycle "
                       "of onset",
                 population=population(columns), data=data, display=display, footnotes=notes,
                 source="ADSL, ADAE, ADEXREC", landscape=len(display.columns) > LANDSCAPE_COLUMNS)


def incidence_landmark_table(courses: dict[str, list[AesiCourse]], columns: Columns,
                             cfg: TrialConfig) -> Table:
    """Table 14.3.12.3: cumulative incidence (%) of a first event at each landmark."""
    landmarks = [_landmark(m) for m in cfg.safety.aesi_course.landmarks_months]
    groups = list(cfg.aesi_groups())
    display = pd.DataFrame({"AESI group": groups})
    records = []
    for column, _ in columns:
        for month in landmarks:
            values = [c.cumulative_incidence[month] for c in courses[column]]
            display[f"{column}|{month}"] = [fmt.number(None if v is None else 100 * v, 1)
                                            for v in values]
            records += [{"AESIGRP": g, "COLUMN": column, "MONTHS": month, "CIF": v}
                        for g, v in zip(groups, values)]
    display.columns = ["AESI group"] + [f"{m} months" for m in landmarks] * len(columns)
    notes = cif_notes(cfg) + ["Cumulative incidence in %; NE: no subject in the column."]
    return Table(id="t_14_3_12_3_aesi_cumulative_incidence", number="14.3.12.3",
                 title="Adverse events of special interest: cumulative incidence of a first event "
                       "(death as a competing risk)",
                 population=population(columns), data=pd.DataFrame(records), display=display,
                 footnotes=notes, source=SOURCE, landscape=len(display.columns) > LANDSCAPE_COLUMNS,
                 header_groups=[("", 1)] + [(column_header(c, len(s)), len(landmarks))
                                            for c, s in columns])


def cif_notes(cfg: TrialConfig) -> list[str]:
    return ["Aalen-Johansen estimate (lifelines AalenJohansenFitter) of the first treatment-"
            "emergent event of the group from the first dose (day 1); death before it is a "
            "competing event; observation ends at the last dose + the group's window, the last "
            "date known alive or the cutoff. Ties with deaths on the same day are broken by "
            "placing the event first, which leaves the estimate at whole days unchanged."]


def incidence_figure(adsl: pd.DataFrame, adae: pd.DataFrame, columns: Columns,
                     courses: dict[str, list[AesiCourse]], cfg: TrialConfig,
                     cutoff: date) -> Figure:
    """Figure 14.3.12: cumulative incidence curves of the groups with the most subjects (all
    arms pooled), at most aesi_course.figure_groups of them."""
    subjects = columns[-1][1] if columns else pd.Index([])
    pooled = courses[columns[-1][0]] if columns else []
    top = sorted((c for c in pooled if c.subjects > 0), key=lambda c: (-c.subjects, c.group))
    top = top[:cfg.safety.aesi_course.figure_groups]
    events = aesi_events(adae, cfg)
    first = first_events(events)
    pool = adsl[adsl["USUBJID"].isin(subjects)]
    fig, ax = new_figure(16, 10)
    records = []
    for i, course in enumerate(top):
        risk = competing_risk_data(pool, first[first["AESIGRP"] == course.group],
                                   group_window(cfg, course.group), cutoff)
        grid = np.arange(0, int(risk["DAYS"].max()) + 1 if len(risk) else 1)
        cif = cumulative_incidence(risk["DAYS"].to_numpy(), risk["KIND"].to_numpy(), grid)
        ax.step(grid / DAYS_PER_MONTH, 100 * cif, where="post", color=PALETTE[i % len(PALETTE)],
                linewidth=1.2, label=f"{course.group} (n={fmt.count(course.subjects)})")
        records.append(pd.DataFrame({"AESIGRP": course.group, "DAY": grid, "CIF": cif}))
    ax.set_xlabel("Months from first dose", fontsize=8)
    ax.set_ylabel("Cumulative incidence (%)", fontsize=8)
    ax.set_ylim(0, 100)
    ax.tick_params(labelsize=7)
    if top:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, fontsize=7,
                  frameon=False)
    notes = cif_notes(cfg) + [
        f"The {fmt.count(len(top))} group(s) with the most subjects with an event (at most "
        f"{fmt.count(cfg.safety.aesi_course.figure_groups)}), all arms pooled; every group at the "
        "landmarks in Table 14.3.12.3, every curve's values in "
        "tables/f_14_3_12_aesi_cumulative_incidence.csv."]
    if not top:
        notes.insert(0, "None: no subject had an adverse event of special interest.")
    data = (pd.concat(records, ignore_index=True) if records
            else pd.DataFrame(columns=["AESIGRP", "DAY", "CIF"]))
    return Figure(id="f_14_3_12_aesi_cumulative_incidence", number="14.3.12",
                  title="Cumulative incidence of adverse events of special interest (death as a "
                        "competing risk)", svg=to_svg(fig), data=data, footnotes=notes,
                  source=SOURCE)


def course_blocks(adsl: pd.DataFrame, adae: pd.DataFrame, columns: Columns,
                  courses: dict[str, list[AesiCourse]], cfg: TrialConfig,
                  cutoff: date) -> list[Block]:
    """Tables 14.3.12.1-3 and Figure 14.3.12 from `courses` (course_by_column)."""
    return [onset_table(courses, columns, cfg), cycle_table(adae, columns, cfg),
            incidence_landmark_table(courses, columns, cfg),
            incidence_figure(adsl, adae, columns, courses, cfg, cutoff)]
