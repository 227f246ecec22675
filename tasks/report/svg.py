"""Matplotlib figures as deterministic SVG text (no dates, fixed ids) in the report's style, and
the rules that keep a figure legible and quick to draw at any trial size: labels of at least
MIN_FONT_PT, legends outside the data, data layers of more than MAX_VECTOR_ELEMENTS elements as
a raster at RASTER_DPI, and top-N selection or a density beyond a figure's subject limit. Text
stays glyph outlines, but each label is one path (flat_glyphs): WeasyPrint draws a matplotlib
label glyph by glyph, each a <use> of the glyph's outline, at about 0.4 ms a glyph."""
from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.artist import Artist  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import Collection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from tasks.report import formatting as fmt  # noqa: E402

MIN_FONT_PT = 7.0                 # the smallest label that stays legible on paper
MAX_VECTOR_ELEMENTS = 1000        # more data elements than this: the data layer is a raster
RASTER_DPI = 300                  # of a rasterised data layer (text and axes stay vector)
LEGEND_COLUMNS = 4
STYLE = {
    "svg.hashsalt": "interim",        # stable element ids: same data, same bytes
    "svg.fonttype": "path",           # text as paths: renders identically without the font
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 9,
    "legend.fontsize": 7,
    "legend.title_fontsize": 7,
    "legend.frameon": False,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
}
SVG_NS, XLINK_NS = "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"
# the prefixes of matplotlib's SVG, written by flat_glyphs itself (ElementTree's registry is global)
PREFIXES = {SVG_NS: "", XLINK_NS: "xlink", "http://creativecommons.org/ns#": "cc",
            "http://purl.org/dc/elements/1.1/": "dc",
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf"}
PALETTE = ["#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6", "#a5a5a5"]
# For the whole process, not a context: labels and legends are made after new_figure returns and
# read the style when they are made (the report is this process's only user of matplotlib).
matplotlib.rcParams.update(STYLE)  # type: ignore[arg-type]  # the stubs list the keys as literals


def new_figure(width_cm: float = 16.0, height_cm: float = 10.0,
               **subplots_kw: Any) -> tuple[Figure, Any]:
    """A figure and its axes in the report's style (size in cm of the printed page: the report
    prints figures at this size, so a label of MIN_FONT_PT prints at MIN_FONT_PT)."""
    return plt.subplots(figsize=(width_cm / 2.54, height_cm / 2.54), **subplots_kw)


def legend_above(ax: Axes, handles: Sequence[Artist] | None = None, title: str | None = None,
                 columns: int = LEGEND_COLUMNS) -> None:
    """The legend in rows above the axes, outside the data (figures carry no axes title: the
    report's caption names them)."""
    handles = handles if handles is not None else ax.get_legend_handles_labels()[0]
    if handles:
        ax.legend(handles=handles, title=title, loc="lower left", bbox_to_anchor=(0.0, 1.02),
                  ncol=min(columns, len(handles)), borderaxespad=0.0, alignment="left")


def _elements(artist: Artist) -> int:
    """How many SVG elements a data artist draws: one per path or marker of a collection."""
    if isinstance(artist, Collection):
        return max(len(artist.get_paths()), len(np.asarray(artist.get_offsets())))
    return 1


def _data_artists(fig: Figure) -> list[Artist]:
    return [artist for ax in fig.axes for artist in (*ax.collections, *ax.patches)]


def rasterise_dense_layers(fig: Figure) -> bool:
    """Draw the collections and patches of every axes as one raster at RASTER_DPI when together
    they hold more than MAX_VECTOR_ELEMENTS elements (thousands of vector paths take seconds to
    lay out and print); text, axes and lines stay vector. True when rasterised."""
    artists = _data_artists(fig)
    dense = sum(_elements(a) for a in artists) > MAX_VECTOR_ELEMENTS
    for artist in artists if dense else ():
        artist.set_rasterized(True)
    return dense


def small_labels(fig: Figure) -> list[str]:
    """Every visible label of the figure smaller than MIN_FONT_PT, as 'text (size pt)'."""
    # Text.get_fontsize is the size in points, a float; the stubs say float | str
    return [f"{t.get_text()!r} ({t.get_fontsize():g} pt)" for t in fig.findobj(Text)
            if t.get_visible() and t.get_text().strip()
            and t.get_fontsize() < MIN_FONT_PT]  # type: ignore[operator]


def to_svg(fig: Figure, tight: bool = True) -> str:
    """Serialise and close the figure; metadata left out so the bytes depend on the data only.
    Dense data layers are rasterised (rasterise_dense_layers); a label under MIN_FONT_PT is a
    programming error, refused here for every figure of the report. `tight` crops to the drawn
    content, which draws the figure twice: a figure laid out with fixed margins (drawn by the
    thousand, as patient profiles) can do without."""
    small = small_labels(fig)
    if small:
        plt.close(fig)
        raise ValueError(f"figure labels under {MIN_FONT_PT:g} pt: {', '.join(small[:5])}")
    rasterise_dense_layers(fig)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None},
                bbox_inches="tight" if tight else None, dpi=RASTER_DPI)
    plt.close(fig)
    return flat_glyphs(buffer.getvalue())


Affine = tuple[float, float, float, float, float, float]     # SVG matrix(a b c d e f)
_IDENTITY: Affine = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_G, _USE, _DEFS, _PATH = (f"{{{SVG_NS}}}{tag}" for tag in ("g", "use", "defs", "path"))
_HREF = f"{{{XLINK_NS}}}href"
_GLYPH_ATTRIBUTES = {"id", "d", "transform"}
_PATH_TOKEN = re.compile(r"[A-Za-z]|-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _times(m: Affine, n: Affine) -> Affine:
    """The matrix product m n: n applied first."""
    a, b, c, d, e, f = m
    return (a * n[0] + c * n[1], b * n[0] + d * n[1], a * n[2] + c * n[3], b * n[2] + d * n[3],
            a * n[4] + c * n[5] + e, b * n[4] + d * n[5] + f)


def _transform(text: str | None) -> Affine:
    """An SVG transform list (translate, scale, rotate, matrix) as one matrix."""
    matrix = _IDENTITY
    for name, arguments in re.findall(r"(\w+)\s*\(([^)]*)\)", text or ""):
        v = [float(x) for x in re.split(r"[\s,]+", arguments.strip())]
        if name == "translate":
            step: Affine = (1.0, 0.0, 0.0, 1.0, v[0], v[1] if len(v) > 1 else 0.0)
        elif name == "scale":
            step = (v[0], 0.0, 0.0, v[1] if len(v) > 1 else v[0], 0.0, 0.0)
        elif name == "rotate":
            cos, sin = math.cos(math.radians(v[0])), math.sin(math.radians(v[0]))
            x, y = (v[1], v[2]) if len(v) == 3 else (0.0, 0.0)
            step = (cos, sin, -sin, cos, x - cos * x + sin * y, y - sin * x - cos * y)
        elif name == "matrix":
            step = (v[0], v[1], v[2], v[3], v[4], v[5])
        else:
            raise ValueError(f"SVG transform {name!r}")
        matrix = _times(matrix, step)
    return matrix


def _moved_path(d: str, m: Affine) -> str:
    """Path data of absolute M/L/Q/C/Z commands (matplotlib's) with `m` applied to every point;
    control points of curves map like any point under an affine map, so the shape is the same."""
    out: list[str] = []
    numbers: list[float] = []

    def points() -> None:
        for x, y in zip(numbers[::2], numbers[1::2]):
            out.append(f"{m[0] * x + m[2] * y + m[4]:.3f} {m[1] * x + m[3] * y + m[5]:.3f}")
        numbers.clear()
    for token in _PATH_TOKEN.findall(d):
        if token.isalpha():
            if token not in "MLQCZz" or len(numbers) % 2:
                raise ValueError(f"path command {token!r}")
            points()
            out.append(token)
        else:
            numbers.append(float(token))
    points()
    return " ".join(out)


def flat_glyphs(svg: str) -> str:
    """Each of matplotlib's text labels (a group of <use>s of glyph outlines, svg.fonttype
    'path') as one filled path of the same outlines at the same place: the same picture in a
    tenth of the elements. A label in any other shape is left as it is."""
    # matplotlib's comments name each label's text: kept
    root = ET.fromstring(svg, ET.XMLParser(target=ET.TreeBuilder(insert_comments=True)))
    if any(element.tag.split("}")[0][1:] not in PREFIXES for element in root.iter()
           if isinstance(element.tag, str) and element.tag.startswith("{")):
        return svg                       # not matplotlib's SVG: left as it is
    # a glyph: a bare outline (no style of its own: the label's fill paints it)
    glyphs = {path.get("id"): path for defs in root.iter(_DEFS) for path in defs
              if path.tag == _PATH and path.get("id") and set(path.attrib) <= _GLYPH_ATTRIBUTES}
    left: set[str] = set()
    for group in list(root.iter(_G)):
        uses = [child for child in group if child.tag == _USE]
        ids = [use.get(_HREF, "").removeprefix("#") for use in uses]
        try:
            if (not uses or "stroke" in group.get("style", "") or not all(i in glyphs for i in ids)
                    or any(set(use.attrib) - {_HREF, "transform"} for use in uses)
                    or any(child.tag not in (_USE, _DEFS) for child in group)):
                raise ValueError("not a label")
            place = _transform(group.get("transform"))
            outlines = [_moved_path(glyphs[i].get("d", ""), _times(_times(
                place, _transform(use.get("transform"))), _transform(glyphs[i].get("transform"))))
                for use, i in zip(uses, ids)]
        except ValueError:      # not a label, or one drawn otherwise: left as it is
            left.update(ids)
            continue
        group.attrib.pop("transform", None)
        for child in list(group):
            group.remove(child)
        ET.SubElement(group, _PATH, {"d": " ".join(outlines)})
    defined = {path.get("id") for path in root.iter(_PATH) if path.get("id")}
    missing = [glyphs[i] for i in sorted(left - defined) if i in glyphs]
    if missing:       # glyphs still used elsewhere, whose definition was in a flattened label
        defs = root.find(_DEFS)
        (ET.SubElement(root, _DEFS) if defs is None else defs).extend(missing)
    return _serialised(root)


def _serialised(root: ET.Element) -> str:
    """The tree as text, with the PREFIXES of matplotlib's SVG (declared on the root)."""
    used: set[str] = set()

    def name(qualified: str) -> str:
        if not qualified.startswith("{"):
            return qualified
        uri, local = qualified[1:].split("}")
        used.add(uri)
        return f"{PREFIXES[uri]}:{local}" if PREFIXES[uri] else local
    for element in root.iter():
        if isinstance(element.tag, str):           # not a comment
            element.tag = name(element.tag)
            element.attrib = {name(key): value for key, value in element.attrib.items()}
    root.attrib.update({f"xmlns:{PREFIXES[uri]}" if PREFIXES[uri] else "xmlns": uri
                        for uri in sorted(used)})
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


@dataclass(frozen=True)
class Selection:
    """The rows a figure draws and the footnote that says what it leaves out (None: all)."""
    shown: pd.DataFrame
    note: str | None


def top_n(frame: pd.DataFrame, limit: int, ranked_by: str, figure_id: str) -> Selection:
    """The first `limit` rows of `frame` (already in the order of `ranked_by`, e.g. 'the
    longest treatment'); every row stays in tables/<figure_id>.csv."""
    if len(frame) <= limit:
        return Selection(frame, None)
    return Selection(frame.head(limit),
                     f"The {fmt.count(limit)} subjects with {ranked_by} of {fmt.count(len(frame))} "
                     f"are shown; every subject is in tables/{figure_id}.csv.")


def aggregated_note(limit: int, drawn: str, figure_id: str) -> str:
    """The footnote of a figure drawn as an aggregate beyond its subject limit."""
    return (f"More than {fmt.count(limit)} subjects: {drawn}; every subject is in "
            f"tables/{figure_id}.csv.")


def draw_density(ax: Axes, x: pd.Series, y: pd.Series, x_edges: np.ndarray, y_edges: np.ndarray,
                 label: str = "Subjects per cell") -> None:
    """Subjects per cell of a grid as grey shades with a colour bar: a scatter of thousands of
    points made legible (the cells are one raster image)."""
    counts, _, _ = np.histogram2d(x, y, bins=[x_edges, y_edges])
    shaded = np.where(counts > 0, counts, np.nan).T
    mesh = ax.pcolormesh(x_edges, y_edges, shaded, cmap="Greys", vmin=0, rasterized=True)
    colour_bar = ax.figure.colorbar(mesh, ax=ax, pad=0.02, label=label)
    colour_bar.ax.tick_params(labelsize=MIN_FONT_PT)
    colour_bar.ax.yaxis.label.set_fontsize(MIN_FONT_PT)
