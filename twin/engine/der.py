"""The DER fleets of a run, created from its scenario and site.

Each fleet has its own generator from the run's :class:`RandomTree` ("pv",
"storage", "ev"), and the premises that get a device are drawn with
dedicated generators ("pv-premises", ...), so adding DER never changes the
households' or the meters' random numbers.

Sharded runs: every draw (which premises get a device, every device's
parameters, every EV session and charger fault of the run) is made for the
whole fleet, then the fleets are cut down to the premises simulated here
(:class:`~twin.members.Members`) and the public stations at the buses
simulated here. Nothing is drawn while the run goes, except the hot-water
draw-offs of the thermal fleet ("thermal"), drawn every interval for every
tank of the whole fleet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Self, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from twin.clock import TimeAxis
from twin.devices.behind_the_meter import DerFleets, charge_before_start
from twin.devices.ev import EvFleet
from twin.devices.heating import ThermalFleet
from twin.devices.pv import PvFleet
from twin.devices.storage import StorageFleet
from twin.devices.weather import load_weather
from twin.engine.site import PublicStations
from twin.grid import GridModel
from twin.members import Members
from twin.random_streams import RandomTree
from twin.scenario import Scenario

__all__ = ["choose_premises", "create_der"]


def choose_premises(n: int, share: float, rng: np.random.Generator) -> NDArray[np.int64]:
    """``round(share * n)`` distinct premise indices, sorted, drawn with ``rng``."""
    k = round(share * n)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    return np.sort(rng.permutation(n)[:k]).astype(np.int64)


def create_der(
    scenario: Scenario,
    *,
    axis: TimeAxis,
    grid: GridModel,
    stations: PublicStations,
    premise_bus: NDArray[np.int64],
    premise_transformer: NDArray[np.int64],
    rng: RandomTree,
    members: Members | None = None,
    simulated_bus: NDArray[np.bool_] | None = None,
    away: pd.DataFrame | None = None,
) -> DerFleets | None:
    """The DER fleets of ``scenario``, or None when it has no PV, storage, EV or thermal loads.

    ``grid`` is the run's :class:`~twin.grid.GridModel` (not changed) and
    ``stations`` its public charging connectors, whose loads the site
    already holds (:func:`twin.engine.site.build_site`).

    Parameters
    ----------
    scenario : Scenario
        The run's scenario.
    axis : TimeAxis
        The run's interval grid.
    grid : GridModel
        The run's network.
    premise_bus, premise_transformer : numpy.ndarray
        Bus index and ``net.trafo`` index (-1: none) of every premise of
        the whole fleet (int64).
    rng : RandomTree
        The run's random tree.
    members : Members, optional
        The premises simulated here; None: all.
    simulated_bus : numpy.ndarray, optional
        bool per bus: simulated here (the buses of this shard's LV
        areas); None: all. Public connectors at other buses are left
        out of this fleet (their ``net.load`` rows stay, at 0 kW).
    away : pandas.DataFrame, optional
        Periods in which a member premise's household is away or nobody lives
        there (``premise`` as member position, ``start_s``, ``end_s``, as
        :meth:`~twin.devices.households.HouseholdFleet.vacancy_periods` gives
        them): its EV does not charge at home then. None: always at home.

    Raises
    ------
    twin.errors.ScenarioError
        A public station names a bus the network does not have.
    ValueError
        ``members`` or ``simulated_bus`` does not fit the fleet or the network.
    """
    pv_cfg, ev_cfg = scenario.pv, scenario.ev
    thermal_params = scenario.households.thermal.params()
    if (
        pv_cfg.share <= 0
        and ev_cfg.share <= 0
        and not ev_cfg.public_stations
        and not thermal_params.any_load
    ):
        return None
    n = int(premise_bus.size)
    if members is None:
        members = Members.all(n)
    if members.n_total != n:
        raise ValueError(f"members given a fleet of {members.n_total}; expected {n} premises")
    n_bus = len(grid.net.bus)
    if simulated_bus is not None and np.shape(simulated_bus) != (n_bus,):
        shape = np.shape(simulated_bus)
        raise ValueError(f"simulated_bus given shape {shape}; expected ({n_bus},)")
    areas = _TransformerAreas.of(grid, premise_transformer)
    pv_at = choose_premises(n, pv_cfg.share, rng.generator("pv-premises"))
    pv, storage = _pv_and_storage(scenario, axis, rng, pv_at, members)
    station_here = np.ones(stations.bus.size, dtype=bool)
    if simulated_bus is not None:
        station_here = np.asarray(simulated_bus, dtype=bool)[stations.bus]
    station_area = np.zeros(0, dtype=np.intp)
    ev = None
    ev_at = choose_premises(n, ev_cfg.share, rng.generator("ev-premises"))
    if ev_at.size or stations.bus.size:
        station_area = areas.of_buses(grid, premise_bus)[stations.bus]
        ev = _ev(scenario, axis, rng, ev_at, stations, areas, station_area, station_here, members)
    if ev is not None:
        if away is not None and len(away):
            ev = ev.without_home_sessions_during(
                away["premise"].to_numpy(), away["start_s"].to_numpy(), away["end_s"].to_numpy()
            )
        charge_before_start(ev)
    thermal = None
    if thermal_params.any_load:
        thermal = ThermalFleet.create(
            n,
            rng=rng.generator("thermal"),
            axis=axis,
            weather=load_weather(pv_cfg.weather),
            params=thermal_params,
            members=members,
        )
    return DerFleets(
        members=members,
        pv=pv,
        storage=storage,
        ev=ev,
        premise_bus=np.asarray(members.take(premise_bus), dtype=np.int64),
        station_bus=stations.bus,
        station_rows=stations.rows,
        station_here=station_here,
        station_area=station_area,
        area_of_premise=np.asarray(members.take(areas.of_premise), dtype=np.intp),
        area_rating_kva=areas.rating_kva,
        area_trafo_row=areas.trafo_row,
        cap_percent=ev_cfg.managed_cap_percent,
        thermal=thermal,
    )


@dataclass(frozen=True)
class _TransformerAreas:
    """The LV transformer areas of the premises, numbered ``0 .. len(transformers) - 1``.

    Attributes
    ----------
    transformers : numpy.ndarray
        ``net.trafo`` index of each area (-1: premises outside every area), ascending.
    of_premise : numpy.ndarray
        Area of every premise of the whole fleet (intp).
    rating_kva : numpy.ndarray
        Rated power of each area's transformer [kVA] (inf for -1).
    trafo_row : numpy.ndarray
        ``net.trafo`` row of each area's transformer (-1 for none).
    """

    transformers: NDArray[np.int64]
    of_premise: NDArray[np.intp]
    rating_kva: NDArray[np.float64]
    trafo_row: NDArray[np.int64]

    @classmethod
    def of(cls, grid: GridModel, premise_transformer: NDArray[np.int64]) -> _TransformerAreas:
        """The areas of the premises, from their transformers."""
        net = grid.net
        trafo_index = net.trafo.index.to_numpy()
        areas, of_premise = np.unique(premise_transformer, return_inverse=True)
        rating = np.full(areas.size, np.inf)
        trafo_row = np.full(areas.size, -1, dtype=np.int64)
        for j, trafo in enumerate(areas):
            if trafo >= 0:
                row = int(np.flatnonzero(trafo_index == trafo)[0])
                trafo_row[j] = row
                rating[j] = float(net.trafo["sn_mva"].iat[row]) * 1e3
        return cls(areas, of_premise.astype(np.intp).reshape(-1), rating, trafo_row)

    def of_buses(self, grid: GridModel, premise_bus: NDArray[np.int64]) -> NDArray[np.intp]:
        """Area of every bus (``len(transformers)`` for a bus in none of them)."""
        bus_area = np.full(len(grid.net.bus), self.transformers.size, dtype=np.intp)
        bus_area[premise_bus] = self.of_premise
        trafo_of_bus = np.asarray(grid.bus_transformer, dtype=np.int64)
        for j, trafo in enumerate(self.transformers):
            bus_area[trafo_of_bus == trafo] = j
        return bus_area


def _pv_and_storage(
    scenario: Scenario,
    axis: TimeAxis,
    rng: RandomTree,
    pv_at: NDArray[np.int64],
    members: Members,
) -> tuple[PvFleet | None, StorageFleet | None]:
    """The PV fleet at the premises ``pv_at`` and the batteries at some of them (members')."""
    pv = storage = None
    if pv_at.size:
        pv_all = PvFleet.create(
            pv_at.size,
            rng=rng.generator("pv"),
            axis=axis,
            premise=pv_at,
            params=scenario.pv.params(),
        )
        keep, local = members.localise(pv_at)
        pv = _part(pv_all, keep, local, members)
    st_pick = choose_premises(pv_at.size, scenario.storage.share, rng.generator("storage-premises"))
    if st_pick.size:
        storage_all = StorageFleet.create(
            st_pick.size,
            rng=rng.generator("storage"),
            axis=axis,
            premise=pv_at[st_pick],
            params=scenario.storage.params(),
        )
        keep, local = members.localise(pv_at[st_pick])
        storage = _part(storage_all, keep, local, members)
    return pv, storage


def _ev(
    scenario: Scenario,
    axis: TimeAxis,
    rng: RandomTree,
    ev_at: NDArray[np.int64],
    stations: PublicStations,
    areas: _TransformerAreas,
    station_area: NDArray[np.intp],
    station_here: NDArray[np.bool_],
    members: Members,
) -> EvFleet | None:
    """Home chargers at the premises ``ev_at`` and the public connectors (members', here).

    The whole fleet's chargers are drawn, then cut to the member premises'
    and the connectors at buses simulated here; a public connector's premise
    is ``n + j``, ``j`` its connector position.
    """
    n = members.n_total
    ev_all = EvFleet.create(
        ev_at,
        rng=rng.generator("ev"),
        axis=axis,
        params=scenario.ev.params(),
        public_premises=n + np.arange(stations.bus.size),
        public_power_kw=stations.power_kw,
        area_of_premise=np.concatenate([areas.of_premise, station_area]),
    )
    keep, local = members.localise(ev_at)
    connector = np.flatnonzero(station_here)
    chargers = np.concatenate([np.flatnonzero(keep), ev_at.size + connector])
    ev = None
    if members.is_all and chargers.size == ev_all.n:
        ev = ev_all  # every charger is here, numbered as in the whole fleet
    elif chargers.size:
        ev = ev_all.take(chargers, np.concatenate([local, members.n + connector]))
    return ev


class _Divisible(Protocol):
    def take(self, positions: ArrayLike, premise: ArrayLike) -> Self: ...


_Fleet = TypeVar("_Fleet", bound=_Divisible)


def _part(
    fleet: _Fleet, keep: NDArray[np.bool_], local: NDArray[np.int64], members: Members
) -> _Fleet | None:
    """The devices of ``fleet`` at member premises (``keep``), at their local premises."""
    if members.is_all:
        return fleet
    if not keep.any():
        return None
    return fleet.take(np.flatnonzero(keep), local)
