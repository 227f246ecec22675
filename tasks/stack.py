"""Records of several frames stacked into one, each column of one type."""
from __future__ import annotations

from typing import Any

import pandas as pd


def stack_records(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """pd.concat(frames), where a column that a frame leaves wholly missing (or a frame with no
    rows) takes the type the column has where it holds values: a parameter without visits keeps
    RSDTC as text. pandas 2 ignores such columns when it types the result and warns that it will
    stop doing so; this keeps the types explicit, whatever pandas does."""
    typed: dict[Any, Any] = {}
    for frame in frames:
        for column in frame.columns:
            if column not in typed and frame[column].notna().any():
                typed[column] = frame[column].dtype
    return pd.concat([frame.astype({column: typed[column] for column in frame.columns
                                    if column in typed and frame[column].dtype != typed[column]
                                    and not frame[column].notna().any()})
                      for frame in frames])
