"""The run's key figures, first thing on the report page.

Taken from the manifest's summary where it has them, else computed from the
tables (older runs, hand-made runs).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from twin.report.sections import fmt, fmt_share, fmt_time
from twin.streams import RunDirectory
from twin.studies.grid_loading.demand import FleetDemand

__all__ = ["key_figures"]


def _number(summary: dict[str, Any], key: str) -> float | None:
    value = summary.get(key)
    return float(value) if isinstance(value, int | float) and np.isfinite(value) else None


def _households(run: RunDirectory, summary: dict[str, Any], demand: FleetDemand | None) -> int:
    value = summary.get("households")
    if isinstance(value, int):
        return value
    for name in ("truth/premise", "internal/meter_point"):
        if run.has(name):
            return len(run.table(name, columns=["meter_id"]))
    return len(demand.meter_ids) if demand is not None else 0


def _voltage_rows(
    run: RunDirectory, summary: dict[str, Any], extremes: pd.DataFrame | None
) -> list[tuple[str, str]]:
    """Minimum and maximum bus voltage, with the bus where the bus voltages tell it."""
    low, high = _number(summary, "vm_min_pu"), _number(summary, "vm_max_pu")
    if (low is None or high is None) and run.has("truth/power_flow"):
        flow = run.table("truth/power_flow", columns=["vm_min_pu", "vm_max_pu"])
        low = float(flow["vm_min_pu"].min())
        high = float(flow["vm_max_pu"].max())
    rows = []
    for label, value, column, pick in (
        ("minimum bus voltage", low, "vm_min_pu", "idxmin"),
        ("maximum bus voltage", high, "vm_max_pu", "idxmax"),
    ):
        where = ""
        if extremes is not None and extremes[column].notna().any():
            row = extremes.loc[getattr(extremes[column], pick)()]
            if value is None:
                value = float(row[column])
            if abs(float(row[column]) - value) < 1e-5:
                where = f" (bus {int(row['bus_id'])})"
        rows.append((label, f"{fmt(value, 4, 'pu')}{where}"))
    return rows


def _peak_loading(run: RunDirectory, summary: dict[str, Any]) -> tuple[Any, Any, Any]:
    peak = _number(summary, "peak_transformer_loading_percent")
    if peak is not None:
        return peak, summary.get("peak_transformer_id"), summary.get("peak_transformer_time")
    if not run.has("internal/transformer_interval"):
        return None, None, None
    frame = run.table("internal/transformer_interval")
    if frame["loading_percent"].notna().sum() == 0:
        return None, None, None
    row = frame.loc[frame["loading_percent"].idxmax()]
    return float(row["loading_percent"]), int(row["transformer_id"]), row["interval_end"]


def key_figures(
    run: RunDirectory,
    summary: dict[str, Any],
    demand: FleetDemand | None,
    extremes: pd.DataFrame | None,
    *,
    timezone: str,
    times: pd.DatetimeIndex,
) -> list[tuple[str, str]]:
    """Rows (label, formatted value) of the key-figures table.

    Parameters
    ----------
    run : RunDirectory
        The run.
    summary : dict
        The manifest's ``summary`` (may be empty).
    demand : FleetDemand or None
        The metered fleet demand, where the run has meter readings.
    extremes : pandas.DataFrame or None
        ``bus_id``, ``vm_min_pu``, ``vm_max_pu`` per bus, where the run has
        bus voltages.
    timezone : str
        Zone for local times.
    times : pandas.DatetimeIndex
        Interval ends (UTC).
    """
    step_s = (times[1] - times[0]).total_seconds() if len(times) > 1 else 0.0
    hours = len(times) * step_s / 3_600.0
    interval_min = step_s / 60.0 if step_s else None
    households = _households(run, summary, demand)
    rows: list[tuple[str, str]] = [
        ("network", str(summary.get("network", "-"))),
        ("power-flow solver", str(summary.get("solver", "-"))),
        ("households", fmt(households)),
        (
            "period",
            f"{fmt(hours / 24.0, 1)} days, {fmt(len(times))} intervals of "
            f"{fmt(interval_min, 0)} min",
        ),
    ]
    imported = _number(summary, "import_mwh")
    exported = _number(summary, "export_mwh")
    if imported is None and demand is not None:
        step_h = demand.interval_s / 3_600.0
        imported = float(np.nansum(demand.import_kw) * step_h / 1_000.0)
        exported = float(np.nansum(demand.export_kw) * step_h / 1_000.0)
    rows.append(("energy imported (metered)", fmt(imported, 3, "MWh")))
    rows.append(("energy exported (metered)", fmt(exported, 3, "MWh")))
    if demand is not None:
        net = demand.net_kw
        if np.isfinite(net).any():
            at = int(np.nanargmax(net))
            rows.append(
                (
                    "fleet peak demand (metered)",
                    f"{fmt(float(net[at]), 1, 'kW')} at {fmt_time(times[at], timezone)}",
                )
            )
    rows += _voltage_rows(run, summary, extremes)
    peak, trafo, when = _peak_loading(run, summary)
    where = f" (transformer {trafo}, {fmt_time(when, timezone)})" if peak is not None else ""
    rows.append(("peak transformer loading", f"{fmt(peak, 1, '%')}{where}"))
    for key, label in (
        ("non_converged_intervals", "non-converged power flows"),
        ("meter_readings", "meter readings received"),
        ("missed_readings", "meter readings missed"),
    ):
        if isinstance(summary.get(key), int):
            rows.append((label, fmt(summary[key])))
    if run.has("truth/vacancy") and households:
        vacant = run.table("truth/vacancy", columns=["premise_id"])["premise_id"].nunique()
        rows.append(
            (
                "homes with a vacancy spell (truth)",
                f"{fmt(int(vacant))} ({fmt_share(vacant / households)})",
            )
        )
    return rows
