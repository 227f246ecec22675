"""The one place where published JSON is written: canonical, byte-identical for the same content."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

_CHUNK = 1 << 20


def plain(value: Any) -> Any:
    """`value` as plain JSON types: NaN, NaT and NA become None; numpy scalars become Python
    numbers; dates become ISO 8601 text; tuples lists; sets sorted lists."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(float(value)) else None
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        return [plain(v) for v in list(value)]
    if isinstance(value, (set, frozenset)):
        return sorted(plain(v) for v in value)
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, BaseModel):
        return plain(value.model_dump(mode="json"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value))
    raise TypeError(f"cannot write a {type(value).__name__} to JSON: {value!r}")


def canonical_json(value: Any) -> str:
    """Sorted keys, two-space indent, UTF-8 text (not \\u escapes), no NaN, final newline."""
    return json.dumps(plain(value), sort_keys=True, indent=2, ensure_ascii=False,
                      allow_nan=False) + "\n"


def write_bytes(path: Path, data: bytes) -> None:
    """Write and fsync one file (a full disk surfaces here as OSError ENOSPC)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def write_json(path: Path, value: Any) -> Path:
    """Write `value` as canonical JSON (results.json, manifest.json, validation.json)."""
    write_bytes(path, canonical_json(value).encode("utf-8"))
    return path


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
