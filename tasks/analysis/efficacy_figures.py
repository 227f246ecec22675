"""Efficacy figures 14.2.1-14.2.5: Kaplan-Meier curves with numbers at risk, waterfall, swimmer
and spider plots, as deterministic SVG with the plotted data."""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from tasks.adam.response_terms import RESPONSE_ORDER
from tasks.analysis.arms import TOTAL
from tasks.config import Response
from tasks.dates import DAYS_PER_MONTH
from tasks.model import Figure
from tasks.report import formatting as fmt
from tasks.report.svg import (
    MIN_FONT_PT,
    PALETTE,
    aggregated_note,
    legend_above,
    new_figure,
    to_svg,
    top_n,
)
from tasks.stats.km import km_curve, number_at_risk

# RECIST 1.1 thresholds of the target-lesion sum (tasks.adam.recist), drawn as reference lines.
WATERFALL_CAP_PCT = 100.0            # taller bars are cut here so that shrinkage stays readable
SPIDER_MIN_SUBJECTS = 5              # aggregated spider: an assessment with fewer is not drawn
SWIMMER_ID, SPIDER_ID = "f_14_2_4_swimmer", "f_14_2_5_spider"
RESPONSE_COLOURS = dict(zip(RESPONSE_ORDER, [PALETTE[2], PALETTE[5], PALETTE[4], PALETTE[3],
                                             PALETTE[1], PALETTE[6], "#d9d9d9"]))
TICK_STEPS = (1, 2, 3, 6, 12, 24, 48)
CENSOR_TICK = 0.015                  # half height of a censor mark, in survival-probability units
# Event markers stand out from every lane colour: white, red and black with a black edge.
SWIMMER_MARKERS = (("RESPONSE_MONTHS", "^", "white", "First CR/PR"),
                   ("PD_MONTHS", "X", "#e41a1c", "First PD"),
                   ("DEATH_MONTHS", "s", "black", "Death"))


def _ticks(max_time: float, max_ticks: int = 10) -> np.ndarray:
    step = next((s for s in TICK_STEPS if max_time / s <= max_ticks), TICK_STEPS[-1])
    return np.arange(0.0, max(max_time, step) + step / 2, step)


def _response_handles(categories: pd.Series) -> list[Patch]:
    present = set(categories)
    return [Patch(color=RESPONSE_COLOURS[c], label=c) for c in RESPONSE_ORDER if c in present]


def _legend(ax: Axes, categories: pd.Series) -> None:
    legend_above(ax, _response_handles(categories), title="Confirmed BOR",
                 columns=len(RESPONSE_ORDER))


def _ticks_path(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Censor marks as one broken line (NaN between ticks): one short SVG path for any number."""
    nan = np.full_like(x, np.nan)
    return (np.column_stack([x, x, nan]).ravel(),
            np.column_stack([y - CENSOR_TICK, y + CENSOR_TICK, nan]).ravel())


def km_figure(figure_id: str, number: str, endpoint: str,
              columns: list[tuple[str, pd.DataFrame]], conf_level: float) -> Figure:
    """KM curves (months) per column with censor marks, the CI band for a single arm, and the
    number at risk at each tick beneath the axis."""
    rows = 2 + len(columns)
    fig, (ax, risk) = new_figure(16, 10 + 0.5 * rows, nrows=2,
                                 gridspec_kw={"height_ratios": [10, 0.5 * rows], "hspace": 0.45})
    months = [frame["AVAL"].to_numpy(float) / DAYS_PER_MONTH for _, frame in columns]
    longest = max((m.max() for m in months if m.size), default=1.0)
    ticks = _ticks(longest)
    data = []
    for i, ((label, frame), t) in enumerate(zip(columns, months)):
        colour = "grey" if label == TOTAL and len(columns) > 1 else PALETTE[i % len(PALETTE)]
        curve = km_curve(t, frame["EVENT"].to_numpy(), conf_level)
        if len(curve):
            ax.step(curve["time"], curve["surv"], where="post", color=colour, linewidth=1.2,
                    label=label, linestyle="--" if label == TOTAL and len(columns) > 1 else "-")
            if len(columns) == 1:
                ax.fill_between(curve["time"], curve["lower"], curve["upper"], step="post",
                                color=colour, alpha=0.15, linewidth=0,
                                label=f"{fmt.number(100 * conf_level, 0)}% CI")
            marks = curve[curve["n_censor"] > 0]
            ax.plot(*_ticks_path(marks["time"].to_numpy(float), marks["surv"].to_numpy(float)),
                    color=colour, linewidth=0.8)
        at_risk = number_at_risk(t, ticks)
        for x, n in zip(ticks, at_risk):
            risk.text(x, len(columns) - 1 - i, fmt.count(n), ha="center", va="center",
                      fontsize=MIN_FONT_PT, color=colour)
        if len(curve):
            data.append(curve.assign(column=label, kind="curve"))
        data.append(pd.DataFrame({"time": ticks, "n_risk": at_risk, "column": label,
                                  "kind": "at risk"}))
    for axis in (ax, risk):
        axis.set_xlim(0, ticks[-1])
    ax.set_xticks(ticks)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Months")
    ax.set_ylabel(f"{endpoint} probability")
    legend_above(ax)
    risk.set_ylim(-0.7, len(columns) - 0.3)
    risk.set_yticks(range(len(columns)), [label for label, _ in reversed(columns)])
    risk.tick_params(axis="both", length=0)
    risk.tick_params(axis="y", pad=14)       # room for the count at month 0
    risk.set_xticks([])
    for side in ("top", "right", "bottom", "left"):
        risk.spines[side].set_visible(False)
    risk.set_title("Number at risk", loc="left", fontsize=MIN_FONT_PT + 1)
    plotted = pd.concat(data, ignore_index=True).reindex(
        columns=["column", "kind", "time", "n_risk", "n_event", "n_censor", "surv", "lower",
                 "upper"])
    return Figure(id=figure_id, number=number, title=f"Kaplan-Meier plot of {endpoint.lower()}",
                  svg=to_svg(fig), data=plotted, source="ADSL, ADTTE",
                  footnotes=[f"Censored subjects marked |. Months = days / 30.4375. "
                             f"Band: pointwise {fmt.number(100 * conf_level, 0)}% CI (log-log)."
                             if len(columns) == 1
                             else "Censored subjects marked |. Months = days / 30.4375."])


def _bars(heights: np.ndarray, width: float, colours: list[str]) -> PolyCollection:
    """Vertical bars at 0, 1, 2 ... as one collection: thousands of bars draw in a blink (and
    as a raster beyond svg.MAX_VECTOR_ELEMENTS)."""
    left = np.arange(heights.size) - width / 2
    corners = np.stack([np.column_stack([left, np.zeros_like(heights)]),
                        np.column_stack([left, heights]),
                        np.column_stack([left + width, heights]),
                        np.column_stack([left + width, np.zeros_like(heights)])], axis=1)
    # an (N, 4, 2) array takes matplotlib's fast path; the stubs ask for a sequence
    return PolyCollection(corners, facecolors=colours, linewidths=0)  # type: ignore[arg-type]


def _thresholds(response: Response) -> tuple[float, float]:
    """The RECIST lines drawn: partial response (a decrease) and progression (an increase)."""
    return -response.pr_min_decrease_pct, response.pd_min_increase_pct


def waterfall_figure(best: pd.DataFrame, cap: int, response: Response) -> Figure:
    """Best % change of the target-lesion sum per subject, largest increase first, coloured by
    CBOR: every subject at any size (a waterfall of thousands of bars still reads as a shape);
    above `cap` subjects the bars touch."""
    data = (best.sort_values(["BESTPCHG", "USUBJID"], ascending=[False, True], kind="stable")
            .reset_index(drop=True))
    fig, ax = new_figure(16, 9)
    ax.add_collection(_bars(data["BESTPCHG"].clip(upper=WATERFALL_CAP_PCT).to_numpy(float),
                            0.85 if len(data) <= cap else 1.0,
                            data["CBOR"].map(RESPONSE_COLOURS).tolist()))
    for level in _thresholds(response):
        ax.axhline(level, color="black", linestyle="--", linewidth=0.7)
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_xticks([])
    ax.set_xlim(-1, max(len(data), 1))
    ax.set_ylim(-105, WATERFALL_CAP_PCT + 5)
    ax.set_xlabel(f"Subjects (n = {len(data)})")
    ax.set_ylabel("Best change from baseline in sum of diameters (%)")
    _legend(ax, data["CBOR"])
    notes = [f"Dashed lines: {fmt.number(-response.pr_min_decrease_pct, 0)}% (partial response) "
             f"and +{fmt.number(response.pd_min_increase_pct, 0)}% (progression). Best change: the "
             "smallest post-baseline percentage change of the target-lesion sum of diameters."]
    over = int((data["BESTPCHG"] > WATERFALL_CAP_PCT).sum())
    if over:
        notes.append(f"{over} bar(s) above +{fmt.number(WATERFALL_CAP_PCT, 0)}% are cut at that "
                     "value (values in tables/).")
    return Figure(id="f_14_2_3_waterfall", number="14.2.3",
                  title="Best percentage change in the sum of target-lesion diameters",
                  svg=to_svg(fig), data=data, source="ADTR, ADRS", footnotes=notes)


def swimmer_figure(lanes: pd.DataFrame, cap: int) -> Figure:
    """Time on treatment per subject (longest first, at most `cap` lanes: a lane must stay tall
    enough for its label) with the first response, first progression and death, and an arrow
    for subjects still on treatment."""
    selection = top_n(lanes, cap, "the longest treatment", SWIMMER_ID)
    shown = selection.shown
    y = np.arange(len(shown))[::-1]
    fig, ax = new_figure(16, max(6.0, 2.5 + 0.32 * len(shown)))
    ax.barh(y, shown["END_MONTHS"], height=0.6, color=shown["CBOR"].map(RESPONSE_COLOURS).tolist(),
            linewidth=0)
    handles = []
    for column, marker, colour, label in SWIMMER_MARKERS:
        has = shown[column].notna()
        ax.scatter(shown.loc[has, column], y[has.to_numpy()], marker=marker, s=16, facecolor=colour,
                   edgecolor="black", linewidth=0.5, zorder=3)
        handles.append(Line2D([], [], linestyle="none", marker=marker, markerfacecolor=colour,
                              markeredgecolor="black", markeredgewidth=0.5, label=label))
    ongoing = shown["ONGOING"].eq("Y").to_numpy()
    ax.scatter(shown.loc[ongoing, "END_MONTHS"] + 0.15, y[ongoing], marker=">", s=14, color="black",
               zorder=3)
    handles.append(Line2D([], [], linestyle="none", marker=">", color="black",
                          label="On treatment"))
    ax.set_yticks(y, shown["USUBJID"].tolist())
    ends = shown[["END_MONTHS", "RESPONSE_MONTHS", "PD_MONTHS", "DEATH_MONTHS"]]
    longest = np.nanmax(ends.to_numpy(float), initial=1.0)
    ax.set_xticks(_ticks(longest))
    ax.set_xlim(0, _ticks(longest)[-1] + 0.5)
    ax.set_ylim(-1, max(len(shown), 1))
    ax.set_xlabel("Months since the first dose")
    legend_above(ax, [*handles, *_response_handles(shown["CBOR"])], columns=len(handles))
    notes = ["Bar: first dose to last dose (to the last contact for subjects still on treatment), "
             "coloured by confirmed best overall response."]
    if selection.note:
        notes.append(selection.note)
    return Figure(id=SWIMMER_ID, number="14.2.4",
                  title="Swimmer plot of treatment duration and response",
                  svg=to_svg(fig), data=lanes, source="ADSL, ADRS", footnotes=notes)


def _spider_lines(ax: Axes, data: pd.DataFrame) -> None:
    """One line per subject, coloured by CBOR (one collection)."""
    starts = np.flatnonzero(data["USUBJID"].ne(data["USUBJID"].shift()).to_numpy())
    points = data[["WEEK", "PCHG"]].to_numpy(float)
    segments = np.split(points, starts[1:]) if len(points) else []
    colours = data["CBOR"].iloc[starts].map(RESPONSE_COLOURS).tolist() if len(points) else []
    ax.add_collection(LineCollection(segments, colors=colours, linewidths=0.8))


def spider_summary(data: pd.DataFrame, bin_weeks: float) -> pd.DataFrame:
    """CBOR, WEEK (the assessment: weeks rounded to the nearest multiple of `bin_weeks`), N,
    MEDIAN, Q1, Q3 of the percentage change; assessments of fewer than SPIDER_MIN_SUBJECTS
    subjects left out."""
    binned = data.assign(WEEK=(data["WEEK"] / bin_weeks).round() * bin_weeks)
    # one value per subject and assessment: the last, as a subject's line would end there
    binned = binned.drop_duplicates(["USUBJID", "WEEK"], keep="last")
    grouped = binned.groupby(["CBOR", "WEEK"])["PCHG"]
    summary = pd.DataFrame({"N": grouped.size(), "MEDIAN": grouped.median(),
                            "Q1": grouped.quantile(0.25),
                            "Q3": grouped.quantile(0.75)}).reset_index()
    return summary[summary["N"] >= SPIDER_MIN_SUBJECTS].reset_index(drop=True)


def _spider_bands(ax: Axes, summary: pd.DataFrame) -> None:
    """Per CBOR: the median change per assessment and its interquartile band."""
    for category in (c for c in RESPONSE_ORDER if c in set(summary["CBOR"])):
        part = summary[summary["CBOR"].eq(category)]
        colour = RESPONSE_COLOURS[category]
        ax.fill_between(part["WEEK"], part["Q1"], part["Q3"], color=colour, alpha=0.2, linewidth=0)
        ax.plot(part["WEEK"], part["MEDIAN"], color=colour, linewidth=1.2, marker="o",
                markersize=2.5)


def spider_figure(changes: pd.DataFrame, cbor: pd.Series, limit: int, reference: str,
                  response: Response) -> Figure:
    """% change of the target-lesion sum over time (weeks since `reference`), one line per subject
    coloured by CBOR; above `limit` subjects, the median and interquartile range per assessment
    and CBOR instead (every subject's values stay in tables/)."""
    data = changes.assign(CBOR=changes["USUBJID"].map(cbor).fillna("MISSING"))
    subjects = data["USUBJID"].nunique()
    aggregated = subjects > limit
    fig, ax = new_figure(16, 9)
    bin_weeks = response.assessment_interval_days / 7
    if aggregated:
        _spider_bands(ax, spider_summary(data, bin_weeks))
    else:
        _spider_lines(ax, data)
    for level in _thresholds(response):
        ax.axhline(level, color="black", linestyle="--", linewidth=0.7)
    ax.axhline(0, color="black", linewidth=0.5)
    weeks = data["WEEK"].max() if len(data) else 6.0
    ax.set_xlim(0, weeks * 1.03 + 0.1)
    low = min(data["PCHG"].min() if len(data) else -100, -100)
    high = max(data["PCHG"].max() if len(data) else 50, 50)
    ax.set_ylim(low - 5, high + 5)
    ax.set_xlabel(f"Weeks since {reference}")
    ax.set_ylabel("Change from baseline in sum of diameters (%)")
    _legend(ax, data["CBOR"])
    notes = [f"{subjects} subjects with target-lesion measurements after baseline. "
             f"Dashed lines: {fmt.number(-response.pr_min_decrease_pct, 0)}% and "
             f"+{fmt.number(response.pd_min_increase_pct, 0)}%."]
    if aggregated:
        notes.append(aggregated_note(
            limit, "the median (line) and interquartile range (band) of the change at each "
            f"scheduled assessment (weeks rounded to a multiple of {fmt.number(bin_weeks, 0)}) by "
            f"confirmed BOR, where at least {SPIDER_MIN_SUBJECTS} subjects were assessed",
            SPIDER_ID))
    return Figure(id=SPIDER_ID, number="14.2.5",
                  title="Percentage change in the sum of target-lesion diameters over time",
                  svg=to_svg(fig), data=data, source="ADTR, ADRS", footnotes=notes)
