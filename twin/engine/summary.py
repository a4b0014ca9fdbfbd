"""What a run reports: its summary, its manifest, and the finished run itself."""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from twin.clock import TimeAxis
from twin.devices.der_totals import DerTotals
from twin.engine.alarm_summary import alarm_lines, demand_response_lines
from twin.engine.money_summary import money_lines
from twin.engine.recording_der import der_lines
from twin.engine.scoreboard import scoreboard_lines
from twin.grid import PowerFlowResult
from twin.scenario import Scenario
from twin.streams import RunDirectory

__all__ = ["Run", "RunSummary", "exact_total_kw", "run_manifest"]

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
    meters: int = 0
    import_wh: int = 0
    export_wh: int = 0
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
    money: dict[str, Any] = field(default_factory=dict)
    alarms: dict[str, Any] = field(default_factory=dict)
    demand_response: dict[str, int] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)

    def account(
        self,
        result: PowerFlowResult,
        axis: TimeAxis,
        k: int,
        trafo_ids: np.ndarray,
        bus_rows: np.ndarray | None = None,
    ) -> None:
        """Add the power flow of interval ``k`` (whole-network arrays, NaN where not
        solved; ``bus_rows``: the bus rows solved, when not all)."""
        if not result.converged:
            self.non_converged_intervals += 1
            return
        vm = result.vm_pu if bus_rows is None else result.vm_pu[bus_rows]
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
            f"  households        {self.households:,} ({self.meters:,} customer and "
            "generation meters in all)",
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
            *money_lines(self.money),
            *alarm_lines(self.alarms),
            *demand_response_lines(self.demand_response),
            f"  power flow        {self.non_converged_intervals} non-converged interval(s)",
            f"  meter readings    {self.meter_readings:,} received, "
            f"{self.missed_readings:,} missed",
            *(scoreboard_lines(self.scoreboard) if self.scoreboard else []),
            f"  wall time         {self.wall_s:.1f} s ({per:.2f} ms per simulated interval, "
            f"{self.timings_s.get('build', 0.0):.1f} s set-up)",
        ]


class Run(RunDirectory):
    """A finished run: its directory plus the summary of the simulation.

    ``der_totals`` are the exact DER totals behind ``summary.der`` (None
    without DER): what a sharded run adds up over its shards.
    """

    def __init__(self, path: Path, summary: RunSummary, der_totals: DerTotals | None = None):
        super().__init__(path)
        self.summary = summary
        self.der_totals = der_totals


def exact_total_kw(load_p_mw: np.ndarray) -> float:
    """Sum of load powers [kW] in integer milliwatts.

    Integer sums do not depend on the order of addition, so the shards of a
    run add up to exactly the whole run's figure.
    """
    return float(np.rint(np.asarray(load_p_mw) * 1e9).astype(np.int64).sum()) / 1e6


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
