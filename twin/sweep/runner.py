"""Run a sweep on a Dask cluster: one task per run, one run directory each, one KPI table.

Default cluster: a :class:`dask.distributed.LocalCluster` with one
single-threaded worker process per core; or join an existing scheduler
(``tcp://host:8786``), for example one started on an HPC system with
dask-jobqueue. Dask retries a task whose worker died; a run that raises is
recorded with its error and the others go on. Rerunning the same sweep skips
every run whose directory is complete (has ``manifest.json``); run
directories are written atomically, so a partial one never looks complete.

Studies (``SweepSpec.studies``) run on each run inside its task, right after
it, through the same function as ``twin study NAME RUN_DIR``, with the
study's default options; on a reused run they run again, so their columns
always come from those defaults. A study that cannot run on a run (the
vacancy study on a run shorter than its 7-day window, say) leaves that run
``complete``, its columns NaN and the reason in ``study_error``; the other
studies and runs go on.
"""

from __future__ import annotations

import logging
import time
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from tqdm import tqdm

from twin.engine import build_site
from twin.engine import run as simulate
from twin.errors import Problem, ScenarioError, TwinError
from twin.streams import is_finished_run, open_run, remove_stale_partials, replace_file
from twin.studies.registry import nan_headlines, run_study
from twin.sweep.cluster import dask_client
from twin.sweep.kpis import KPI_COLUMNS, run_kpis
from twin.sweep.spec import RunSpec, SweepSpec

__all__ = ["RunTask", "run_one", "run_sweep", "validate_sweep"]

TASK_RETRIES = 2
"""Times Dask resubmits a run whose worker died."""


RunTask = Callable[[SweepSpec, RunSpec, Path], dict[str, Any]]


def run_one(spec: SweepSpec, run: RunSpec, runs_dir: Path) -> dict[str, Any]:
    """Run (or reuse) one run of a sweep; never raises.

    The sweep's studies run on the run right after it (see the module's notes).

    Returns
    -------
    dict
        ``run_id``, ``seed``, ``status`` (``complete``, ``reused`` or
        ``failed``), ``error``, ``study_error`` (``"NAME: reason"`` per study
        that failed, joined by ``"; "``), ``wall_s`` (the run and its studies)
        and the KPIs.
    """
    destination = runs_dir / run.run_id
    row: dict[str, Any] = {
        "run_id": run.run_id,
        "seed": run.seed,
        "error": "",
        "study_error": "",
    }
    tic = time.perf_counter()
    try:
        if is_finished_run(destination):
            result = open_run(destination)
            row["status"] = "reused"
        else:
            result = simulate(spec.scenario(run), out=destination, progress=False)
            row["status"] = "complete"
        failures = _run_studies(spec.studies, destination)
        row.update(run_kpis(result))
        for name in failures:  # never an older output of the study
            row.update(nan_headlines(name))
        row["study_error"] = "; ".join(f"{name}: {why}" for name, why in failures.items())
    except Exception as exc:  # a failed run is recorded, the sweep goes on
        row["status"] = "failed"
        row["error"] = f"{type(exc).__name__}: {exc}"
        logging.getLogger("twin.sweep").debug(traceback.format_exc())
    row["wall_s"] = round(time.perf_counter() - tic, 3)
    return row


def _run_studies(names: tuple[str, ...], run_dir: Path) -> dict[str, str]:
    """Run each study on a finished run; the reason of each that failed, by name."""
    failures: dict[str, str] = {}
    for name in names:
        try:
            run_study(name, run_dir)
        except Exception as exc:  # a study that cannot run leaves NaN, the sweep goes on
            failures[name] = (
                str(exc) if isinstance(exc, TwinError) else f"{type(exc).__name__}: {exc}"
            )
            logging.getLogger("twin.sweep").debug(traceback.format_exc())
    return failures


def validate_sweep(spec: SweepSpec) -> list[RunSpec]:
    """Validate every run's scenario, network and household count before anything runs."""
    runs = spec.runs()
    problems: list[Problem] = []
    checked_sites: set[str] = set()
    for run in runs:
        label = ",".join(f"{k}={v}" for k, v in sorted(run.parameters.items())) or "base"
        try:
            scenario = spec.scenario(run)
            key = f"{scenario.grid.network}|{scenario.households.count}"
            if key not in checked_sites:
                checked_sites.add(key)
                build_site(scenario)
        except ScenarioError as exc:
            problems += [Problem(f"[{label}] {p.path}", p.message) for p in exc.problems]
    if problems:
        unique = list({(p.path, p.message): p for p in problems}.values())
        raise ScenarioError(unique, str(spec.base))
    return runs


def run_sweep(
    spec: SweepSpec,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    task: RunTask = run_one,
    echo: Callable[[str], None] = print,
) -> pd.DataFrame:
    """Run every run of a sweep on Dask and write ``sweep.parquet``.

    Parameters
    ----------
    spec : SweepSpec
        The sweep.
    out : str or pathlib.Path
        Sweep directory: ``runs/<run_id>/`` per run, ``sweep.parquet``, ``sweep.yaml``.
    workers : int, optional
        Workers of the local cluster (default: one per core).
    scheduler : str, optional
        Address of an existing Dask scheduler to use instead.
    progress : bool, optional
        Progress bar over the runs (default: when the terminal shows it).
    task : callable
        The function run per run (:func:`run_one`); replaceable for tests.
    echo : callable
        Where messages such as the dashboard address go.

    Returns
    -------
    pandas.DataFrame
        One row per run: parameters, seed, status, error, study error, wall
        time, KPIs (every study's columns, NaN where it did not run).
    """
    from dask.distributed import as_completed

    runs = validate_sweep(spec)
    folder = Path(out)
    runs_dir = folder / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    described = yaml.safe_dump(spec.describe(), sort_keys=False)
    replace_file(folder / "sweep.yaml", lambda path: path.write_text(described))

    with dask_client(workers, scheduler) as client:
        studies = f" with studies {', '.join(spec.studies)}" if spec.studies else ""
        echo(f"sweep of {len(runs)} run(s){studies}; Dask dashboard: {client.dashboard_link}")
        futures = {
            client.submit(
                task,
                spec,
                run,
                runs_dir,
                key=f"run-{run.run_id}-{uuid.uuid4().hex[:6]}",
                retries=TASK_RETRIES,
                pure=False,
            ): run
            for run in runs
        }
        rows = []
        bar = tqdm(
            total=len(futures),
            unit="run",
            desc="sweep",
            disable=None if progress is None else not progress,
        )
        for future in as_completed(futures):
            try:
                rows.append(future.result())
            except Exception as exc:  # the task raised, or its worker died too often
                rows.append(
                    {
                        "run_id": futures[future].run_id,
                        "status": "failed",
                        "error": f"{type(exc).__name__}: {exc}",
                    }
                )
            bar.update(1)
        bar.close()

    table = _sweep_table(runs, rows)
    replace_file(folder / "sweep.parquet", lambda path: table.to_parquet(path, index=False))
    for run in runs:  # partial folders of workers killed on this host
        remove_stale_partials(runs_dir / run.run_id)
    return table


def _sweep_table(runs: list[RunSpec], rows: list[dict[str, Any]]) -> pd.DataFrame:
    by_id = {row.get("run_id"): row for row in rows}
    records = []
    for run in runs:
        row = by_id[run.run_id]
        record: dict[str, Any] = {
            "run_id": run.run_id,
            **run.parameters,
            "seed_index": run.seed_index,
            "seed": run.seed,
        }
        record["status"] = row.get("status", "failed")
        record["error"] = row.get("error", "")
        record["study_error"] = row.get("study_error", "")
        record["wall_s"] = row.get("wall_s")
        for column in KPI_COLUMNS:
            record[column] = row.get(column)
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    for column in KPI_COLUMNS:
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame
