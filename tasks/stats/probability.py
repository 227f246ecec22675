"""Probabilities made of sums of many terms, clamped to [0, 1] so that round-off never prints
1.0000000000000002 (docs/monitoring.md)."""
from __future__ import annotations

import numpy as np


def clamp(value: float | np.floating) -> float:
    """`value` within [0, 1]: only summation round-off is expected outside it."""
    return float(min(1.0, max(0.0, float(value))))
