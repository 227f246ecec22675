"""Transform a text column once per distinct value: dates and codes repeat across many rows."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def distinct(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(codes, uniques): values == uniques[codes], missing read as ""."""
    codes, uniques = pd.factorize(values.fillna(""), sort=False)
    return codes, pd.Series(uniques, dtype=object)


def spread(done: pd.Series, codes: np.ndarray, like: pd.Series) -> pd.Series:
    """A result computed on the distinct values, back on the rows of `like`."""
    return pd.Series(done.to_numpy()[codes], index=like.index, name=like.name)


def per_distinct(values: pd.Series, transform: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """transform(values), computed on the distinct values only."""
    codes, uniques = distinct(values)
    return spread(transform(uniques), codes, values)
