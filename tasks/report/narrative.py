"""The independent statistician's summary: a small, safe Markdown subset read into text blocks.

Blocks are separated by blank lines: a paragraph, a heading ("# ..."), a bulleted list (lines
starting "- " or "* ") or a numbered list ("1. ", "2) "). Inside a block only *emphasis* and
**strong** are read. Everything else - links, images, raw HTML, code - stays the text it is: the
renderer autoescapes every span, so nothing becomes markup and nothing is fetched.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

SpanStyle = Literal["", "em", "strong"]
BlockKind = Literal["paragraph", "heading", "bullets", "numbers"]
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBER = re.compile(r"^\s*\d{1,3}[.)]\s+(.*)$")
_HEADING = re.compile(r"^\s*#{1,6}\s+(.*?)\s*#*\s*$")
_EMPHASIS = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|\*(?=[^\s*])(.+?)(?<=[^\s*])\*")
# C0 and C1 control characters other than tab and newline: never part of a summary
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Span:
    text: str
    style: SpanStyle = ""


@dataclass(frozen=True)
class NarrativeBlock:
    kind: BlockKind
    items: tuple[tuple[Span, ...], ...]   # a paragraph or heading: one item; a list: one per entry


def spans(text: str) -> tuple[Span, ...]:
    """Text with **strong** and *emphasis* read; every other character kept as it is."""
    out: list[Span] = []
    position = 0
    for match in _EMPHASIS.finditer(text):
        if match.start() > position:
            out.append(Span(text[position:match.start()]))
        strong, emphasis = match.group(1), match.group(2)
        out.append(Span(strong, "strong") if strong is not None else Span(emphasis, "em"))
        position = match.end()
    if position < len(text):
        out.append(Span(text[position:]))
    return tuple(out)


def _blocks(lines: list[str]) -> list[NarrativeBlock]:
    """The blocks of a run of non-blank lines: a list runs until a line starts the other kind of
    list (a line without a marker continues the entry above); a heading is its own line."""
    lists: tuple[tuple[BlockKind, re.Pattern[str], re.Pattern[str]], ...] = (
        ("bullets", _BULLET, _NUMBER), ("numbers", _NUMBER, _BULLET))
    for kind, marker, other in lists:
        if marker.match(lines[0]):
            entries: list[str] = []
            for i, line in enumerate(lines):
                if other.match(line):
                    return [NarrativeBlock(kind, tuple(map(spans, entries))), *_blocks(lines[i:])]
                found = marker.match(line)
                if found:
                    entries.append(found.group(1).strip())
                else:
                    entries[-1] = f"{entries[-1]} {line.strip()}"
            return [NarrativeBlock(kind, tuple(map(spans, entries)))]
    heading = _HEADING.match(lines[0])
    if heading:
        rest = _blocks(lines[1:]) if len(lines) > 1 else []
        return [NarrativeBlock("heading", (spans(heading.group(1)),)), *rest]
    for i, line in enumerate(lines[1:], start=1):        # a list or heading may follow directly
        if _BULLET.match(line) or _NUMBER.match(line) or _HEADING.match(line):
            return [_paragraph(lines[:i]), *_blocks(lines[i:])]
    return [_paragraph(lines)]


def _paragraph(lines: list[str]) -> NarrativeBlock:
    return NarrativeBlock("paragraph", (spans(" ".join(line.strip() for line in lines)),))


def parse_narrative(text: str) -> tuple[NarrativeBlock, ...]:
    """The summary's blocks, in order; an empty text has none."""
    clean = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    blocks, lines = [], []
    for line in [*clean.split("\n"), ""]:
        if line.strip():
            lines.append(line)
        elif lines:
            blocks += _blocks(lines)
            lines = []
    return tuple(blocks)
