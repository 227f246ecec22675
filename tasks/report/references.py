"""References in a report's text to its own tables, figures and listings ("see Table 14.3.8.4"),
checked against the numbers the report holds: a number it does not hold is a dangling reference."""
from __future__ import annotations

import re
from collections.abc import Iterator

from tasks.model import Figure, Paragraph, Section, Table

REFERENCE = re.compile(r"\b(?:Tables?|Figures?|Listings?) (\d+(?:\.\d+)+)")


def _texts(block: Paragraph | Table | Figure) -> Iterator[str]:
    if isinstance(block, Paragraph):
        yield block.text
        return
    yield from (block.title, *block.footnotes)
    if isinstance(block, Table):
        yield block.population
        yield block.empty_text
        # cells too: "Fatal TEAE (Table 14.3.1)"
        yield " ".join(str(value) for value in block.display.to_numpy().ravel())


def dangling_references(sections: list[Section]) -> list[str]:
    """'Table 14.3.8.4 (in Safety)' for every number the text of `sections` refers to that no
    table, figure or listing of them has, in the order found."""
    numbers = {b.number for s in sections for b in s.blocks if isinstance(b, (Table, Figure))}
    found: list[str] = []
    for section in sections:
        for block in section.blocks:
            for text in _texts(block):
                for match in REFERENCE.finditer(text):
                    problem = f"{match[0]} (in {section.title})"
                    if match[1] not in numbers and problem not in found:
                        found.append(problem)
    return found
