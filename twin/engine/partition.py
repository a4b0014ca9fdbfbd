"""Split a run into shards by LV transformer area.

A shard simulates whole LV areas: their premises (households, DER, meters),
their concentrators and their power flow, each area solved under its MV
terminal voltage (:mod:`twin.grid.islands`). Units of areas are dealt to
shards so that each gets about the same work, premises plus buses (longest
processing time first [1]_), which keeps the shards' run times even.

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
    flows_only : bool
        Step the devices and the power flow only and write only the
        transformer loading and ``truth/power_flow``: the first level of a
        coupled run, which needs nothing but the transformer loads. The
        meters are not stepped (they never change the power, and their
        random streams are their own); the relays still follow their
        scheduled commands.
    """

    index: int
    count: int
    transformers: tuple[int, ...]
    terminals: TerminalVoltages | None = field(default=None, compare=False)
    flows_only: bool = False

    def members(self, premise_transformer: NDArray[np.int64]) -> Members:
        """The premises of this shard's areas, as positions in the whole fleet."""
        mask = np.isin(premise_transformer, np.asarray(self.transformers, dtype=np.int64))
        return Members(np.flatnonzero(mask).astype(np.int64), int(premise_transformer.size))


def deal_areas(
    units: list[tuple[int, ...]], weights: NDArray[np.int64], count: int
) -> list[tuple[int, ...]]:
    """Deal units of LV areas to ``count`` shards, balancing their work.

    Parameters
    ----------
    units : list of tuple of int
        The transformer indices of the areas of each unit (a shard holds
        whole units; see :func:`twin.grid.islands.solve_units`).
    weights : numpy.ndarray
        Work of each unit, e.g. its premises plus its buses (int).
    count : int
        Number of shards, 1 .. ``len(units)``.

    Returns
    -------
    list of tuple of int
        The areas of each shard, ascending; the heaviest units are dealt first,
        each to the shard with the least work so far (ties: lowest shard).
    """
    if not 1 <= count <= len(units):
        raise ValueError(f"shards given {count}; expected 1 .. {len(units)} (whole units each)")
    load = np.zeros(count, dtype=np.int64)
    dealt: list[list[int]] = [[] for _ in range(count)]
    for j in sorted(range(len(units)), key=lambda i: (-int(weights[i]), units[i])):
        target = int(np.argmin(load))
        dealt[target].extend(units[j])
        load[target] += weights[j]
    return [tuple(sorted(d)) for d in dealt]
