"""The timeline of a patient profile, drawn from its tidy data (tasks.analysis.safety_profiles):
doses per drug (given, reduced, withheld), AEs as bars coloured by grade with SAEs marked,
tumour assessments with their response, ALT/AST/bilirubin as multiples of the ULN, and death,
on one axis of study days. Two axes with fixed margins and collections rather than one artist
per item: a trial of thousands of subjects draws thousands of these."""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from tasks.report.svg import PALETTE, new_figure, to_svg

GRADE_COLOURS = {1: "#9ecae1", 2: "#4292c6", 3: "#fd8d3c", 4: "#d7301f", 5: "#252525"}
MISSING_GRADE_COLOUR = "#bdbdbd"
RESPONSE_COLOURS = {"CR": "#1a9850", "PR": "#66bd63", "SD": "#fee08b", "NON-CR/NON-PD": "#fee08b",
                    "PD": "#d73027", "NE": "#bdbdbd"}
DOSE_STYLES = (("GIVEN", "o", "#1f4e79", "Dose given"), ("REDUCED", "v", "#c55a11", "Dose reduced"),
               ("WITHHELD", "x", "#9c0006", "Dose withheld"))
LAB_STYLES = {"ALT": (PALETTE[0], "-"), "AST": (PALETTE[1], "--"), "BILI": (PALETTE[2], "-.")}
DEATH_COLOUR = "#9c0006"
MAX_LABEL = 32                        # characters of a PT or drug name on the axis
LAB_TICKS = (0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 50, 100)
WIDTH_CM, LEFT_CM, RIGHT_CM = 17.0, 5.3, 0.4
ROW_CM, LAB_CM, TOP_CM, BOTTOM_CM, GAP_CM = 0.36, 3.2, 0.6, 2.6, 0.35


def _label(text: str, capitalize: bool = True) -> str:
    text = str(text).capitalize() if capitalize else str(text)
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1] + "…"


def _tracks(ax, doses: pd.DataFrame, events: pd.DataFrame, responses: pd.DataFrame,
            drugs: list[str], terms: list[str], last_day: float) -> None:
    """Doses (rows 0..), AEs (the next rows) and the response row on one categorical axis."""
    dose_row = {d: i for i, d in enumerate(drugs)}
    ae_row = {t: len(drugs) + i for i, t in enumerate(terms)}
    response_row = len(drugs) + len(terms)
    for detail, marker, colour, _ in DOSE_STYLES:
        part = doses[doses["DETAIL"].eq(detail)]
        if len(part):
            ax.scatter(part["STARTDY"], part["LABEL"].map(dose_row), marker=marker, s=14, c=colour,
                       linewidths=0.8, zorder=3)
    shown = events[events["LABEL"].isin(terms)]
    start, end = shown["STARTDY"], shown["ENDDY"].fillna(last_day)
    y = shown["LABEL"].map(ae_row).to_numpy()
    colours = [GRADE_COLOURS.get(int(g), MISSING_GRADE_COLOUR) if pd.notna(g)
               else MISSING_GRADE_COLOUR for g in shown["GRADE"]]
    serious = shown["SERIOUS"].eq("Y").to_numpy()
    ax.barh(y, np.maximum(end - start + 1, 1), left=start, height=0.62, color=colours,
            edgecolor=np.where(serious, "black", "none").tolist(), linewidth=0.8)
    if serious.any():
        ax.scatter(start[serious], y[serious], marker="*", s=26, c="black", zorder=4)
    ongoing = shown["ENDDY"].isna().to_numpy()
    if ongoing.any():
        ax.scatter(np.full(int(ongoing.sum()), last_day), y[ongoing], marker=">", s=10, c="#595959",
                   zorder=4)
    if len(responses):
        colours = [RESPONSE_COLOURS.get(r, "#bdbdbd") for r in responses["LABEL"]]
        ax.scatter(responses["STARTDY"], np.full(len(responses), response_row), marker="s", s=22,
                   c=colours, edgecolors="#595959", linewidths=0.5, zorder=3)
        for day, text in zip(responses["STARTDY"], responses["LABEL"]):
            ax.annotate(text, (day, response_row), xytext=(4, 0), textcoords="offset points",
                        ha="left", va="center", fontsize=7)
    for boundary in (len(drugs) - 0.5, response_row - 0.5):
        ax.axhline(boundary, color="#bfbfbf", linewidth=0.6)
    ax.set_yticks(range(response_row + 1), [_label(d, capitalize=False) for d in drugs]
                  + [_label(t) for t in terms] + ["Tumour response"])
    ax.set_ylim(response_row + 0.9, -0.6)
    ax.tick_params(labelsize=7, labelbottom=False)


def _labs(ax, labs: pd.DataFrame) -> list[Line2D]:
    handles = []
    for test, (colour, style) in LAB_STYLES.items():
        part = labs[labs["LABEL"].eq(test) & (labs["VALUE"] > 0)].sort_values("STARTDY")
        if len(part):
            (line,) = ax.plot(part["STARTDY"], part["VALUE"], style, color=colour, linewidth=1.0,
                              marker=".", markersize=3, label=f"{test} / ULN")
            handles.append(line)
    ax.set_yscale("log")
    for level, style in ((1.0, ":"), (3.0, "--")):
        ax.axhline(level, color="#7f7f7f", linewidth=0.6, linestyle=style)
    values = labs.loc[labs["VALUE"] > 0, "VALUE"]
    low, high = (min(values.min(), 0.5), max(values.max(), 4.0)) if len(values) else (0.5, 4.0)
    low, high = low / 1.3, high * 1.3
    ax.set_ylim(low, high)
    ax.yaxis.set_major_locator(FixedLocator([t for t in LAB_TICKS if low <= t <= high]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylabel("ALT, AST, bilirubin (x ULN)", fontsize=7)
    ax.set_xlabel("Study day (day 1 = first dose)", fontsize=8)
    ax.tick_params(labelsize=7)
    return handles


def profile_svg(data: pd.DataFrame, max_terms: int) -> str:
    """The timeline of one subject's profile data as SVG; at most `max_terms` AE rows (the worst
    grades first; the CSV has every event)."""
    doses = data[data["KIND"].eq("DOSE")]
    events = data[data["KIND"].eq("AE")]
    death = data.loc[data["KIND"].eq("DEATH"), "STARTDY"]
    drugs = list(dict.fromkeys(doses["LABEL"])) or ["No dose"]
    worst = events.groupby("LABEL", sort=False)["GRADE"].max().fillna(0)
    first = events.groupby("LABEL", sort=False)["STARTDY"].min()
    ranked = sorted(worst.index, key=lambda t: (-worst[t], first[t], t))[:max_terms]
    terms = sorted(ranked, key=lambda t: (first[t], t)) or ["No adverse event"]
    days = pd.concat([data["STARTDY"], data["ENDDY"]]).dropna()
    low, high = (float(days.min()), float(days.max())) if len(days) else (0.0, 1.0)
    pad = max((high - low) * 0.03, 2.0)
    rows_cm = (len(drugs) + len(terms) + 1.5) * ROW_CM
    height = TOP_CM + rows_cm + GAP_CM + LAB_CM + BOTTOM_CM
    fig, (top, bottom) = new_figure(WIDTH_CM, height, nrows=2,
                                    gridspec_kw={"height_ratios": [rows_cm, LAB_CM],
                                                 "hspace": GAP_CM / ((rows_cm + LAB_CM) / 2)})
    fig.subplots_adjust(left=LEFT_CM / WIDTH_CM, right=1 - RIGHT_CM / WIDTH_CM,
                        top=1 - TOP_CM / height, bottom=BOTTOM_CM / height)
    _tracks(top, doses, events, data[data["KIND"].eq("RESPONSE")], drugs, terms, high)
    handles = _labs(bottom, data[data["KIND"].eq("LAB")])
    for ax in (top, bottom):
        ax.set_xlim(low - pad, high + pad)
        for day in death:
            ax.axvline(day, color=DEATH_COLOUR, linewidth=1.2)
    for day in death:
        top.text(day, -0.6, "Death ", color=DEATH_COLOUR, fontsize=7, ha="right", va="bottom")
    legend = [Patch(color=c, label=f"Grade {g}") for g, c in GRADE_COLOURS.items()]
    legend += [Line2D([], [], marker="*", color="black", linestyle="", label="Serious")]
    legend += [Line2D([], [], marker=m, color=c, linestyle="", label=label)
               for _, m, c, label in DOSE_STYLES]
    fig.legend(handles=legend + handles, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=6,
               fontsize=7, frameon=False)
    return to_svg(fig, tight=False)
