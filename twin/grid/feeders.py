"""The LV feeders of a network: their first bus (the cabinet) and their line length.

A feeder is identified as in :mod:`twin.grid.topology`: by the ``net.line``
row of the first line out of its transformer's LV busbar. Its first bus is
that line's end away from the busbar; its length is the total ``length_km``
of the in-service lines whose buses belong to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from twin.grid.network import GridModel

__all__ = ["LvFeeders", "lv_feeders"]


@dataclass(frozen=True)
class LvFeeders:
    """One entry per LV feeder, in ``net.line`` row order.

    Attributes
    ----------
    feeder : numpy.ndarray
        int64 ``net.line`` row of the feeder's first line (its id, ``feeder_id``).
    first_bus : numpy.ndarray
        int64 bus position of the feeder's first bus after the busbar.
    transformer : numpy.ndarray
        int64 ``net.trafo`` row of the feeder's LV transformer.
    length_km : numpy.ndarray
        float64 total line length of the feeder [km].
    """

    feeder: NDArray[np.int64]
    first_bus: NDArray[np.int64]
    transformer: NDArray[np.int64]
    length_km: NDArray[np.float64]


def lv_feeders(grid: GridModel) -> LvFeeders:
    """The LV feeders of ``grid`` (empty arrays for a network without LV transformers)."""
    net, bus_feeder = grid.net, np.asarray(grid.bus_feeder, dtype=np.int64)
    lines = net.line[net.line["in_service"].astype(bool)]
    fb = lines["from_bus"].to_numpy(dtype=np.int64)
    tb = lines["to_bus"].to_numpy(dtype=np.int64)
    line_feeder = np.where(bus_feeder[tb] >= 0, bus_feeder[tb], bus_feeder[fb])
    feeders = np.unique(bus_feeder[bus_feeder >= 0])
    on = line_feeder >= 0
    length = np.zeros(feeders.size)
    np.add.at(
        length,
        np.searchsorted(feeders, line_feeder[on]),
        lines["length_km"].to_numpy(dtype=np.float64)[on],
    )
    first_from = net.line.loc[feeders, "from_bus"].to_numpy(dtype=np.int64)
    first_to = net.line.loc[feeders, "to_bus"].to_numpy(dtype=np.int64)
    first = np.where(bus_feeder[first_to] == feeders, first_to, first_from)
    return LvFeeders(
        feeder=feeders.astype(np.int64),
        first_bus=first.astype(np.int64),
        transformer=np.asarray(grid.bus_transformer, dtype=np.int64)[first],
        length_km=length,
    )
