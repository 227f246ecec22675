"""RTF text both ways: what interim writes into an RTF file (escaped, ASCII only) and what an RTF
file says when read (the open package's boundary check searches it). No rtflite here: reading an
RTF file needs none."""
from __future__ import annotations

import re

from tasks.report import formatting as fmt

_SPECIAL = re.compile(r"[\\{}\n]")


def rtf_text(value: object) -> str:
    """Text as RTF: braces and backslashes escaped, line breaks as \\line, every character
    beyond ASCII as \\uN? (UTF-16 units, signed as RTF wants them)."""
    text = fmt.text(value)
    if text.isascii() and not _SPECIAL.search(text):    # most cells: nothing to escape
        return text
    out = []
    for char in text:
        if char in "\\{}":
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\line ")
        elif ord(char) < 128:
            out.append(char)
        else:
            units = char.encode("utf-16-be")
            for i in range(0, len(units), 2):
                code = int.from_bytes(units[i:i + 2], "big")
                out.append(f"\\u{code - 65536 if code > 32767 else code}?")
    return "".join(out)


_TOKEN = re.compile(r"\\([\\{}])|\\u(-?\d+) ?(?:\\'[0-9a-fA-F]{2}|[^\\{}])?|\\'([0-9a-fA-F]{2})"
                    r"|\\([a-z]+)(-?\d+)? ?|\\.|[{}]|[\r\n]+|[^\\{}\r\n]+")
_BREAKS = {"par": "\n", "line": "\n", "row": "\n", "cell": "\t", "tab": "\t"}


def rtf_pages(rtf: bytes) -> list[str]:
    """The text of an RTF file, page by page (cells apart by tabs, rows and paragraphs by line
    breaks): what a reader of the file sees, for checks of what it holds."""
    pages, text = [], []
    for match in _TOKEN.finditer(rtf.decode("ascii", "replace")):
        escaped, code, hexa, word = match[1], match[2], match[3], match[4]
        if escaped:
            text.append(escaped)
        elif code is not None:
            text.append(chr(int(code) % 65536))
        elif hexa:
            text.append(bytes.fromhex(hexa).decode("cp1252", "replace"))
        elif word == "page":
            pages.append("".join(text))
            text = []
        elif word:
            text.append(_BREAKS.get(word, ""))
        elif not match[0].startswith(("\\", "{", "}", "\r", "\n")):
            text.append(match[0])
    pages.append("".join(text))
    # characters beyond the BMP arrive as two UTF-16 units
    return [page.encode("utf-16", "surrogatepass").decode("utf-16") for page in pages]
