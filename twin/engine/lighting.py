"""Lighting circuits of a run: where they hang, their cabinet meters, their commands.

:func:`~twin.engine.lighting_plan.plan_lighting` (at site building) places
the circuits on LV buses with a load row each. :class:`LightingCircuits` holds the
fleet of the circuits simulated here (those of this run's or shard's LV
areas), gives their power to the power flow at each interval end, reads the
cabinet meters, sends the platform's commands over the comms downlink as
SimPy processes, and writes ``internal/lighting_circuit``,
``internal/lighting_circuit_interval``, ``external/lighting_command`` and
``truth/lamp_failure``. Circuit ids are ``C`` and meter ids ``L`` plus the
circuit's number in the whole run. The apartment buildings' common-area
circuits (:mod:`twin.engine.common_lighting`) are a second instance,
numbered after the streetlights, whose level a presence callback may set.

Draws: the generator "lighting" (for the whole fleet, restricted to the
members) and the per-circuit streams "lighting-commands", so a sharded run
gives the unsharded tables.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pyarrow as pa
import simpy
from numpy.typing import NDArray

from twin.clock import TimeAxis, utc_stamps
from twin.comms.downlink import attempt_latency_s
from twin.comms.technology import Technology
from twin.devices.lighting import FAILURE_KINDS, LAMP_KINDS, CommandParams, LightingFleet
from twin.engine.lighting_plan import LightingPlan
from twin.engine.site import format_ids
from twin.members import Members
from twin.random_streams import ItemStreams, RandomTree
from twin.scenario import Scenario
from twin.streams import RunWriter

__all__ = ["LightingCircuits", "area_reachability", "create_lighting", "site_longitude_deg"]

RETRY_EVERY_S: Final = 60.0
"""Wait before the platform re-sends an unanswered lighting command [s] (assumed)."""


@dataclass
class _Command:
    command_id: str
    circuit: int  # local
    action: str
    level: float
    sent_s: float
    delivered_s: float = np.nan
    executed_s: float = np.nan
    attempts: int = 0
    state: str = "sent"


class LightingCircuits:
    """The lighting circuits simulated here, their cabinet meters and commands."""

    TABLES = (
        "internal/lighting_circuit",
        "internal/lighting_circuit_interval",
        "external/lighting_command",
        "truth/lamp_failure",
    )

    def __init__(
        self,
        *,
        axis: TimeAxis,
        plan: LightingPlan,
        fleet: LightingFleet,
        members: Members,
        commands: tuple[CommandParams, ...],
        reading_s: int,
        seed: int,
        technology: Technology,
        retries: int,
        area_up: Any,
        writer: RunWriter,
        bus_id: NDArray[np.int64],
        level_of: Callable[[], NDArray[np.float64]] | None = None,
    ):
        self.axis, self.plan, self.fleet, self.members = axis, plan, fleet, members
        self.rows = np.asarray(members.take(plan.rows), dtype=np.int64)
        first = plan.first_number  # numbered after the circuits planned before these
        every_c, every_l = format_ids("C", first + plan.n), format_ids("L", first + plan.n)
        self.circuit_ids = pa.array(
            [every_c[first + i] for i in members.index.tolist()], pa.string()
        )
        self.meter_ids = pa.array([every_l[first + i] for i in members.index.tolist()], pa.string())
        self._level_of = level_of
        self._commands_in = commands
        self._reading_k = reading_s // axis.interval_s
        self._streams = ItemStreams(seed, "lighting-commands", members.index)
        self._tech, self._retries = technology, retries
        self._area_up = area_up
        self._writer = writer
        self._commands: list[_Command] = []
        n = members.n
        self._sum_w = np.zeros(n)
        self._sum_base_w = np.zeros(n)
        self._register_wh = np.zeros(n)
        self._reported_wh = np.zeros(n, dtype=np.int64)
        self.p_w = np.zeros(n)
        self.on_reading: Callable[[float, NDArray[np.float64], Any, Any], None] | None = None
        """Called at each reading with its end [s], mean power [W], on and dimming level."""
        self._write_circuits(bus_id)

    @property
    def n(self) -> int:
        """Number of local circuits."""
        return self.members.n

    # commands ---------------------------------------------------------------------------

    def schedule(self, env: simpy.Environment) -> None:
        """Start a process per scheduled command (before the interval process starts)."""
        for j, cmd in enumerate(self._commands_in):
            if cmd.at_s < self.axis.duration_s:
                env.process(self._send_at(env, j, cmd))

    def _send_at(
        self, env: simpy.Environment, j: int, cmd: CommandParams
    ) -> Generator[simpy.Event, Any, None]:
        yield env.timeout(cmd.at_s)
        if cmd.circuit is None:
            targets = np.arange(self.n)
        else:
            keep, local = self.members.localise(np.array([cmd.circuit - 1]))
            targets = local if keep.all() else np.zeros(0, dtype=np.int64)
        for c in targets.tolist():
            number = int(self.members.index[c]) + 1
            record = _Command(
                f"K{j + 1:04d}-{number:06d}", c, cmd.action, cmd.level, float(env.now)
            )
            self._commands.append(record)
            env.process(self._travel(env, record))

    def _travel(self, env: simpy.Environment, cmd: _Command) -> Generator[simpy.Event, Any, None]:
        """Attempts over the downlink; a command lost on every attempt never acts."""
        horizon = float(self.axis.duration_s)
        idx = np.array([cmd.circuit])
        for attempt in range(self._retries + 1):
            if attempt:
                if env.now + RETRY_EVERY_S >= horizon:
                    return
                yield env.timeout(RETRY_EVERY_S)
            cmd.attempts = attempt + 1
            u, z = self._streams.random(idx, 2)[0]
            up = bool(self._area_up(cmd.circuit))
            latency = attempt_latency_s(self._tech, self._tech.loss, u, z, up=up)
            if latency is None:
                continue
            if env.now + latency >= horizon:  # still on its way at the run end
                return
            yield env.timeout(latency)
            cmd.delivered_s = cmd.executed_s = float(env.now)
            self.fleet.command(cmd.circuit, cmd.action, cmd.level, float(env.now))
            cmd.state = "executed"
            return
        cmd.state = "lost"

    # the interval -----------------------------------------------------------------------

    def close_interval(self, k: int) -> tuple[NDArray[np.int64], NDArray[np.float64], Any]:
        """Power of interval ``k`` (at its end): load rows, p [MW], q [Mvar]; reads the meters."""
        p_w, base_w = self.fleet.step(k, None if self._level_of is None else self._level_of())
        self.p_w = p_w
        self._sum_w += p_w
        self._sum_base_w += base_w
        self._register_wh += p_w * (self.axis.interval_s / 3600.0)
        if (k + 1) % self._reading_k == 0:
            self._read(k)
        return self.rows, p_w / 1e6, self.fleet.q_var(p_w) / 1e6

    def _read(self, k: int) -> None:
        n_k = self._reading_k
        register = np.floor(self._register_wh + 1e-9).astype(np.int64)
        energy = register - self._reported_wh
        self._reported_wh = register
        end_s = (k + 1) * self.axis.interval_s
        w = self._writer.table("internal/lighting_circuit_interval")
        cols = [
            self.circuit_ids,
            self.meter_ids,
            utc_stamps(self.axis, float(end_s), self.n),
            pa.array(self._sum_w / n_k, pa.float64()),
            pa.array(energy, pa.int64()),
            pa.array(self.fleet.on_at_end, pa.bool_()),
            pa.array(self.fleet.level_at_end, pa.float64()),
            pa.array(self._sum_base_w / n_k * (n_k * self.axis.interval_s / 3600.0), pa.float64()),
        ]
        w.append_batch(pa.RecordBatch.from_arrays(cols, schema=w.schema))
        if self.on_reading is not None:
            self.on_reading(
                float(end_s), self._sum_w / n_k, self.fleet.on_at_end, self.fleet.level_at_end
            )
        self._sum_w[:] = 0.0
        self._sum_base_w[:] = 0.0

    # tables -----------------------------------------------------------------------------

    def _write_circuits(self, bus_id: NDArray[np.int64]) -> None:
        plan, take = self.plan, self.members.take
        kind = take(plan.kind)
        w = self._writer.table("internal/lighting_circuit")
        cols = [
            self.circuit_ids,
            self.meter_ids,
            pa.array(bus_id[take(plan.bus)], pa.int64()),
            pa.array(take(plan.feeder), pa.int64()),
            pa.array(take(plan.transformer), pa.int64()),
            pa.array(take(plan.lamps), pa.int64()),
            pa.array([LAMP_KINDS[int(i)] for i in kind], pa.string()),
            pa.array(take(plan.rated_w), pa.float64()),
            pa.array(self.fleet.lamp_w, pa.float64()),
            pa.array([plan.purpose] * self.n, pa.string()),
            pa.array(
                [f"B{int(b)}" for b in bus_id[take(plan.bus)]]
                if plan.purpose == "common_area"
                else [None] * self.n,
                pa.string(),
            ),
        ]
        w.append_batch(pa.RecordBatch.from_arrays(cols, schema=w.schema))

    def finish(self) -> None:
        """Write the commands and the lamp failures."""
        w = self._writer.table("external/lighting_command")
        c = self._commands
        if c:
            cols = [
                pa.array([x.command_id for x in c], pa.string()),
                self.circuit_ids.take(pa.array([x.circuit for x in c], pa.int64())),
                pa.array([x.action for x in c], pa.string()),
                pa.array([x.level for x in c], pa.float64()),
                utc_stamps(self.axis, np.array([x.sent_s for x in c])),
                utc_stamps(self.axis, np.array([x.delivered_s for x in c])),
                utc_stamps(self.axis, np.array([x.executed_s for x in c])),
                pa.array([x.attempts for x in c], pa.int64()),
                pa.array([x.state for x in c], pa.string()),
            ]
            w.append_batch(pa.RecordBatch.from_arrays(cols, schema=w.schema))
        f, dt = self.fleet.failures, self.axis.interval_s
        w = self._writer.table("truth/lamp_failure")
        if f.circuit.size:
            end_s = (f.end_k * dt).astype(np.float64)
            end_s[f.end_k >= self.axis.n_intervals] = np.nan
            cols = [
                self.circuit_ids.take(pa.array(f.circuit)),
                pa.array(np.ones(f.circuit.size, dtype=np.int64)),
                pa.array([FAILURE_KINDS[int(i)] for i in f.kind], pa.string()),
                utc_stamps(self.axis, (f.start_k * dt).astype(np.float64)),
                utc_stamps(self.axis, end_s),
            ]
            w.append_batch(pa.RecordBatch.from_arrays(cols, schema=w.schema))


def area_reachability(concentrators: Any, circuit_t: NDArray[np.int64]) -> Callable[[int], bool]:
    """Whether local circuit ``c``'s commands can reach it now: its LV area's
    concentrator is up (a circuit in an area without meters is always reachable).

    Parameters
    ----------
    concentrators : Concentrators
        The run's concentrators.
    circuit_t : numpy.ndarray
        LV transformer row of each local circuit.
    """
    ids = concentrators.transformer_ids
    pos = np.searchsorted(ids, circuit_t)
    known = np.zeros(circuit_t.size, dtype=bool)
    if ids.size:
        known = (pos < ids.size) & (ids[np.minimum(pos, ids.size - 1)] == circuit_t)

    def area_up(c: int) -> bool:
        return True if not known[c] else bool(concentrators.up[pos[c]])

    return area_up


def site_longitude_deg(scenario: Scenario, axis: TimeAxis) -> float:
    """The scenario's ``lighting.longitude_deg``, else the meridian of the time zone's
    standard offset at the run start (15 deg per hour)."""
    section = scenario.lighting
    if section is not None and section.longitude_deg is not None:
        return float(section.longitude_deg)
    start = axis.start
    offset = start.utcoffset()
    dst = start.dst()
    hours = 0.0 if offset is None else offset.total_seconds() / 3600.0
    if dst is not None:
        hours -= dst.total_seconds() / 3600.0
    return 15.0 * hours


def create_lighting(
    scenario: Scenario,
    *,
    axis: TimeAxis,
    plan: LightingPlan | None,
    rng: RandomTree,
    writer: RunWriter,
    transformers: NDArray[np.int64] | None,
    technology: Technology,
    concentrators: Any,
    bus_id: NDArray[np.int64],
) -> LightingCircuits | None:
    """The circuits of ``plan`` in this run's (or shard's) LV areas; None without any.

    Parameters
    ----------
    transformers : numpy.ndarray, optional
        The LV transformers of a shard; None: every circuit.
    concentrators : Concentrators
        The run's concentrators (a circuit's commands need its area's one up;
        a circuit in an area without meters is always reachable).
    """
    section = scenario.lighting
    if section is None or plan is None:
        return None
    chosen = (
        np.ones(plan.n, dtype=bool)
        if transformers is None
        else np.isin(plan.transformer, transformers)
    )
    members = Members(np.flatnonzero(chosen).astype(np.int64), plan.n)
    fleet = LightingFleet.create(
        axis=axis,
        lamps=plan.lamps,
        kind=plan.kind,
        rated_w=plan.rated_w,
        params=section.streetlights.params(),
        latitude_deg=scenario.grid.latitude_deg,
        longitude_deg=site_longitude_deg(scenario, axis),
        rng=rng.generator("lighting"),
        members=members,
    )
    return LightingCircuits(
        axis=axis,
        plan=plan,
        fleet=fleet,
        members=members,
        commands=tuple(c.params() for c in section.commands),
        reading_s=int(section.reading_interval or axis.interval_s),
        seed=scenario.seed,
        technology=technology,
        retries=scenario.comms.retries,
        area_up=area_reachability(concentrators, members.take(plan.transformer)),
        writer=writer,
        bus_id=bus_id,
    )
