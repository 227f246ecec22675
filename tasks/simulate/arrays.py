"""Array helpers of the simulator: random streams, ragged groups, day numbers, text columns."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

# A day that never comes (an event that does not happen); real days are days since 1970-01-01.
NEVER = np.int64(10**7)

# One independent random stream per part of the trial, so that changing how one part is drawn
# leaves every other part of the same seed as it was.
_STREAMS = ("enrolment", "outcome", "tumour", "course", "exposure", "adverse", "labs",
            "dm", "ds", "cm", "scenario", "visits", "ae_detail", "lab_events", "immune_cm")


def stream(seed: int, name: str) -> np.random.Generator:
    """The random generator of one part of the trial for this seed."""
    return np.random.default_rng([int(seed), _STREAMS.index(name)])


def choose(rng: np.random.Generator, shares: dict, n: int) -> np.ndarray:
    """`n` draws of the keys of `shares` with probabilities proportional to its values."""
    values = np.array(list(shares), dtype=object)
    p = np.array(list(shares.values()), dtype=float)
    return values[rng.choice(len(values), n, p=p / p.sum())]


def epoch_day(day: date) -> np.int64:
    return np.int64((np.datetime64(day, "D") - np.datetime64("1970-01-01", "D")).astype(np.int64))


def ragged(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of sizes `counts`: the group of every member and its 0-based position in it."""
    counts = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(int(counts.sum())) - np.repeat(starts, counts)


def cumsum_within(values: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Running sum of `values` restarting at every group (`owner` sorted ascending)."""
    total = np.cumsum(values)
    first = np.r_[True, owner[1:] != owner[:-1]] if len(owner) else np.zeros(0, bool)
    start_total = np.maximum.accumulate(np.where(first, np.arange(len(owner)), 0))
    return total - total[start_total] + values[start_total]


def iso(days: np.ndarray) -> np.ndarray:
    """ISO 8601 text of day numbers; "" for NEVER. One string object per distinct day: millions
    of rows share a few thousand dates (a string each would be most of a large cut's memory)."""
    unique, inverse = np.unique(np.asarray(days, dtype=np.int64), return_inverse=True)
    never = unique >= NEVER
    text = np.datetime_as_string(np.where(never, 0, unique).astype("datetime64[D]"), unit="D")
    return np.where(never, "", text).astype(object)[inverse]


def int_text(values: np.ndarray) -> np.ndarray:
    """Integers as text, one string object per distinct value (as iso)."""
    unique, inverse = np.unique(np.asarray(values, dtype=np.int64), return_inverse=True)
    return np.array([str(v) for v in unique.tolist()], dtype=object)[inverse]


def number_text(values: np.ndarray, decimals: int | None = None) -> np.ndarray:
    """Numbers as text: fixed `decimals`, or the shortest form (85, 63.75) when None; NaN -> ""."""
    values = np.asarray(values, dtype=np.float64)
    missing = np.isnan(values)
    rounded = np.round(np.where(missing, 0.0, values), 6 if decimals is None else decimals)
    unique, inverse = np.unique(rounded, return_inverse=True)
    pattern = "{:g}" if decimals is None else f"{{:.{decimals}f}}"
    text = np.array([pattern.format(v) for v in unique.tolist()], dtype=object)[inverse]
    return np.where(missing, "", text).astype(object)


def seq_within(subject: np.ndarray) -> np.ndarray:
    """1, 2, ... within each subject, in the order of the rows (rows sorted by subject)."""
    return pd.Series(subject).groupby(subject).cumcount().to_numpy() + 1


def shared_text(values: np.ndarray) -> np.ndarray:
    """Text values (e.g. np.where's) as objects, one string object per distinct value (as iso)."""
    codes, unique = pd.factorize(np.asarray(values))
    return np.asarray(unique, dtype=object)[codes]


def text_frame(columns: dict[str, object], length: int,
               order: list[str] | None = None) -> pd.DataFrame:
    """A frame of text columns (object dtype), those of `order` in its order when given (no copy
    made to reorder: a large domain is held once); scalars are repeated over `length` rows,
    numpy text arrays made shared_text."""
    data = {}
    for name in order if order is not None else columns:
        value = columns[name]
        if np.isscalar(value) or value is None:
            data[name] = np.full(length, "" if value is None else str(value), dtype=object)
        elif isinstance(value, np.ndarray) and value.dtype.kind == "U":
            data[name] = shared_text(value)
        else:
            data[name] = np.asarray(value, dtype=object)
    return pd.DataFrame(data, index=pd.RangeIndex(length))
