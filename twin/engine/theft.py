"""Electricity theft in a run: who steals, how, and where illegal loads hang on the grid.

:func:`plan_thefts` picks the thieves of every ``theft`` fault once per run
(the same for every shard) and appends a load row for each illegal
connection; :class:`Thefts` applies them each interval: the true power goes
to the power flow, the meters see less (:class:`~twin.devices.theft.TheftFleet`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.clock import TimeAxis
from twin.devices.theft import TheftFleet
from twin.engine.meter_points import MeterPoints
from twin.errors import Problem, ScenarioError
from twin.grid import GridModel
from twin.grid.customers import add_loads
from twin.members import Members
from twin.random_streams import RandomTree
from twin.scenario import Scenario
from twin.scenario.ami_models import TheftFault

__all__ = ["TheftPlan", "Thefts", "create_thefts", "plan_thefts"]

ILLEGAL = "illegal_connection"


@dataclass(frozen=True)
class TheftPlan:
    """Every theft of a run (parallel arrays, one entry per theft).

    Attributes
    ----------
    meter : numpy.ndarray
        int64 meter point of the thief (the premise an illegal connection
        belongs to for the area; its load is not behind that meter).
    kind : numpy.ndarray
        object: ``h1`` .. ``h6``, ``bypass`` or ``illegal_connection``.
    start_s, end_s : numpy.ndarray
        int64 active period [s since the run start), ``end_s`` capped at the run end.
    bus : numpy.ndarray
        int64 bus of the stolen load (an illegal connection's own bus).
    load_row : numpy.ndarray
        int64 ``net.load`` row of an illegal connection, -1 for the others.
    """

    meter: NDArray[np.int64]
    kind: NDArray[np.object_]
    start_s: NDArray[np.int64]
    end_s: NDArray[np.int64]
    bus: NDArray[np.int64]
    load_row: NDArray[np.int64]

    @property
    def n(self) -> int:
        """Number of thefts."""
        return int(self.meter.size)


def _empty_plan() -> TheftPlan:
    i = np.zeros(0, dtype=np.int64)
    return TheftPlan(i, np.zeros(0, dtype=object), i, i, i, i)


def plan_thefts(scenario: Scenario, grid: GridModel, points: MeterPoints) -> TheftPlan | None:
    """Pick the thieves of every ``theft`` fault; add a load row per illegal connection.

    Returns None when the scenario has no theft.

    Raises
    ------
    twin.errors.ScenarioError
        A target that matches no meter: no meter of the given kinds, a share
        too small for one thief, or indices that are not customer meters.
    """
    faults = [(j, f) for j, f in enumerate(scenario.faults) if isinstance(f, TheftFault)]
    if not faults:
        return None
    duration = scenario.time.axis().duration_s
    parts: list[dict[str, NDArray]] = []
    problems: list[Problem] = []
    for j, fault in faults:
        rng = RandomTree(scenario.seed).generator(f"theft-{j}")
        meters = _thieves(j, fault, points, rng, problems)
        if meters.size == 0:
            continue
        kinds = np.resize(np.asarray(fault.shapes, dtype=object), meters.size)
        start = fault.start + rng.uniform(0, fault.start_spread, meters.size).astype(np.int64)
        length = duration if fault.duration is None else fault.duration
        end = np.minimum(start + length, duration)
        bus = _illegal_buses(grid, points, meters, kinds, rng)
        inside = start < duration  # a theft due after the run's end never happens
        parts.append(
            {
                "meter": meters[inside],
                "kind": kinds[inside],
                "start_s": start[inside],
                "end_s": end[inside],
                "bus": bus[inside],
            }
        )
    if problems:
        raise ScenarioError(problems, "" if scenario.source is None else str(scenario.source))
    if not parts:
        return _empty_plan()
    cat = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    illegal = cat["kind"] == ILLEGAL
    load_row = np.full(illegal.size, -1, dtype=np.int64)
    load_row[illegal] = add_loads(grid, cat["bus"][illegal].tolist(), "illegal")
    return TheftPlan(
        meter=cat["meter"].astype(np.int64),
        kind=cat["kind"].astype(object),
        start_s=cat["start_s"].astype(np.int64),
        end_s=cat["end_s"].astype(np.int64),
        bus=cat["bus"].astype(np.int64),
        load_row=load_row,
    )


def _thieves(
    j: int,
    fault: TheftFault,
    points: MeterPoints,
    rng: np.random.Generator,
    problems: list[Problem],
) -> NDArray[np.int64]:
    """Meter points of one fault's thieves (problems appended, empty on error)."""
    # meters outside every LV area (MV, transformer-operated): nobody steals in front of them
    eligible = np.flatnonzero(
        np.isin(points.kind, fault.customer_kinds) & ~points.outside_areas
    ).astype(np.int64)
    if isinstance(fault.target, list):
        target = np.asarray(fault.target, dtype=np.int64)
        bad = target[~np.isin(target, eligible)]
        if bad.size:
            problems.append(
                Problem(
                    f"faults.{j}.target",
                    f"given index {int(bad[0])}, which is not a meter of kinds "
                    f"{fault.customer_kinds}; expected indices of such meters in "
                    f"internal/meter_point (0 .. {points.n - 1})",
                )
            )
            return np.zeros(0, dtype=np.int64)
        return np.unique(target)
    if eligible.size == 0:
        problems.append(
            Problem(
                f"faults.{j}.customer_kinds",
                f"given {fault.customer_kinds}, but the run has no meters of those kinds",
            )
        )
        return np.zeros(0, dtype=np.int64)
    count = round(fault.target * eligible.size)
    if count == 0 and fault.target > 0:
        problems.append(
            Problem(
                f"faults.{j}.target",
                f"given {fault.target}, which picks no thief among {eligible.size} eligible "
                f"meters; expected at least {1 / eligible.size:.3g}",
            )
        )
    return np.sort(rng.choice(eligible, size=count, replace=False)).astype(np.int64)


def _illegal_buses(
    grid: GridModel,
    points: MeterPoints,
    meters: NDArray[np.int64],
    kinds: NDArray[np.object_],
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    """Bus of each theft: the meter's, or for an illegal connection an unmetered bus of its area."""
    bus = np.asarray(points.bus[meters], dtype=np.int64).copy()
    metered = np.zeros(len(grid.net.bus), dtype=bool)
    metered[points.bus] = True
    in_service = grid.net.bus["in_service"].to_numpy(dtype=bool)
    for i in np.flatnonzero(kinds == ILLEGAL):
        area = points.transformer[meters[i]]
        free = np.flatnonzero((grid.bus_transformer == area) & ~metered & in_service)
        if area >= 0 and free.size:
            bus[i] = int(rng.choice(free))
    return bus


class Thefts:
    """The thefts touching this process's meters and buses, advanced each interval.

    Every theft of the run is stepped (so that each draws exactly as in the
    whole run); only the local ones change the local meters and loads.
    """

    def __init__(
        self,
        plan: TheftPlan,
        fleet: TheftFleet,
        members: Members,
        axis: TimeAxis,
        simulated_bus: NDArray[np.bool_] | None,
    ) -> None:
        self.plan, self.fleet, self.axis = plan, fleet, axis
        keep, local = members.localise(plan.meter)
        metered = keep & (plan.kind != ILLEGAL)
        self._theft = np.flatnonzero(metered)  # thefts at local meters
        self._local = local[metered[keep]]  # their local meter positions
        here = np.ones(plan.n, dtype=bool) if simulated_bus is None else simulated_bus[plan.bus]
        illegal = (plan.kind == ILLEGAL) & here
        # position of each local illegal connection in the fleet's list of them
        self._illegal = np.searchsorted(fleet.illegal, np.flatnonzero(illegal)).astype(np.int64)
        self._illegal_rows = plan.load_row[illegal]
        self._here = (keep & (plan.kind != ILLEGAL)) | illegal
        self._true = np.zeros(plan.n)

    def metered_kw(self, k: int, p_kw: NDArray[np.float64]) -> NDArray[np.float64]:
        """What the meters see in interval ``k``: ``p_kw`` short of the stolen part."""
        self._true[:] = 0.0
        self._true[self._theft] = p_kw[self._local]
        seen = self.fleet.metered_kw(self.axis.at(k), self._true)
        out = p_kw.copy()
        out[self._local] = seen[self._theft]
        return out

    def add_illegal_loads(self, k: int, load_p_mw: NDArray[np.float64]) -> None:
        """Add the illegal connections' power of interval ``k`` to their load rows [MW]."""
        power = self.fleet.illegal_kw(self.axis.at(k))
        if self._illegal.size:
            np.add.at(load_p_mw, self._illegal_rows, power[self._illegal] / 1e3)

    def neutral_mismatch_meters(self) -> NDArray[np.int64]:
        """Local meters whose neutral still carries the stolen current (three-phase meters)."""
        return self._local[self.fleet.neutral_mismatch[self._theft]]

    def cover_openings(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Local meters whose cover is opened as their theft starts, and when [s]."""
        opened = self.fleet.cover_open[self._theft]
        return self._local[opened], self.plan.start_s[self._theft][opened]

    def records(self) -> pd.DataFrame:
        """The thefts touching this process, with their true and metered energy."""
        table = self.fleet.records()
        return table.iloc[np.flatnonzero(self._here)].reset_index(drop=True)


def create_thefts(
    plan: TheftPlan | None,
    axis: TimeAxis,
    rng: RandomTree,
    members: Members,
    simulated_bus: NDArray[np.bool_] | None,
) -> Thefts | None:
    """The run's thefts as seen from this process; None when it has none."""
    if plan is None or plan.n == 0:
        return None
    illegal = plan.kind == ILLEGAL
    fleet = TheftFleet.create(
        np.where(illegal, -1, np.arange(plan.n)).astype(np.int64),
        [str(k) for k in plan.kind],
        plan.start_s,
        plan.end_s,
        rng=rng.generator("theft"),
        axis=axis,
        bus=np.where(illegal, plan.bus, -1).astype(np.int64),
    )
    return Thefts(plan, fleet, members, axis, simulated_bus)
