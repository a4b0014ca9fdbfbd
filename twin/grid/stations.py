"""Loads for public charging stations: one ``net.load`` row per station bus.

Public DC stations are not premises: each gets its own load row (0 MW at
rest, consumption positive, pandapower's sign convention), appended after
the network's loads so that every existing row keeps its position.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from twin.grid.customers import add_loads
from twin.grid.network import GridModel

__all__ = ["add_station_loads", "bus_index_of"]


def bus_index_of(grid: GridModel, bus_ids: Sequence[int]) -> list[int | None]:
    """Prepared bus index of each source-network bus id (as in internal/network_bus).

    Returns None for an id the network does not have or whose bus is out of service.
    """
    ids = grid.bus_id
    in_service = grid.net.bus["in_service"].to_numpy(dtype=bool)
    out: list[int | None] = []
    for bus in bus_ids:
        if grid.bus_map:
            index = grid.bus_map.get(int(bus))
        else:
            hits = np.flatnonzero(ids == int(bus))
            index = int(hits[0]) if hits.size else None
        out.append(index if index is not None and in_service[index] else None)
    return out


def add_station_loads(grid: GridModel, bus_index: Sequence[int]) -> np.ndarray:
    """Append one load (0 MW) per entry of ``bus_index``; their ``net.load`` row positions.

    Call before the solver is created (it sizes its arrays on ``net.load``).
    """
    return add_loads(grid, bus_index, "ev_station")
