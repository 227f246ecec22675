"""flat_glyphs: each matplotlib label (glyph outlines drawn by <use>) becomes one path of the same
outlines at the same place; markers and anything else stay as they were."""
from __future__ import annotations

import re

from tasks.report.svg import flat_glyphs, new_figure, to_svg

HEAD = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="100pt" height="50pt" viewBox="0 0 100 50">')
# a glyph 64 units wide drawn at 1/64: one unit; a tick marker with its own stroke
GLYPH = '<path id="G-1" d="M 0 0 L 64 0 L 64 128 z" transform="scale(0.015625)"/>'
MARKER = '<path id="m1" d="M 0 0 L 0 3.5" style="stroke: #000000; stroke-width: 0.8"/>'


def _paths(svg: str) -> list[str]:
    return re.findall(r'<path d="([^"]*)"', svg)


def test_a_label_is_one_path_at_the_place_of_its_glyphs():
    svg = (HEAD + f'<defs>{MARKER}</defs><g id="text_1">'
           f'<g style="fill: #262626" transform="translate(10 20) scale(2 -2)"><defs>{GLYPH}</defs>'
           '<use xlink:href="#G-1"/><use xlink:href="#G-1" transform="translate(5 0)"/></g></g>'
           '<g><use xlink:href="#m1" x="7" y="8" style="stroke: #000000"/></g></svg>')
    flat = flat_glyphs(svg)
    # (0,0) -> (10,20); (1,0) -> (12,20); (1,2) -> (12,16); the second glyph 5 units on: +10
    assert _paths(flat) == ["M 10.000 20.000 L 12.000 20.000 L 12.000 16.000 z "
                            "M 20.000 20.000 L 22.000 20.000 L 22.000 16.000 z"]
    assert '<g style="fill: #262626">' in flat                  # the fill stays, the move is done
    assert '<use xlink:href="#m1" x="7" y="8" style="stroke: #000000" />' in flat
    assert 'id="G-1"' not in flat and 'id="m1"' in flat


def test_a_rotated_label_turns_about_its_anchor():
    svg = (HEAD + f'<g transform="translate(10 40) rotate(-90) scale(1 -1)"><defs>{GLYPH}</defs>'
           '<use xlink:href="#G-1"/></g></svg>')
    # (1,0) -> rotate -90 of (1,0) = (0,-1) -> (10,39); (1,2): scale -> (1,-2) -> (-2,-1) -> (8,39)
    assert _paths(flat_glyphs(svg)) == ["M 10.000 40.000 L 10.000 39.000 L 8.000 39.000 z"]


def test_a_glyph_also_used_outside_a_label_keeps_its_definition():
    svg = (HEAD + f'<g transform="translate(1 1)"><defs>{GLYPH}</defs><use xlink:href="#G-1"/></g>'
           '<g><use xlink:href="#G-1" x="3" y="4"/></g></svg>')
    flat = flat_glyphs(svg)
    assert len(_paths(flat)) == 1 and 'id="G-1"' in flat and '<use xlink:href="#G-1" x="3"' in flat


def test_a_figure_keeps_every_label_as_one_path_and_its_ticks_as_markers():
    fig, ax = new_figure(10, 6)
    ax.plot([0, 1, 2], [3, 1, 2])
    ax.set_xlabel("Study day")
    ax.set_ylabel("Sum of diameters (mm)")
    svg = to_svg(fig)
    labels = re.findall(r'<g id="text_\d+">(.*?)</g>', svg, flags=re.S)
    assert labels and all(label.count("<path") == 1 and "<use" not in label for label in labels)
    assert "DejaVuSans-" not in svg                           # no glyph definition left unused
    assert svg.count("<use") == len(re.findall(r'<g id="[xy]tick_\d+">', svg))  # a marker each
    again_fig, again_ax = new_figure(10, 6)
    again_ax.plot([0, 1, 2], [3, 1, 2])
    again_ax.set_xlabel("Study day")
    again_ax.set_ylabel("Sum of diameters (mm)")
    assert to_svg(again_fig) == svg                            # same data, same bytes


def test_a_label_of_other_path_commands_is_left_as_it_is():
    relative = GLYPH.replace("L 64 0 L 64 128", "l 64 0 l 0 128")      # relative lines
    svg = (HEAD + f'<g transform="translate(1 1)"><defs>{relative}</defs>'
           '<use xlink:href="#G-1"/></g></svg>')
    flat = flat_glyphs(svg)
    assert _paths(flat) == [] and '<use xlink:href="#G-1" />' in flat and 'id="G-1"' in flat
    assert 'transform="translate(1 1)"' in flat
