"""Which premise each device of a fleet belongs to."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["premise_indices"]


def premise_indices(premise: ArrayLike | None, n: int) -> np.ndarray:
    """Premise index of each of ``n`` devices (default: device i at premise i), int64.

    Raises
    ------
    ValueError
        When ``premise`` does not hold exactly ``n`` values.
    """
    if premise is None:
        return np.arange(n, dtype=np.int64)
    indices = np.asarray(premise, dtype=np.int64).reshape(-1)
    if indices.size != n:
        raise ValueError(f"premise given {indices.size} values; expected n = {n}")
    return indices
