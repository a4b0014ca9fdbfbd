"""Which premise each device of a fleet belongs to."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["kept_positions", "premise_indices"]


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


def kept_positions(positions: ArrayLike, n: int, what: str) -> np.ndarray:
    """Positions of the devices a fleet keeps (a shard's part of it), int64.

    Raises
    ------
    ValueError
        When they are not strictly increasing positions ``0 .. n-1``.
    """
    idx = np.asarray(positions, dtype=np.int64).reshape(-1)
    if idx.size and (idx[0] < 0 or idx[-1] >= n or np.any(np.diff(idx) <= 0)):
        raise ValueError(
            f"{what} given {idx!r}; expected strictly increasing positions 0 .. {n - 1}"
        )
    return idx
