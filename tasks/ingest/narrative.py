"""Read the independent statistician's summary supplied with a run: the file given with
`--narrative` (local path or fsspec URL), else source.narrative_file (operation config) in the
cut folder when it is there. Closed-session content: read beside the cut, never into it, so it
is in no input hash, no record snapshot and no derivation's cache key."""
from __future__ import annotations

from fsspec.core import url_to_fs

from tasks.errors import BadInputError
from tasks.ingest.source import with_retries
from tasks.operation import Source


def _read_text(uri: str, source: Source) -> str:
    """The UTF-8 text of one file; FileNotFoundError when there is none."""
    try:
        fs, path = url_to_fs(uri)
    except (ValueError, ImportError) as exc:
        raise BadInputError(f"cannot open narrative {uri}: {exc}") from None
    data = with_retries(lambda: fs.cat_file(path), uri, source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInputError(f"narrative {uri}: not UTF-8 text (byte {exc.start}): save the summary "
                            "as UTF-8 Markdown") from None


def read_narrative(cut_location: str, source: Source, narrative: str | None) -> str | None:
    """The summary's text (UTF-8, whatever source.encoding says of the SDTM files); None when no
    file was given and the cut folder holds none."""
    if narrative is not None:
        try:
            return _read_text(narrative, source)
        except (FileNotFoundError, IsADirectoryError):
            raise BadInputError(f"narrative file not found: {narrative} (--narrative)") from None
    try:
        return _read_text(f"{cut_location.rstrip('/')}/{source.narrative_file}", source)
    except (FileNotFoundError, IsADirectoryError):
        return None
