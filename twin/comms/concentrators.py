"""Data concentrators: one per LV transformer area, each up or down.

Each premise belongs to the area of its LV transformer (premises without
one share a single area). Outages, scheduled or random, are SimPy events
that raise and lower a per-area outage counter, so overlapping outages
compose: an area is up when no outage is active.

A shard of a run holds whole areas: its concentrators are those of its
premises, and ``all_transformer_ids`` lists the areas of the whole grid, so
that draws over areas are made for all of them (in the same order as in the
whole run) and then restricted with :meth:`Concentrators.localise_areas`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Concentrators"]


class Concentrators:
    """The concentrators of a run.

    Parameters
    ----------
    transformer : numpy.ndarray
        LV transformer index per premise simulated here (-1 for none).
    all_transformer_ids : numpy.ndarray, optional
        Sorted, unique transformer indices of every area of the whole fleet
        (default: those of ``transformer``); must include them.
    """

    def __init__(self, transformer: np.ndarray, all_transformer_ids: np.ndarray | None = None):
        ids, area = np.unique(np.asarray(transformer, dtype=np.int64), return_inverse=True)
        self.transformer_ids = ids
        self.area = area.astype(np.int64).reshape(-1)
        self.all_transformer_ids = (
            ids if all_transformer_ids is None else np.asarray(all_transformer_ids, np.int64)
        )
        if not np.isin(ids, self.all_transformer_ids).all():
            raise ValueError(
                f"given transformers {ids[~np.isin(ids, self.all_transformer_ids)].tolist()} "
                "not among all_transformer_ids; expected every area of the fleet"
            )
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

    @property
    def n_all_areas(self) -> int:
        """Number of concentrators of the whole fleet."""
        return int(self.all_transformer_ids.shape[0])

    def localise_areas(self, all_areas: np.ndarray) -> np.ndarray:
        """Local area indices of whole-fleet area indices (areas not held here are dropped).

        Parameters
        ----------
        all_areas : numpy.ndarray
            Indices into ``all_transformer_ids``.

        Returns
        -------
        numpy.ndarray
            int64 indices into ``transformer_ids``, in the order given.
        """
        tids = self.all_transformer_ids[np.asarray(all_areas, dtype=np.int64)]
        if self.n_areas == 0:
            return np.zeros(0, dtype=np.int64)
        at = np.searchsorted(self.transformer_ids, tids)
        clipped = np.minimum(at, self.n_areas - 1)
        held = (at < self.n_areas) & (self.transformer_ids[clipped] == tids)
        return at[held].astype(np.int64)

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
