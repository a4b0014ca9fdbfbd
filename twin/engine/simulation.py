"""Simulate a scenario and write its run directory.

Time is integer seconds since the scenario start (``env.now``). One SimPy
process (:class:`~twin.engine.interval_loop.IntervalLoop`) steps every fleet
per metering interval as numpy arrays; discrete happenings (moves, holidays,
EV plug-ins, faults, campaigns) are SimPy events that change fleet state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import simpy
from tqdm import tqdm

from twin.engine.alarm_sources import attach_alarm_sources
from twin.engine.alarms import AlarmLog
from twin.engine.area_meters import AreaMeterRecorder
from twin.engine.billing import write_bills
from twin.engine.components import Components, build_components
from twin.engine.demand_response import DemandResponse
from twin.engine.dr_events import TransformerHistory
from twin.engine.faults import FirmwareRecorder, schedule_ami_events, schedule_theft_signals
from twin.engine.interval_loop import IntervalLoop
from twin.engine.lighting import LightingCircuits
from twin.engine.recording import Recorder
from twin.engine.recording_ami import AmiRecorder
from twin.engine.recording_der import DerRecorder, schedule_ev_events
from twin.engine.recording_phases import PhaseRecorder
from twin.engine.recording_power_quality import PowerQualityRecorder
from twin.engine.run_tables import (
    bus_mask,
    meter_point_frame,
    premise_frame,
    theft_frame,
    vacancy_frame,
)
from twin.engine.safety import SafetyPremises
from twin.engine.scoreboard import scoreboard
from twin.engine.sharding.plan import ShardPlan
from twin.engine.site import build_site
from twin.engine.summary import Run, RunSummary, run_manifest
from twin.grid.export import branch_table, bus_table
from twin.random_streams import RandomTree
from twin.scenario import Scenario
from twin.streams import RunWriter

__all__ = ["run"]


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

    with RunWriter(destination, row_group_rows=scenario.outputs.row_group_rows) as writer:
        parts = build_components(scenario, site, RandomTree(scenario.seed), writer, shard)
        axis = parts.axis
        summary = RunSummary(
            name=scenario.name,
            network=site.grid.name,
            solver=parts.solver.name,
            households=parts.segments.households.stop - parts.segments.households.start,
            meters=parts.members.n,
            intervals=axis.n_intervals,
            interval_s=axis.interval_s,
        )
        t_build = time.perf_counter() - t0
        recorder = _open_recorder(scenario, parts, writer, metering=metering, whole=shard is None)
        bar = tqdm(
            total=axis.n_intervals,
            unit="interval",
            desc=scenario.name,
            disable=None if progress is None else not progress,
            leave=False,
        )
        loop = IntervalLoop(parts, recorder, summary, bar)
        loop.on_progress = on_progress
        loop.metering = metering
        if metering:
            loop.phases = PhaseRecorder.for_run(writer, parts)
            loop.power_quality = PowerQualityRecorder.for_run(
                writer, parts, scenario.seed, scenario.outputs.meter_power_quality
            )
        env = simpy.Environment()
        firmware = _schedule(env, loop, scenario, writer)
        if metering:
            loop.alarm_sources = attach_alarm_sources(
                scenario,
                parts,
                transformer_rows=loop.area_transformer_rows,
                der_recorder=loop.der_recorder,
                firmware=firmware,
                phases=loop.phases,
            )
        env.process(loop.process(env))
        t1 = time.perf_counter()
        env.run()
        t_loop = time.perf_counter() - t1
        bar.close()
        if metering:
            parts.ami.finish(axis.duration_s, axis.n_intervals - 1)
            if parts.area_meters is not None:
                parts.area_meters.ami.finish(axis.duration_s, axis.n_intervals - 1)
            if parts.utilities is not None:
                parts.utilities.finish()
            for prepaid in (parts.prepaid, parts.prepaid_water):
                if prepaid is not None:
                    prepaid.finish()
        for lights in (parts.lighting, parts.common_lighting):
            if lights is not None:
                lights.finish()
        if parts.demand_response is not None:
            parts.demand_response.finish()
            if metering:
                summary.demand_response = parts.demand_response.counts()
        if metering and parts.safety is not None:
            parts.safety.finish()
        if metering and parts.alarms is not None:
            if loop.alarm_sources is not None:
                loop.alarm_sources.finish()
            parts.alarms.finish()
            summary.alarms = parts.alarms.counts()
            if parts.safety is not None:
                summary.alarms.update(parts.safety.counts())
        t_sim = time.perf_counter() - t1
        _close(loop, summary, firmware, writer)
        if metering and scenario.tariffs is not None:
            tic = time.perf_counter()
            summary.money = write_bills(scenario, parts, writer)
            for prepaid in (parts.prepaid, parts.prepaid_water):
                if prepaid is not None:
                    summary.money.update(prepaid.money())
            t_bill = time.perf_counter() - tic
        summary.timings_s = {"build": round(t_build, 3), "simulate": round(t_sim, 3)}
        summary.timings_s["finish"] = round(t_sim - t_loop, 3)
        if metering and scenario.tariffs is not None:
            summary.timings_s["bills"] = round(t_bill, 3)
        tic = time.perf_counter()
        writer.flush_all()
        summary.timings_s["flush"] = round(time.perf_counter() - tic, 3)
        summary.profile = loop.clock.profile(axis.n_intervals, writer.write_seconds())
        summary.wall_s = time.perf_counter() - t0
        manifest = run_manifest(scenario, started, asdict(summary), asdict(parts.ami.spi.stats))
        if shard is not None:
            manifest["shard"] = {
                "index": shard.index,
                "count": shard.count,
                "transformers": list(shard.transformers),
                "premises": parts.members.n,
                "flows_only": shard.flows_only,
            }
        path = writer.commit(manifest=manifest, scenario=scenario.resolved_dict())
    return Run(path, summary, None if parts.der is None else parts.der.totals)


def _open_recorder(
    scenario: Scenario, parts: Components, writer: RunWriter, *, metering: bool, whole: bool
) -> Recorder:
    """The grid and truth recorder, with the tables written once at the start.

    ``metering`` False (the lean first level of a coupled sharded run) writes
    only transformer loads and ``truth/power_flow``; ``whole`` False (a
    shard) leaves the network tables to the merge.
    """
    grid, ids = parts.site.grid, parts.member_ids
    net = grid.net
    outputs = scenario.outputs
    lines = outputs.line_loading != "none" and metering
    recorder = Recorder(
        writer,
        parts.axis,
        meter_ids=ids.meters,
        bus_ids=grid.bus_id,
        bus_mask=bus_mask(parts, scenario.outputs.bus_voltage if metering else "none"),
        transformer_ids=net.trafo.index.to_numpy(),
        line_ids=net.line.index.to_numpy() if lines else None,
        premise_ids=ids.premises,
        transformer_mask=parts.solved_mask("trafo", len(net.trafo)),
        line_mask=parts.solved_mask("line", len(net.line)),
        bus_daily=outputs.bus_voltage == "daily_extremes",
        line_daily=outputs.line_loading == "daily_extremes",
        solved_buses=parts.solved_rows("bus"),
    )
    if metering:
        if parts.utilities is not None:
            parts.utilities.write_leaks()
        recorder.frame("truth/premise", premise_frame(parts, ids.premises, ids.meters))
        recorder.frame("internal/meter_point", meter_point_frame(parts, ids.meters))
    if whole:
        recorder.frame("internal/network_bus", bus_table(grid))
        recorder.frame("internal/network_branch", branch_table(grid))
    return recorder


def _schedule(
    env: simpy.Environment, loop: IntervalLoop, scenario: Scenario, writer: RunWriter
) -> FirmwareRecorder:
    """Schedule every discrete happening before the interval process starts."""
    parts = loop.parts
    loop.schedule_events(env, parts.households.events())
    if parts.der is not None:
        if loop.metering:
            ids = parts.member_ids
            households = parts.segments.households
            loop.der_recorder = DerRecorder.for_run(
                writer, scenario, parts, ids.premises[households], ids.meters[households]
            )
        if parts.der.ev is not None:
            schedule_ev_events(env, parts.der.ev)
    area_meters = None if parts.area_meters is None else parts.area_meters.ami
    for prepaid in (parts.prepaid, parts.prepaid_water):
        if prepaid is not None:
            prepaid.env = env
    if parts.lighting is not None:
        parts.lighting.schedule(env)
    dr = parts.demand_response
    if dr is not None:
        history = None
        if any(p.trigger is not None for p in dr.programmes):
            history = TransformerHistory(loop.recorder.transformer_ids, parts.axis.duration_s)
            loop.recorder.on_transformers = history.record
        dr.schedule(env, history)
    if parts.safety is not None:
        parts.safety.operations.schedule(env)
    firmware = schedule_ami_events(
        env, parts.ami, scenario, firmware=loop.metering, area_meters=area_meters
    )
    if parts.thefts is not None and loop.metering:
        schedule_theft_signals(env, parts.ami, parts.thefts)
    return firmware


def _close(
    loop: IntervalLoop, summary: RunSummary, firmware: FirmwareRecorder, writer: RunWriter
) -> None:
    """The tables and summary figures known only at the end of the run."""
    parts, recorder = loop.parts, loop.recorder
    if loop.phases is not None:
        loop.phases.flush()
    if loop.power_quality is not None:
        loop.power_quality.flush()
    if loop.metering:
        recorder.occupancy(*loop.spells.close(parts.axis.duration_s))
        recorder.frame("truth/vacancy", vacancy_frame(parts, parts.member_ids.premises))
        if parts.thefts is not None:
            recorder.frame("truth/theft", theft_frame(parts))
        stats = parts.ami.hes.stats
        summary.import_wh, summary.export_wh = stats.import_wh, stats.export_wh
        summary.import_mwh = stats.import_wh / 1e6
        summary.export_mwh = stats.export_wh / 1e6
        summary.meter_readings = stats.interval_readings
        summary.missed_readings = stats.by_quality["missing"]
        summary.scoreboard = scoreboard(parts.ami, firmware, parts.member_ids.meters)
    else:  # a pass that does not meter keeps only the grid's tables
        for name in {
            *AmiRecorder.TABLES,
            *AreaMeterRecorder.TABLES,
            *LightingCircuits.TABLES,
            *AlarmLog.TABLES,
            *SafetyPremises.TABLES,
            *DemandResponse.TABLES,
        }:
            writer.discard(name)
    if parts.der is not None:
        parts.der.finish()
        summary.der = parts.der.totals.summary()
