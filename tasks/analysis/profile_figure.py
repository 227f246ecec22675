"""The timeline of a patient profile as SVG, written directly from its tidy data
(tasks.analysis.safety_profiles): doses per drug (given, reduced, withheld), AEs as bars coloured
by grade with SAEs outlined and starred, tumour assessments with their response, ALT/AST/bilirubin
as multiples of the ULN on a log scale, and death, on one axis of study days.

Written as SVG text rather than drawn with matplotlib: a trial of thousands of subjects has
thousands of profiles, and matplotlib takes 0.15-0.3 s for each (13 minutes at 5,000 subjects);
this takes about a millisecond. Lengths are millimetres of the printed page (the viewBox; the
size is given in pt, as matplotlib's figures give it), text is DejaVu Sans at 7 pt, every label
from the data is XML-escaped, numbers have fixed decimals: the same data give the same bytes."""
from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

GRADE_COLOURS = {1: "#9ecae1", 2: "#4292c6", 3: "#fd8d3c", 4: "#d7301f", 5: "#252525"}
MISSING_GRADE_COLOUR = "#bdbdbd"
RESPONSE_COLOURS = {"CR": "#1a9850", "PR": "#66bd63", "SD": "#fee08b", "NON-CR/NON-PD": "#fee08b",
                    "PD": "#d73027", "NE": "#bdbdbd"}
DOSE_STYLES = (("GIVEN", "circle", "#1f4e79", "Dose given"),
               ("REDUCED", "triangle", "#c55a11", "Dose reduced"),
               ("WITHHELD", "cross", "#9c0006", "Dose withheld"))
LAB_STYLES = {"ALT": ("#1f4e79", ""), "AST": ("#c55a11", "2.4 1.2"), "BILI": ("#548235", "3 1 1 1")}
DEATH_COLOUR = "#9c0006"
GRID_COLOUR, TEXT_COLOUR, AXIS_COLOUR = "#bfbfbf", "#262626", "#595959"
MAX_LABEL = 32                        # characters of a PT or drug name on the axis
LAB_TICKS = (0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 50, 100)
FONT_PT = 7.0
PT_PER_MM = 72 / 25.4
FONT_MM = FONT_PT / PT_PER_MM         # 7 pt in mm
WIDTH, LEFT, RIGHT = 170.0, 53.0, 4.0
ROW, LAB_HEIGHT, TOP, GAP = 3.6, 32.0, 6.0, 3.5
AXIS_BELOW, LEGEND_ROW, LEGEND_COLUMNS = 10.0, 4.2, 6
_DAY_TICKS = MaxNLocator(nbins=8, steps=[1, 2, 5, 10])   # made once: its set-up is most of a call


def _number(value: float) -> str:
    return f"{value:.2f}"


def _text(x: float, y: float, text: str, anchor: str = "start", colour: str = TEXT_COLOUR,
          extra: str = "") -> str:
    """A 7 pt label centred vertically on y."""
    return (f'<text x="{_number(x)}" y="{_number(y + FONT_MM * 0.35)}" text-anchor="{anchor}" '
            f'fill="{colour}"{extra}>{escape(text)}</text>')


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, width: float = 0.2,
          dash: str = "") -> str:
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<line x1="{_number(x1)}" y1="{_number(y1)}" x2="{_number(x2)}" y2="{_number(y2)}" '
            f'stroke="{colour}" stroke-width="{width}"{dashed}/>')


def _marker(kind: str, x: float, y: float, colour: str, size: float = 1.0,
            edge: str = "none") -> str:
    """A marker of about `size` mm radius: circle, triangle (pointing down), cross, square, star
    or arrow (pointing right)."""
    if kind == "circle":
        return (f'<circle cx="{_number(x)}" cy="{_number(y)}" r="{_number(size)}" fill="{colour}" '
                f'stroke="{edge}" stroke-width="0.15"/>')
    if kind == "cross":
        return (f'<path d="M{_number(x - size)} {_number(y - size)}L{_number(x + size)} '
                f'{_number(y + size)}M{_number(x - size)} {_number(y + size)}L{_number(x + size)} '
                f'{_number(y - size)}" stroke="{colour}" stroke-width="0.35" fill="none"/>')
    if kind == "square":
        return (f'<rect x="{_number(x - size)}" y="{_number(y - size)}" '
                f'width="{_number(2 * size)}" height="{_number(2 * size)}" fill="{colour}" '
                f'stroke="{edge}" stroke-width="0.15"/>')
    if kind == "triangle":
        points = [(x - size, y - size * 0.8), (x + size, y - size * 0.8), (x, y + size)]
    elif kind == "arrow":
        points = [(x - size, y - size), (x + size, y), (x - size, y + size)]
    else:                                              # star: five points
        points = [(x + (size if k % 2 == 0 else size * 0.45) * math.sin(k * math.pi / 5),
                   y - (size if k % 2 == 0 else size * 0.45) * math.cos(k * math.pi / 5))
                  for k in range(10)]
    path = " ".join(f"{_number(px)},{_number(py)}" for px, py in points)
    return f'<polygon points="{path}" fill="{colour}" stroke="{edge}" stroke-width="0.15"/>'


def _label(text: str, capitalize: bool = True) -> str:
    text = str(text).capitalize() if capitalize else str(text)
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1] + "…"


class _Axis:
    """Study days -> x in mm over the plotting width."""

    def __init__(self, low: float, high: float) -> None:
        pad = max((high - low) * 0.03, 2.0)
        self.low, self.high = low - pad, high + pad
        self.scale = (WIDTH - LEFT - RIGHT) / (self.high - self.low)

    def x(self, day: float) -> float:
        return LEFT + (day - self.low) * self.scale

    def ticks(self) -> list[float]:
        values = _DAY_TICKS.tick_values(self.low, self.high)
        return [float(v) for v in values if self.low <= v <= self.high]


@dataclass(frozen=True)
class Rows:
    """The rows of one KIND of a profile's data, column by column as Python lists: a profile
    is drawn from a dozen selections, and a pandas filter costs about 0.1 ms each. Study days
    are never missing (timeline_data keeps the rows that have one)."""
    label: list[str]
    start: list[float]
    end: list[float]
    value: list[float]
    grade: list[float]
    serious: list[object]
    detail: list[object]

    @classmethod
    def of(cls, data: pd.DataFrame) -> dict[str, Rows]:
        """KIND -> its rows, in the order of `data` (one subject's profile data)."""
        return cls._kinds(cls._columns(data), np.arange(len(data)))

    @classmethod
    def by_subject(cls, data: pd.DataFrame) -> dict[str, dict[str, Rows]]:
        """USUBJID -> KIND -> its rows, for every subject of `data` (timeline_data's frame):
        each column read out of the frame once, not once a subject (thousands of profiles)."""
        columns = cls._columns(data)
        return {str(subject): cls._kinds(columns, np.asarray(taken))
                for subject, taken in data.groupby("USUBJID", sort=False).indices.items()}

    @staticmethod
    def _columns(data: pd.DataFrame) -> list[np.ndarray]:
        return ([data["KIND"].to_numpy(), data["LABEL"].to_numpy()]
                + [data[c].to_numpy(float) for c in ("STARTDY", "ENDDY", "VALUE", "GRADE")]
                + [data["SERIOUS"].to_numpy(), data["DETAIL"].to_numpy()])

    @classmethod
    def _kinds(cls, columns: list[np.ndarray], taken: np.ndarray) -> dict[str, Rows]:
        """The rows at positions `taken` (in order), KIND by KIND."""
        kinds, *values = columns
        of_kind = kinds[taken]
        return {kind: cls(*(column[rows].tolist() for column in values))
                for kind in ("DOSE", "AE", "RESPONSE", "LAB", "DEATH")
                for rows in [taken[of_kind == kind]]}


def _terms(events: Rows, max_terms: int) -> list[str]:
    """The AE rows drawn: the worst grades first (then earliest onset) up to max_terms, shown in
    order of first onset."""
    if not events.label:
        return ["No adverse event"]
    worst: dict[str, float] = {}
    first: dict[str, float] = {}
    for label, grade, start in zip(events.label, events.grade, events.start):
        worst[label] = max(worst.get(label, 0.0), 0.0 if math.isnan(grade) else grade)
        first[label] = min(first.get(label, start), start)
    ranked = sorted(worst, key=lambda t: (-worst[t], first[t], t))[:max_terms]
    return sorted(ranked, key=lambda t: (first[t], t))


def _tracks(axis: _Axis, rows: dict[str, Rows], drugs: list[str], terms: list[str],
            last_day: float, top: float) -> list[str]:
    """Doses (rows 0..), AEs (the next rows) and the response row, with their labels."""
    def row_y(row: int) -> float:
        return top + (row + 0.5) * ROW

    out = []
    response_row = len(drugs) + len(terms)
    labels = [_label(d, capitalize=False) for d in drugs] + [_label(t) for t in terms]
    for row, label in enumerate([*labels, "Tumour response"]):
        out.append(_text(LEFT - 1.5, row_y(row), label, anchor="end"))
    for boundary in (len(drugs), response_row):
        out.append(_line(LEFT, top + boundary * ROW, WIDTH - RIGHT, top + boundary * ROW,
                         GRID_COLOUR))
    dose_row = {d: i for i, d in enumerate(drugs)}
    doses = rows["DOSE"]
    for detail, marker, colour, _ in DOSE_STYLES:
        for day, drug, kind in zip(doses.start, doses.label, doses.detail):
            if kind == detail:
                out.append(_marker(marker, axis.x(day), row_y(dose_row[drug]), colour, 0.7))
    ae_row = {t: len(drugs) + i for i, t in enumerate(terms)}
    events = rows["AE"]
    for label, start, end, grade, serious in zip(events.label, events.start, events.end,
                                                 events.grade, events.serious):
        if label not in ae_row:
            continue
        y = row_y(ae_row[label])
        colour = (MISSING_GRADE_COLOUR if math.isnan(grade)
                  else GRADE_COLOURS.get(int(grade), MISSING_GRADE_COLOUR))
        stop = last_day if math.isnan(end) else end
        x0, x1 = axis.x(start), axis.x(max(stop + 1, start + 1))
        edge = ' stroke="#000000" stroke-width="0.3"' if serious == "Y" else ""
        out.append(f'<rect x="{_number(x0)}" y="{_number(y - ROW * 0.31)}" '
                   f'width="{_number(max(x1 - x0, 0.4))}" height="{_number(ROW * 0.62)}" '
                   f'fill="{colour}"{edge}/>')
        if serious == "Y":
            out.append(_marker("star", x0, y, "#000000", 1.1))
        if math.isnan(end):
            out.append(_marker("arrow", axis.x(last_day) + 0.8, y, AXIS_COLOUR, 0.6))
    y = row_y(response_row)
    responses = rows["RESPONSE"]
    for day, response in zip(responses.start, responses.label):
        x = axis.x(day)
        out.append(_marker("square", x, y, RESPONSE_COLOURS.get(response, "#bdbdbd"), 0.8,
                           edge=AXIS_COLOUR))
        out.append(_text(x + 1.3, y, str(response)))
    return out


def _lab_range(values: list[float]) -> tuple[float, float]:
    """The panel's range: the positive values and at least 0.5-4 x ULN, a margin either side."""
    low, high = (min(min(values), 0.5), max(max(values), 4.0)) if values else (0.5, 4.0)
    return low / 1.3, high * 1.3


def _labs(axis: _Axis, labs: Rows, top: float) -> tuple[list[str], list[tuple[str, str]]]:
    """The lab panel (log scale) and the tests it drew, as (test, colour)."""
    positive = [(label, day, value) for label, day, value in zip(labs.label, labs.start,
                                                                  labs.value) if value > 0]
    low, high = _lab_range([value for _, _, value in positive])
    span = math.log10(high) - math.log10(low)

    def y(value: float) -> float:
        return top + LAB_HEIGHT * (1 - (math.log10(value) - math.log10(low)) / span)

    out = [_line(LEFT, top, LEFT, top + LAB_HEIGHT, AXIS_COLOUR),
           _line(LEFT, top + LAB_HEIGHT, WIDTH - RIGHT, top + LAB_HEIGHT, AXIS_COLOUR)]
    for tick in (t for t in LAB_TICKS if low <= t <= high):
        out.append(_line(LEFT - 0.8, y(tick), LEFT, y(tick), AXIS_COLOUR))
        out.append(_text(LEFT - 1.5, y(tick), f"{tick:g}", anchor="end"))
    for level, dash in ((1.0, "0.4 0.6"), (3.0, "1.6 0.8")):
        if low <= level <= high:
            out.append(_line(LEFT, y(level), WIDTH - RIGHT, y(level), "#7f7f7f", dash=dash))
    middle = top + LAB_HEIGHT / 2
    out.append(_text(LEFT - 9.5, middle, "ALT, AST, bilirubin (x ULN)", anchor="middle",
                     extra=f' transform="rotate(-90 {_number(LEFT - 9.5)} {_number(middle)})"'))
    drawn = []
    for test, (colour, dash) in LAB_STYLES.items():
        # by study day, ties in the data's order
        part = sorted(((day, value) for label, day, value in positive if label == test),
                      key=lambda point: point[0])
        if not part:
            continue
        points = [(axis.x(d), y(v)) for d, v in part]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        out.append('<polyline points="' + " ".join(f"{_number(px)},{_number(py)}"
                                                   for px, py in points)
                   + f'" fill="none" stroke="{colour}" stroke-width="0.35"{dashed}/>')
        out += [_marker("circle", px, py, colour, 0.5) for px, py in points]
        drawn.append((test, colour))
    return out, drawn


def _days_axis(axis: _Axis, top: float, bottom: float) -> list[str]:
    """Ticks on both panels' study-day axis, labelled under the lab panel."""
    out = []
    for tick in axis.ticks():
        x = axis.x(tick)
        out.append(_line(x, bottom, x, bottom + 0.8, AXIS_COLOUR))
        out.append(_line(x, top, x, bottom, "#efefef", width=0.15))
        out.append(_text(x, bottom + 2.6, f"{tick:g}", anchor="middle"))
    out.append(_text((LEFT + WIDTH - RIGHT) / 2, bottom + 6.0, "Study day (day 1 = first dose)",
                     anchor="middle"))
    return out


def _legend(labs: list[tuple[str, str]], top: float) -> tuple[list[str], float]:
    """Grades, serious, dose markers and the drawn lab tests, LEGEND_COLUMNS to a row; returns
    the elements and the height used."""
    items = [("patch", colour, f"Grade {grade}") for grade, colour in GRADE_COLOURS.items()]
    items += [("star", "#000000", "Serious")]
    items += [(marker, colour, label) for _, marker, colour, label in DOSE_STYLES]
    items += [("line", colour, f"{test} / ULN") for test, colour in labs]
    column = (WIDTH - 2 * RIGHT) / LEGEND_COLUMNS
    out = []
    for k, (kind, colour, label) in enumerate(items):
        x, y = RIGHT + (k % LEGEND_COLUMNS) * column, top + (k // LEGEND_COLUMNS + 0.5) * LEGEND_ROW
        if kind == "patch":
            out.append(f'<rect x="{_number(x)}" y="{_number(y - 1)}" width="3" height="2" '
                       f'fill="{colour}"/>')
        elif kind == "line":
            out.append(_line(x, y, x + 3, y, colour, width=0.35))
        else:
            out.append(_marker(kind, x + 1.5, y, colour, 0.8))
        out.append(_text(x + 4.2, y, label))
    return out, math.ceil(len(items) / LEGEND_COLUMNS) * LEGEND_ROW


def profile_svg(data: pd.DataFrame, max_terms: int) -> str:
    """The timeline of one subject's profile data (safety_profiles.COLUMNS) as SVG; at most
    `max_terms` AE rows (the worst grades first; the CSV has every event)."""
    return timeline_svg(Rows.of(data), max_terms)


def timeline_svg(rows: dict[str, Rows], max_terms: int) -> str:
    """profile_svg of the subject's rows (Rows.of, or one subject's Rows.by_subject)."""
    drugs = list(dict.fromkeys(rows["DOSE"].label)) or ["No dose"]
    terms = _terms(rows["AE"], max_terms)
    days = [day for kind in rows.values() for day in (*kind.start, *kind.end)
            if not math.isnan(day)]
    low, high = (min(days), max(days)) if days else (0.0, 1.0)
    axis = _Axis(low, high)
    tracks_bottom = TOP + (len(drugs) + len(terms) + 1) * ROW
    lab_top = tracks_bottom + GAP
    lab_bottom = lab_top + LAB_HEIGHT
    body = [f'<rect x="{LEFT}" y="{TOP}" width="{_number(WIDTH - LEFT - RIGHT)}" '
            f'height="{_number(tracks_bottom - TOP)}" fill="none" stroke="{GRID_COLOUR}" '
            'stroke-width="0.2"/>']
    body += _days_axis(axis, TOP, lab_bottom)
    body += _tracks(axis, rows, drugs, terms, high, TOP)
    lab_elements, drawn = _labs(axis, rows["LAB"], lab_top)
    body += lab_elements
    for day in rows["DEATH"].start:
        x = axis.x(day)
        body.append(_line(x, TOP, x, lab_bottom, DEATH_COLOUR, width=0.45))
        body.append(_text(x - 0.8, TOP - 2.0, "Death", anchor="end", colour=DEATH_COLOUR))
    legend, legend_height = _legend(drawn, lab_bottom + AXIS_BELOW)
    body += legend
    height = lab_bottom + AXIS_BELOW + legend_height + 1.0
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_number(WIDTH * PT_PER_MM)}pt" '
            f'height="{_number(height * PT_PER_MM)}pt" viewBox="0 0 {WIDTH:g} {_number(height)}" '
            f'font-family="DejaVu Sans" font-size="{_number(FONT_MM)}" '
            f'aria-label={quoteattr("Patient profile timeline")}>\n'
            + "\n".join(body) + "\n</svg>\n")
