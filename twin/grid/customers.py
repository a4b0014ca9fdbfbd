"""The network's metered customers other than households, and its metered generators.

A utility meters everyone it supplies. SimBench LV networks carry, besides
the household loads (profile ``H0-*``), commercial loads (BDEW ``G0``..``G6``)
and farms (``L0``..``L2``), and static generators (rooftop PV ``PV1``..``PV8``,
wind ``WP*``, biomass ``BM*``, ...) [1]_. Each such load inside an LV
transformer area becomes one customer here, and every generator one
generation meter. Loads at medium voltage, outside every LV area, are the
medium-voltage customers (:func:`network_mv_customers`): they belong to no
area's balance, and an area-by-area solve never sees them.

References
----------
.. [1] S. Meinecke et al., "SimBench - A Benchmark Dataset of Electric Power
   Systems to Compare Innovative Solutions based on Power Flow Analysis",
   Energies 13(12), 3290, 2020. https://doi.org/10.3390/en13123290
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandapower as pp
import pandas as pd
from numpy.typing import NDArray

from twin.grid.network import GridModel
from twin.grid.topology import LV_THRESHOLD_KV

__all__ = [
    "NETWORK_CUSTOMER_CLASSES",
    "ConnectionPoints",
    "add_loads",
    "network_customers",
    "network_generators",
    "network_mv_customers",
]

NETWORK_CUSTOMER_CLASSES = ("G0", "G1", "G2", "G3", "G4", "G5", "G6", "L0", "L1", "L2")
"""BDEW standard-profile classes of the SimBench loads that become metered customers."""


@dataclass(frozen=True)
class ConnectionPoints:
    """Network elements (loads or static generators) that get a meter each.

    Attributes
    ----------
    row : numpy.ndarray
        int64 ``net.load`` (customers) or ``net.sgen`` (generators) row position.
    bus, transformer, feeder : numpy.ndarray
        int64 bus index, LV transformer row and feeder line row (-1 on the busbar).
    customer_class : numpy.ndarray
        object: the BDEW class (``G4``, ``L1``) or generator profile (``PV3``, ``WP4``).
    annual_kwh : numpy.ndarray
        float64 energy of a year of the element's profile [kWh/a] (generators:
        the energy it produces).
    rated_kw : numpy.ndarray
        float64 rated power of the element [kW].
    """

    row: NDArray[np.int64]
    bus: NDArray[np.int64]
    transformer: NDArray[np.int64]
    feeder: NDArray[np.int64]
    customer_class: NDArray[np.object_]
    annual_kwh: NDArray[np.float64]
    rated_kw: NDArray[np.float64]

    @property
    def n(self) -> int:
        """Number of connection points."""
        return int(self.row.shape[0])

    @classmethod
    def empty(cls) -> ConnectionPoints:
        """No connection points."""
        i = np.zeros(0, dtype=np.int64)
        f = np.zeros(0, dtype=np.float64)
        return cls(i, i, i, i, np.zeros(0, dtype=object), f, f)


def _in_lv_area(grid: GridModel, bus: NDArray[np.int64], in_service: NDArray[np.bool_]) -> NDArray:
    net = grid.net
    lv = net.bus["vn_kv"].to_numpy(dtype=np.float64)[bus] < LV_THRESHOLD_KV
    live = net.bus["in_service"].to_numpy(dtype=bool)[bus]
    return np.asarray(in_service & live & lv & (grid.bus_transformer[bus] >= 0), dtype=bool)


def _annual_kwh(grid: GridModel, element: str, rated_mw: NDArray[np.float64]) -> NDArray:
    profiles = grid.profiles
    if profiles is None:
        return np.asarray(rated_mw * 1e3 * 8760.0, dtype=np.float64)
    column = profiles.load_p_column if element == "load" else profiles.sgen_p_column
    hours = np.full(rated_mw.size, 8760.0)  # rows appended later keep their rated power
    hours[: column.size] = profiles.column_sums()[column] * profiles.step_s / 3600.0
    return np.asarray(rated_mw * 1e3 * hours, dtype=np.float64)


def _points(
    grid: GridModel, element: str, keep: NDArray[np.bool_], cls: NDArray
) -> ConnectionPoints:
    table = grid.net[element]
    rows = np.flatnonzero(keep).astype(np.int64)
    bus = table["bus"].to_numpy(dtype=np.int64)[rows]
    rated_mw = table["p_mw"].to_numpy(dtype=np.float64)
    return ConnectionPoints(
        row=rows,
        bus=bus,
        transformer=grid.bus_transformer[bus].astype(np.int64),
        feeder=grid.bus_feeder[bus].astype(np.int64),
        customer_class=np.asarray(cls[rows], dtype=object),
        annual_kwh=_annual_kwh(grid, element, rated_mw)[rows],
        rated_kw=rated_mw[rows] * 1e3,
    )


def _profile_class(profile: pd.Series, sep: str) -> NDArray[np.object_]:
    """The part of each row's profile name before the first ``sep``, object array.

    A network has a few dozen distinct profiles over up to a few hundred
    thousand rows: each distinct name is split once.
    """
    code, names = pd.factorize(profile.astype(str), use_na_sentinel=False)
    cls = np.asarray([str(name).split(sep)[0] for name in names], dtype=object)
    return cls[code] if code.size else np.zeros(0, dtype=object)


def network_customers(grid: GridModel) -> ConnectionPoints:
    """The network's non-household LV loads with a BDEW G or L profile, one customer each.

    Loads of networks without profiles (where every LV load hosts
    households), households' loads and medium-voltage loads are not included.
    """
    load = grid.net.load.iloc[: grid.residential.size]  # rows appended later are not customers
    if grid.profiles is None or "profile" not in load or len(load) == 0:
        return ConnectionPoints.empty()
    cls = _profile_class(load["profile"], "-")
    known = np.isin(cls, NETWORK_CUSTOMER_CLASSES)
    in_service = load["in_service"].to_numpy(dtype=bool)
    bus = load["bus"].to_numpy(dtype=np.int64)
    keep = known & ~np.asarray(grid.residential, dtype=bool) & _in_lv_area(grid, bus, in_service)
    every = np.zeros(len(grid.net.load), dtype=bool)
    every[: keep.size] = keep
    return _points(grid, "load", every, np.resize(cls, every.size))


def network_mv_customers(grid: GridModel) -> ConnectionPoints:
    """The network's in-service loads outside every LV area: medium-voltage customers.

    Their class is the load's profile name before the first ``-`` (``G0``,
    ``L2``, ``BL``, ...), or ``MV`` without profiles.
    """
    load = grid.net.load.iloc[: grid.residential.size]  # rows appended later are not customers
    if len(load) == 0:
        return ConnectionPoints.empty()
    bus = load["bus"].to_numpy(dtype=np.int64)
    live = grid.net.bus["in_service"].to_numpy(dtype=bool)[bus]
    keep = (
        load["in_service"].to_numpy(dtype=bool)
        & live
        & ~np.asarray(grid.residential, dtype=bool)
        & (grid.bus_transformer[bus] < 0)
    )
    if "profile" in load and grid.profiles is not None:
        cls = _profile_class(load["profile"], "-")
    else:
        cls = np.full(len(load), "MV", dtype=object)
    every = np.zeros(len(grid.net.load), dtype=bool)
    every[: keep.size] = keep
    return _points(grid, "load", every, np.resize(cls, every.size))


def network_generators(grid: GridModel) -> ConnectionPoints:
    """The network's in-service static generators, one generation meter each.

    Those inside LV areas feed their area through their meter; medium-voltage
    ones (wind, biomass, hydro of the MV/LV grids; ``transformer`` -1) are
    metered too, outside every LV area.
    """
    sgen = grid.net.sgen
    if len(sgen) == 0:
        return ConnectionPoints.empty()
    if "profile" in sgen:
        cls = _profile_class(sgen["profile"], "_")
    elif "type" in sgen:
        cls = sgen["type"].astype(str).to_numpy(dtype=object)
    else:
        cls = np.full(len(sgen), "generator", dtype=object)
    bus = sgen["bus"].to_numpy(dtype=np.int64)
    live = grid.net.bus["in_service"].to_numpy(dtype=bool)[bus]
    keep = sgen["in_service"].to_numpy(dtype=bool) & live
    return _points(grid, "sgen", keep, cls)


def add_loads(grid: GridModel, bus_index: Sequence[int], prefix: str) -> NDArray[np.int64]:
    """Append one load (0 MW) per entry of ``bus_index``; their ``net.load`` row positions.

    Names are ``<prefix>_<j>``. Call before the solver is created (it sizes
    its arrays on ``net.load``); every existing row keeps its position.
    """
    first, n = len(grid.net.load), len(bus_index)
    if n:  # one call: pandapower's per-row create_load costs ~6 ms a row on a large net
        buses = [int(b) for b in bus_index]
        pp.create_loads(
            grid.net, buses, p_mw=0.0, q_mvar=0.0, name=[f"{prefix}_{j}" for j in range(n)]
        )
    return np.arange(first, first + n, dtype=np.int64)
