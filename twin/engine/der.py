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

References
----------
.. [1] EN 50160:2010, 4.2.2: supply voltage variations within Un +/- 10 %.
.. [2] IEC 60076-7:2018: loading above 100 % of rating ages a transformer
   faster than normal.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import NDArray

from twin.clock import IntervalTime, TimeAxis
from twin.devices.ev import HOME_SESSIONS, EvFleet
from twin.devices.pv import PvFleet
from twin.devices.storage import StorageFleet
from twin.engine.rng import RandomTree
from twin.errors import Problem, ScenarioError
from twin.grid import GridModel, PowerFlowResult, add_station_loads, bus_index_of
from twin.scenario import Scenario

__all__ = ["DerFleets", "DerTotals", "choose_premises"]


def choose_premises(n: int, share: float, rng: np.random.Generator) -> NDArray[np.int64]:
    """``round(share * n)`` distinct premise indices, sorted, drawn with ``rng``."""
    k = round(share * n)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    return np.sort(rng.permutation(n)[:k]).astype(np.int64)


@dataclasses.dataclass
class DerTotals:
    """Running totals of the DER fleets for the run summary (energies [kWh], powers [kW])."""

    pv_kwh: float = 0.0
    pv_curtailed_kwh: float = 0.0
    pv_trips: int = 0
    storage_charge_kwh: float = 0.0
    storage_discharge_kwh: float = 0.0
    ev_home_kwh: float = 0.0
    ev_public_kwh: float = 0.0
    ev_sessions: int = 0
    ev_not_delivered_kwh: float = 0.0
    ev_faults: int = 0
    peak_export_kw: float = 0.0


class DerFleets:
    """PV, storage and EV fleets of a run, stepped once per interval.

    Attributes
    ----------
    n : int
        Number of premises.
    pv, storage, ev : fleet or None
        The fleets (None where the scenario has none).
    station_bus, station_rows : numpy.ndarray
        Bus index and ``net.load`` row of each public connector (int64).
    hh_kw, ev_kw, pv_kw, storage_kw, net_kw : numpy.ndarray
        Last interval's mean power per premise [kW] (after the relay):
        household, EV home charging, PV generation (positive), battery
        (positive = charging) and the net (import positive).
    station_kw : numpy.ndarray
        Last interval's mean power per public connector [kW].
    totals : DerTotals
        Running totals.
    """

    def __init__(
        self,
        *,
        n: int,
        pv: PvFleet | None,
        storage: StorageFleet | None,
        ev: EvFleet | None,
        premise_bus: NDArray[np.int64],
        station_bus: NDArray[np.int64],
        station_rows: NDArray[np.int64],
        area_of_premise: NDArray[np.intp],
        area_rating_kva: NDArray[np.float64],
        area_trafo_row: NDArray[np.int64],
        cap_percent: float,
    ) -> None:
        """Assemble; use :meth:`create` instead."""
        self.n, self.pv, self.storage, self.ev = n, pv, storage, ev
        self._premise_bus, self.station_bus = premise_bus, station_bus
        self.station_rows = station_rows
        self._area = area_of_premise
        self._rating_kva = area_rating_kva
        self._trafo_row = area_trafo_row
        self._cap = cap_percent / 100.0
        self._vm_premise: NDArray[np.float64] | None = None
        self._vm_station = np.ones(station_bus.size)
        self._headroom: dict[int, float] | None = None
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
    ) -> DerFleets | None:
        """The DER fleets of ``scenario``, or None when it has no PV, storage or EV.

        ``grid`` is the run's :class:`~twin.grid.GridModel`; public stations'
        loads are appended to its network here, so call this before the
        solver is created.

        Raises
        ------
        twin.errors.ScenarioError
            A public station names a bus the network does not have.
        """
        pv_cfg, st_cfg, ev_cfg = scenario.pv, scenario.storage, scenario.ev
        if pv_cfg.share <= 0 and ev_cfg.share <= 0 and not ev_cfg.public_stations:
            return None
        n = int(premise_bus.size)
        net = grid.net
        trafo_index = net.trafo.index.to_numpy()
        areas, area_of_premise = np.unique(premise_transformer, return_inverse=True)
        area_of_premise = area_of_premise.astype(np.intp)
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
            pv = PvFleet.create(
                pv_at.size,
                rng=rng.generator("pv"),
                axis=axis,
                premise=pv_at,
                weather=pv_cfg.weather,
                kwp_median=pv_cfg.kwp_median,
                kwp_sigma=pv_cfg.kwp_sigma,
                tilt_mean_deg=pv_cfg.tilt_mean_deg,
                tilt_sd_deg=pv_cfg.tilt_sd_deg,
                azimuth_mean_deg=pv_cfg.azimuth_mean_deg,
                azimuth_sd_deg=pv_cfg.azimuth_sd_deg,
                dc_ac_ratio=pv_cfg.dc_ac_ratio,
                volt_watt_pu=pv_cfg.volt_watt_pu,
                trip_pu=pv_cfg.trip_pu,
                reconnect_pu=pv_cfg.reconnect_pu,
                reconnect_delay_s=pv_cfg.reconnect_delay,
            )
        storage = None
        st_pick = choose_premises(pv_at.size, st_cfg.share, rng.generator("storage-premises"))
        if st_pick.size:
            storage = StorageFleet.create(
                st_pick.size,
                rng=rng.generator("storage"),
                axis=axis,
                premise=pv_at[st_pick],
                capacity_choices_kwh=tuple(st_cfg.capacity_choices_kwh),
                c_rate_per_h=st_cfg.c_rate_per_h,
                eta_round_trip=st_cfg.eta_round_trip,
                soc_min_fraction=st_cfg.soc_min_fraction,
                soc_initial_fraction=st_cfg.soc_initial_fraction,
                strategy=st_cfg.strategy,
                charge_window_h=st_cfg.charge_window_h,
                discharge_window_h=st_cfg.discharge_window_h,
            )
        station_bus, station_rows, station_kw = _stations(scenario, grid)
        ev = None
        ev_at = choose_premises(n, ev_cfg.share, rng.generator("ev-premises"))
        if ev_at.size or station_bus.size:
            bus_area = np.full(len(net.bus), areas.size, dtype=np.intp)
            bus_area[premise_bus] = area_of_premise
            trafo_of_bus = np.asarray(grid.bus_transformer, dtype=np.int64)
            for j, trafo in enumerate(areas):
                bus_area[trafo_of_bus == trafo] = j
            home = dataclasses.replace(HOME_SESSIONS, sessions_per_day=ev_cfg.sessions_per_week / 7)
            if ev_cfg.energy_median_kwh is not None:
                home = dataclasses.replace(home, energy_median_kwh=ev_cfg.energy_median_kwh)
            ev = EvFleet.create(
                ev_at,
                rng=rng.generator("ev"),
                axis=axis,
                home_power_choices_kw=tuple(ev_cfg.home_power_choices_kw),
                home_power_shares=tuple(ev_cfg.home_power_shares),
                public_premises=n + np.arange(station_bus.size),
                public_power_kw=station_kw,
                area_of_premise=np.concatenate([area_of_premise, bus_area[station_bus]]),
                policy=ev_cfg.policy,
                allocation=ev_cfg.allocation,
                tou_window_h=ev_cfg.tou_window_h,
                home_sessions=home,
                fault_rates_per_year={str(k): v for k, v in ev_cfg.fault_rates_per_year.items()},
                repair_mean_h=ev_cfg.repair_mean_h,
                voltage_limits_pu=ev_cfg.voltage_limits_pu,
            )
            _charged_before_start(ev)
        return cls(
            n=n,
            pv=pv,
            storage=storage,
            ev=ev,
            premise_bus=premise_bus,
            station_bus=station_bus,
            station_rows=station_rows,
            area_of_premise=area_of_premise,
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
            Household mean power per premise [kW].
        closed : numpy.ndarray
            Relay (0-0:96.3.10) closed per premise: an open relay zeroes the
            whole premise, DER included (inverters stop without the grid).
        """
        n, dt_h = self.n, t.dt_s / 3600.0
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
            headroom = self._headroom
            if self.ev.policy == "managed":
                headroom = self._managed_headroom_kw(hh - pv_kw)
            power = self.ev.step(t, headroom, vm_ev)
            home = ~self.ev.is_public
            np.add.at(ev_kw, self.ev.premise[home], power[home])
            self.station_kw = power[~home]
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
        s = self.totals
        s.pv_kwh += float(pv_kw.sum()) * dt_h
        s.storage_charge_kwh += float(np.clip(storage_kw, 0, None).sum()) * dt_h
        s.storage_discharge_kwh -= float(np.clip(storage_kw, None, 0).sum()) * dt_h
        s.ev_home_kwh += float(ev_kw.sum()) * dt_h
        s.ev_public_kwh += float(self.station_kw.sum()) * dt_h
        s.peak_export_kw = max(s.peak_export_kw, float(np.clip(-net, 0, None).sum()))
        return net

    def station_load_p_mw(self) -> NDArray[np.float64]:
        """Last interval's power of every public connector's load row [MW]."""
        return self.station_kw / 1e3

    def after_flow(self, result: PowerFlowResult) -> None:
        """Keep the voltages and the EV headroom of this power flow for the next interval.

        A non-converged flow keeps the previous values. NaN voltages (a
        de-energised bus) count as nominal.
        """
        if not result.converged:
            return
        vm = result.vm_pu
        self._vm_premise = np.nan_to_num(vm[self._premise_bus], nan=1.0)
        if self.station_bus.size:
            self._vm_station = np.nan_to_num(vm[self.station_bus], nan=1.0)
        if self.ev is not None and self.ev.policy == "managed":
            self._headroom = self._headroom_kw(result)

    def _managed_headroom_kw(self, non_ev_kw: NDArray[np.float64]) -> dict[int, float]:
        """This interval's EV headroom per area [kW].

        The headroom of the previous power flow, less the change of the
        premises' own household-minus-PV load since then (known at the
        interval start, so the household evening ramp does not lag); before
        the first power flow, the cap less that load.
        """
        load = np.zeros(self._rating_kva.size + 1)
        np.add.at(load, self._area, non_ev_kw)
        previous, self._non_ev_area = self._non_ev_area, load
        if self._headroom is None or previous is None:
            return {
                j: max(self._cap * float(self._rating_kva[j]) - abs(float(load[j])), 0.0)
                for j in range(self._rating_kva.size)
                if self._trafo_row[j] >= 0
            }
        return {j: max(h - float(load[j] - previous[j]), 0.0) for j, h in self._headroom.items()}

    def _headroom_kw(self, result: PowerFlowResult) -> dict[int, float]:
        """EV power each LV transformer area may draw next interval [kW].

        From the previous interval's transformer power ``P`` [kW] and EV power
        ``P_ev`` of the area: ``P_ev + cap x rating / r - P``, where ``r`` is
        the ratio of the transformer's loading (in kVA of rating) to ``|P|``
        (reactive power, voltage drop and losses make a kW load the
        transformer by more than a kVA). Under reverse flow (PV export,
        ``P < 0``) EV charging first absorbs the export, then may draw up to
        the cap.
        """
        assert self.ev is not None
        ev_area = np.zeros(self._rating_kva.size + 1)
        np.add.at(ev_area, self._area, self.ev_kw)
        if self.ev.is_public.any():
            np.add.at(ev_area, self.ev.area[self.ev.is_public], self.station_kw)
        out: dict[int, float] = {}
        for j, row in enumerate(self._trafo_row):
            if row < 0:
                continue
            loading = float(result.trafo_loading_percent[row]) / 100.0
            p_kw = float(result.trafo_p_mw[row]) * 1e3
            if not (np.isfinite(loading) and np.isfinite(p_kw)):
                continue
            rating = float(self._rating_kva[j])
            big = abs(p_kw) > 0.05 * rating
            ratio = max(loading * rating / abs(p_kw), 1.0) if big else 1.0
            out[j] = max(ev_area[j] + self._cap * rating / ratio - p_kw, 0.0)
        return out

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
            self.totals.pv_curtailed_kwh = float(self.pv.curtailed_kwh.sum())

    def premise_columns(self) -> dict[str, NDArray]:
        """Per-premise flags and ratings for ``truth/premise``."""
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
