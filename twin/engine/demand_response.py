"""Demand response: programmes, their events over the downlink, and the devices' response.

The utility runs the programmes of the scenario's ``demand_response:``
section. Each enrols a share of the household premises that own one of its
responsive devices (one uniform draw per premise of the whole fleet from the
programme's own generator, so a sharded run enrols the same premises);
price programmes also draw who ignores prices. An event is called
``notice`` before its start (scheduled, or automatic from a transformer's
forecast loading, :mod:`twin.engine.dr_events`), shaped as an OpenADR 2.0b
event (:mod:`twin.engine.dr_openadr`) and sent to every participant's meter
as a SimPy process over the downlink (latency, loss, retries, the area's
concentrator, :func:`twin.comms.downlink.attempt_latency_s`). A lost signal
never acts; a late one acts late (``acted = max(delivered, start)``; after the
end, never); a participant opts out of an event with ``opt_out_probability``.

The management core of a premise with an acting event turns it into set-points
(:class:`~twin.devices.dr_control.DrControl`) at every interval start. The
response rule, the same for every kind, scales with the event's depth
``level / 3`` (a price event's level says how expensive its window is):

- EV home charger: draws at most ``1 - depth`` of its rating; what it does not
  draw stays wanted (drawn after the event, or not delivered if the EV leaves);
- battery: charges at full power during the :data:`PRECHARGE_S` before the
  start, then discharges to cover the premise's load until the end;
- heat pump: set back by ``depth * comfort_c`` below its set point; water
  heater: its element heats only below ``set_c - depth * comfort_c``. Both
  recover afterwards from their thermal state (the rebound);
- wet appliances (washing machine, tumble dryer, dishwasher): a cycle that
  would start while the event acts (depth > 0) waits for its end, at most
  ``wet_appliance_max_delay`` past when it was wished; running cycles go on,
  and a delayed cycle runs in full (:mod:`twin.devices.households.wet`).

The counterfactual (:mod:`twin.engine.dr_counterfactual`) comes from a shadow
copy of the enrolled premises' devices and the households' undelayed
wet-appliance schedule.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import simpy
from numpy.typing import NDArray

from twin.clock import SECONDS_PER_DAY, IntervalTime, TimeAxis, utc_stamps
from twin.comms.concentrators import Concentrators
from twin.comms.downlink import attempt_latencies_s
from twin.comms.technology import Technology
from twin.devices.behind_the_meter import DerFleets
from twin.devices.dr_control import STORAGE_DISCHARGE, STORAGE_PRECHARGE, DrControl
from twin.devices.heating.fleet import HEATING_KINDS
from twin.engine.dr_counterfactual import CounterfactualRecorder
from twin.engine.dr_events import (
    AUTO_EVENTS_PER_DAY,
    AUTO_LEVEL,
    HOUR_S,
    DrEvent,
    TransformerHistory,
    scheduled_events,
)
from twin.engine.dr_openadr import openadr_event
from twin.members import Members
from twin.random_streams import ItemStreams, RandomTree
from twin.scenario import Scenario
from twin.scenario.dr_models import DR_DEVICES, DrProgramme
from twin.streams import RunWriter

__all__ = ["PRECHARGE_S", "RETRY_EVERY_S", "DemandResponse"]

PRECHARGE_S: Final = 2 * HOUR_S
"""A battery charges at full power this long before an event's start [s] (assumed)."""
RETRY_EVERY_S: Final = 60.0
"""Wait before the platform re-sends an unacknowledged event [s] (assumed, as lighting)."""
_HEAT_PUMP: Final = HEATING_KINDS.index("heat_pump")


@dataclass
class _Dispatch:
    """The signals of one event to its participants (arrays over them)."""

    event: int  # position in DemandResponse.events
    premise: NDArray[np.int64]  # local
    sent_s: float
    delivered_s: NDArray[np.float64]
    acted_s: NDArray[np.float64]
    opted_out: NDArray[np.bool_]


class DemandResponse:
    """The programmes of a run (or of a shard), their events and the devices' response.

    Parameters
    ----------
    scenario : Scenario
        The run's scenario (with a ``demand_response`` section).
    axis : TimeAxis
        The run's intervals.
    der : DerFleets or None
        The run's behind-the-meter fleets (None: none in the scenario).
    wet_owned : numpy.ndarray
        bool ``(n,)``: each local household premise owns a wet appliance.
    members : Members
        The household premises simulated here (of the whole household fleet).
    premise_ids, meter_ids : list of str
        Identifiers of the local household premises and their meters.
    premise_transformer : numpy.ndarray
        ``net.trafo`` index of each local premise's area (-1: none).
    all_transformers : numpy.ndarray
        Every ``net.trafo`` index of the network (sorted), for event numbers.
    technology, retries, concentrators
        The downlink: latency and loss, attempts after the first, and the
        concentrators (household premise ``i`` is meter ``i``).
    shadow_factory : callable
        Makes the shadow fleets of the given household members (the same draws).
    rng : RandomTree
        The run's random tree; ``writer`` the run's writer.
    writes_shared : bool
        Write the events addressed to ``all`` (False in every shard of a
        sharded run but the first, so that the merged table has each once).
    """

    TABLES: Final = (
        "external/dr_event",
        "external/dr_dispatch",
        "truth/dr_enrollment",
        "truth/dr_counterfactual",
    )

    def __init__(
        self,
        scenario: Scenario,
        *,
        axis: TimeAxis,
        der: DerFleets | None,
        wet_owned: NDArray[np.bool_],
        members: Members,
        premise_ids: list[str],
        meter_ids: list[str],
        premise_transformer: NDArray[np.int64],
        all_transformers: NDArray[np.int64],
        technology: Technology,
        retries: int,
        concentrators: Concentrators,
        shadow_factory: Callable[[Members], DerFleets | None],
        rng: RandomTree,
        writer: RunWriter,
        writes_shared: bool = True,
    ) -> None:
        section = scenario.demand_response
        assert section is not None
        self.programmes: list[DrProgramme] = list(section.programmes)
        self.axis, self.der, self.members = axis, der, members
        self.n = members.n
        self._premise_ids, self._meter_ids = premise_ids, meter_ids
        self._transformer = np.asarray(premise_transformer, dtype=np.int64)
        self._all_trafos = np.asarray(all_transformers, dtype=np.int64)
        self._tech, self._retries = technology, retries
        self._concentrators = concentrators
        self._currency = None if scenario.tariffs is None else scenario.tariffs.currency
        self._writer = writer
        self._writes_shared = writes_shared
        self._streams = ItemStreams(scenario.seed, "dr-dispatch", members.index)
        self.owned = _owned_devices(der, wet_owned)
        self.enrolled: list[NDArray[np.bool_]] = []
        self.ignores: list[NDArray[np.bool_]] = []
        self.responds: list[NDArray[np.bool_]] = []  # (n, 5) devices that respond
        for p in self.programmes:
            g = rng.generator(f"dr-enrollment-{p.name}")
            u = members.take(g.random(members.n_total))
            v = members.take(g.random(members.n_total))
            wanted = np.array([d in p.devices for d in DR_DEVICES])
            responds = self.owned & wanted[None, :]
            eligible = responds.any(axis=1)
            enrolled = eligible & (u < p.enrollment)
            ignores = enrolled & (v < p.ignore_share) if p.kind == "price" else enrolled & False
            self.enrolled.append(enrolled)
            self.ignores.append(ignores)
            self.responds.append(responds)
        self._write_enrollment()
        self.events: list[DrEvent] = []
        self.dispatches: list[_Dispatch] = []
        self._scheduled = [scheduled_events(p, j, axis) for j, p in enumerate(self.programmes)]
        self.history: TransformerHistory | None = None
        # acting events per premise, as arrays that grow
        self._act = _Actions()
        # the shadow: enrolled premises of any programme
        union = np.zeros(self.n, dtype=bool)
        for e in self.enrolled:
            union |= e
        self.shadow_local = np.flatnonzero(union).astype(np.int64)
        self.shadow: DerFleets | None = None
        self.counterfactual: CounterfactualRecorder | None = None
        if self.shadow_local.size:
            if der is not None:
                shadow_members = Members(members.index[self.shadow_local], members.n_total)
                self.shadow = shadow_factory(shadow_members)
            self.counterfactual = CounterfactualRecorder(
                writer,
                axis,
                [premise_ids[i] for i in self.shadow_local.tolist()],
                [meter_ids[i] for i in self.shadow_local.tolist()],
                self._transformer[self.shadow_local],
            )
        self._auto_days: dict[tuple[int, int], list[int]] = {}
        self._auto_busy: dict[tuple[int, int], int] = {}

    # ------------------------------------------------------------------ schedule
    def schedule(self, env: simpy.Environment, history: TransformerHistory | None) -> None:
        """Start the calling processes (before the interval process starts)."""
        self.history = history
        for events in self._scheduled:
            for event in events:
                env.process(self._call_at(env, event))
        for j, p in enumerate(self.programmes):
            if p.trigger is not None and history is not None and history.ids.size:
                env.process(self._watch(env, j))

    def _call_at(self, env: simpy.Environment, event: DrEvent) -> Generator[simpy.Event, Any, None]:
        if event.called_s > env.now:
            yield env.timeout(event.called_s - env.now)
        self._call(env, event)

    def _call(self, env: simpy.Environment, event: DrEvent) -> None:
        """Record the event and send it to every participant."""
        at = len(self.events)
        self.events.append(event)
        if self.counterfactual is not None:
            self.counterfactual.add_event(event.start_s, event.end_s, event.transformer)
        who = self.enrolled[event.programme]
        if event.transformer is not None:
            who = who & (self._transformer == event.transformer)
        premise = np.flatnonzero(who).astype(np.int64)
        if premise.size:
            env.process(self._send(env, at, premise))

    def _send(
        self, env: simpy.Environment, at: int, premise: NDArray[np.int64]
    ) -> Generator[simpy.Event, Any, None]:
        """Attempts over the downlink, every participant at once; a failed attempt is
        retried after :data:`RETRY_EVERY_S`; a signal lost on every attempt never acts."""
        event = self.events[at]
        programme = self.programmes[event.programme]
        m, attempts = premise.size, self._retries + 1
        draws = self._streams.random(premise, 1 + 2 * attempts)
        d = _Dispatch(
            at, premise, float(env.now), np.full(m, np.nan), np.full(m, np.nan),
            draws[:, 0] < programme.opt_out_probability,
        )  # fmt: skip
        self.dispatches.append(d)
        horizon = float(self.axis.duration_s)
        pending = np.arange(m)
        concentrators = self._concentrators
        for attempt in range(attempts):
            if attempt:
                if env.now + RETRY_EVERY_S >= horizon:
                    break
                yield env.timeout(RETRY_EVERY_S)
            local = premise[pending]
            up = concentrators.up[concentrators.area[local]]
            latency, arrives = attempt_latencies_s(
                self._tech,
                self._tech.loss,
                draws[pending, 1 + 2 * attempt],
                draws[pending, 2 + 2 * attempt],
                up=up,
            )
            when = float(env.now) + latency
            # arriving after the run end: still on its way, never retried
            d.delivered_s[pending[arrives & (when < horizon)]] = when[arrives & (when < horizon)]
            pending = pending[~arrives]
            if not pending.size:
                break
        ignoring = self.ignores[event.programme][premise]
        acts = np.isfinite(d.delivered_s) & ~d.opted_out & ~ignoring
        acts &= d.delivered_s < event.end_s
        d.acted_s[acts] = np.maximum(d.delivered_s[acts], float(event.start_s))
        if acts.any():
            self._act.add(
                premise[acts], d.delivered_s[acts], d.acted_s[acts], event, programme,
                self.responds[event.programme][premise[acts]],
            )  # fmt: skip

    def _watch(self, env: simpy.Environment, j: int) -> Generator[simpy.Event, Any, None]:
        """Every hour: forecast the hour ``notice`` ahead, call events where it is too high."""
        p = self.programmes[j]
        trigger = p.trigger
        assert trigger is not None and self.history is not None
        history = self.history
        watched = np.ones(history.ids.size, dtype=bool)
        if trigger.transformers != "all":
            watched = np.isin(history.ids, np.asarray(trigger.transformers, dtype=np.int64))
        duration = p.trigger_duration_s
        n_sched = len(p.events)
        days = int(trigger.history) // SECONDS_PER_DAY
        while True:
            now = int(env.now)
            start = now + int(p.notice)
            if start < self.axis.duration_s:
                got = history.forecast(start, now, days)
                if got is not None:
                    loading, p_kw = got
                    over = np.flatnonzero(watched & (loading > trigger.loading_percent))
                    when = self.axis.start + pd.Timedelta(seconds=start)
                    local_day = when.tz_convert(self.axis.timezone).toordinal()
                    for t in over.tolist():
                        trafo = int(history.ids[t])
                        key = (j, trafo)
                        if self._auto_busy.get(key, -1) > start:
                            continue
                        used = self._auto_days.setdefault(key, [])
                        if used.count(local_day) >= AUTO_EVENTS_PER_DAY:
                            continue
                        used.append(local_day)
                        self._auto_busy[key] = start + duration
                        rank = int(np.searchsorted(self._all_trafos, trafo))
                        number = n_sched + 1 + (now // HOUR_S) * self._all_trafos.size + rank
                        target = float(p_kw[t] * (1.0 - trigger.loading_percent / loading[t]))
                        self._call(
                            env,
                            DrEvent(j, number, now, start, start + duration, AUTO_LEVEL, None,
                                    trafo, target),
                        )  # fmt: skip
            nxt = (now // HOUR_S + 1) * HOUR_S
            if nxt >= self.axis.duration_s:
                return
            yield env.timeout(nxt - now)

    # ------------------------------------------------------------------ interval
    def control(self, t: IntervalTime) -> DrControl | None:
        """The set-points of interval ``t`` (None when nothing acts)."""
        return self._act.control(self.n, float(t.start_s), float(t.start_s + t.dt_s))

    def step_shadow(
        self,
        t: IntervalTime,
        hh_p_kw: NDArray[np.float64],
        closed: NDArray[np.bool_],
        present: NDArray[np.bool_],
        vacant: NDArray[np.bool_],
        wet_shift_kw: NDArray[np.float64] | None = None,
    ) -> None:
        """Advance the shadow with the same inputs as the real devices, without signals.

        ``wet_shift_kw`` (undelayed less actual wet-appliance power, ``(n,)``
        [kW]) is added to the household power the shadow sees.
        """
        if self.shadow is None:
            return
        s = self.shadow_local
        hh = hh_p_kw[s] if wet_shift_kw is None else hh_p_kw[s] + wet_shift_kw[s]
        self.shadow.step(t, hh, closed[s], present[s], vacant[s])
        if self.shadow.ev is not None:  # nothing records the shadow's sessions
            self.shadow.ev.status_changes()
            self.shadow.ev.finished_sessions()

    def close_interval(
        self,
        k: int,
        p_kw: NDArray[np.float64],
        wet_shift_kw: NDArray[np.float64] | None = None,
    ) -> None:
        """Counterfactual of interval ``k`` from the premises' true power ``p_kw`` (local).

        ``wet_shift_kw``: the households' undelayed less actual wet-appliance
        power [kW] (local; 0 behind an open relay).
        """
        if self.counterfactual is None:
            return
        s = self.shadow_local
        der, sh = self.der, self.shadow
        p = np.asarray(p_kw, dtype=np.float64)[s]
        shift = np.zeros(s.size)
        if der is not None and sh is not None:
            actual = der.thermal_kw[s] + der.ev_kw[s] + der.storage_kw[s]
            shift += sh.thermal_kw + sh.ev_kw + sh.storage_kw - actual
        if wet_shift_kw is not None:
            shift += wet_shift_kw[s]
        none = np.full(s.size, np.nan)
        real = None if der is None else der.thermal
        twin_ = None if sh is None else sh.thermal
        self.counterfactual.interval(
            k,
            p + shift,
            p,
            none if twin_ is None else twin_.indoor_c,
            none if real is None else real.indoor_c[s],
            none if twin_ is None else twin_.tank_c,
            none if real is None else real.tank_c[s],
        )

    def after_flow(self, **flow: Any) -> None:
        """Give the shadow the voltages of this power flow."""
        if self.shadow is not None:
            self.shadow.after_flow(**flow)

    # ------------------------------------------------------------------ tables
    def finish(self) -> None:
        """Write the events, the dispatches and the rest of the counterfactual."""
        if self.counterfactual is not None:
            self.counterfactual.finish()
        self._write_events()
        self._write_dispatches()

    def counts(self) -> dict[str, int]:
        """Events called (those this run or shard writes), signals sent, delivered, acted on
        and opted out, for the run summary."""
        d = self.dispatches
        return {
            "events": sum(e.transformer is not None or self._writes_shared for e in self.events),
            "signals": int(sum(x.premise.size for x in d)),
            "delivered": int(sum(np.isfinite(x.delivered_s).sum() for x in d)),
            "acted": int(sum(np.isfinite(x.acted_s).sum() for x in d)),
            "opted_out": int(sum(x.opted_out.sum() for x in d)),
        }

    def _write_enrollment(self) -> None:
        w = self._writer.table("truth/dr_enrollment")
        names = np.asarray(DR_DEVICES, dtype=object)
        for j, p in enumerate(self.programmes):
            responds = self.responds[j]
            rows = np.flatnonzero(responds.any(axis=1))
            if not rows.size:
                continue
            devices = [",".join(names[responds[i]]) for i in rows.tolist()]
            w.append(
                {
                    "premise_id": [self._premise_ids[i] for i in rows.tolist()],
                    "meter_id": [self._meter_ids[i] for i in rows.tolist()],
                    "programme": [p.name] * rows.size,
                    "enrolled": self.enrolled[j][rows],
                    "ignores": self.ignores[j][rows],
                    "devices": devices,
                }
            )

    def _write_events(self) -> None:
        if not self.events:
            return
        ev = sorted(
            (e for e in self.events if e.transformer is not None or self._writes_shared),
            key=lambda e: (e.programme, e.number),
        )
        if not ev:
            return
        axis = self.axis
        stamp = axis.start.tz_convert("UTC")
        openadr, signal = [], []
        for e in ev:
            p = self.programmes[e.programme]
            sig = "ELECTRICITY_PRICE" if e.price_per_kwh is not None else "SIMPLE"
            signal.append(sig)
            openadr.append(
                openadr_event(
                    event_id=e.event_id,
                    programme=p.name,
                    called_at=stamp + pd.Timedelta(seconds=e.called_s),
                    start=stamp + pd.Timedelta(seconds=e.start_s),
                    duration_s=e.end_s - e.start_s,
                    notice_s=e.start_s - e.called_s,
                    signal=sig,
                    level=e.level,
                    price_per_kwh=e.price_per_kwh,
                    currency=self._currency,
                    area=e.area,
                )
            )
        w = self._writer.table("external/dr_event")
        w.append_batch(
            pa.RecordBatch.from_arrays(
                [
                    pa.array([e.event_id for e in ev], pa.string()),
                    pa.array([self.programmes[e.programme].name for e in ev], pa.string()),
                    pa.array([self.programmes[e.programme].kind for e in ev], pa.string()),
                    pa.array([e.area for e in ev], pa.string()),
                    utc_stamps(axis, np.array([e.called_s for e in ev], dtype=np.float64)),
                    utc_stamps(axis, np.array([e.start_s for e in ev], dtype=np.float64)),
                    utc_stamps(axis, np.array([e.end_s for e in ev], dtype=np.float64)),
                    pa.array([e.target_kw for e in ev], pa.float64()),
                    pa.array(signal, pa.string()),
                    pa.array([e.level for e in ev], pa.int64()),
                    pa.array([e.price_per_kwh for e in ev], pa.float64()),
                    pa.array(openadr, pa.string()),
                ],
                schema=w.schema,
            )
        )

    def _write_dispatches(self) -> None:
        events = self.events
        parts = sorted(
            self.dispatches, key=lambda d: (events[d.event].programme, events[d.event].number)
        )
        if not parts:
            return
        premise = np.concatenate([d.premise for d in parts])
        event_id = np.concatenate(
            [np.full(d.premise.size, self.events[d.event].event_id, dtype=object) for d in parts]
        )
        programme = np.concatenate(
            [
                np.full(d.premise.size, self.programmes[self.events[d.event].programme].name,
                        dtype=object)
                for d in parts
            ]
        )  # fmt: skip
        sent = np.concatenate([np.full(d.premise.size, d.sent_s) for d in parts])
        axis = self.axis
        w = self._writer.table("external/dr_dispatch")
        w.append_batch(
            pa.RecordBatch.from_arrays(
                [
                    pa.array(event_id, pa.string()),
                    pa.array(programme, pa.string()),
                    pa.array(np.asarray(self._premise_ids, dtype=object)[premise], pa.string()),
                    pa.array(np.asarray(self._meter_ids, dtype=object)[premise], pa.string()),
                    utc_stamps(axis, sent),
                    utc_stamps(axis, np.concatenate([d.delivered_s for d in parts])),
                    utc_stamps(axis, np.concatenate([d.acted_s for d in parts])),
                    pa.array(np.concatenate([d.opted_out for d in parts]), pa.bool_()),
                ],
                schema=w.schema,
            )
        )


class _Actions:
    """The acting events of every premise, as blocks of arrays."""

    _COLUMNS = 9  # premise, delivered, acted, start, end, depth, comfort, device bits, wet delay

    def __init__(self) -> None:
        self._blocks: list[NDArray[np.float64]] = []
        self._arr: NDArray[np.float64] | None = None

    def add(
        self,
        premise: NDArray[np.int64],
        delivered_s: NDArray[np.float64],
        acted_s: NDArray[np.float64],
        event: DrEvent,
        programme: DrProgramme,
        responds: NDArray[np.bool_],
    ) -> None:
        """Participants ``premise`` act on ``event`` from ``acted_s`` with the devices
        ``responds`` (bool ``(m, 5)``)."""
        premise = np.atleast_1d(premise)
        bits = np.atleast_2d(responds).astype(np.int64) @ (1 << np.arange(len(DR_DEVICES)))
        block = np.empty((premise.size, self._COLUMNS))
        block[:, 0], block[:, 1], block[:, 2] = premise, delivered_s, acted_s
        block[:, 3], block[:, 4] = event.start_s, event.end_s
        block[:, 5], block[:, 6], block[:, 7] = event.depth, programme.comfort_c, bits
        block[:, 8] = programme.wet_appliance_max_delay
        self._blocks.append(block)
        self._arr = None

    def control(self, n: int, a: float, b: float) -> DrControl | None:
        """The set-points of the interval ``[a, b)`` [s]; None when nothing acts."""
        if not self._blocks:
            return None
        if self._arr is None:
            x = np.concatenate(self._blocks)
            self._blocks = [x]
            self._arr = x
        x = self._arr
        premise, delivered, acted, start, end = (x[:, c] for c in range(5))
        depth, comfort, mask = x[:, 5], x[:, 6], x[:, 7].astype(np.int64)
        acting = (acted < b) & (end > a)
        before = (delivered < b) & (start - PRECHARGE_S < b) & (start > a) & (depth > 0)
        if not (acting.any() or before.any()):
            return None
        out = DrControl.neutral(n)
        bit = {name: 1 << j for j, name in enumerate(DR_DEVICES)}
        i = premise.astype(np.int64)
        sel = acting & ((mask & bit["ev"]) > 0)
        cut = np.zeros(n)
        share = (np.minimum(b, end) - np.maximum(a, acted)) / (b - a)
        np.maximum.at(cut, i[sel], np.clip(depth * share, 0.0, 1.0)[sel])
        out.ev_share[:] = 1.0 - cut
        sel = before & ((mask & bit["storage"]) > 0)
        out.storage_mode[i[sel]] = STORAGE_PRECHARGE
        sel = acting & ((mask & bit["storage"]) > 0) & (depth > 0)
        out.storage_mode[i[sel]] = STORAGE_DISCHARGE
        for name, target in (
            ("heat_pump", out.heat_pump_setback_k),
            ("water_heater", out.water_heater_setback_k),
        ):
            sel = acting & ((mask & bit[name]) > 0)
            np.maximum.at(target, i[sel], (depth * comfort)[sel])
        sel = acting & ((mask & bit["wet_appliances"]) > 0) & (depth > 0)
        np.maximum.at(out.wet_max_delay_s, i[sel], x[sel, 8])
        return out


def _owned_devices(der: DerFleets | None, wet_owned: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """bool ``(n, 5)``: each local premise owns an EV home charger, a battery, a heat pump,
    a water heater, a wet appliance (:data:`~twin.scenario.dr_models.DR_DEVICES` order)."""
    owned = np.zeros((wet_owned.size, len(DR_DEVICES)), dtype=bool)
    owned[:, DR_DEVICES.index("wet_appliances")] = wet_owned
    if der is None:
        return owned
    if der.ev is not None:
        home = ~der.ev.is_public
        owned[der.ev.premise[home], 0] = True
    if der.storage is not None:
        owned[der.storage.premise, 1] = True
    if der.thermal is not None:
        owned[:, 2] = der.thermal.heating_kind == _HEAT_PUMP
        owned[:, 3] = der.thermal.has_water_heater
    return owned
