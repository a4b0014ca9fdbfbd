"""Key figures of one finished run, for the sweep table.

Read from the run directory only (manifest, internal/ tables, the headline
metrics of the studies where they ran), so they can be recomputed for any run,
swept or not, and whether its studies ran in the sweep or by hand.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow.compute as pc

from twin.devices.ev.records import END_OF_RUN
from twin.streams import RunDirectory
from twin.studies.registry import headline_columns, read_headlines

__all__ = ["KPI_COLUMNS", "RUN_KPI_COLUMNS", "run_kpis"]

VOLTAGE_BAND_PU = (0.9, 1.1)
"""EN 50160: supply voltage within Un +/-10 % (here applied to every interval mean)."""

RUN_KPI_COLUMNS = (
    "households",
    "import_mwh",
    "export_mwh",
    "peak_transformer_loading_percent",
    "vm_min_pu",
    "vm_max_pu",
    "overload_hours",
    "voltage_violation_share",
    "non_converged_intervals",
    "ev_energy_not_delivered_kwh",
)
"""Key figures of the run itself, from its manifest and tables."""

KPI_COLUMNS = RUN_KPI_COLUMNS + headline_columns()
"""Every KPI column of a sweep table: the run's figures, then every study's headline
metrics (``grid_loading_...``, ``losses_...``, ``power_quality_...``, ``vacancy_...``),
NaN where the study has not run."""


def run_kpis(run: RunDirectory) -> dict[str, Any]:
    """Key figures of a run.

    Returns
    -------
    dict
        ``households``; ``import_mwh``, ``export_mwh`` [MWh];
        ``peak_transformer_loading_percent`` [%]; ``vm_min_pu``, ``vm_max_pu``
        [pu]; ``overload_hours`` [h]: time with at least one transformer above
        100 % loading; ``voltage_violation_share``: share of bus-interval
        voltages outside 0.9-1.1 pu (EN 50160 band); ``non_converged_intervals``;
        ``ev_energy_not_delivered_kwh`` where EVs exist (else NaN); then every
        study's headline metrics, prefixed by the study's name (``vacancy_f1``,
        ...; :func:`twin.studies.registry.read_headlines`), NaN where it has not
        run. The keys are :data:`KPI_COLUMNS`, in that order.
    """
    summary = run.manifest.get("summary", {})
    interval_h = run.clock.interval_s / 3600.0
    kpis: dict[str, Any] = {
        "households": summary.get("households"),
        "import_mwh": summary.get("import_mwh"),
        "export_mwh": summary.get("export_mwh"),
        "peak_transformer_loading_percent": summary.get("peak_transformer_loading_percent"),
        "vm_min_pu": summary.get("vm_min_pu"),
        "vm_max_pu": summary.get("vm_max_pu"),
        "non_converged_intervals": summary.get("non_converged_intervals"),
        "overload_hours": _overload_hours(run, interval_h),
        "voltage_violation_share": _violation_share(run),
        "ev_energy_not_delivered_kwh": _ev_not_delivered(run),
    }
    kpis.update(read_headlines(run.path))
    return {column: kpis[column] for column in KPI_COLUMNS}


def _overload_hours(run: RunDirectory, interval_h: float) -> float:
    if not run.has("internal/transformer_interval"):
        return math.nan
    table = run.arrow("internal/transformer_interval", columns=["interval_end", "loading_percent"])
    over = table.filter(pc.greater(table["loading_percent"], 100.0))
    return len(np.unique(over["interval_end"].to_numpy())) * interval_h


def _violation_share(run: RunDirectory) -> float:
    if not run.has("internal/bus_voltage"):
        return math.nan
    low, high = VOLTAGE_BAND_PU
    total = outside = 0
    for frame in run.iter_frames("internal/bus_voltage", ["vm_pu"]):
        vm = frame["vm_pu"].to_numpy()
        vm = vm[np.isfinite(vm)]
        total += vm.size
        outside += int(((vm < low) | (vm > high)).sum())
    return outside / total if total else math.nan


def _ev_not_delivered(run: RunDirectory) -> float:
    if not run.has("external/ev_session"):
        return math.nan
    sessions = run.table("external/ev_session")
    if "energy_requested_wh" not in sessions:
        return math.nan
    if "stop_reason" in sessions:  # a session open at the run end has missed nothing yet
        sessions = sessions[sessions["stop_reason"] != END_OF_RUN]
    delivered = sessions["meter_stop_wh"] - sessions["meter_start_wh"]
    missing = (sessions["energy_requested_wh"] - delivered).clip(lower=0)
    return float(missing.sum() / 1000.0)
