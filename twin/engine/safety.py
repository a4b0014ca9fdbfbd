"""Electrical safety of a run: premises, sensors, readings, alarms and their truth.

:func:`create_safety` picks the premises that the ``safety`` section fits
with sensors (commercial customers, apartment buildings' supplies, single
households, each kind with its share), sizes their supply cables, draws
their hazards and builds :class:`SafetyPremises`, which advances them once
per interval after the power flow (:meth:`SafetyPremises.close_interval`)
with the premises' mean power: a commercial customer's or household's meter
power, a building's the sum of its dwellings'. Each sensor reports at its
own interval; a reading reaches the platform after the comms latency of its
path (``management_core``: the meter's channel through its area's
concentrator; ``iot_gateway``: an NB-IoT link of its own) or is lost. The
platform raises an alarm through the alarm log when a threshold holds for its
delay (:class:`~twin.engine.alarms.ConditionTracker`) and clears it when the
reading falls back; work orders follow (:mod:`twin.engine.operations`).

Tables: ``internal/safety_sensor``, ``internal/safety_reading``,
``truth/safety_hazard``, ``truth/safety_failure`` and ``external/work_order``.
Ids: premises ``P`` (meter premises) or ``B<bus>`` (buildings), sensors
``S``, hazards ``H``, failures ``F`` (the hazard's number), work orders
``W`` + premise number + order count.

Draws: the generator "safety" for the whole fleet of candidate premises
(restricted to the members), each hazard's own generator, the generator
"safety-readings" for every report of the whole run's sensors (noise and the
first comms attempt; restricted to the members) and per-sensor streams
"safety-comms" for retries, so a sharded run gives the unsharded tables. A
building belongs to the shard of its bus.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray
from scipy.special import ndtri

from twin.clock import TimeAxis, utc_stamps
from twin.comms.technology import TECHNOLOGIES, Technology
from twin.devices.safety import (
    FAILURE_KINDS,
    HAZARD_KINDS,
    SENSOR_KINDS,
    SENSOR_UNITS,
    SafetyFleet,
    SafetyParams,
    draw_hazards,
    measure,
)
from twin.devices.safety.leakage import moisture_factor
from twin.devices.safety.params import (
    CABLE_AMPACITY_A,
    CABLE_SIZES_MM2,
    NOMINAL_VOLTAGE_V,
    POWER_FACTOR,
    PVC_SHARE,
)
from twin.devices.safety.params import natural_leakage_ma as leakage_of
from twin.devices.safety.sensors import UNIFORMS
from twin.devices.safety.thermal import cable_ambient_c, cable_for_design_current, thermal_tau_s
from twin.devices.weather import average_hourly, load_weather
from twin.engine.alarms import AlarmLog, ConditionTracker
from twin.engine.operations import Operations
from twin.engine.safety_candidates import (
    always_up,
    area_up,
    candidates,
    check_threshold,
    first_dwelling,
    load_map,
)
from twin.engine.site import Site, format_ids
from twin.members import Members
from twin.random_streams import ItemStreams, RandomTree
from twin.scenario import Scenario
from twin.streams import RunWriter

__all__ = ["SafetyPremises", "create_safety"]

RETRY_EVERY_S: Final = 60.0
"""Wait before a sensor re-sends an unanswered report [s] (assumed)."""
CLEAR_REPORTS: Final = 2
"""Reports below the threshold in a row before an alarm clears (assumed; hysteresis in
time against chattering, as IEC 62682 recommends)."""
SEVERITY: Final = {
    "residual_current": "major",
    "cable_temperature": "major",
    "arc_fault": "critical",
}
"""Alarm severity of each sensor kind (ITU-T X.733 scale; an arc is the most urgent)."""
_WATCHES: Final = {
    "residual_current": (HAZARD_KINDS.index("insulation_ageing"),
                         HAZARD_KINDS.index("insulation_damage")),
    "cable_temperature": (HAZARD_KINDS.index("overload"),),
    "arc_fault": (HAZARD_KINDS.index("arcing"),),
}  # fmt: skip
"""The hazard kinds each sensor kind sees."""


class SafetyPremises:
    """The safety fleet simulated here: premises, sensors, readings, alarms, crews."""

    TABLES: Final = (
        "internal/safety_sensor",
        "internal/safety_reading",
        "truth/safety_hazard",
        "truth/safety_failure",
        *Operations.TABLES,
    )

    def __init__(
        self,
        *,
        axis: TimeAxis,
        params: SafetyParams,
        fleet: SafetyFleet,
        premise_ids: list[str],
        meter_ids: list[str | None],
        building_ids: list[str | None],
        load_src: NDArray[np.int64],
        load_dst: NDArray[np.int64],
        sensor_premise: NDArray[np.int64],
        sensor_kind: NDArray[np.int64],
        sensor_items: NDArray[np.int64],
        sensor_ids: list[str],
        sensor_area: NDArray[np.int64],
        hazard_ids: list[str],
        ambient_c: NDArray[np.float64],
        moisture: NDArray[np.float64],
        technology: Technology,
        retries: int,
        area_up: Any,
        seed: int,
        readings_rng: np.random.Generator,
        n_fitted: int,
        alarms: AlarmLog,
        operations: Operations,
        writer: RunWriter,
    ):
        self.axis, self.params, self.fleet = axis, params, fleet
        self.premise_ids, self._meter_ids, self._building_ids = premise_ids, meter_ids, building_ids
        self._src, self._dst = load_src, load_dst
        self.sensor_premise, self.sensor_kind = sensor_premise, sensor_kind
        self.sensor_ids = sensor_ids
        self._sensor_dict = pa.array(sensor_ids, pa.string()).dictionary_encode()
        self._area = sensor_area
        self.hazard_ids = hazard_ids
        self._ambient, self._moisture = ambient_c, moisture
        self._tech, self._retries, self._area_up = technology, retries, area_up
        self._draws = readings_rng
        self._n_fitted = n_fitted
        self._rank = sensor_items // 3  # the premise's rank among the fitted ones of the run
        self._retry = ItemStreams(seed, "safety-comms", sensor_items)
        self.alarms, self.operations, self._writer = alarms, operations, writer
        dt = axis.interval_s
        self._every_k, self._trackers, self._members = {}, {}, {}
        self._pending: list[tuple[NDArray[np.float64], NDArray[np.int64], Any, Any]] = []
        self._pending_k = 0
        self._open: dict[int, Any] = {}
        for i, kind in enumerate(SENSOR_KINDS):
            s = params.sensor(kind)
            self._every_k[kind] = s.reporting_interval_s // dt
            members = np.flatnonzero(sensor_kind == i).astype(np.int64)
            self._members[kind] = members
            self._trackers[kind] = ConditionTracker(
                members.size, max(1, s.delay_s // s.reporting_interval_s), CLEAR_REPORTS
            )
        self._write_sensors()

    @property
    def n(self) -> int:
        """Number of local premises."""
        return self.fleet.n

    def premise_power_kw(self, p_kw: NDArray[np.float64]) -> NDArray[np.float64]:
        """Mean power of each local premise [kW] from the local meters' [kW]."""
        out = np.bincount(self._dst, weights=p_kw[self._src], minlength=self.n)
        return out.astype(np.float64)

    def close_interval(self, k: int, p_kw: NDArray[np.float64]) -> None:
        """Advance the premises over interval ``k``; the sensors that report now report.

        Parameters
        ----------
        k : int
            Interval number.
        p_kw : numpy.ndarray
            True mean power behind every local meter over the interval [kW].
        """
        state = self.fleet.step(
            k, self.premise_power_kw(p_kw), float(self._ambient[k]), float(self._moisture[k])
        )
        end_s = float((k + 1) * self.axis.interval_s)
        truths = {
            "residual_current": state.residual_ma,
            "cable_temperature": state.temp_c,
            "arc_fault": state.arcs_per_min,
        }
        batches = []
        for kind in SENSOR_KINDS:
            every = self._every_k[kind]
            idx = self._members[kind]
            if (k + 1) % every or self._n_fitted == 0:
                continue
            # the whole run's sensors of this kind draw, the local ones keep theirs
            u = self._draws.random((self._n_fitted, UNIFORMS[kind] + 2))[self._rank[idx]]
            true = truths[kind][self.sensor_premise[idx]]
            minutes = every * self.axis.interval_s / 60.0
            value = measure(kind, true, u[:, 2:], minutes)
            received = self._received_s(idx, end_s, u[:, :2])
            got = ~np.isnan(received)
            batches.append((idx[got], value[got], received[got]))
            self._alarms(kind, k, idx, true, value, received)
        if batches:
            self._write_readings(end_s, batches)

    def _received_s(
        self, idx: NDArray[np.int64], end_s: float, first: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """When each report reaches the platform [s]; NaN: lost (or after the run end).

        Each attempt takes two uniform numbers (loss, latency): the first attempt
        ``first``, a retry (:data:`RETRY_EVERY_S` after a failed attempt, up to
        ``comms.retries``) the sensor's own stream "safety-comms".
        """
        tech = self._tech
        up = np.asarray(self._area_up(self._area[idx]), dtype=bool)
        at = np.full(idx.size, np.nan)
        todo = np.arange(idx.size)
        for attempt in range(self._retries + 1):
            if todo.size == 0:
                break
            u = first if attempt == 0 else self._retry.random(idx[todo], 2)
            latency = np.full(todo.size, tech.latency_median_s)
            if tech.latency_sigma:
                z = ndtri(np.clip(u[:, 1], 1e-12, 1 - 1e-12))
                latency = latency * np.exp(tech.latency_sigma * z)
            ok = up[todo] & (u[:, 0] >= tech.loss) & (latency <= tech.timeout_s)
            at[todo[ok]] = end_s + attempt * RETRY_EVERY_S + latency[ok]
            todo = todo[~ok]
        return np.where(at < self.axis.duration_s, at, np.nan)

    def _alarms(
        self,
        kind: str,
        k: int,
        idx: NDArray[np.int64],
        true: NDArray[np.float64],
        value: NDArray[np.float64],
        received: NDArray[np.float64],
    ) -> None:
        s = self.params.sensor(kind)
        watched = ~np.isnan(received)
        raised, cleared = self._trackers[kind].step(value >= s.threshold, watched)
        for i in cleared.tolist():
            alarm = self._open.pop(int(idx[i]), None)
            if alarm is not None:
                AlarmLog.clear(alarm, float(received[i]))
        if raised.size == 0:
            return
        hz = self.fleet.hazards
        # the hazards present at the reading (one that failed at this very end included)
        present = self.fleet.active(k, time_s=(k + 1) * self.axis.interval_s - 1e-6)
        seen = present & np.isin(hz.kind, _WATCHES[kind])
        for i in raised.tolist():
            sensor = int(idx[i])
            premise = int(self.sensor_premise[sensor])
            mine = np.flatnonzero(seen & (hz.premise == premise))
            if mine.size:
                cause, cause_id = "hazard", self.hazard_ids[int(mine[0])]
            elif true[i] >= s.threshold:
                cause, cause_id = "condition", None
            else:
                cause, cause_id = "false", None
            self._open[sensor] = self.alarms.raise_alarm(
                source="safety",
                device_id=self.sensor_ids[sensor],
                premise_id=self.premise_ids[premise],
                kind=kind,
                severity=SEVERITY[kind],  # type: ignore[arg-type]
                time_s=float(received[i]),
                value=float(value[i]),
                threshold=s.threshold,
                unit=SENSOR_UNITS[kind],
                cause=cause,  # type: ignore[arg-type]
                cause_id=cause_id,
            )

    # tables -----------------------------------------------------------------------------

    BATCH_INTERVALS: Final = 96
    """Intervals of readings gathered into one record batch (a batch per interval costs
    more than its rows)."""

    def _write_readings(
        self,
        end_s: float,
        batches: list[tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]],
    ) -> None:
        """Gather one interval's readings; written every :attr:`BATCH_INTERVALS`."""
        idx = np.concatenate([b[0] for b in batches])
        if idx.size:
            values = np.concatenate([b[1] for b in batches])
            received = np.concatenate([b[2] for b in batches])
            self._pending.append((np.full(idx.size, end_s), idx, values, received))
        self._pending_k += 1
        if self._pending_k >= self.BATCH_INTERVALS:
            self._flush_readings()

    def _flush_readings(self) -> None:
        """Write the gathered readings."""
        pending, self._pending, self._pending_k = self._pending, [], 0
        if not pending:
            return
        idx = np.concatenate([p[1] for p in pending])
        w = self._writer.table("internal/safety_reading")
        sensor = pa.DictionaryArray.from_arrays(
            pa.array(idx.astype(np.int32)), self._sensor_dict.dictionary
        )
        cols = [
            sensor,
            utc_stamps(self.axis, np.concatenate([p[0] for p in pending])),
            pa.array(np.concatenate([p[2] for p in pending]).astype(np.float32)),
            utc_stamps(self.axis, np.concatenate([p[3] for p in pending])),
        ]
        w.append_batch(pa.RecordBatch.from_arrays(cols, schema=w.schema))

    def _write_sensors(self) -> None:
        w = self._writer.table("internal/safety_sensor")
        if not self.sensor_ids:
            return
        prem = self.sensor_premise
        kinds = [SENSOR_KINDS[int(i)] for i in self.sensor_kind]
        par = [self.params.sensor(k) for k in kinds]
        cols = [
            pa.array(self.sensor_ids, pa.string()),
            pa.array([self.premise_ids[int(p)] for p in prem], pa.string()),
            pa.array([self._meter_ids[int(p)] for p in prem], pa.string()),
            pa.array([self._building_ids[int(p)] for p in prem], pa.string()),
            pa.array(kinds, pa.string()),
            pa.array([self.params.path] * prem.size, pa.string()),
            pa.array([p.reporting_interval_s for p in par], pa.int64()),
            pa.array([p.threshold for p in par], pa.float64()),
            pa.array([float(p.delay_s) for p in par], pa.float64()),
            pa.array([SENSOR_UNITS[k] for k in kinds], pa.string()),
            pa.array(self.fleet.rated_a[prem], pa.float64()),
        ]
        w.append_batch(pa.RecordBatch.from_arrays(cols, schema=w.schema))

    def finish(self) -> None:
        """Write the last readings, the hazards, the failures and the work orders."""
        self._flush_readings()
        fleet, hz, ax = self.fleet, self.fleet.hazards, self.axis
        sensor_of = {
            (int(self.sensor_premise[s]), int(self.sensor_kind[s])): self.sensor_ids[s]
            for s in range(self.sensor_premise.size)
        }
        failure_of = {f.hazard: f for f in fleet.failures}
        w = self._writer.table("truth/safety_hazard")
        if hz.n:
            seeing = []
            for j in range(hz.n):
                sk = next(i for i, s in enumerate(SENSOR_KINDS) if hz.kind[j] in _WATCHES[s])
                seeing.append(sensor_of.get((int(hz.premise[j]), sk)))
            cols = [
                pa.array(self.hazard_ids, pa.string()),
                pa.array([self.premise_ids[int(p)] for p in hz.premise], pa.string()),
                pa.array(seeing, pa.string()),
                pa.array([HAZARD_KINDS[int(i)] for i in hz.kind], pa.string()),
                utc_stamps(ax, hz.onset_s),
                utc_stamps(ax, fleet.end_s),
                pa.array(fleet.end_reason, pa.string()),
                utc_stamps(ax, fleet.would_fail_s),
                pa.array(
                    [f"F{int(hz.number[j]):06d}" if j in failure_of else None for j in range(hz.n)],
                    pa.string(),
                ),
            ]
            w.append_batch(pa.RecordBatch.from_arrays(cols, schema=w.schema))
        w = self._writer.table("truth/safety_failure")
        f = sorted(fleet.failures, key=lambda x: (x.time_s, x.hazard))
        if f:
            cols = [
                pa.array([f"F{int(hz.number[x.hazard]):06d}" for x in f], pa.string()),
                pa.array([self.hazard_ids[x.hazard] for x in f], pa.string()),
                pa.array([self.premise_ids[int(hz.premise[x.hazard])] for x in f], pa.string()),
                pa.array([FAILURE_KINDS[x.kind] for x in f], pa.string()),
                utc_stamps(ax, np.array([x.time_s for x in f])),
                pa.array([x.value for x in f], pa.float64()),
                pa.array([x.unit for x in f], pa.string()),
            ]
            w.append_batch(pa.RecordBatch.from_arrays(cols, schema=w.schema))
        self.operations.finish()

    def counts(self) -> dict[str, Any]:
        """Failures per kind and work orders, for the run summary."""
        kinds = [FAILURE_KINDS[f.kind] for f in self.fleet.failures]
        return {
            "failures": {k: kinds.count(k) for k in sorted(set(kinds))},
            "work_orders": len(self.operations.orders),
        }


def create_safety(
    scenario: Scenario,
    *,
    axis: TimeAxis,
    site: Site,
    members: Members,
    rng: RandomTree,
    writer: RunWriter,
    alarms: AlarmLog,
    technology: Technology,
    concentrators: Any,
    retries: int,
) -> SafetyPremises | None:
    """The safety fleet of this run's (or shard's) premises; None without a section.

    Parameters
    ----------
    members : Members
        The meter points simulated here (of the run's meter points).
    technology : Technology
        The meters' channel (the ``management_core`` path).
    concentrators : Concentrators
        The run's concentrators (a ``management_core`` report needs its area's up).

    Raises
    ------
    twin.errors.ScenarioError
        When the residual-current threshold is below a fitted premise's natural leakage.
    """
    section = scenario.safety
    if section is None:
        return None
    params = section.params()
    dt = axis.interval_s
    params = replace(params, arc_fault=replace(params.arc_fault, reporting_interval_s=dt))
    cand = candidates(scenario, site, params)
    g = rng.generator("safety")
    share = np.array([params.shares[str(k)] for k in cand.kind], dtype=np.float64)
    fitted = g.random(cand.n) < share
    pvc = g.random(cand.n) < PVC_SHARE
    natural = np.array(
        [leakage_of(str(k), int(d)) for k, d in zip(cand.kind, cand.dwellings, strict=True)]
    )
    check_threshold(scenario, params, cand, fitted, natural)
    design_a = cand.design_kw * 1e3 / (cand.phases * NOMINAL_VOLTAGE_V * POWER_FACTOR)
    cable = cable_for_design_current(design_a)
    rated = np.asarray(CABLE_AMPACITY_A)[cable]
    # the members: meter premises by their meter, buildings by their first dwelling
    meter_member = np.zeros(site.points.n, dtype=bool)
    meter_member[members.index] = True
    building_first = first_dwelling(site)
    is_member = np.where(
        cand.meter >= 0,
        meter_member[np.maximum(cand.meter, 0)],
        meter_member[building_first[np.maximum(cand.building, 0)]]
        if building_first.size
        else False,
    )
    local = Members(np.flatnonzero(is_member).astype(np.int64), cand.n)
    moisture = moisture_factor(axis.day_of_year)
    hazards = draw_hazards(
        rng=g,
        seed=scenario.seed,
        premise_kind=cand.kind,
        rated_a=rated,
        cable_index=cable,
        rates=params.hazards,
        members=local,
        n_intervals=axis.n_intervals,
        dt_s=float(dt),
        moisture=moisture,
    )
    take = local.take
    fleet = SafetyFleet(
        rated_a=take(rated),
        phases=take(cand.phases),
        pvc=take(pvc),
        tau_s=thermal_tau_s(np.asarray(CABLE_SIZES_MM2)[take(cable)]),
        natural_ma=take(natural),
        hazards=hazards,
        dt_s=float(dt),
    )
    src, dst = load_map(site, members, cand, local)
    # sensors: three per fitted premise, numbered in whole-run order
    rank = np.cumsum(fitted) - 1
    n_sensors = 3 * int(fitted.sum())
    mine = np.flatnonzero(fitted[local.index])
    sensor_premise = np.repeat(mine, 3).astype(np.int64)
    sensor_kind = np.tile(np.arange(3), mine.size).astype(np.int64)
    sensor_items = (3 * rank[local.index[mine]][:, None] + np.arange(3)[None, :]).ravel()
    every_s = format_ids("S", n_sensors)
    sensor_ids = [every_s[int(i)] for i in sensor_items]
    premise_ids = [cand.ids[int(i)] for i in local.index]
    meter_ids = format_ids("M", site.points.n)
    p_meter = [meter_ids[int(m)] if m >= 0 else None for m in take(cand.meter)]
    p_building = [cand.building_ids[int(b)] if b >= 0 else None for b in take(cand.building)]
    # comms: a report's area and whether it is up
    all_areas = np.unique(cand.transformer)
    area_full = np.searchsorted(all_areas, cand.transformer).astype(np.int64)
    sensor_trafo = take(cand.transformer)[sensor_premise]
    if params.path == "iot_gateway":
        tech, up_of = TECHNOLOGIES["nb_iot"], always_up
    else:
        tech, up_of = technology, area_up(concentrators, sensor_trafo)
    weather = load_weather(scenario.pv.weather)
    temp = average_hourly(weather.temp_air_c, axis, weather.utc_offset_h)
    hazard_ids = [f"H{int(n):06d}" for n in hazards.number]
    operations = Operations(
        axis=axis,
        params=params.operations,
        fleet=fleet,
        premise_of={p: i for i, p in enumerate(premise_ids)},
        premise_number=(local.index + 1).astype(np.int64),
        premise_ids=premise_ids,
        area=take(area_full),
        hazard_of={h: j for j, h in enumerate(hazard_ids)},
        seed=scenario.seed,
        premise_items=local.index,
        writer=writer,
    )
    alarms.listeners.append(operations.on_alarm)
    return SafetyPremises(
        axis=axis,
        params=params,
        fleet=fleet,
        premise_ids=premise_ids,
        meter_ids=p_meter,
        building_ids=p_building,
        load_src=src,
        load_dst=dst,
        sensor_premise=sensor_premise,
        sensor_kind=sensor_kind,
        sensor_items=sensor_items.astype(np.int64),
        sensor_ids=sensor_ids,
        sensor_area=np.arange(sensor_premise.size, dtype=np.int64),
        hazard_ids=hazard_ids,
        ambient_c=cable_ambient_c(temp),
        moisture=moisture,
        technology=tech,
        retries=retries,
        area_up=up_of,
        seed=scenario.seed,
        readings_rng=rng.generator("safety-readings"),
        n_fitted=int(fitted.sum()),
        alarms=alarms,
        operations=operations,
        writer=writer,
    )
