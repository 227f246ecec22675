"""Canonical JSON: the same content gives the same bytes (results.json is reproducible)."""
from __future__ import annotations

import json
import math
import random
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasks.publish.canonical import canonical_json, plain, write_json


def test_two_runs_write_byte_identical_results(tmp_path):
    first = {"cutoff": date(2026, 1, 31), "version": 1,
             "efficacy": {"orr": {"rate": np.float64(0.25), "n": np.int64(40), "ci_low": 0.127},
                          "os": {"median": float("nan"), "median_ci_high": None}}}
    second = {"version": 1, "efficacy": {"os": {"median_ci_high": None, "median": np.nan},
                                         "orr": {"ci_low": 0.127, "n": 40, "rate": 0.25}},
              "cutoff": "2026-01-31"}
    a = write_json(tmp_path / "a.json", first).read_bytes()
    b = write_json(tmp_path / "b.json", second).read_bytes()
    assert a == b
    assert a.decode() == (
        '{\n  "cutoff": "2026-01-31",\n  "efficacy": {\n    "orr": {\n      "ci_low": 0.127,\n'
        '      "n": 40,\n      "rate": 0.25\n    },\n    "os": {\n      "median": null,\n'
        '      "median_ci_high": null\n    }\n  },\n  "version": 1\n}\n')


def test_missing_values_become_null_and_text_stays_utf8():
    value = {"nat": pd.NaT, "na": pd.NA, "inf": np.inf, "flag": np.bool_(True),
             "when": datetime(2026, 2, 1, 6, 0, tzinfo=UTC), "term": "Hépatite ≥ 3",
             "set": {"b", "a"}, "tuple": (1, 2.5)}
    text = canonical_json(value)
    assert json.loads(text) == {"flag": True, "inf": None, "na": None, "nat": None,
                                "set": ["a", "b"], "term": "Hépatite ≥ 3",
                                "tuple": [1, 2.5], "when": "2026-02-01T06:00:00+00:00"}
    assert "Hépatite ≥ 3" in text and "NaN" not in text


def test_an_unknown_type_is_an_error_not_a_guess():
    with pytest.raises(TypeError, match="cannot write a object"):
        canonical_json({"x": object()})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() |
    st.floats(allow_nan=True, allow_infinity=True),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=20)


def _shuffled(value):
    if isinstance(value, dict):
        items = [(k, _shuffled(v)) for k, v in value.items()]
        random.Random(len(items)).shuffle(items)
        return dict(items)
    if isinstance(value, list):
        return [_shuffled(v) for v in value]
    return value


@given(json_values)
def test_key_order_never_changes_the_bytes_and_the_json_reads_back(value):
    assert canonical_json(_shuffled(value)) == canonical_json(value)
    back = json.loads(canonical_json(value))
    assert back == plain(value)
    if isinstance(value, float) and not math.isfinite(value):
        assert back is None
