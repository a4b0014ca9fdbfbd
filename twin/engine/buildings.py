"""Apartment buildings: the LV buses that serve many dwellings.

Network models such as SimBench's LV grids connect a multi-dwelling
building at one bus, so the twin takes an LV bus with at least
:data:`APARTMENT_MIN_DWELLINGS` household premises for one apartment
building. Its common areas (stairwells, corridors, lifts) are the
landlord's supply: the common-area lighting circuit and the building's
safety sensors hang there. A building's id is ``B`` and the bus index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.engine.meter_points import MeterPoints

__all__ = ["APARTMENT_MIN_DWELLINGS", "ApartmentBuildings", "apartment_buildings"]

APARTMENT_MIN_DWELLINGS: Final = 6
"""Least households at one LV bus taken for an apartment building (assumed: a building
of three storeys with two flats per floor; smaller groups are terraced or semi-detached
houses)."""


@dataclass(frozen=True)
class ApartmentBuildings:
    """The run's apartment buildings, ordered by bus.

    Attributes
    ----------
    bus : numpy.ndarray
        int64 bus index of each building, ``(b,)``.
    transformer : numpy.ndarray
        int64 LV transformer row of each building (-1: none), ``(b,)``.
    dwellings : numpy.ndarray
        int64 household premises in each building, ``(b,)``.
    building_of : numpy.ndarray
        int64 per household premise: its building's position, or -1, ``(n_households,)``.
    """

    bus: NDArray[np.int64]
    transformer: NDArray[np.int64]
    dwellings: NDArray[np.int64]
    building_of: NDArray[np.int64]

    @property
    def n(self) -> int:
        """Number of buildings."""
        return int(self.bus.size)

    def ids(self, bus_id: NDArray[np.int64]) -> list[str]:
        """``B<bus id>`` of each building, given the network's bus ids by index."""
        return [f"B{int(b)}" for b in bus_id[self.bus]]


def apartment_buildings(
    points: MeterPoints, min_dwellings: int = APARTMENT_MIN_DWELLINGS
) -> ApartmentBuildings:
    """The LV buses with at least ``min_dwellings`` household premises.

    Parameters
    ----------
    points : MeterPoints
        The run's meter points (households first).
    min_dwellings : int
        Least households at a bus for a building (>= 2).
    """
    if min_dwellings < 2:
        raise ValueError(f"min_dwellings {min_dwellings}; expected >= 2")
    hh_bus = points.bus[points.households]
    hh_trafo = points.transformer[points.households]
    buses, first, counts = np.unique(hh_bus, return_index=True, return_counts=True)
    keep = counts >= min_dwellings
    building_bus = buses[keep].astype(np.int64)
    pos = np.searchsorted(building_bus, hh_bus)
    inside = (pos < building_bus.size) & (
        building_bus[np.minimum(pos, max(building_bus.size - 1, 0))] == hh_bus
        if building_bus.size
        else np.zeros(hh_bus.size, dtype=bool)
    )
    return ApartmentBuildings(
        bus=building_bus,
        transformer=hh_trafo[first[keep]].astype(np.int64),
        dwellings=counts[keep].astype(np.int64),
        building_of=np.where(inside, pos, -1).astype(np.int64),
    )
