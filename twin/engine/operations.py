"""Operations and maintenance: work orders from safety alarms, crews that answer them.

A dispatcher listens to the alarm log (:class:`~twin.engine.alarms.AlarmLog`):
each safety alarm of severity major or above opens a work order, unless its
premise already has one that is not completed (the alarm is then linked to
it); the dispatcher acknowledges the alarm as the order is created. Each
crew serves a patch of LV transformer areas (area ``i`` of the whole run
goes to crew ``i mod crews``), takes its orders first come first served,
starts at most ``jobs_per_crew_day`` a local day and only within its shift
(the job in hand may run over). Travel and repair times are lognormal with
the scenario's means and the spreads below (assumed; field-service times are
right-skewed). At arrival the crew finds the premise's hazards: it repairs
those present (the hazards end, "repaired"); a hazard that failed before it
came makes the order ``too_late``; nothing found is ``no_fault_found``.
Orders, travel and repairs are SimPy processes.

Draws: per premise streams "safety-crews", so an order's times depend only
on its premise. A sharded run gives the unsharded orders when each crew's
patch lies in one shard (e.g. as many crews as LV areas); a patch split
between shards is served there by each shard's copy of its crew.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import simpy
from numpy.typing import NDArray
from scipy.special import ndtri

from twin.clock import TimeAxis, utc_stamps
from twin.devices.safety import OperationsParams, SafetyFleet
from twin.engine.alarms import Alarm, AlarmLog
from twin.random_streams import ItemStreams
from twin.streams import RunWriter

__all__ = ["INSPECTION_S", "Operations", "WorkOrder"]

TRAVEL_SIGMA: Final = 0.5
"""Lognormal sigma of travel times [-] (assumed)."""
REPAIR_SIGMA: Final = 0.6
"""Lognormal sigma of repair times [-] (assumed)."""
INSPECTION_S: Final = 1800.0
"""Time a crew spends finding nothing [s] (assumed)."""
DISPATCH_SEVERITIES: Final = ("critical", "major")


@dataclass
class WorkOrder:
    """One work order; times in seconds since the run start (NaN: not yet)."""

    work_order_id: str
    alarm: Alarm
    premise: int
    crew: int
    created_s: float
    dispatched_s: float = np.nan
    arrived_s: float = np.nan
    completed_s: float = np.nan
    outcome: str | None = None

    @property
    def state(self) -> str:
        """open, in_progress or completed."""
        if not np.isnan(self.completed_s):
            return "completed"
        return "open" if np.isnan(self.dispatched_s) else "in_progress"


class Operations:
    """The dispatcher and the crews of the premises simulated here.

    Parameters
    ----------
    axis : TimeAxis
        The run's time axis.
    params : OperationsParams
        Crews, capacity, shift and mean times.
    fleet : SafetyFleet
        The premises' hazards (repairs end them).
    premise_of : dict
        Local premise position of each premise id.
    premise_number : numpy.ndarray
        1-based number of each local premise in the whole run (order ids).
    area : numpy.ndarray
        Whole-run LV area index of each local premise (the crew's patch).
    hazard_of : dict
        Local hazard position of each hazard id.
    seed : int
        The run's seed.
    premise_items : numpy.ndarray
        Whole-run position of each local premise (its random stream).
    writer : RunWriter
        Where external/work_order goes.
    """

    TABLES: Final = ("external/work_order",)

    def __init__(
        self,
        *,
        axis: TimeAxis,
        params: OperationsParams,
        fleet: SafetyFleet,
        premise_of: dict[str, int],
        premise_number: NDArray[np.int64],
        premise_ids: list[str],
        area: NDArray[np.int64],
        hazard_of: dict[str, int],
        seed: int,
        premise_items: NDArray[np.int64],
        writer: RunWriter,
    ):
        self.axis, self.params, self.fleet = axis, params, fleet
        self._premise_of, self._number, self._ids = premise_of, premise_number, premise_ids
        self._crew_of = (np.asarray(area, dtype=np.int64) % params.crews) + 1
        self._hazard_of = hazard_of
        self._streams = ItemStreams(seed, "safety-crews", premise_items)
        self._writer = writer
        self.orders: list[WorkOrder] = []
        self._open: dict[int, WorkOrder] = {}
        self._count: dict[int, int] = {}
        self._jobs: dict[tuple[int, object], int] = {}
        self.env: simpy.Environment | None = None
        self._queues: dict[int, simpy.Store] = {}
        self._horizon = float(axis.duration_s)

    def schedule(self, env: simpy.Environment) -> None:
        """Start one process per crew that has premises here."""
        self.env = env
        for crew in sorted(set(self._crew_of.tolist())):
            self._queues[crew] = simpy.Store(env)
            env.process(self._crew(env, crew))

    # the dispatcher ---------------------------------------------------------------------

    def on_alarm(self, alarm: Alarm) -> None:
        """Listener of the alarm log: a work order for a major or critical safety alarm."""
        if alarm.source != "safety" or alarm.severity not in DISPATCH_SEVERITIES:
            return
        premise = self._premise_of.get(alarm.premise_id or "")
        if premise is None or self.env is None:
            return
        AlarmLog.acknowledge(alarm, alarm.raised_s)
        held = self._open.get(premise)
        if held is not None and held.state != "completed":
            alarm.work_order_id = held.work_order_id
            return
        n = self._count.get(premise, 0) + 1
        self._count[premise] = n
        order = WorkOrder(
            work_order_id=f"W{int(self._number[premise]):06d}{n:03d}",
            alarm=alarm,
            premise=premise,
            crew=int(self._crew_of[premise]),
            created_s=alarm.raised_s,
        )
        alarm.work_order_id = order.work_order_id
        self.orders.append(order)
        self._open[premise] = order
        self.env.process(self._queue(self.env, order))

    def _queue(self, env: simpy.Environment, order: WorkOrder) -> Generator[simpy.Event, Any, None]:
        wait = order.created_s - float(env.now)
        if order.created_s >= self._horizon:
            return
        if wait > 0:
            yield env.timeout(wait)
        yield self._queues[order.crew].put(order)

    # the crews --------------------------------------------------------------------------

    def _crew(self, env: simpy.Environment, crew: int) -> Generator[simpy.Event, Any, None]:
        p = self.params
        while True:
            order = yield self._queues[crew].get()
            start = self._next_slot(crew, float(env.now))
            if start >= self._horizon:
                return
            yield env.timeout(start - float(env.now))
            day = self._local_day(start)
            self._jobs[(crew, day)] = self._jobs.get((crew, day), 0) + 1
            order.dispatched_s = float(env.now)
            u = self._streams.random(np.array([order.premise]), 2)[0]
            travel = _lognormal(p.travel_s, TRAVEL_SIGMA, float(u[0]))
            if env.now + travel >= self._horizon:
                return
            yield env.timeout(travel)
            order.arrived_s = float(env.now)
            present = self._present(order.premise, order.arrived_s)
            if present:
                work = _lognormal(p.repair_s, REPAIR_SIGMA, float(u[1]))
            else:
                order.outcome = "too_late" if self._failed_before(order) else "no_fault_found"
                work = INSPECTION_S
            if env.now + work >= self._horizon:
                return
            yield env.timeout(work)
            if present:
                repaired = self.fleet.repair(order.premise, float(env.now))
                order.outcome = "repaired" if repaired else "too_late"
            order.completed_s = float(env.now)

    def _present(self, premise: int, time_s: float) -> bool:
        fleet = self.fleet
        hz = fleet.hazards_at(premise)
        started = fleet.hazards.onset_s[hz] <= time_s
        return bool((started & np.isnan(fleet.end_s[hz])).any())

    def _failed_before(self, order: WorkOrder) -> bool:
        """The alarm's hazard failed, or one of the premise's hazards failed since the order."""
        fleet = self.fleet
        cause = self._hazard_of.get(order.alarm.cause_id or "")
        hz = fleet.hazards_at(order.premise)
        failed = [j for j in hz.tolist() if fleet.end_reason[j] == "failure"]
        if cause is not None and cause in failed:
            return True
        return any(order.created_s <= fleet.end_s[j] <= order.arrived_s for j in failed)

    def _local(self, time_s: float) -> pd.Timestamp:
        return (self.axis.start + pd.Timedelta(seconds=time_s)).tz_convert(self.axis.timezone)

    def _local_day(self, time_s: float) -> object:
        return self._local(time_s).date()

    def _at_local(self, day: object, hour: int) -> float:
        stamp = pd.Timestamp(f"{day} {hour:02d}:00" if hour < 24 else f"{day} 00:00")
        if hour >= 24:
            stamp += pd.Timedelta(days=1)
        local = stamp.tz_localize(self.axis.timezone, ambiguous=True, nonexistent="shift_forward")
        return float((local - self.axis.start).total_seconds())

    def _next_slot(self, crew: int, time_s: float) -> float:
        """The first moment from ``time_s`` in the crew's shift on a day with capacity left."""
        p, t = self.params, time_s
        for _ in range(400):
            day = self._local_day(t)
            start, end = self._at_local(day, p.shift_start_h), self._at_local(day, p.shift_end_h)
            if self._jobs.get((crew, day), 0) < p.jobs_per_crew_day and t < end:
                return max(t, start)
            t = self._at_local(day, 24)  # the next local midnight
        return float("inf")

    # the table --------------------------------------------------------------------------

    def finish(self) -> None:
        """Write external/work_order."""
        w = self._writer.table("external/work_order")
        o = self.orders
        if not o:
            return
        cols = [
            pa.array([x.work_order_id for x in o], pa.string()),
            pa.array([x.alarm.alarm_id for x in o], pa.string()),
            pa.array([self._ids[x.premise] for x in o], pa.string()),
            pa.array([x.alarm.device_id for x in o], pa.string()),
            utc_stamps(self.axis, np.array([x.created_s for x in o])),
            utc_stamps(self.axis, np.array([x.dispatched_s for x in o])),
            utc_stamps(self.axis, np.array([x.arrived_s for x in o])),
            utc_stamps(self.axis, np.array([x.completed_s for x in o])),
            pa.array([x.state for x in o], pa.string()),
            pa.array([x.outcome if x.state == "completed" else None for x in o], pa.string()),
            pa.array([x.crew for x in o], pa.int64()),
        ]
        w.append_batch(pa.RecordBatch.from_arrays(cols, schema=w.schema))


def _lognormal(mean: float, sigma: float, u: float) -> float:
    """A lognormal number with the given mean [s] from a uniform number."""
    z = float(ndtri(min(max(u, 1e-12), 1 - 1e-12)))
    return float(mean * np.exp(sigma * z - 0.5 * sigma * sigma))
