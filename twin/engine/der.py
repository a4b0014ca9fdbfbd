"""Distributed energy of a run: rooftop PV, home batteries and EV chargers, wired.

:class:`DerFleets` owns the three device fleets and turns each premise's
household power into its *net* power (what the meter and the grid see)::

    net = household + EV home charging - PV generation + battery   [kW]

PV and chargers see the voltage of the previous power flow at their bus
(volt-watt, over-voltage trip, OCPP OverVoltage/UnderVoltage); the battery
dispatches on the premise's net load before it; the ``managed`` EV policy
caps each LV transformer area's EV power at the headroom left by the
previous interval's transformer loading. Public DC stations are their own
loads at their buses (``net.load`` rows appended by
:func:`twin.grid.add_station_loads`), not premises.

Each fleet has its own generator from the run's :class:`RandomTree` ("pv",
"storage", "ev"), and the premises that get a device are drawn with
dedicated generators ("pv-premises", ...), so adding DER never changes the
households' or the meters' random numbers.

Sharded runs: every draw (which premises get a device, every device's
parameters, every EV session and charger fault of the run) is made for the
whole fleet, then the fleets are cut down to the premises simulated here
(:class:`~twin.members.Members`) and the public stations at the buses
simulated here. Nothing is drawn while the run goes, and area sums run over
an area's own premises in premise order, so a shard that holds whole LV
transformer areas computes for its premises and chargers exactly what the
whole run does.

References
----------
.. [1] EN 50160:2010, 4.2.2: supply voltage variations within Un +/- 10 %.
.. [2] IEC 60076-7:2018: loading above 100 % of rating ages a transformer
   faster than normal.
"""

from __future__ import annotations

from typing import Protocol, Self, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from twin.clock import IntervalTime, TimeAxis
from twin.devices.ev import EvFleet
from twin.devices.ev.kernel import headroom_after_flow_kw, managed_headroom_kw
from twin.devices.pv import PvFleet
from twin.devices.storage import StorageFleet
from twin.engine.der_totals import DerTotals, milli
from twin.errors import Problem, ScenarioError
from twin.grid import GridModel, PowerFlowResult, add_station_loads, bus_index_of
from twin.members import Members
from twin.random_streams import RandomTree
from twin.scenario import Scenario

__all__ = ["DerFleets", "choose_premises"]


def choose_premises(n: int, share: float, rng: np.random.Generator) -> NDArray[np.int64]:
    """``round(share * n)`` distinct premise indices, sorted, drawn with ``rng``."""
    k = round(share * n)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    return np.sort(rng.permutation(n)[:k]).astype(np.int64)


class DerFleets:
    """PV, storage and EV fleets of a run, stepped once per interval.

    Per-premise arrays are local: position ``i`` is the premise
    ``members.index[i]`` of the whole fleet. Per-connector arrays cover every
    public connector of the scenario (the same in every shard, like the
    ``net.load`` rows they feed); a connector not simulated here draws 0 kW.

    Attributes
    ----------
    n : int
        Number of premises simulated here (``members.n``).
    members : Members
        Which premises of the whole fleet these are.
    premise_bus : numpy.ndarray
        Bus index of each premise (int64, local).
    pv, storage, ev : fleet or None
        The fleets (None where the scenario, or this shard's part of it,
        has none). A public connector's ``ev.premise`` is ``n + j``, ``j``
        its connector position.
    station_bus, station_rows : numpy.ndarray
        Bus index and ``net.load`` row of each public connector (int64).
    station_here : numpy.ndarray
        bool per public connector: simulated in this process.
    hh_kw, ev_kw, pv_kw, storage_kw, net_kw : numpy.ndarray
        Last interval's mean power per premise [kW] (after the relay):
        household, EV home charging, PV generation (positive), battery
        (positive = charging) and the net (import positive).
    station_kw : numpy.ndarray
        Last interval's mean power per public connector [kW] (0 where not
        simulated here).
    totals : DerTotals
        Running totals (of the premises and connectors simulated here).
    """

    def __init__(
        self,
        *,
        members: Members,
        pv: PvFleet | None,
        storage: StorageFleet | None,
        ev: EvFleet | None,
        premise_bus: NDArray[np.int64],
        station_bus: NDArray[np.int64],
        station_rows: NDArray[np.int64],
        station_here: NDArray[np.bool_],
        station_area: NDArray[np.intp],
        area_of_premise: NDArray[np.intp],
        area_rating_kva: NDArray[np.float64],
        area_trafo_row: NDArray[np.int64],
        cap_percent: float,
    ) -> None:
        """Assemble; use :meth:`create` instead.

        ``premise_bus`` and ``area_of_premise`` are local (one per member);
        areas are numbered over the whole fleet (``station_area``: area of
        each public connector, ``len(area_rating_kva)`` outside every area).
        """
        n = members.n
        self.n, self.members = n, members
        self.pv, self.storage, self.ev = pv, storage, ev
        self.premise_bus, self.station_bus = premise_bus, station_bus
        self.station_rows, self.station_here = station_rows, station_here
        self._area = area_of_premise
        self._rating_kva = area_rating_kva
        self._trafo_row = area_trafo_row
        self._cap = cap_percent / 100.0
        # connector position of each public charger of the EV fleet
        self._connector = np.zeros(0, dtype=np.int64)
        present = [area_of_premise]
        if ev is not None:
            self._connector = ev.premise[ev.is_public] - n
            present.append(ev.area[ev.is_public])
        # the areas with a transformer that hold premises or connectors here
        here = np.unique(np.concatenate(present))
        here = here[here < area_rating_kva.size]
        self._areas = here[area_trafo_row[here] >= 0]
        self._station_area = station_area
        self._vm_premise: NDArray[np.float64] | None = None
        self._vm_station = np.ones(station_bus.size)
        # EV headroom per area slot from the last power flow that solved it [kW] (NaN: none yet)
        self._headroom = np.full(area_rating_kva.size + 1, np.nan)
        self._non_ev_area: NDArray[np.float64] | None = None
        z = np.zeros(n)
        self.hh_kw, self.ev_kw, self.pv_kw, self.storage_kw, self.net_kw = z, z, z, z, z
        self.station_kw = np.zeros(station_bus.size)
        self.totals = DerTotals()

    # ---------------------------------------------------------------- build
    @classmethod
    def create(
        cls,
        scenario: Scenario,
        *,
        axis: TimeAxis,
        grid: GridModel,
        premise_bus: NDArray[np.int64],
        premise_transformer: NDArray[np.int64],
        rng: RandomTree,
        members: Members | None = None,
        simulated_bus: NDArray[np.bool_] | None = None,
    ) -> DerFleets | None:
        """The DER fleets of ``scenario``, or None when it has no PV, storage or EV.

        ``grid`` is the run's :class:`~twin.grid.GridModel`; the loads of every
        public station are appended to its network here (in every shard, so
        that ``net.load`` has the same rows everywhere), so call this before
        the solver is created.

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

        Raises
        ------
        twin.errors.ScenarioError
            A public station names a bus the network does not have.
        ValueError
            ``members`` or ``simulated_bus`` does not fit the fleet or the network.
        """
        pv_cfg, st_cfg, ev_cfg = scenario.pv, scenario.storage, scenario.ev
        if pv_cfg.share <= 0 and ev_cfg.share <= 0 and not ev_cfg.public_stations:
            return None
        n = int(premise_bus.size)
        if members is None:
            members = Members.all(n)
        if members.n_total != n:
            raise ValueError(f"members given a fleet of {members.n_total}; expected {n} premises")
        net = grid.net
        if simulated_bus is not None and np.shape(simulated_bus) != (len(net.bus),):
            raise ValueError(
                f"simulated_bus given shape {np.shape(simulated_bus)}; expected ({len(net.bus)},)"
            )
        trafo_index = net.trafo.index.to_numpy()
        areas, area_of_premise = np.unique(premise_transformer, return_inverse=True)
        area_of_premise = area_of_premise.astype(np.intp).reshape(-1)
        rating = np.full(areas.size, np.inf)
        trafo_row = np.full(areas.size, -1, dtype=np.int64)
        for j, trafo in enumerate(areas):
            if trafo >= 0:
                row = int(np.flatnonzero(trafo_index == trafo)[0])
                trafo_row[j] = row
                rating[j] = float(net.trafo["sn_mva"].iat[row]) * 1e3

        pv = None
        pv_at = choose_premises(n, pv_cfg.share, rng.generator("pv-premises"))
        if pv_at.size:
            pv_all = PvFleet.create(
                pv_at.size,
                rng=rng.generator("pv"),
                axis=axis,
                premise=pv_at,
                params=pv_cfg.params(),
            )
            keep, local = members.localise(pv_at)
            pv = _part(pv_all, keep, local, members)
        storage = None
        st_pick = choose_premises(pv_at.size, st_cfg.share, rng.generator("storage-premises"))
        if st_pick.size:
            storage_all = StorageFleet.create(
                st_pick.size,
                rng=rng.generator("storage"),
                axis=axis,
                premise=pv_at[st_pick],
                params=st_cfg.params(),
            )
            keep, local = members.localise(pv_at[st_pick])
            storage = _part(storage_all, keep, local, members)
        station_bus, station_rows, station_kw = _stations(scenario, grid)
        station_here = np.ones(station_bus.size, dtype=bool)
        if simulated_bus is not None:
            station_here = np.asarray(simulated_bus, dtype=bool)[station_bus]
        station_area = np.zeros(0, dtype=np.intp)
        ev = None
        ev_at = choose_premises(n, ev_cfg.share, rng.generator("ev-premises"))
        if ev_at.size or station_bus.size:
            bus_area = np.full(len(net.bus), areas.size, dtype=np.intp)
            bus_area[premise_bus] = area_of_premise
            trafo_of_bus = np.asarray(grid.bus_transformer, dtype=np.int64)
            for j, trafo in enumerate(areas):
                bus_area[trafo_of_bus == trafo] = j
            station_area = bus_area[station_bus]
            ev_all = EvFleet.create(
                ev_at,
                rng=rng.generator("ev"),
                axis=axis,
                params=ev_cfg.params(),
                public_premises=n + np.arange(station_bus.size),
                public_power_kw=station_kw,
                area_of_premise=np.concatenate([area_of_premise, station_area]),
            )
            keep, local = members.localise(ev_at)
            connector = np.flatnonzero(station_here)
            chargers = np.concatenate([np.flatnonzero(keep), ev_at.size + connector])
            if members.is_all and chargers.size == ev_all.n:
                ev = ev_all  # every charger is here, numbered as in the whole fleet
            elif chargers.size:
                ev = ev_all.take(chargers, np.concatenate([local, members.n + connector]))
            if ev is not None:
                _charged_before_start(ev)
        return cls(
            members=members,
            pv=pv,
            storage=storage,
            ev=ev,
            premise_bus=np.asarray(members.take(premise_bus), dtype=np.int64),
            station_bus=station_bus,
            station_rows=station_rows,
            station_here=station_here,
            station_area=station_area,
            area_of_premise=np.asarray(members.take(area_of_premise), dtype=np.intp),
            area_rating_kva=rating,
            area_trafo_row=trafo_row,
            cap_percent=ev_cfg.managed_cap_percent,
        )

    # ----------------------------------------------------------------- step
    def step(
        self, t: IntervalTime, hh_p_kw: NDArray[np.float64], closed: NDArray[np.bool_]
    ) -> NDArray[np.float64]:
        """Net mean power per premise over interval ``t`` [kW], import positive.

        Parameters
        ----------
        t : IntervalTime
            The interval, in order.
        hh_p_kw : numpy.ndarray
            Household mean power per premise [kW] (local, ``(n,)``).
        closed : numpy.ndarray
            Relay (0-0:96.3.10) closed per premise (local, ``(n,)``): an
            open relay zeroes the whole premise, DER included (inverters
            stop without the grid).
        """
        n = self.n
        vm = self._vm_premise
        pv_kw = np.zeros(n)
        if self.pv is not None:
            gen = self.pv.step(t, None if vm is None else vm[self.pv.premise])
            np.add.at(pv_kw, self.pv.premise, gen)
        hh = np.asarray(hh_p_kw, dtype=np.float64)
        ev_kw = np.zeros(n)
        if self.ev is not None:
            vm_ev = None
            if vm is not None:
                vm_ev = np.concatenate([vm, self._vm_station])[self.ev.premise]
            headroom = None
            if self.ev.policy == "managed":
                headroom = self._managed_headroom_kw(hh - pv_kw)
            power = self.ev.step(t, headroom, vm_ev)
            home = ~self.ev.is_public
            np.add.at(ev_kw, self.ev.premise[home], power[home])
            station_kw = np.zeros(self.station_bus.size)
            station_kw[self._connector] = power[~home]
            self.station_kw = station_kw
        storage_kw = np.zeros(n)
        if self.storage is not None:
            before = (hh + ev_kw - pv_kw)[self.storage.premise]
            np.add.at(storage_kw, self.storage.premise, self.storage.step(t, before))
        if not closed.all():
            hh, ev_kw, pv_kw, storage_kw = (x * closed for x in (hh, ev_kw, pv_kw, storage_kw))
        net = hh + ev_kw - pv_kw + storage_kw
        self.hh_kw, self.ev_kw, self.pv_kw, self.storage_kw, self.net_kw = (
            hh, ev_kw, pv_kw, storage_kw, net,
        )  # fmt: skip
        self.totals.add_interval(
            t.dt_s,
            pv_kw=pv_kw,
            storage_kw=storage_kw,
            ev_home_kw=ev_kw,
            ev_public_kw=self.station_kw,
            net_kw=net,
        )
        return net

    def station_load_p_mw(self) -> NDArray[np.float64]:
        """Last interval's power of every public connector's load row [MW] (0 where not
        simulated here), aligned with :attr:`station_rows`."""
        return self.station_kw / 1e3

    def after_flow(self, result: PowerFlowResult) -> None:
        """Keep the voltages and the EV headroom of this power flow for the next interval.

        A non-converged flow keeps the previous values, area by area: when
        LV areas are solved one by one (:class:`~twin.grid.islands.IslandedSolver`),
        an area whose transformer has a result was solved and takes its new
        values, the others keep theirs. So an area's values never depend on
        whether another area (maybe in another shard) converged. NaN
        voltages of a solved area (a de-energised bus) count as nominal.
        """
        solved = None  # every area solved
        if not result.converged:
            has = np.flatnonzero(self._trafo_row >= 0)
            solved = np.zeros(self._rating_kva.size + 1, dtype=bool)
            solved[has] = np.isfinite(result.trafo_p_mw[self._trafo_row[has]])
            if not solved.any():
                return
        vm = result.vm_pu
        vm_premise = np.nan_to_num(vm[self.premise_bus], nan=1.0)
        vm_station = np.nan_to_num(vm[self.station_bus], nan=1.0)
        if solved is not None:
            before = np.ones(self.n) if self._vm_premise is None else self._vm_premise
            vm_premise = np.where(solved[self._area], vm_premise, before)
            vm_station = np.where(solved[self._station_area], vm_station, self._vm_station)
        self._vm_premise, self._vm_station = vm_premise, vm_station
        if self.ev is not None and self.ev.policy == "managed":
            self._keep_headroom(result)

    def _keep_headroom(self, result: PowerFlowResult) -> None:
        """The EV headroom of the areas this power flow solved (:func:`headroom_after_flow_kw`)."""
        assert self.ev is not None
        ev_area = np.zeros(self._rating_kva.size + 1)
        np.add.at(ev_area, self._area, self.ev_kw)
        if self._connector.size:
            np.add.at(ev_area, self.ev.area[self.ev.is_public], self.station_kw[self._connector])
        j = self._areas
        row = self._trafo_row[j]
        headroom = headroom_after_flow_kw(
            ev_area[j],
            result.trafo_p_mw[row] * 1e3,
            result.trafo_loading_percent[row],
            self._rating_kva[j],
            self._cap,
        )
        solved = np.isfinite(headroom)
        self._headroom[j[solved]] = headroom[solved]

    def _managed_headroom_kw(self, non_ev_kw: NDArray[np.float64]) -> dict[int, float]:
        """This interval's EV headroom per area [kW] (:func:`managed_headroom_kw`)."""
        load = np.zeros(self._rating_kva.size + 1)
        np.add.at(load, self._area, non_ev_kw)
        previous, self._non_ev_area = self._non_ev_area, load
        j = self._areas
        headroom = managed_headroom_kw(
            self._headroom[j],
            load[j],
            None if previous is None else previous[j],
            self._cap * self._rating_kva[j],
        )
        return dict(zip(j.tolist(), headroom.tolist(), strict=True))

    # -------------------------------------------------------------- records
    def drain_pv_trips(self) -> int:
        """Count (and drop) the PV trips since the last call."""
        if self.pv is None:
            return 0
        changes = self.pv.status_changes()
        trips = int(np.count_nonzero(changes["status"] == "tripped"))
        self.totals.pv_trips += trips
        return trips

    def finish(self) -> None:
        """Final totals: curtailed PV energy."""
        if self.pv is not None:
            self.totals.pv_curtailed_mj = milli(self.pv.curtailed_kwh) * 3600

    def premise_columns(self) -> dict[str, NDArray]:
        """Per-premise flags and ratings for ``truth/premise`` (local, ``(n,)`` each)."""
        n = self.n
        cols: dict[str, NDArray] = {
            "has_pv": np.zeros(n, dtype=bool),
            "has_storage": np.zeros(n, dtype=bool),
            "has_ev": np.zeros(n, dtype=bool),
            "pv_kwp": np.zeros(n),
            "storage_kwh": np.zeros(n),
            "ev_charger_kw": np.zeros(n),
        }
        if self.pv is not None:
            cols["has_pv"][self.pv.premise] = True
            cols["pv_kwp"][self.pv.premise] = self.pv.kwp
        if self.storage is not None:
            cols["has_storage"][self.storage.premise] = True
            cols["storage_kwh"][self.storage.premise] = self.storage.capacity_kwh
        if self.ev is not None:
            home = ~self.ev.is_public
            cols["has_ev"][self.ev.premise[home]] = True
            cols["ev_charger_kw"][self.ev.premise[home]] = self.ev.power_kw[home]
        return cols


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


def _charged_before_start(ev: EvFleet) -> None:
    """Sessions plugged in before the run have charged since they were ready.

    Without this, every EV that arrived the evening before would start
    charging at ``t = 0`` with its whole need: an artificial peak in the first
    interval. Their energy wanted is reduced (and their start SoC raised) by
    what uncontrolled charging at ``min(charger, EV) kW`` would have delivered
    from the ready time to the run start.
    """
    s = ev.sessions
    before = s.arrive_s < 0
    if not before.any():
        return
    p_kw = np.minimum(ev.power_kw[s.charger], s.ev_max_kw)
    charged = np.where(before, p_kw * np.clip(-s.ready_s, 0, None) / 3600.0, 0.0)
    charged = np.minimum(charged, s.energy_kwh)
    s.energy_kwh = s.energy_kwh - charged
    s.soc_start = s.soc_start + charged / s.battery_kwh


def station_bus_index(scenario: Scenario, grid: GridModel) -> list[int]:
    """Prepared bus index of every public station, or a ScenarioError naming each bad bus."""
    stations = scenario.ev.public_stations
    index = bus_index_of(grid, [s.bus for s in stations])
    problems = [
        Problem(
            f"ev.public_stations.{j}.bus",
            f"given {s.bus}; the network has no in-service bus with that id "
            "(see internal/network_bus)",
        )
        for j, (s, i) in enumerate(zip(stations, index, strict=True))
        if i is None
    ]
    if problems:
        raise ScenarioError(problems, "" if scenario.source is None else str(scenario.source))
    return [int(i) for i in index if i is not None]


def _stations(
    scenario: Scenario, grid: GridModel
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Bus index, load row and power [kW] of every public connector; adds their loads."""
    stations = scenario.ev.public_stations
    if not stations:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    index = station_bus_index(scenario, grid)
    bus = np.repeat(np.asarray(index, dtype=np.int64), [s.connectors for s in stations])
    power = np.repeat([s.power_kw for s in stations], [s.connectors for s in stations])
    rows = add_station_loads(grid, bus.tolist())
    return bus, rows, power.astype(np.float64)
