"""Matplotlib figures as deterministic SVG text (no dates, fixed ids) in the report's style."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STYLE = {
    "svg.hashsalt": "interim",        # stable element ids: same data, same bytes
    "svg.fonttype": "path",           # text as paths: renders identically without the font
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 9,
    "legend.fontsize": 7,
    "legend.frameon": False,
}
PALETTE = ["#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6", "#a5a5a5"]


def new_figure(width_cm: float = 16.0, height_cm: float = 10.0, **subplots_kw):
    """A figure and its axes in the report's style (size in cm of the printed page)."""
    with plt.rc_context(STYLE):
        return plt.subplots(figsize=(width_cm / 2.54, height_cm / 2.54), **subplots_kw)


def to_svg(fig, tight: bool = True) -> str:
    """Serialise and close the figure; metadata left out so the bytes depend on the data only.
    `tight` crops to the drawn content, which draws the figure twice: a figure laid out with
    fixed margins (drawn by the thousand, as patient profiles) can do without."""
    buffer = io.StringIO()
    with plt.rc_context(STYLE):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None},
                    bbox_inches="tight" if tight else None)
    plt.close(fig)
    return buffer.getvalue()
