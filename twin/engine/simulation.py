"""The discrete-event engine: one SimPy interval process advances every fleet.

Time is integer seconds since the scenario start (``env.now``). One process
steps the whole fleet per metering interval as numpy arrays: devices give
their mean power, the metrology cores integrate it, the grid solves, the
management cores poll over SPI and the head-end stores what arrives.
Discrete happenings (moves, holidays) are SimPy events that change fleet
state between intervals.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import simpy
from tqdm import tqdm

from twin.clock import TimeAxis
from twin.devices.households import HouseholdEvent, HouseholdFleet
from twin.engine.faults import schedule_ami_events
from twin.engine.partition import ShardPlan
from twin.engine.recording import OccupancySpells, Recorder
from twin.engine.recording_der import DerRecorder, der_lines, der_summary, schedule_ev_events
from twin.engine.rng import RandomTree
from twin.engine.scoreboard import scoreboard, scoreboard_lines
from twin.engine.wiring import Components, build_components, build_site, member_ids
from twin.grid import PowerFlowResult
from twin.grid.export import branch_table, bus_table
from twin.grid.islands import IslandedSolver
from twin.scenario import Scenario
from twin.streams import RunDirectory, RunWriter

__all__ = ["Run", "RunSummary", "run"]

OVERVOLTAGE_PU = 1.10
"""EN 50160 upper limit of the supply voltage, Un + 10 % [pu]."""

PACKAGES = (
    "gridtwin",
    "numpy",
    "pandas",
    "pyarrow",
    "simpy",
    "pandapower",
    "simbench",
    "lightsim2grid",
    "pydantic",
    "networkx",
)


@dataclass
class RunSummary:
    """Headline figures of a run."""

    name: str
    network: str
    solver: str
    households: int
    intervals: int
    interval_s: int
    import_mwh: float = 0.0
    export_mwh: float = 0.0
    vm_min_pu: float = float("inf")
    vm_max_pu: float = float("-inf")
    peak_transformer_loading_percent: float = 0.0
    peak_transformer_id: int = -1
    peak_transformer_time: str = ""
    non_converged_intervals: int = 0
    overvoltage_bus_intervals: int = 0
    bus_intervals: int = 0
    transformer_overload_intervals: int = 0
    transformer_overload_hours: float = 0.0
    transformer_reverse_overload_intervals: int = 0
    der: dict[str, float] = field(default_factory=dict)
    meter_readings: int = 0
    missed_readings: int = 0
    wall_s: float = 0.0
    timings_s: dict[str, float] = field(default_factory=dict)
    scoreboard: dict[str, Any] = field(default_factory=dict)

    def account(
        self, result: PowerFlowResult, axis: TimeAxis, k: int, trafo_ids: np.ndarray
    ) -> None:
        """Add the power flow of interval ``k`` (whole-network arrays, NaN where not solved)."""
        if not result.converged:
            self.non_converged_intervals += 1
            return
        vm = result.vm_pu
        if not np.isfinite(vm).any():
            return
        self.vm_min_pu = min(self.vm_min_pu, float(np.nanmin(vm)))
        self.vm_max_pu = max(self.vm_max_pu, float(np.nanmax(vm)))
        self.bus_intervals += int(np.count_nonzero(np.isfinite(vm)))
        self.overvoltage_bus_intervals += int(np.count_nonzero(vm > OVERVOLTAGE_PU))
        loading = result.trafo_loading_percent
        if np.isfinite(loading).any():
            over = int(np.count_nonzero(loading > 100.0))
            self.transformer_overload_intervals += over
            self.transformer_overload_hours += over * axis.interval_s / 3600.0
            if over:
                reverse = (loading > 100.0) & (result.trafo_p_mw < 0)
                self.transformer_reverse_overload_intervals += int(np.count_nonzero(reverse))
            i = int(np.nanargmax(loading))
            if loading[i] > self.peak_transformer_loading_percent:
                self.peak_transformer_loading_percent = float(loading[i])
                self.peak_transformer_id = int(trafo_ids[i])
                stamp = pd.Timestamp(axis.interval_end_utc[k]).tz_localize("UTC")
                self.peak_transformer_time = stamp.tz_convert(axis.timezone).isoformat()

    @property
    def overvoltage_share(self) -> float:
        """Share of bus-intervals above 1.10 pu (EN 50160: Un + 10 %) [-]."""
        return self.overvoltage_bus_intervals / self.bus_intervals if self.bus_intervals else 0.0

    def lines(self) -> list[str]:
        """The summary as aligned text lines."""
        per = self.timings_s.get("simulate", self.wall_s) / max(self.intervals, 1) * 1000
        return [
            f"run {self.name!r} on {self.network} ({self.solver})",
            f"  households        {self.households:,}",
            f"  intervals         {self.intervals:,} x {self.interval_s // 60} min",
            f"  energy            import {self.import_mwh:,.3f} MWh, "
            f"export {self.export_mwh:,.3f} MWh",
            f"  bus voltage       min {self.vm_min_pu:.4f} pu, max {self.vm_max_pu:.4f} pu",
            f"  peak transformer  {self.peak_transformer_loading_percent:.1f} % "
            f"(trafo {self.peak_transformer_id} at {self.peak_transformer_time})",
            f"  over-voltage      {self.overvoltage_share:.2%} of bus-intervals above 1.10 pu",
            f"  overload          {self.transformer_overload_intervals} transformer-interval(s) "
            f"above 100 % ({self.transformer_overload_hours:.2f} h; "
            f"{self.transformer_reverse_overload_intervals} by reverse flow)",
            *der_lines(self.der),
            f"  power flow        {self.non_converged_intervals} non-converged interval(s)",
            f"  meter readings    {self.meter_readings:,} received, "
            f"{self.missed_readings:,} missed",
            *(scoreboard_lines(self.scoreboard) if self.scoreboard else []),
            f"  wall time         {self.wall_s:.1f} s ({per:.2f} ms per simulated interval, "
            f"{self.timings_s.get('build', 0.0):.1f} s set-up)",
        ]


class Run(RunDirectory):
    """A finished run: its directory plus the summary of the simulation."""

    def __init__(self, path: Path, summary: RunSummary):
        super().__init__(path)
        self.summary = summary


class _IntervalLoop:
    """The interval process and the state it keeps."""

    def __init__(
        self, parts: Components, recorder: Recorder, summary: RunSummary, progress: tqdm | None
    ):
        self.parts = parts
        self.recorder = recorder
        self.summary = summary
        self.progress = progress
        self.on_progress: Callable[[int], None] | None = None
        self._trafo_ids = parts.site.grid.net.trafo.index.to_numpy()
        self.spells = OccupancySpells(parts.members.n, parts.axis.interval_s)
        self.der_recorder: DerRecorder | None = None
        self._solved_loads = _solved_rows(parts, "load")
        self.metering = True

    def schedule_events(self, env: simpy.Environment, events: list[HouseholdEvent]) -> None:
        """Register every household happening as a SimPy timeout with a callback.

        All are created at time 0, before the interval process schedules its
        own timeouts, so at equal times they fire first: an event at ``T``
        shapes the interval that starts at ``T``.
        """
        fleet = self.parts.households
        for event in events:
            if event.time_s <= 0:
                fleet.apply(event)
                continue
            timeout = env.timeout(event.time_s)
            timeout.callbacks.append(partial(_apply_event, fleet, event))

    def process(self, env: simpy.Environment):  # type: ignore[no-untyped-def]
        """SimPy process: one pass per metering interval."""
        axis = self.parts.axis
        for k in range(axis.n_intervals):
            t = axis.at(k)
            p_kw, q_kvar = self.parts.households.step(t)
            if self.parts.der is not None:
                p_kw = self.parts.der.step(t, p_kw, self.parts.ami.management.relay_closed)
                if self.der_recorder is not None:
                    self.der_recorder.schedule_status_changes(env)
                elif self.parts.der.ev is not None:  # nothing records them: keep memory flat
                    self.parts.der.ev.status_changes()
                    self.parts.der.ev.finished_sessions()
            p_kw, q_kvar = self.parts.ami.relay(p_kw, q_kvar)
            if self.metering:
                self.recorder.occupancy(*self.spells.observe(k, self.parts.households.present))
            yield env.timeout(axis.interval_s)
            self._close_interval(k, p_kw, q_kvar)

    def _close_interval(self, k: int, p_kw: np.ndarray, q_kvar: np.ndarray) -> None:
        parts, axis = self.parts, self.parts.axis
        end_s = (k + 1) * axis.interval_s
        if self.metering:
            parts.ami.meter(k, p_kw)

        load_p, load_q, sgen_p = parts.grid_injections(k, p_kw, q_kvar)
        tic = time.perf_counter()
        result = parts.solve(k, load_p, load_q, sgen_p)
        solve_ms = (time.perf_counter() - tic) * 1e3
        self.recorder.grid(end_s, result, solve_ms, self._load_kw(load_p))
        self.summary.account(result, axis, k, self._trafo_ids)
        if parts.der is not None:
            parts.der.after_flow(result)
            if self.der_recorder is not None:
                self.der_recorder.interval(k)

        if self.metering:
            parts.ami.after_flow(k, p_kw, result)
        if self.on_progress is not None and ((k + 1) % 96 == 0 or k == axis.n_intervals - 1):
            self.on_progress(k + 1)
        if self.progress is not None:
            self.progress.update(1)
            if k % 96 == 0 or k == axis.n_intervals - 1:
                stamp = pd.Timestamp(axis.interval_end_utc[k]).tz_localize("UTC")
                self.progress.set_postfix_str(
                    stamp.tz_convert(axis.timezone).strftime("%Y-%m-%d %H:%M"), refresh=False
                )

    def _load_kw(self, load_p_mw: np.ndarray) -> float:
        rows = self._solved_loads
        return exact_total_kw(load_p_mw if rows is None else load_p_mw[rows])


def exact_total_kw(load_p_mw: np.ndarray) -> float:
    """Sum of load powers [kW] in integer milliwatts.

    Integer sums do not depend on the order of addition, so the shards of a
    run add up to exactly the whole run's figure.
    """
    return float(np.rint(np.asarray(load_p_mw) * 1e9).astype(np.int64).sum()) / 1e6


def _solved_rows(parts: Components, element: str) -> np.ndarray | None:
    """Rows of ``net.<element>`` solved in this process; None for all (the joint power flow)."""
    solver = parts.solver
    if not isinstance(solver, IslandedSolver):
        return None
    return solver.rows(element)


def _solved_mask(parts: Components, element: str, n: int) -> np.ndarray | None:
    rows = _solved_rows(parts, element)
    if rows is None:
        return None
    mask = np.zeros(n, dtype=bool)
    mask[rows] = True
    return mask


def _apply_event(fleet: HouseholdFleet, event: HouseholdEvent, _fired: simpy.Event) -> None:
    fleet.apply(event)


def run_manifest(
    scenario: Scenario, started: datetime, summary: dict[str, Any], spi: dict[str, Any]
) -> dict[str, Any]:
    """``manifest.json`` of a finished run, whole or merged from shards.

    ``summary`` is a :class:`RunSummary` as a dict; ``spi`` the SPI link statistics.
    """
    return {
        "name": scenario.name,
        "seed": scenario.seed,
        "scenario": scenario.resolved_dict(),
        "versions": _versions(),
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "timings_s": {**summary["timings_s"], "total": round(summary["wall_s"], 3)},
        "summary": summary,
        "spi": spi,
        "scoreboard": summary["scoreboard"],
    }


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def run(
    scenario: Scenario,
    *,
    out: str | Path | None = None,
    progress: bool | None = None,
    shard: ShardPlan | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Run:
    """Simulate a scenario and write its run directory.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (:func:`twin.load_scenario`).
    out : str or pathlib.Path, optional
        Run directory; default ``results/<scenario name>``. An existing run
        there is replaced only when the new run completes.
    progress : bool, optional
        Show a progress bar in simulated time; default: when stderr is a terminal.
    shard : ShardPlan, optional
        Simulate only these LV areas (one shard of a sharded run, see
        :mod:`twin.sweep.shards`): their premises, meters, DER and power
        flow; the network tables are left to the merge.
    on_progress : callable, optional
        Called with the number of intervals simulated so far, every 96
        intervals and at the end (how a shard reports to its coordinator).

    Returns
    -------
    Run
        The finished run (a :class:`~twin.streams.RunDirectory` with a ``summary``).

    Raises
    ------
    twin.errors.ScenarioError
        When the network or household count cannot be used.
    """
    t0 = time.perf_counter()
    started = datetime.now(UTC)
    destination = Path(out) if out is not None else Path("results") / scenario.name
    site = build_site(scenario)
    metering = shard is None or not shard.flows_only
    lines = scenario.outputs.line_loading == "all" and metering

    with RunWriter(destination, row_group_rows=scenario.outputs.row_group_rows) as writer:
        parts = build_components(scenario, site, RandomTree(scenario.seed), writer, shard)
        axis = parts.axis
        premise_ids = member_ids("P", parts.members)
        meter_ids = member_ids("M", parts.members)
        net = site.grid.net
        summary = RunSummary(
            name=scenario.name,
            network=site.grid.name,
            solver=parts.solver.name,
            households=parts.members.n,
            intervals=axis.n_intervals,
            interval_s=axis.interval_s,
        )
        t_build = time.perf_counter() - t0
        recorder = Recorder(
            writer,
            axis,
            meter_ids=meter_ids,
            bus_ids=site.grid.bus_id,
            bus_mask=_bus_mask(parts, scenario.outputs.bus_voltage if metering else "none"),
            transformer_ids=net.trafo.index.to_numpy(),
            line_ids=net.line.index.to_numpy() if lines else None,
            premise_ids=premise_ids,
            transformer_mask=_solved_mask(parts, "trafo", len(net.trafo)),
            line_mask=_solved_mask(parts, "line", len(net.line)),
        )
        if metering:
            recorder.frame("truth/premise", _premise_frame(parts, premise_ids, meter_ids))
            recorder.frame("internal/meter_point", _meter_point_frame(parts, meter_ids))
        if shard is None:
            recorder.frame("internal/network_bus", bus_table(site.grid))
            recorder.frame("internal/network_branch", branch_table(site.grid))
        bar = tqdm(
            total=axis.n_intervals,
            unit="interval",
            desc=scenario.name,
            disable=None if progress is None else not progress,
            leave=False,
        )
        loop = _IntervalLoop(parts, recorder, summary, bar)
        loop.on_progress = on_progress
        loop.metering = metering
        env = simpy.Environment()
        loop.schedule_events(env, parts.households.events())
        if parts.der is not None:
            if metering:
                loop.der_recorder = DerRecorder.for_run(
                    writer, scenario, parts, premise_ids, meter_ids
                )
            if parts.der.ev is not None:
                schedule_ev_events(env, parts.der.ev)
        firmware = schedule_ami_events(env, parts.ami, scenario, firmware=metering)
        env.process(loop.process(env))
        t1 = time.perf_counter()
        env.run()
        bar.close()
        if metering:
            parts.ami.finish(axis.duration_s, axis.n_intervals - 1)
        t_sim = time.perf_counter() - t1

        if metering:
            recorder.occupancy(*loop.spells.close(axis.duration_s))
            recorder.frame("truth/vacancy", _vacancy_frame(parts, premise_ids))
            stats = parts.ami.hes.stats
            summary.import_mwh = stats.import_wh / 1e6
            summary.export_mwh = stats.export_wh / 1e6
            summary.meter_readings = stats.interval_readings
            summary.missed_readings = stats.by_quality["missing"]
            summary.scoreboard = scoreboard(parts.ami, firmware, meter_ids)
        if parts.der is not None:
            parts.der.finish()
            summary.der = der_summary(parts.der.totals)
        summary.timings_s = {"build": round(t_build, 3), "simulate": round(t_sim, 3)}
        summary.wall_s = time.perf_counter() - t0
        manifest = run_manifest(scenario, started, asdict(summary), asdict(parts.spi.stats))
        if shard is not None:
            manifest["shard"] = {
                "index": shard.index,
                "count": shard.count,
                "transformers": list(shard.transformers),
                "premises": parts.members.n,
                "flows_only": shard.flows_only,
            }
        path = writer.commit(manifest=manifest, scenario=scenario.resolved_dict())
    return Run(path, summary)


def _bus_mask(parts: Components, which: str) -> np.ndarray:
    """Buses written to ``internal/bus_voltage`` (``outputs.bus_voltage``, solved here)."""
    bus = parts.site.grid.net.bus
    if which == "none":
        mask = np.zeros(len(bus), dtype=bool)
    elif which == "lv":
        mask = bus.vn_kv.to_numpy() < 1.0
    else:
        mask = np.ones(len(bus), dtype=bool)
    solved = _solved_mask(parts, "bus", len(bus))
    return mask if solved is None else mask & solved


def _premise_frame_columns(parts: Components) -> dict[str, np.ndarray]:
    """Where each member premise is connected: bus, LV transformer, feeder."""
    pl, take = parts.site.placement, parts.members.take
    return {
        "bus_id": parts.site.grid.bus_id[take(np.asarray(pl.bus, dtype=np.int64))],
        "transformer_id": take(np.asarray(pl.transformer, dtype=np.int64)),
        "feeder_id": take(np.asarray(pl.feeder, dtype=np.int64)),
    }


def _premise_frame(parts: Components, premise_ids: list[str], meter_ids: list[str]) -> pd.DataFrame:
    hh = parts.households
    n = len(premise_ids)
    net = parts.site.grid.net
    return pd.DataFrame(
        {
            "premise_id": premise_ids,
            "meter_id": meter_ids,
            **_premise_frame_columns(parts),
            "load_index": net.load.index.to_numpy()[parts.premise_load],
            "occupancy_kind": np.asarray(hh.occupancy_kind, dtype=object),
            "annual_kwh": np.asarray(hh.annual_kwh, dtype=np.float64),
            **_der_columns(parts, n),
        }
    )


def _der_columns(parts: Components, n: int) -> dict[str, np.ndarray]:
    if parts.der is not None:
        return parts.der.premise_columns()
    return {
        **{k: np.zeros(n, dtype=bool) for k in ("has_pv", "has_storage", "has_ev")},
        **{k: np.zeros(n) for k in ("pv_kwp", "storage_kwh", "ev_charger_kw")},
    }


def _meter_point_frame(parts: Components, meter_ids: list[str]) -> pd.DataFrame:
    premises = _premise_frame_columns(parts)
    return pd.DataFrame({"meter_id": meter_ids, **premises})


def _vacancy_frame(parts: Components, premise_ids: list[str]) -> pd.DataFrame:
    periods = parts.households.vacancy_periods()
    ids = np.asarray(premise_ids, dtype=object)
    axis = parts.axis
    return pd.DataFrame(
        {
            "premise_id": ids[periods["premise"].to_numpy(dtype=np.int64)],
            "start": pd.to_datetime(axis.utc_us(periods["start_s"].to_numpy()), utc=True),
            "end": pd.to_datetime(axis.utc_us(periods["end_s"].to_numpy()), utc=True),
            "kind": periods["kind"].astype(str).to_numpy(),
        }
    )
