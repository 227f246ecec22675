"""Records of several frames stacked into one, each column of one type."""
from __future__ import annotations

from typing import Any

import pandas as pd


def filled_types(frames: list[pd.DataFrame]) -> dict[Any, Any]:
    """Column -> its type in the first frame where it holds a value."""
    types: dict[Any, Any] = {}
    for frame in frames:
        for column in frame.columns:
            if column not in types and frame[column].notna().any():
                types[column] = frame[column].dtype
    return types


def typed_like(frame: pd.DataFrame, types: dict[Any, Any]) -> pd.DataFrame:
    """`frame` with each column it leaves wholly missing (every column of a frame of no rows) of
    the type `types` gives it."""
    return frame.astype({column: types[column] for column in frame.columns
                         if column in types and frame[column].dtype != types[column]
                         and not frame[column].notna().any()})


def stack_records(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """pd.concat(frames), where a column that a frame leaves wholly missing takes the type the
    column has where it holds values: a parameter without visits keeps RSDTC as text. pandas 2
    ignores such columns when it types the result and warns that it will stop doing so; this
    keeps the types explicit, whatever pandas does."""
    types = filled_types(frames)
    return pd.concat([typed_like(frame, types) for frame in frames])
