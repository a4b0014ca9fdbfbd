"""Merge the run directories of a sharded run's shards into one run directory.

Each table of the merged run adopts the shards' Parquet files as its parts
(files are moved, not rewritten); the network tables are written once; the
per-interval ``truth/power_flow``, the summary and the scoreboard are merged
so that they read as the unsharded run's.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from twin.devices.der_totals import DerTotals
from twin.engine.alarm_summary import merge_alarm_counts
from twin.engine.money_summary import merge_money
from twin.engine.scoreboard import merge_scoreboards
from twin.engine.site import Site
from twin.engine.stage_clock import merge_profiles
from twin.engine.summary import Run, RunSummary, run_manifest
from twin.grid.export import branch_table, bus_table
from twin.meters.time_switch import tariff_count
from twin.scenario import Scenario
from twin.streams import RunDirectory, RunWriter, table_files
from twin.streams.schemas import bill_schema, schema_for

__all__ = ["merge_shards"]


def merge_shards(
    scenario: Scenario,
    site: Site,
    parts: list[Path],
    summaries: list[dict[str, Any]],
    manifests: list[dict[str, Any]],
    der_totals: list[DerTotals],
    destination: Path,
    *,
    started: datetime,
    sharding: dict[str, Any],
    timings: dict[str, float],
    t0: float,
    merge_tic: float,
) -> Run:
    """One run directory from the shards' (and the MV level's) run directories."""
    names = sorted({t for p in parts for t in RunDirectory(p).tables} - {"truth/power_flow"})
    with RunWriter(destination, row_group_rows=scenario.outputs.row_group_rows) as writer:
        for name in names:
            files = [f for p in parts for f in table_files(p / f"{name}.parquet")]
            writer.adopt(name, files, schema=_schema_of(name, scenario))
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
        totals = DerTotals.merged(der_totals) if der_totals else None
        summary = _merged_summary(summaries, flow, sharding, totals)
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
    return Run(path, RunSummary(**summary), totals)


def _schema_of(name: str, scenario: Scenario) -> pa.Schema:
    """A table's schema in this run (external/bill: one column per tariff register)."""
    if name == "external/bill":
        return bill_schema(tariff_count(scenario.meters.tariff_windows()))
    return schema_for(name)


def _merged_power_flow(parts: list[Path]) -> pd.DataFrame:
    """Per interval: converged everywhere, summed solve time and load, extreme voltages."""
    frames = [
        pd.read_parquet(f) for p in parts for f in table_files(p / "truth/power_flow.parquet")
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
    summaries: list[dict[str, Any]],
    flow: pd.DataFrame,
    sharding: dict[str, Any],
    der_totals: DerTotals | None,
) -> dict[str, Any]:
    """The run summary of the whole run from the shards' (and the MV level's).

    Counts and integer energies are summed, extremes taken over the parts;
    the DER figures come from the shards' exact totals (the fleet-wide peak
    export from their per-interval sums), so they equal the unsharded run's.
    """
    first = summaries[0]
    out = dict(first)
    solver = first["solver"] + (" + MV level" if sharding["mv"] == "coupled" else "")
    out["solver"] = f"{solver}, {sharding['shards']} shard(s)"
    for key in (
        "households",
        "meters",
        "overvoltage_bus_intervals",
        "bus_intervals",
        "transformer_overload_intervals",
        "transformer_reverse_overload_intervals",
        "meter_readings",
        "missed_readings",
        "import_wh",
        "export_wh",
    ):
        out[key] = int(sum(s[key] for s in summaries))
    out["import_mwh"], out["export_mwh"] = out["import_wh"] / 1e6, out["export_wh"] / 1e6
    out["transformer_overload_hours"] = float(
        sum(s["transformer_overload_hours"] for s in summaries)
    )
    out["vm_min_pu"] = min(s["vm_min_pu"] for s in summaries)
    out["vm_max_pu"] = max(s["vm_max_pu"] for s in summaries)
    peak = max(
        summaries,
        key=lambda s: (s["peak_transformer_loading_percent"], -s["peak_transformer_id"]),
    )
    for key in ("peak_transformer_loading_percent", "peak_transformer_id", "peak_transformer_time"):
        out[key] = peak[key]
    out["non_converged_intervals"] = int((~flow["converged"].astype(bool)).sum())
    out["der"] = {} if der_totals is None else der_totals.summary()
    out["money"] = merge_money([s.get("money", {}) for s in summaries])
    out["alarms"] = merge_alarm_counts([s.get("alarms", {}) for s in summaries])
    out["demand_response"] = merge_alarm_counts([s.get("demand_response", {}) for s in summaries])
    out["profile"] = merge_profiles([s.get("profile", {}) for s in summaries])
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
