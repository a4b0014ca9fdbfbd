"""Devices behind the meters: rooftop PV, home batteries, EV chargers and thermal loads.

:class:`DerFleets` holds the device fleets of a run (or of a shard)
and turns each premise's household power into its *net* power, what the
meter integrates and the grid sees::

    net = household + thermal + EV home charging - PV generation + battery   [kW]

The thermal loads (heat pumps, direct electric heating, air-conditioning,
hot-water tanks: :class:`~twin.devices.heating.ThermalFleet`) follow the
weather and the household fleet's occupancy of the same interval; the
battery and the ``managed`` EV policy see them as part of the household load.

PV and chargers see the voltage of the previous power flow at their bus
(volt-watt, over-voltage trip, OCPP OverVoltage/UnderVoltage); the battery
dispatches on the premise's net load before it; the ``managed`` EV policy
caps each LV transformer area's EV power at the headroom left by the
previous interval's transformer loading
(:func:`~twin.devices.ev.kernel.managed_headroom_kw`). Public DC stations
are loads of their own at their buses, not premises. An open disconnector
(0-0:96.3.10) zeroes the whole premise, DER included: inverters and
chargers stop without the grid.

Area sums run over an area's own premises in premise order, so a shard that
holds whole LV transformer areas computes for its premises and chargers
exactly what the whole run does.

References
----------
.. [1] EN 50160:2010, 4.2.2: supply voltage variations within Un +/- 10 %.
.. [2] IEC 60076-7:2018: loading above 100 % of rating ages a transformer
   faster than normal.
.. [3] VDE-AR-N 4105:2018, 5.7.2: generators stop when the grid is lost.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from twin.clock import IntervalTime
from twin.devices.der_totals import DerTotals, milli
from twin.devices.dr_control import DrControl
from twin.devices.ev import EvFleet
from twin.devices.ev.kernel import headroom_after_flow_kw, managed_headroom_kw
from twin.devices.heating import ThermalFleet
from twin.devices.pv import PvFleet
from twin.devices.storage import StorageFleet
from twin.members import Members

__all__ = ["DerFleets", "charge_before_start"]


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
    pv, storage, ev, thermal : fleet or None
        The fleets (None where the scenario, or this shard's part of it,
        has none). A public connector's ``ev.premise`` is ``n + j``, ``j``
        its connector position.
    station_bus, station_rows : numpy.ndarray
        Bus index and ``net.load`` row of each public connector (int64).
    station_here : numpy.ndarray
        bool per public connector: simulated in this process.
    hh_kw, thermal_kw, ev_kw, pv_kw, storage_kw, net_kw : numpy.ndarray
        Last interval's mean power per premise [kW] (after the relay):
        household, thermal loads, EV home charging, PV generation (positive), battery
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
        thermal: ThermalFleet | None = None,
    ) -> None:
        """Assemble (:func:`twin.engine.der.create_der` builds one from a scenario).

        ``premise_bus`` and ``area_of_premise`` are local (one per member);
        areas are numbered over the whole fleet (``station_area``: area of
        each public connector, ``len(area_rating_kva)`` outside every area).
        """
        n = members.n
        self.n, self.members = n, members
        self.pv, self.storage, self.ev, self.thermal = pv, storage, ev, thermal
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
        self.thermal_kw = z
        self.station_kw = np.zeros(station_bus.size)
        self.totals = DerTotals()

    # ----------------------------------------------------------------- step
    def step(
        self,
        t: IntervalTime,
        hh_p_kw: NDArray[np.float64],
        closed: NDArray[np.bool_],
        present: NDArray[np.bool_] | None = None,
        vacant: NDArray[np.bool_] | None = None,
        control: DrControl | None = None,
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
        present, vacant : numpy.ndarray, optional
            The household fleet's occupancy of this interval (local, ``(n,)``),
            which the thermal loads need; required when there are any.
        control : DrControl, optional
            Demand-response set-points of this interval (local, per premise).
        """
        n = self.n
        vm = self._vm_premise
        pv_kw = np.zeros(n)
        if self.pv is not None:
            gen = self.pv.step(t, None if vm is None else vm[self.pv.premise])
            np.add.at(pv_kw, self.pv.premise, gen)
        hh = np.asarray(hh_p_kw, dtype=np.float64)
        thermal_kw = np.zeros(n)
        if self.thermal is not None:
            if present is None or vacant is None:
                raise ValueError("DerFleets.step needs present and vacant for the thermal loads")
            thermal_kw = self.thermal.step(
                t,
                present=present,
                vacant=vacant,
                closed=closed,
                setback_k=None if control is None else control.heat_pump_setback_k,
                tank_setback_k=None if control is None else control.water_heater_setback_k,
            )
        load = hh + thermal_kw
        ev_kw = np.zeros(n)
        if self.ev is not None:
            vm_ev = None
            if vm is not None:
                vm_ev = np.concatenate([vm, self._vm_station])[self.ev.premise]
            headroom = None
            if self.ev.policy == "managed":
                headroom = self._managed_headroom_kw(load - pv_kw)
            cap = None
            if control is not None:
                cap = self.ev.power_kw.copy()
                at_home = ~self.ev.is_public
                cap[at_home] *= control.ev_share[self.ev.premise[at_home]]
            power = (
                self.ev.step(t, headroom, vm_ev)
                if cap is None
                else self.ev.step(t, headroom, vm_ev, cap)
            )
            home = ~self.ev.is_public
            np.add.at(ev_kw, self.ev.premise[home], power[home])
            station_kw = np.zeros(self.station_bus.size)
            station_kw[self._connector] = power[~home]
            self.station_kw = station_kw
        storage_kw = np.zeros(n)
        if self.storage is not None:
            before = (load + ev_kw - pv_kw)[self.storage.premise]
            mode = None if control is None else control.storage_mode[self.storage.premise]
            p_bat = (
                self.storage.step(t, before) if mode is None else self.storage.step(t, before, mode)
            )
            np.add.at(storage_kw, self.storage.premise, p_bat)
        if not closed.all():
            hh, ev_kw, pv_kw, storage_kw = (x * closed for x in (hh, ev_kw, pv_kw, storage_kw))
        net = hh + thermal_kw + ev_kw - pv_kw + storage_kw
        self.hh_kw, self.ev_kw, self.pv_kw, self.storage_kw, self.net_kw = (
            hh, ev_kw, pv_kw, storage_kw, net,
        )  # fmt: skip
        self.thermal_kw = thermal_kw
        if self.thermal is not None:
            self.totals.add_thermal(t.dt_s, self.thermal.by_kind_kw)
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

    def after_flow(
        self,
        *,
        converged: bool,
        vm_pu: NDArray[np.float64],
        trafo_p_mw: NDArray[np.float64],
        trafo_loading_percent: NDArray[np.float64],
    ) -> None:
        """Keep the voltages and the EV headroom of this power flow for the next interval.

        ``vm_pu`` per bus [pu], ``trafo_p_mw`` [MW] and ``trafo_loading_percent``
        [%] per ``net.trafo`` row, NaN where not solved.

        A non-converged flow keeps the previous values, area by area: when
        LV areas are solved one by one (:class:`~twin.grid.islands.IslandedSolver`),
        an area whose transformer has a result was solved and takes its new
        values, the others keep theirs. So an area's values never depend on
        whether another area (maybe in another shard) converged. NaN
        voltages of a solved area (a de-energised bus) count as nominal.
        """
        solved = None  # every area solved
        if not converged:
            has = np.flatnonzero(self._trafo_row >= 0)
            solved = np.zeros(self._rating_kva.size + 1, dtype=bool)
            solved[has] = np.isfinite(trafo_p_mw[self._trafo_row[has]])
            if not solved.any():
                return
        vm = vm_pu
        vm_premise = np.nan_to_num(vm[self.premise_bus], nan=1.0)
        vm_station = np.nan_to_num(vm[self.station_bus], nan=1.0)
        if solved is not None:
            before = np.ones(self.n) if self._vm_premise is None else self._vm_premise
            vm_premise = np.where(solved[self._area], vm_premise, before)
            vm_station = np.where(solved[self._station_area], vm_station, self._vm_station)
        self._vm_premise, self._vm_station = vm_premise, vm_station
        if self.ev is not None and self.ev.policy == "managed":
            self._keep_headroom(trafo_p_mw, trafo_loading_percent)

    def _keep_headroom(
        self, trafo_p_mw: NDArray[np.float64], trafo_loading_percent: NDArray[np.float64]
    ) -> None:
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
            trafo_p_mw[row] * 1e3,
            trafo_loading_percent[row],
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
        if self.thermal is not None:
            cols.update(self.thermal.premise_columns())
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


def charge_before_start(ev: EvFleet) -> None:
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
