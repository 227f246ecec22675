"""Read the independent statistician's summary supplied with a run: the file given with
`--narrative` (local path or fsspec URL), else source.narrative_file in the cut folder when it is
there. Closed-session content: read beside the cut, never into it, so it is in no input hash,
no record snapshot and no derivation's cache key."""
from __future__ import annotations

from fsspec.core import url_to_fs

from tasks.config import TrialConfig
from tasks.errors import BadInputError
from tasks.ingest.source import with_retries


def _read_text(uri: str, cfg: TrialConfig) -> str:
    """The UTF-8 text of one file; FileNotFoundError when there is none."""
    try:
        fs, path = url_to_fs(uri)
    except (ValueError, ImportError) as exc:
        raise BadInputError(f"cannot open narrative {uri}: {exc}") from None
    data = with_retries(lambda: fs.cat_file(path), uri, cfg.source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInputError(f"narrative {uri}: not UTF-8 text (byte {exc.start}): save the summary "
                            "as UTF-8 Markdown") from None


def read_narrative(cut_location: str, cfg: TrialConfig, narrative: str | None) -> str | None:
    """The summary's text; None when no file was given and the cut folder holds none."""
    if narrative is not None:
        try:
            return _read_text(narrative, cfg)
        except (FileNotFoundError, IsADirectoryError):
            raise BadInputError(f"narrative file not found: {narrative} (--narrative)") from None
    try:
        return _read_text(f"{cut_location.rstrip('/')}/{cfg.source.narrative_file}", cfg)
    except (FileNotFoundError, IsADirectoryError):
        return None
