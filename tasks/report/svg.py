"""Matplotlib figures as deterministic SVG text (no dates, fixed ids) in the report's style, and
the rules that keep a figure legible and quick to draw at any trial size: labels of at least
MIN_FONT_PT, legends outside the data, data layers of more than MAX_VECTOR_ELEMENTS elements as
a raster at RASTER_DPI, and top-N selection or a density beyond a figure's subject limit."""
from __future__ import annotations

import io
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
    return buffer.getvalue()


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
