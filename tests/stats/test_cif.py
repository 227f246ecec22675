"""Aalen-Johansen cumulative incidence: a hand computation with tied event and competing times,
no random jitter (same data, same numbers, no warning)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from tasks.stats.cif import cumulative_incidence

# 8 subjects: day 1 event; day 2 event + death (a tie of both kinds); day 3 censored; day 4
# event; day 5 death + censored; day 6 event.
DAYS = np.array([1, 2, 2, 3, 4, 5, 5, 6])
KIND = np.array([1, 2, 1, 0, 1, 2, 0, 1])


def test_hand_computed_aalen_johansen_with_ties():
    """F(t) = sum S(t-) d1/n: day 1: 1/8; day 2: + (7/8)(1/7) = 2/8 (S = 5/8); day 4:
    + (5/8)(1/4) = 0.40625 (S = 15/32); day 5: death and censoring (S = 10/32); day 6: + 10/32."""
    expected = [0.0, 0.125, 0.25, 0.25, 0.40625, 0.40625, 0.71875, 0.71875]
    got = cumulative_incidence(DAYS, KIND, np.array([0, 1, 2, 3, 4, 5, 6, 30]))
    assert got == pytest.approx(expected, abs=1e-12)


def test_ties_are_broken_without_randomness_or_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        first = cumulative_incidence(DAYS, KIND, np.arange(8))
    np.random.seed(1)
    second = cumulative_incidence(DAYS, KIND, np.arange(8))
    assert first.tobytes() == second.tobytes()


def test_without_events_or_subjects():
    assert list(cumulative_incidence(np.array([3, 5]), np.array([2, 0]), np.array([10]))) == [0.0]
    assert np.isnan(cumulative_incidence(np.array([]), np.array([]), np.array([10]))).all()
