"""A sharded single run: one scenario split by LV transformer area over a Dask cluster.

The LV areas are dealt to shards (:func:`twin.engine.sharding.plan_shards`);
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
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from twin.devices.der_totals import DerTotals
from twin.engine import Run, build_site
from twin.engine import run as simulate
from twin.engine.sharding import (
    ShardPlan,
    merge_shards,
    plan_shards,
    solve_mv_level,
    terminals_of,
)
from twin.errors import TwinError
from twin.grid.islands import lv_areas, mv_is_trivial
from twin.scenario import Scenario
from twin.streams import replace_file, scratch_folder
from twin.sweep.cluster import dask_client

__all__ = ["run_shard", "run_sharded"]

TASK_RETRIES = 2
"""Times Dask resubmits a shard whose worker died."""


def run_shard(
    scenario: Scenario, plan: ShardPlan, destination: str, progress_file: str | None = None
) -> dict[str, Any]:
    """Run one shard into ``destination`` (a Dask task); its summary and path.

    ``progress_file`` (on the file system the coordinator sees) gets the
    number of intervals simulated so far, once a simulated day. An error is
    returned, not raised (``error``, ``bad_input``), so that Dask retries only
    shards whose worker died, not ones that fail the same way every time.
    """

    def report(done: int) -> None:
        if progress_file is not None:
            replace_file(Path(progress_file), lambda path: path.write_text(str(done)))

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
        "der_totals": None if result.der_totals is None else dataclasses.asdict(result.der_totals),
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
    t0 = time.perf_counter()
    started = datetime.now(UTC)
    destination = Path(out) if out is not None else Path("results") / scenario.name
    site = build_site(scenario)
    plans = plan_shards(scenario, shards, site)
    coupled = scenario.grid.mv == "coupled" and not mv_is_trivial(site.grid)
    timings: dict[str, float] = {}
    with scratch_folder(destination, "shards") as work:
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
                terminals, mv_part, mv_summary = solve_mv_level(
                    scenario, site, [Path(r["path"]) for r in first], work / "mv-level"
                )
                areas = lv_areas(site.grid)
                plans = [
                    dataclasses.replace(p, terminals=terminals_of(areas, p, terminals))
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
        run = merge_shards(
            scenario,
            site,
            parts,
            summaries,
            [r["manifest"] for r in results],
            [DerTotals(**r["der_totals"]) for r in results if r["der_totals"] is not None],
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
