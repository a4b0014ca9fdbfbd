"""The MV level of a coupled sharded run, run as a simulation of its own.

Between the two LV levels of a coupled sharded run
(:mod:`twin.engine.sharding`), the MV network is solved once per interval
with each LV area replaced by the power its transformer drew in the first
LV level (:class:`twin.grid.mv_level.MvLevel`). The terminal voltages it
finds are what the LV areas are solved under in the second level; its own
buses, lines and HV/MV transformers are written like any run's. The modelled
medium-voltage customers (:mod:`twin.engine.mv_customers`) are drawn here
from their own generator exactly as in the run's first shard, which meters
them, so their load rows carry what their meters record.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from twin.engine.mv_customers import create_mv_customers
from twin.engine.recording import Recorder
from twin.engine.sharding.plan import ShardPlan, TerminalVoltages
from twin.engine.site import Site
from twin.engine.summary import RunSummary, exact_total_kw
from twin.grid import BackgroundInjections
from twin.grid.islands import LvArea, lv_areas, slack_voltage_pu
from twin.grid.mv_level import MvLevel
from twin.random_streams import RandomTree
from twin.scenario import Scenario
from twin.streams import RunDirectory, RunWriter

__all__ = ["solve_mv_level", "terminals_of"]


def solve_mv_level(
    scenario: Scenario, site: Site, level_one: list[Path], folder: Path
) -> tuple[TerminalVoltages, Path, dict[str, Any]]:
    """Solve the MV level per interval from the first LV level's transformer loads.

    Parameters
    ----------
    scenario : Scenario
        The sharded run's scenario.
    site : Site
        Its network and premises.
    level_one : list of pathlib.Path
        The run directories of the first LV level's shards
        (:attr:`ShardPlan.flows_only <twin.engine.sharding.plan.ShardPlan.flows_only>`).
    folder : pathlib.Path
        Where the MV level writes its own run directory (MV buses, lines,
        HV/MV transformers and its ``truth/power_flow``).

    Returns
    -------
    terminals : TerminalVoltages
        The MV terminal voltage of every LV area per interval [pu].
    path : pathlib.Path
        The MV level's run directory.
    summary : dict
        Its :class:`~twin.engine.summary.RunSummary` as a dict.
    """
    axis = scenario.time.axis()
    grid = site.grid
    net = grid.net
    mv = MvLevel(grid, lv_areas(grid), scenario.grid.solver)
    trafo_ids = net.trafo.index.to_numpy(dtype=np.int64)
    lv_ids = trafo_ids[mv.lv_trafo_rows]
    flows = pd.concat(
        [
            RunDirectory(path).table(
                "internal/transformer_interval",
                columns=["transformer_id", "interval_end", "p_kw", "q_kvar"],
            )
            for path in level_one
        ],
        ignore_index=True,
    )
    column = pd.Index(lv_ids).get_indexer(flows["transformer_id"].to_numpy())
    stamps = pd.DatetimeIndex(flows["interval_end"]).tz_convert("UTC").tz_localize(None)
    k = pd.Index(pd.DatetimeIndex(axis.interval_end_utc)).get_indexer(stamps)
    p_mw = np.zeros((axis.n_intervals, lv_ids.size))
    q_mvar = np.zeros((axis.n_intervals, lv_ids.size))
    ok = (column >= 0) & (k >= 0)
    p_mw[k[ok], column[ok]] = np.nan_to_num(flows["p_kw"].to_numpy()[ok]) / 1e3
    q_mvar[k[ok], column[ok]] = np.nan_to_num(flows["q_kvar"].to_numpy()[ok]) / 1e3

    fixed = scenario.grid.mv_voltage_pu or slack_voltage_pu(grid)
    vm = np.full((axis.n_intervals, mv.terminal_bus.size), fixed)
    points = site.points
    customers = create_mv_customers(scenario, grid, points, RandomTree(scenario.seed))
    background = BackgroundInjections(
        grid,
        axis,
        metered_loads=points.load_row[points.mv_modelled],
        holidays=scenario.customers.holidays.around(axis.local_day),
    )
    summary = RunSummary(
        name=scenario.name,
        network=grid.name,
        solver=mv.name,
        households=0,
        intervals=axis.n_intervals,
        interval_s=axis.interval_s,
    )
    bus_mask = np.zeros(len(net.bus), dtype=bool)
    outputs = scenario.outputs
    if outputs.bus_voltage in ("all", "daily_extremes"):
        bus_mask[mv.rows("bus")] = True
    trafo_mask = np.zeros(len(net.trafo), dtype=bool)
    trafo_mask[mv.rows("trafo")] = True
    line_mask = np.zeros(len(net.line), dtype=bool)
    line_mask[mv.rows("line")] = True
    own_loads = mv.load_rows()
    with RunWriter(folder, row_group_rows=scenario.outputs.row_group_rows) as writer:
        recorder = Recorder(
            writer,
            axis,
            meter_ids=[],
            bus_ids=grid.bus_id,
            bus_mask=bus_mask,
            transformer_ids=trafo_ids,
            line_ids=net.line.index.to_numpy() if outputs.line_loading != "none" else None,
            premise_ids=[],
            transformer_mask=trafo_mask,
            line_mask=line_mask,
            bus_daily=outputs.bus_voltage == "daily_extremes",
            line_daily=outputs.line_loading == "daily_extremes",
        )
        for i in range(axis.n_intervals):
            load_p, load_q, sgen_p = background.at(i)
            if customers is not None:
                p_kw, q_kvar = customers.step(axis.at(i))
                load_p[customers.load_rows] += p_kw / 1e3
                load_q[customers.load_rows] += q_kvar / 1e3
            tic = time.perf_counter()
            result = mv.solve(load_p, load_q, sgen_p, p_mw[i], q_mvar[i])
            solve_ms = (time.perf_counter() - tic) * 1e3
            recorder.grid(
                (i + 1) * axis.interval_s, result, solve_ms, exact_total_kw(load_p[own_loads])
            )
            summary.account(result, axis, i, trafo_ids)
            if result.converged:
                vm[i] = result.vm_pu[mv.terminal_bus]
        path = writer.commit(manifest={"level": "mv"}, scenario=scenario.resolved_dict())
    return (
        TerminalVoltages(bus=mv.terminal_bus, vm_pu=vm),
        path,
        dataclasses.asdict(summary),
    )


def terminals_of(
    areas: list[LvArea], plan: ShardPlan, terminals: TerminalVoltages
) -> TerminalVoltages:
    """The terminal voltages of one shard's areas."""
    wanted = set(plan.transformers)
    buses = np.unique(np.concatenate([a.hv_buses for a in areas if a.transformer in wanted]))
    columns = pd.Index(terminals.bus).get_indexer(pd.Index(buses))
    return TerminalVoltages(bus=buses.astype(np.int64), vm_pu=terminals.vm_pu[:, columns].copy())
