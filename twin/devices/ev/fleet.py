"""The vectorised EV-charging fleet (layer 2): home and public chargers, OCPP-like records.

Every session of the run (plug-in, planned unplug, energy wanted) is drawn at
:meth:`EvFleet.create` (:mod:`twin.devices.ev.sessions`), and so are the
random hardware faults. :meth:`EvFleet.step` then integrates the interval
``[start, start + dt)`` exactly from those times: a plug-in, a full battery,
an unplug, a fault or a repair inside the interval is prorated to the second.
Because the fleet knows its own schedule, the result does not depend on
whether the engine applies the events of an interval before or after the
step (it steps at the interval start). :meth:`EvFleet.events` lists the
plug-ins and unplugs for the engine to schedule as SimPy events;
:meth:`EvFleet.apply` keeps :attr:`EvFleet.plugged` current between steps.

Fullness and voltage faults depend on the run (policy, power flow) and are
reported with their exact times in :meth:`EvFleet.status_changes`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from twin.clock import IntervalTime, TimeAxis
from twin.devices.ev.events import EV_EVENT_KINDS, EvEvent, session_events
from twin.devices.ev.kernel import (
    allocate_earliest_departure,
    allocate_proportional,
    interval_request_kwh,
)
from twin.devices.ev.params import Allocation, EvParams, Policy
from twin.devices.ev.records import STATUS_COLUMNS, RecordBuffer
from twin.devices.ev.sessions import SessionTable, draw_sessions
from twin.devices.ev.state import (
    ActiveSessions,
    ChargerFaults,
    delayed_ready_s,
    draw_faults,
    headroom_budget_kwh,
    home_sessions_overlapping,
    take_chargers,
)
from twin.devices.ev.transactions import TransactionLedger
from twin.devices.positions import kept_positions, premise_indices

__all__ = ["EV_EVENT_KINDS", "EvEvent", "EvFleet"]


class EvFleet:
    """Home and public chargers with drawn sessions, a charging policy and faults.

    Attributes
    ----------
    n : int
        Number of chargers (home chargers first, then public connectors).
    premise : numpy.ndarray
        Premise index of each charger (int64); the engine feeds
        ``vm_pu[premise]`` back.
    power_kw : numpy.ndarray
        Charger power rating [kW].
    is_public : numpy.ndarray
        Public DC connector (bool).
    area : numpy.ndarray
        Area (LV transformer) index of each charger, for ``managed``.
    plugged : numpy.ndarray
        An EV is connected now (bool), kept by :meth:`apply`.
    refused_sessions : numpy.ndarray
        Plug-ins refused because the charger was faulted (int64 per charger).
    sessions : SessionTable
        Every session of the run.
    charger_index : numpy.ndarray
        Position of each charger in the whole fleet (``0 .. n-1`` unless the
        fleet is a shard's part, :meth:`take`): its identity in the tables.
    n_total, n_areas : int
        Number of chargers and of areas (``managed``) of the whole fleet.

    References
    ----------
    .. [1] Open Charge Alliance (2017), OCPP 1.6 edition 2.
    .. [2] EA Technology / WPD (2019), Electric Nation Customer Trial.
    .. [3] EA Technology (2016), My Electric Avenue Summary Report.
    .. [4] ElaadNL (2016), EV charging data 2015.
    """

    def __init__(
        self,
        *,
        premise: NDArray[np.int64],
        power_kw: NDArray[np.float64],
        is_public: NDArray[np.bool_],
        area: NDArray[np.intp],
        sessions: SessionTable,
        faults: tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int8], NDArray],
        policy: Policy,
        allocation: Allocation,
        voltage_limits_pu: tuple[float, float],
        duration_s: int,
        charger_index: NDArray[np.int64] | None = None,
        n_total: int | None = None,
        n_areas: int | None = None,
    ) -> None:
        """Assemble a fleet; use :meth:`create` (and :meth:`take`) instead."""
        self.n = int(premise.size)
        self._duration_s = duration_s
        self.premise, self.power_kw, self.is_public, self.area = premise, power_kw, is_public, area
        self.charger_index = np.arange(self.n) if charger_index is None else charger_index
        self.n_total = self.n if n_total is None else n_total
        self.n_areas = (int(area.max()) + 1 if area.size else 0) if n_areas is None else n_areas
        self.sessions = s = sessions
        self._drawn_faults = faults
        self._stepped = False
        self.policy, self._allocation, self._vlim = policy, allocation, voltage_limits_pu
        self._status_out = RecordBuffer(STATUS_COLUMNS, ("charger_id", "time_s"))
        self._faults = ChargerFaults(self.n, faults, voltage_limits_pu, self._status_out)
        self._next = 0
        self._active = ActiveSessions.empty()
        self._ledger = TransactionLedger(sessions, premise, self._status_out)
        self.refused_sessions = np.zeros(self.n, dtype=np.int64)
        self.plugged = np.zeros(self.n, dtype=bool)
        now = (s.arrive_s <= 0) & (s.depart_s > 0)
        self.plugged[s.charger[now]] = True

    @classmethod
    def create(
        cls,
        home_premises: ArrayLike,
        *,
        rng: np.random.Generator,
        axis: TimeAxis,
        params: EvParams | None = None,
        home_power_kw: ArrayLike | None = None,
        public_premises: ArrayLike = (),
        public_power_kw: ArrayLike = 50.0,
        area_of_premise: ArrayLike | None = None,
    ) -> EvFleet:
        """Place chargers and draw every session and fault of the run.

        Parameters
        ----------
        home_premises : array_like
            Premise index of each home charger (one EV each).
        rng : numpy.random.Generator
            The fleet's generator (used only here).
        axis : TimeAxis
            The run's interval grid and time zone (arrival hours are local).
        params : EvParams, optional
            Charger ratings, sessions, policy and faults; default ``EvParams()``.
        home_power_kw : array_like, optional
            Rating per home charger [kW]; else drawn from
            ``params.home_power_choices_kw`` with ``params.home_power_shares``.
        public_premises : array_like
            Premise (bus) index of each public DC connector.
        public_power_kw : array_like
            Public connector rating [kW] (DC 50-150), scalar or per connector.
        area_of_premise : array_like, optional
            Area (LV transformer) index of every premise, for ``managed``;
            default: one area.

        Returns
        -------
        EvFleet

        Raises
        ------
        ValueError
            If there is no charger, or a given rating is not > 0.
        """
        p = EvParams() if params is None else params
        home = np.atleast_1d(np.asarray(home_premises, dtype=np.int64))
        public = np.atleast_1d(np.asarray(public_premises, dtype=np.int64))
        n_home, n_pub = home.size, public.size
        if n_home + n_pub < 1:
            raise ValueError("home_premises and public_premises given empty; expected a charger")
        if home_power_kw is None:
            shares = np.asarray(p.home_power_shares, dtype=np.float64)
            choices = np.asarray(p.home_power_choices_kw)
            home_kw = rng.choice(choices, n_home, p=shares / shares.sum())
        else:
            home_kw = np.broadcast_to(np.asarray(home_power_kw, dtype=np.float64), (n_home,))
        pub_kw = np.broadcast_to(np.asarray(public_power_kw, dtype=np.float64), (n_pub,))
        power = np.concatenate([home_kw, pub_kw]).astype(np.float64)
        if np.any(~(power > 0)):
            raise ValueError("charger power given values <= 0; expected > 0")
        premise = np.concatenate([home, public])
        chargers = np.arange(premise.size, dtype=np.int64)
        tables = [draw_sessions(chargers[:n_home], p.home_sessions, rng, axis)]
        if n_pub:
            tables.append(draw_sessions(chargers[n_home:], p.public_sessions, rng, axis))
        sessions = SessionTable.concat(tables)
        if p.policy == "delayed":
            sessions.ready_s = delayed_ready_s(
                sessions,
                n_home,
                axis,
                p.tou_window_h,
                rng.uniform(0.0, p.delay_spread_s, sessions.size),
            )
        if area_of_premise is None:
            area = np.zeros(premise.size, dtype=np.intp)
        else:
            area = np.asarray(area_of_premise, dtype=np.intp)[premise]
        faults = draw_faults(rng, premise.size, axis, p.fault_rates_per_year, p.repair_mean_h)
        return cls(
            premise=premise,
            power_kw=power,
            is_public=chargers >= n_home,
            area=area,
            sessions=sessions,
            faults=faults,
            policy=p.policy,
            allocation=p.allocation,
            voltage_limits_pu=p.voltage_limits_pu,
            duration_s=axis.duration_s,
        )

    def take(self, chargers: ArrayLike, premise: ArrayLike) -> EvFleet:
        """The fleet of the chargers ``chargers`` only (a shard's part of the fleet).

        Everything was drawn for the whole fleet at :meth:`create`; this keeps
        the chosen chargers with their sessions (and session numbers) and
        drawn faults, so that each behaves exactly as in the whole fleet
        (``charger_index``, ``n_total`` and ``n_areas`` stay the whole
        fleet's). Call it before the first :meth:`step` (else ValueError).

        Parameters
        ----------
        chargers : array_like
            Positions in this fleet of the chargers to keep, strictly increasing.
        premise : array_like
            Premise index of each kept charger in the new fleet.

        Returns
        -------
        EvFleet
        """
        if self._stepped:
            raise ValueError("take given a fleet that has stepped; expected a fresh fleet")
        keep = kept_positions(chargers, self.n, "chargers")
        sessions, faults = take_chargers(self.sessions, self._drawn_faults, keep, self.n)
        return EvFleet(
            premise=premise_indices(premise, keep.size),
            power_kw=self.power_kw[keep],
            is_public=self.is_public[keep],
            area=self.area[keep],
            sessions=sessions,
            faults=faults,
            policy=self.policy,
            allocation=self._allocation,
            voltage_limits_pu=self._vlim,
            duration_s=self._duration_s,
            charger_index=self.charger_index[keep],
            n_total=self.n_total,
            n_areas=self.n_areas,
        )

    def without_home_sessions_during(
        self, premise: ArrayLike, start_s: ArrayLike, end_s: ArrayLike
    ) -> EvFleet:
        """A new fleet less the home sessions that overlap a period away from their premise.

        The EV is away with its household (holiday, between tenants, a second
        home between stays, a vacant home): see
        :func:`~twin.devices.ev.state.home_sessions_overlapping`; the others
        keep their numbers. ``premise`` as in :attr:`premise`, ``start_s``,
        ``end_s`` [s since the run start]. Call it before the first :meth:`step`.
        """
        if self._stepped:
            raise ValueError("without_home_sessions_during given a stepped fleet; expected fresh")
        s = self.sessions
        periods = (np.asarray(premise), np.asarray(start_s), np.asarray(end_s))
        drop = home_sessions_overlapping(s, self.premise, self.is_public, *periods)
        return EvFleet(
            premise=self.premise,
            power_kw=self.power_kw,
            is_public=self.is_public,
            area=self.area,
            sessions=s.take(~drop),
            faults=self._drawn_faults,
            policy=self.policy,
            allocation=self._allocation,
            voltage_limits_pu=self._vlim,
            duration_s=self._duration_s,
            charger_index=self.charger_index,
            n_total=self.n_total,
            n_areas=self.n_areas,
        )

    # ------------------------------------------------------------------ events
    def events(self) -> list[EvEvent]:
        """Plug-ins and unplugs strictly inside the run, sorted by time then charger."""
        return session_events(self.sessions, self._duration_s)

    def apply(self, event: EvEvent) -> None:
        """Update :attr:`plugged` for ``event`` (energy is integrated by :meth:`step`)."""
        if not 0 <= event.charger < self.n:
            raise ValueError(f"event charger given {event.charger!r}; expected 0 .. {self.n - 1}")
        if event.kind not in EV_EVENT_KINDS:
            raise ValueError(
                f"event kind given an invalid value {event.kind!r}; "
                f"expected one of {set(EV_EVENT_KINDS)}"
            )
        self.plugged[event.charger] = event.kind == "plug_in"

    # -------------------------------------------------------------------- step
    def step(
        self,
        t: IntervalTime,
        headroom_kw_by_area: NDArray[np.float64] | Mapping[int, float] | None = None,
        vm_pu_prev: NDArray[np.float64] | None = None,
        cap_kw: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """Mean charging power of every charger over interval ``t`` [kW].

        Parameters
        ----------
        t : IntervalTime
            The interval ``[start_s, start_s + dt_s)``; call in order. The
            interval that reaches the run's end also stops the sessions still
            open then (see :meth:`finished_sessions`).
        headroom_kw_by_area : numpy.ndarray or Mapping[int, float], optional
            For ``managed``: the EV power each area may draw this interval
            [kW] (from the previous power flow: transformer limit minus the
            non-EV load); ``(n_areas,)`` or ``{area: kW}`` (missing = no cap).
            Ignored by the other policies; None = no cap.
        vm_pu_prev : numpy.ndarray, optional
            Previous power flow's voltage at each charger's bus [pu],
            ``(n,)`` (``vm_pu[premise]``); outside ``voltage_limits_pu`` the
            charger faults with OverVoltage/UnderVoltage until it is back.
        cap_kw : numpy.ndarray, optional
            Demand response: most each charger may draw [kW] ``(n,)``; the rest stays wanted.

        Returns
        -------
        numpy.ndarray
            Mean power [kW], float64 ``(n,)``, >= 0 (a load).
        """
        a, dt = float(t.start_s), float(t.dt_s)
        b = a + dt
        self._stepped = True
        self._faults.random(b)
        if vm_pu_prev is not None:
            self._faults.voltage(a, np.asarray(vm_pu_prev, dtype=np.float64))
        self._admit(a, b)
        act = self._active
        ch = act.ch
        cut = act.depart
        if np.isfinite(self._faults.fault_s).any():
            fault = self._faults.fault_s[ch]
            cut = np.where((fault >= act.arrive) & (fault < cut), fault, cut)
        w0 = np.maximum(a, act.ready)
        w1 = np.minimum(b, cut)
        request = interval_request_kwh(w0, w1, act.p_max, act.need)
        grant = request
        if self.policy == "managed" and headroom_kw_by_area is not None and request.size:
            budget = headroom_budget_kwh(headroom_kw_by_area, self.n_areas, dt)
            if self._allocation == "proportional":
                grant = allocate_proportional(request, act.area, budget)
            else:
                grant = allocate_earliest_departure(request, act.depart, act.area, budget)
        if cap_kw is not None and request.size:
            grant = np.minimum(grant, np.asarray(cap_kw, dtype=np.float64)[ch] * dt / 3600.0)
        go = np.maximum(act.ready, a)
        waited = (act.ready > act.arrive) & (go < w1) & ((act.ready >= a) | act.new)
        if waited.any():
            self._status(ch[waited], go[waited], "Charging")
        full = (act.need > 1e-9) & (act.need - grant <= 1e-9)
        if full.any():
            full_s = w0[full] + grant[full] / act.p_max[full] * 3600.0
            self._status(ch[full], np.minimum(full_s, w1[full]), "SuspendedEV")
        if act.new.any():
            self._ledger.start(act, grant)
        act.need -= grant
        energy = np.bincount(ch, weights=grant, minlength=self.n)
        self._ledger.register_wh += energy * 1000.0
        ended = cut < b
        if ended.any():
            self._ledger.finish(act, ended, cut[ended], self._faults.code)
            self._active = act.take(~ended)
        if b >= self._duration_s and self._active.ch.size:
            self._ledger.close_at_run_end(self._active, self._duration_s)
            self._active = ActiveSessions.empty()
        self._faults.repairs(b)
        return np.asarray(energy * (3600.0 / dt), dtype=np.float64)

    # ---------------------------------------------------------------- records
    def finished_sessions(self) -> dict[str, NDArray]:
        """Drain the OCPP-like transactions that stopped since the last call.

        Returns
        -------
        dict of numpy.ndarray
            Columns of :data:`~twin.devices.ev.records.SESSION_COLUMNS`:
            ``transaction_id`` (the session's :attr:`SessionTable.number`
            + 1, the same in a shard's part of the fleet as in the whole),
            ``charger_id`` (position in this fleet, see
            :attr:`charger_index`), ``connector`` (1), ``premise``,
            ``start_s``, ``stop_s``, ``departure_s`` (planned unplug) [s],
            ``meter_start_wh``, ``meter_stop_wh`` (the charger's own
            register) [Wh], ``soc_start``, ``soc_end`` [-],
            ``stop_reason`` (OCPP 1.6 Reason: EVDisconnected, or
            EmergencyStop / PowerLoss / Other after a fault),
            ``energy_requested_wh``, ``energy_not_delivered_wh`` [Wh];
            sorted by stop time then charger. The step of the interval that
            reaches the run's end stops every session still open at the run
            end, with its energy so far and ``stop_reason``
            :data:`~twin.devices.ev.records.END_OF_RUN` (``stop_s`` the run's
            duration, ``energy_not_delivered_wh`` 0), so that each charger's
            sessions add up to its energy.
        """
        return self._ledger.out.drain()

    def status_changes(self) -> dict[str, NDArray]:
        """Drain the charger status changes since the last call.

        Returns
        -------
        dict of numpy.ndarray
            ``charger_id`` (int64, position in this fleet), ``time_s``
            (int64), ``status`` (OCPP 1.6 ChargePointStatus: Charging,
            SuspendedEVSE, SuspendedEV, Available, Faulted), ``error_code``
            (ChargePointErrorCode, NoError unless Faulted); sorted by time
            then charger.
        """
        return self._status_out.drain()

    # ---------------------------------------------------------------- helpers
    def _status(self, ch: NDArray, time_s: NDArray | float, status: NDArray | str) -> None:
        self._status_out.append(
            charger_id=ch, time_s=np.ceil(time_s), status=status, error_code="NoError"
        )

    def _admit(self, a: float, b: float) -> None:
        s = self.sessions
        stop = int(np.searchsorted(s.arrive_s, np.int64(np.ceil(b)), side="left"))
        if stop == self._next:
            return
        new = np.arange(self._next, stop)
        self._next = stop
        ch, arrive = s.charger[new], s.arrive_s[new]
        refused = (self._faults.fault_s[ch] <= arrive) & (arrive < self._faults.repair_s[ch])
        np.add.at(self.refused_sessions, ch[refused], 1)
        new, ch = new[~refused], ch[~refused]
        waiting = s.ready_s[new] > s.arrive_s[new]
        self._status(
            ch, np.maximum(s.arrive_s[new], 0), np.where(waiting, "SuspendedEVSE", "Charging")
        )
        self._active = self._active.extend(
            ActiveSessions.plugged_in(s, new, self.power_kw, self.area)
        )
