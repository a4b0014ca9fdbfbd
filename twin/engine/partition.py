"""Split a run into shards by LV transformer area.

A shard simulates whole LV areas: their premises (households, DER, meters),
their concentrators and their power flow, each area solved under its MV
terminal voltage (:mod:`twin.grid.islands`). Areas are dealt to shards so
that each shard gets about the same number of premises (longest processing
time first [1]_), which keeps the shards' run times even.

References
----------
.. [1] R. L. Graham (1969), "Bounds on multiprocessing timing anomalies",
   SIAM Journal on Applied Mathematics 17(2), 416-429.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from twin.members import Members

__all__ = ["ShardPlan", "TerminalVoltages", "deal_areas"]


@dataclass(frozen=True)
class TerminalVoltages:
    """MV terminal voltage of LV areas per interval (from the MV level).

    Attributes
    ----------
    bus : numpy.ndarray
        int64 bus positions of the terminals (MV side of the LV transformers).
    vm_pu : numpy.ndarray
        float64 ``(n_intervals, len(bus))`` voltage magnitudes [pu].
    """

    bus: NDArray[np.int64]
    vm_pu: NDArray[np.float64]


@dataclass(frozen=True)
class ShardPlan:
    """What one shard of a run simulates.

    Attributes
    ----------
    index, count : int
        This shard's number (0-based) and the number of shards.
    transformers : tuple of int
        ``net.trafo`` indices of the LV areas simulated here, ascending.
    terminals : TerminalVoltages or None
        MV terminal voltages per interval; None holds them at the fixed MV
        voltage (``grid.mv_voltage_pu``).
    """

    index: int
    count: int
    transformers: tuple[int, ...]
    terminals: TerminalVoltages | None = field(default=None, compare=False)

    def members(self, premise_transformer: NDArray[np.int64]) -> Members:
        """The premises of this shard's areas, as positions in the whole fleet."""
        mask = np.isin(premise_transformer, np.asarray(self.transformers, dtype=np.int64))
        return Members(np.flatnonzero(mask).astype(np.int64), int(premise_transformer.size))


def deal_areas(
    premise_transformer: NDArray[np.int64], areas: NDArray[np.int64], count: int
) -> list[tuple[int, ...]]:
    """Deal LV areas to ``count`` shards, balancing their premise counts.

    Parameters
    ----------
    premise_transformer : numpy.ndarray
        LV transformer of every premise (int64).
    areas : numpy.ndarray
        Every LV area's transformer index.
    count : int
        Number of shards, 1 .. ``len(areas)``.

    Returns
    -------
    list of tuple of int
        The areas of each shard, ascending; the largest areas are dealt first,
        each to the shard with the fewest premises so far (ties: lowest shard).
    """
    if not 1 <= count <= len(areas):
        raise ValueError(
            f"shards given {count}; expected 1 .. {len(areas)} (one LV area at least each)"
        )
    size = np.asarray([np.count_nonzero(premise_transformer == a) for a in areas], dtype=np.int64)
    load = np.zeros(count, dtype=np.int64)
    dealt: list[list[int]] = [[] for _ in range(count)]
    for j in sorted(range(len(areas)), key=lambda i: (-size[i], int(areas[i]))):
        target = int(np.argmin(load))
        dealt[target].append(int(areas[j]))
        load[target] += size[j]
    return [tuple(sorted(d)) for d in dealt]
