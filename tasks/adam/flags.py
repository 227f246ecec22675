"""ADaM record flags (ABLFL, ANL01FL, ONTRTFL...): "Y" where a condition holds, else missing."""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def y_or_none(condition: ArrayLike) -> np.ndarray:
    """"Y" where `condition` holds, else None, element by element (an object array)."""
    # numpy's stubs take arrays only for the values: None, the missing flag, is not one
    return np.where(condition, "Y", None)  # type: ignore[call-overload]
