"""Data concentrators: one per LV transformer area, each up or down.

Each premise belongs to the area of its LV transformer (premises without
one share a single area). Outages, scheduled or random, are SimPy events
that raise and lower a per-area outage counter, so overlapping outages
compose: an area is up when no outage is active.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Concentrators"]


class Concentrators:
    """The concentrators of a run.

    Parameters
    ----------
    transformer : numpy.ndarray
        LV transformer index per premise (-1 for none).
    """

    def __init__(self, transformer: np.ndarray):
        ids, area = np.unique(np.asarray(transformer, dtype=np.int64), return_inverse=True)
        self.transformer_ids = ids
        self.area = area.astype(np.int64)
        self._outages = np.zeros(ids.shape[0], dtype=np.int64)
        self.outage_count = np.zeros(ids.shape[0], dtype=np.int64)
        self.outage_s = np.zeros(ids.shape[0], dtype=np.float64)

    @property
    def n_areas(self) -> int:
        """Number of concentrators."""
        return int(self.transformer_ids.shape[0])

    @property
    def up(self) -> np.ndarray:
        """bool per area."""
        return self._outages == 0

    def meter_up(self) -> np.ndarray:
        """bool per meter: its concentrator is up."""
        return self.up[self.area]

    def areas_of(self, transformer_ids: list[int]) -> np.ndarray:
        """Area indices of the given transformer ids (unknown ids are ignored)."""
        return np.flatnonzero(np.isin(self.transformer_ids, np.asarray(transformer_ids)))

    def begin_outage(self, areas: np.ndarray, duration_s: float) -> None:
        """An outage of ``areas`` starts."""
        self._outages[areas] += 1
        self.outage_count[areas] += 1
        self.outage_s[areas] += duration_s

    def end_outage(self, areas: np.ndarray) -> None:
        """An outage of ``areas`` ends."""
        self._outages[areas] -= 1
