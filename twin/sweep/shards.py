"""A sharded single run: one scenario split by LV transformer area over a Dask cluster.

The LV areas are dealt to shards (:func:`twin.engine.partition.deal_areas`);
each shard is an ordinary engine run restricted to its areas, written to its
own run directory, on any worker of the cluster. The merged run directory
adopts the shards' Parquet files as the parts of each table, so it holds the
same tables as an unsharded run.

MV coupling, ``grid.mv``:

- ``fixed`` (and every LV-only network): each area is solved under the
  fixed MV terminal voltage, in the shards exactly as in an unsharded run,
  so the merged tables are identical to the unsharded run's.
- ``coupled``: two levels. The shards first step their devices and power
  flow under the fixed voltage (no meters, only the transformer loads are
  written); each interval's LV transformer loads are then aggregated into an
  MV power flow (:class:`twin.grid.mv_level.MvLevel`), whose terminal
  voltages the shards run again under, in full. The MV buses, lines and HV/MV transformers come
  from the MV level. One exchange per interval: close to, not identical with,
  the joint power flow of an unsharded run.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
from tqdm import tqdm

from twin.engine.partition import ShardPlan, TerminalVoltages, deal_areas
from twin.errors import Problem, ScenarioError, TwinError
from twin.scenario import Scenario
from twin.streams import RunDirectory, RunWriter
from twin.streams.schemas import schema_for

if TYPE_CHECKING:
    from twin.engine import Run
    from twin.grid.islands import LvArea

__all__ = ["plan_shards", "run_shard", "run_sharded"]

TASK_RETRIES = 2
"""Times Dask resubmits a shard whose worker died."""


def plan_shards(scenario: Scenario, count: int, site: Any = None) -> list[ShardPlan]:
    """Deal the scenario's LV areas to ``count`` shards, or raise a ScenarioError.

    ``site`` is the scenario's :class:`~twin.engine.wiring.Site` when already built.

    Raises
    ------
    twin.errors.ScenarioError
        The network has fewer LV areas than shards, premises or public
        charging stations outside every LV area.
    """
    from twin.engine.wiring import build_site
    from twin.grid.islands import lv_areas, solve_units

    site = build_site(scenario) if site is None else site
    source = "" if scenario.source is None else str(scenario.source)
    units = solve_units(lv_areas(site.grid))
    transformer = np.asarray(site.placement.transformer, dtype=np.int64)
    problems = []
    if not 1 <= count <= max(len(units), 1):
        problems.append(
            Problem(
                "--shards",
                f"given {count}; network {site.grid.name!r} has {len(units)} unit(s) of LV "
                f"transformer areas, expected 1 .. {max(len(units), 1)} shards (whole units each)",
            )
        )
    if (transformer < 0).any():
        problems.append(
            Problem(
                "grid.network",
                f"{int((transformer < 0).sum())} premise(s) of {site.grid.name!r} sit outside "
                "every LV transformer area; expected a network whose homes are all fed by "
                "MV/LV transformers to shard it",
            )
        )
    in_area = np.asarray(site.grid.bus_transformer, dtype=np.int64) >= 0
    for j, station in enumerate(scenario.ev.public_stations):
        bus = site.grid.bus_map.get(int(station.bus), int(station.bus))
        if 0 <= bus < in_area.size and not in_area[bus]:
            problems.append(
                Problem(
                    f"ev.public_stations.{j}.bus",
                    f"given {station.bus}, an MV bus; expected an LV bus to shard the run",
                )
            )
    if scenario.grid.solver == "pandapower" and scenario.grid.mv == "coupled":
        problems.append(
            Problem(
                "grid.solver",
                "given 'pandapower'; a sharded run with grid.mv 'coupled' puts the MV "
                "level's voltages into the LV transformers each interval, which needs "
                "lightsim2grid; expected 'auto' or 'lightsim2grid', or grid.mv 'fixed'",
            )
        )
    if problems:
        raise ScenarioError(problems, source)
    weights = np.asarray(
        [
            sum(int(np.count_nonzero(transformer == a.transformer)) + a.buses.size for a in u)
            for u in units
        ],
        dtype=np.int64,
    )
    groups = deal_areas([tuple(a.transformer for a in u) for u in units], weights, count)
    return [ShardPlan(i, count, g) for i, g in enumerate(groups)]


def run_shard(
    scenario: Scenario, plan: ShardPlan, destination: str, progress_file: str | None = None
) -> dict[str, Any]:
    """Run one shard into ``destination`` (a Dask task); its summary and path.

    ``progress_file`` (on the file system the coordinator sees) gets the
    number of intervals simulated so far, once a simulated day. An error is
    returned, not raised (``error``, ``bad_input``), so that Dask retries only
    shards whose worker died, not ones that fail the same way every time.
    """
    from twin.engine import run as simulate

    def report(done: int) -> None:
        if progress_file is not None:
            staged = Path(f"{progress_file}.{os.getpid()}")
            staged.write_text(str(done))
            os.replace(staged, progress_file)

    try:
        result = simulate(scenario, out=destination, progress=False, shard=plan, on_progress=report)
    except Exception as exc:  # reported by the coordinator
        return {
            "index": plan.index,
            "error": f"{type(exc).__name__}: {exc}",
            "bad_input": isinstance(exc, TwinError),
        }
    return {
        "index": plan.index,
        "path": str(result.path),
        "summary": dataclasses.asdict(result.summary),
        "manifest": result.manifest,
    }


def run_sharded(
    scenario: Scenario,
    shards: int,
    *,
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    echo: Callable[[str], None] = print,
) -> Run:
    """Run a scenario in ``shards`` shards on Dask and merge them into one run directory.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    shards : int
        Number of shards, 1 .. the network's units of LV transformer areas
        (:func:`twin.grid.islands.solve_units`, at most 32).
    out : str or pathlib.Path, optional
        Run directory; default ``results/<scenario name>``.
    workers : int, optional
        Workers of a local cluster (default: one per core, at most one per shard).
    scheduler : str, optional
        Address of a running Dask scheduler to use instead.
    progress : bool, optional
        Progress bar over the intervals the shards have simulated (default:
        when the terminal shows it).
    echo : callable
        Where the dashboard address goes.

    Returns
    -------
    twin.engine.Run
        The merged run, with its summary.
    """
    from twin.engine.wiring import build_site
    from twin.grid.islands import lv_areas, mv_is_trivial
    from twin.sweep.cluster import dask_client

    t0 = time.perf_counter()
    started = datetime.now(UTC)
    destination = Path(out) if out is not None else Path("results") / scenario.name
    site = build_site(scenario)
    plans = plan_shards(scenario, shards, site)
    coupled = scenario.grid.mv == "coupled" and not mv_is_trivial(site.grid)
    work = destination.parent / f".{destination.name}.shards-{uuid.uuid4().hex[:8]}"
    timings: dict[str, float] = {}
    try:
        with dask_client(workers or min(shards, _cores()), scheduler) as client:
            levels = "two-level MV coupling" if coupled else "MV fixed"
            echo(f"{shards} shard(s), {levels}; Dask dashboard: {client.dashboard_link}")
            bar = tqdm(  # intervals simulated, summed over the shards (and levels)
                total=shards * scenario.time.axis().n_intervals * (2 if coupled else 1),
                unit="shard-interval",
                desc=f"{scenario.name}, {shards} shards",
                disable=None if progress is None else not progress,
            )
            mv_part = None
            if coupled:
                tic = time.perf_counter()
                lean = [dataclasses.replace(p, flows_only=True) for p in plans]
                first = _run_all(client, scenario, lean, work / "level-1", bar)
                timings["lv_level_1"] = time.perf_counter() - tic
                tic = time.perf_counter()
                terminals, mv_part, mv_summary = _solve_mv_level(scenario, site, first, work)
                areas = lv_areas(site.grid)
                plans = [
                    dataclasses.replace(p, terminals=_terminals_of(areas, p, terminals))
                    for p in plans
                ]
                timings["mv_level"] = time.perf_counter() - tic
            tic = time.perf_counter()
            results = _run_all(
                client, scenario, plans, work / ("level-2" if coupled else "shards"), bar
            )
            timings["lv" if not coupled else "lv_level_2"] = time.perf_counter() - tic
            bar.close()
        tic = time.perf_counter()
        summaries = [r["summary"] for r in results]
        if mv_part is not None:
            summaries.append(mv_summary)
        parts = [Path(r["path"]) for r in results] + ([mv_part] if mv_part else [])
        run = _merge(
            scenario,
            site,
            parts,
            summaries,
            [r["manifest"] for r in results],
            destination,
            started=started,
            sharding={
                "shards": shards,
                "mv": "coupled" if coupled else "fixed",
                "transformers": [list(p.transformers) for p in plans],
                "premises": [r["summary"]["households"] for r in results],
                "timings_s": [r["manifest"]["timings_s"] for r in results],
            },
            timings=timings,
            t0=t0,
            merge_tic=tic,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return run


def _cores() -> int:
    return os.cpu_count() or 1


def _run_all(
    client: Any, scenario: Scenario, plans: list[ShardPlan], folder: Path, bar: tqdm
) -> list[dict[str, Any]]:
    """Run the shards on the cluster; the bar follows the intervals they have simulated."""
    from dask.distributed import wait

    folder.mkdir(parents=True, exist_ok=True)
    files = [folder / f"shard-{plan.index:03d}.progress" for plan in plans]
    start = bar.n
    futures = [
        client.submit(
            run_shard,
            scenario,
            plan,
            str(folder / f"shard-{plan.index:03d}"),
            str(progress),
            key=f"shard-{plan.index}-{uuid.uuid4().hex[:6]}",
            retries=TASK_RETRIES,
            pure=False,
        )
        for plan, progress in zip(plans, files, strict=True)
    ]
    while True:
        try:
            wait(futures, timeout=0.5)
            finished = True
        except TimeoutError:
            finished = False
        done = sum(_read_count(f) for f in files)
        bar.update(start + done - bar.n)
        if finished or any(f.status == "error" for f in futures):
            break
    results = sorted((f.result() for f in futures), key=lambda r: int(r["index"]))
    for r in results:
        if "error" in r:
            message = f"shard {r['index']} of {len(plans)} failed: {r['error']}"
            raise TwinError(message) if r["bad_input"] else RuntimeError(message)
    return results


def _read_count(path: Path) -> int:
    try:
        return int(path.read_text())
    except (OSError, ValueError):
        return 0


def _solve_mv_level(
    scenario: Scenario, site: Any, first: list[dict[str, Any]], work: Path
) -> tuple[TerminalVoltages, Path, dict[str, Any]]:
    """Solve the MV level per interval from the shards' transformer loads; write its tables."""
    from twin.engine.recording import Recorder
    from twin.engine.simulation import RunSummary, exact_total_kw
    from twin.grid import BackgroundInjections
    from twin.grid.islands import lv_areas, slack_voltage_pu
    from twin.grid.mv_level import MvLevel

    axis = scenario.time.axis()
    grid = site.grid
    net = grid.net
    mv = MvLevel(grid, lv_areas(grid), scenario.grid.solver)
    trafo_ids = net.trafo.index.to_numpy(dtype=np.int64)
    lv_ids = trafo_ids[mv.lv_trafo_rows]
    flows = pd.concat(
        [
            pd.read_parquet(
                Path(r["path"]) / "internal/transformer_interval.parquet",
                columns=["transformer_id", "interval_end", "p_kw", "q_kvar"],
            )
            for r in first
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
    background = BackgroundInjections(grid, axis)
    summary = RunSummary(
        name=scenario.name,
        network=grid.name,
        solver=mv.name,
        households=0,
        intervals=axis.n_intervals,
        interval_s=axis.interval_s,
    )
    bus_mask = np.zeros(len(net.bus), dtype=bool)
    if scenario.outputs.bus_voltage == "all":
        bus_mask[mv.rows("bus")] = True
    trafo_mask = np.zeros(len(net.trafo), dtype=bool)
    trafo_mask[mv.rows("trafo")] = True
    line_mask = np.zeros(len(net.line), dtype=bool)
    line_mask[mv.rows("line")] = True
    own_loads = mv.load_rows()
    folder = work / "mv-level"
    with RunWriter(folder, row_group_rows=scenario.outputs.row_group_rows) as writer:
        recorder = Recorder(
            writer,
            axis,
            meter_ids=[],
            bus_ids=grid.bus_id,
            bus_mask=bus_mask,
            transformer_ids=trafo_ids,
            line_ids=(
                net.line.index.to_numpy() if scenario.outputs.line_loading == "all" else None
            ),
            premise_ids=[],
            transformer_mask=trafo_mask,
            line_mask=line_mask,
        )
        for i in range(axis.n_intervals):
            load_p, load_q, sgen_p = background.at(i)
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


def _terminals_of(
    areas: list[LvArea], plan: ShardPlan, terminals: TerminalVoltages
) -> TerminalVoltages:
    """The terminal voltages of one shard's areas."""
    wanted = set(plan.transformers)
    buses = np.unique(np.concatenate([a.hv_buses for a in areas if a.transformer in wanted]))
    columns = pd.Index(terminals.bus).get_indexer(pd.Index(buses))
    return TerminalVoltages(bus=buses.astype(np.int64), vm_pu=terminals.vm_pu[:, columns].copy())


def _merge(
    scenario: Scenario,
    site: Any,
    parts: list[Path],
    summaries: list[dict[str, Any]],
    manifests: list[dict[str, Any]],
    destination: Path,
    *,
    started: datetime,
    sharding: dict[str, Any],
    timings: dict[str, float],
    t0: float,
    merge_tic: float,
) -> Run:
    """One run directory from the shards' (and the MV level's) run directories."""
    from twin.engine.scoreboard import merge_scoreboards
    from twin.engine.simulation import Run, RunSummary, run_manifest
    from twin.grid.export import branch_table, bus_table

    names = sorted({t for p in parts for t in RunDirectory(p).tables} - {"truth/power_flow"})
    with RunWriter(destination, row_group_rows=scenario.outputs.row_group_rows) as writer:
        for name in names:
            files = [p / f"{name}.parquet" for p in parts if (p / f"{name}.parquet").is_file()]
            writer.adopt(name, files)
        flow = _merged_power_flow(parts)
        writer.table("truth/power_flow").append_batch(
            pa.RecordBatch.from_pandas(
                flow, schema=schema_for("truth/power_flow"), preserve_index=False
            )
        )
        for name, frame in (
            ("internal/network_bus", bus_table(site.grid)),
            ("internal/network_branch", branch_table(site.grid)),
        ):
            writer.table(name).append_batch(
                pa.RecordBatch.from_pandas(frame, schema=schema_for(name), preserve_index=False)
            )
        summary = _merged_summary(summaries, flow, sharding)
        summary["scoreboard"] = merge_scoreboards([m["scoreboard"] for m in manifests])
        timings = {k: round(v, 3) for k, v in timings.items()}
        for key in ("build", "simulate"):  # the slowest shard's
            timings[key] = max(float(m["timings_s"].get(key, 0.0)) for m in manifests)
        timings["merge"] = round(time.perf_counter() - merge_tic, 3)
        summary["wall_s"] = time.perf_counter() - t0
        summary["timings_s"] = timings
        spi = _summed([m.get("spi", {}) for m in manifests])
        manifest = {**run_manifest(scenario, started, summary, spi), "sharding": sharding}
        path = writer.commit(manifest=manifest, scenario=scenario.resolved_dict())
    return Run(path, RunSummary(**summary))


def _merged_power_flow(parts: list[Path]) -> pd.DataFrame:
    """Per interval: converged everywhere, summed solve time and load, extreme voltages."""
    frames = [
        pd.read_parquet(p / "truth/power_flow.parquet")
        for p in parts
        if (p / "truth/power_flow.parquet").is_file()
    ]
    flow = pd.concat(frames, ignore_index=True)
    merged = flow.groupby("interval_end", sort=True).agg(
        converged=("converged", "all"),
        solve_ms=("solve_ms", "sum"),
        load_p_kw=("load_p_kw", lambda s: float(np.rint(s.to_numpy() * 1e6).sum()) / 1e6),
        vm_min_pu=("vm_min_pu", "min"),
        vm_max_pu=("vm_max_pu", "max"),
    )
    return merged.reset_index()


def _merged_summary(
    summaries: list[dict[str, Any]], flow: pd.DataFrame, sharding: dict[str, Any]
) -> dict[str, Any]:
    """The run summary of the whole run from the shards' (and the MV level's)."""
    first = summaries[0]
    out = dict(first)
    solver = first["solver"] + (" + MV level" if sharding["mv"] == "coupled" else "")
    out["solver"] = f"{solver}, {sharding['shards']} shard(s)"
    for key in (
        "households",
        "overvoltage_bus_intervals",
        "bus_intervals",
        "transformer_overload_intervals",
        "transformer_reverse_overload_intervals",
        "meter_readings",
        "missed_readings",
    ):
        out[key] = int(sum(s[key] for s in summaries))
    for key in ("import_mwh", "export_mwh", "transformer_overload_hours"):
        out[key] = float(sum(s[key] for s in summaries))
    out["vm_min_pu"] = min(s["vm_min_pu"] for s in summaries)
    out["vm_max_pu"] = max(s["vm_max_pu"] for s in summaries)
    peak = max(
        summaries,
        key=lambda s: (s["peak_transformer_loading_percent"], -s["peak_transformer_id"]),
    )
    for key in ("peak_transformer_loading_percent", "peak_transformer_id", "peak_transformer_time"):
        out[key] = peak[key]
    out["non_converged_intervals"] = int((~flow["converged"].astype(bool)).sum())
    der: dict[str, float] = {}
    for s in summaries:
        for key, value in s.get("der", {}).items():
            der[key] = (
                max(der.get(key, value), value)
                if key.startswith("peak")
                else (der.get(key, 0) + value)
            )
    out["der"] = der
    return out


def _summed(dicts: list[dict[str, Any]]) -> dict[str, Any]:
    """Numeric fields summed (``last_*`` fields: the latest)."""
    out: dict[str, Any] = {}
    for d in dicts:
        for key, value in d.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                out[key] = (
                    max(out.get(key, value), value)
                    if key.startswith("last")
                    else (out.get(key, 0) + value)
                )
    return out
