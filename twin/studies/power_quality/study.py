"""The power-quality study: EN 50160 and ANSI C84.1 supply-voltage compliance per bus.

Reads ``internal/bus_voltage`` (and ``internal/network_bus`` where present:
nominal voltage, LV transformer area, feeder) of a finished run and writes
``studies/power-quality/``: ``metrics.json``, ``buses.parquet`` (one row per
bus), ``bus_weeks.parquet`` (one row per bus and week) and two figures.

References
----------
.. [1] EN 50160:2010, Voltage characteristics of electricity supplied by
   public electricity networks, 4.2.2 and 5.2.2.
.. [2] ANSI C84.1-2020, Electric Power Systems and Equipment - Voltage
   Ratings (60 Hz), Table 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from twin.errors import TwinError
from twin.streams import RunDirectory, jsonable, open_run, staged_folder, write_json
from twin.studies.power_quality.compliance import (
    VOLTAGE_BINS_PU,
    accumulate_bus_weeks,
    bus_summary,
    week_compliance,
)
from twin.studies.power_quality.figures import plot_bus_voltage_range, plot_voltage_distribution
from twin.studies.power_quality.limits import (
    ANSI_RANGE_A_PU,
    ANSI_RANGE_B_PU,
    EN50160_LIMITS,
    TOLERANCE_PU,
    WEEK_S,
    averaging_note,
    voltage_level,
)

__all__ = ["STUDY_NAME", "WORST_BUSES", "run_power_quality_study"]

STUDY_NAME = "power-quality"
WORST_BUSES = 10
"""How many of the worst buses metrics.json lists."""


def run_power_quality_study(run_dir: str | Path, *, worst: int = WORST_BUSES) -> dict[str, Any]:
    """Assess every bus's supply voltage against EN 50160:2010 and ANSI C84.1-2020.

    Per bus and per week (7-day periods from the run start; a shorter last
    period is assessed on what it has), the share of interval means within
    1 +/- 0.10 pu must reach 95 % (LV; 99 % for MV) and every interval mean
    must lie within +10/-15 % (LV; +/-15 % for MV) of nominal. A bus complies
    when every week does. The ANSI C84.1 Range A share (0.95-1.05 pu) and
    Range B share (0.917-1.058 pu) are over the whole run.

    EN 50160 is stated on 10-min mean r.m.s. values; the twin has one voltage
    per metering interval (15 min by default), so the study computes on
    interval means and says so in ``metrics.json`` (``method.averaging``).
    Intervals whose power flow did not converge (NaN voltage) are left out
    and counted. HV buses (> 36 kV) are reported but not assessed.

    Parameters
    ----------
    run_dir : str or pathlib.Path
        A finished run directory with ``internal/bus_voltage``.
    worst : int
        How many of the worst buses to list.

    Returns
    -------
    dict
        The content of ``studies/power-quality/metrics.json``.

    Raises
    ------
    TwinError
        When ``run_dir`` is not a finished run, or has no (or an empty)
        ``internal/bus_voltage`` table.

    References
    ----------
    .. [1] EN 50160:2010, 4.2.2.2 (LV) and 5.2.2.2 (MV).
    .. [2] ANSI C84.1-2020, Table 1, Range A and Range B.
    """
    run = open_run(run_dir)
    run.require(["internal/bus_voltage"], purpose="the power-quality study")
    clock = run.clock
    interval_s, start = clock.interval_s, clock.start
    network = run.network_buses()
    counts, histogram = accumulate_bus_weeks(
        run.iter_frames("internal/bus_voltage", ["bus_id", "interval_end", "vm_pu"]),
        start_us=clock.start_us,
        interval_us=clock.interval_us,
    )
    if counts.empty:
        raise TwinError(
            f"table internal/bus_voltage of run {str(run.path)!r} has no rows; "
            "expected one voltage per bus and interval"
        )
    levels = _levels(counts["bus_id"].to_numpy(), network)
    weeks = week_compliance(counts, levels)
    buses = bus_summary(weeks, network)
    metrics = _metrics(run, buses, weeks, interval_s=interval_s, start=start, worst=worst)
    if network is None:
        metrics["notes"].append(
            "internal/network_bus is absent: nominal voltages are unknown, every bus is "
            "assessed with the LV limits, and LV transformer areas are not reported"
        )

    with staged_folder(run.study_folder(STUDY_NAME)) as staging:
        buses.to_parquet(staging / "buses.parquet", index=False)
        week_table = weeks.assign(week_start=start + pd.to_timedelta(weeks["week"] * WEEK_S, "s"))
        week_table.to_parquet(staging / "bus_weeks.parquet", index=False)
        figures = [
            plot_voltage_distribution(
                histogram,
                VOLTAGE_BINS_PU,
                staging / "voltage_distribution.png",
                interval_min=interval_s / 60.0,
            ),
            plot_bus_voltage_range(buses, staging / "bus_voltage_range.png"),
        ]
        metrics["outputs"] = {
            "buses": "buses.parquet",
            "bus_weeks": "bus_weeks.parquet",
            "figures": figures,
        }
        write_json(staging / "metrics.json", metrics)
    result: dict[str, Any] = jsonable(metrics)
    return result


def _levels(bus_ids: np.ndarray, network: pd.DataFrame | None) -> np.ndarray:
    """Voltage level of each row's bus (``unknown`` without the network table)."""
    if network is None:
        return np.full(len(bus_ids), "unknown", dtype=object)
    vn = network.set_index("bus_id")["vn_kv"].reindex(bus_ids).to_numpy(dtype=np.float64)
    return voltage_level(vn)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _week_periods(
    weeks: pd.DataFrame, start: pd.Timestamp, run_end: pd.Timestamp
) -> list[dict[str, Any]]:
    out = []
    for week in sorted(int(w) for w in weeks["week"].unique()):
        begin = start + pd.Timedelta(seconds=week * WEEK_S)
        end = min(begin + pd.Timedelta(seconds=WEEK_S), max(run_end, begin))
        days = (end - begin).total_seconds() / 86_400
        out.append(
            {
                "week": week,
                "start": begin.isoformat(),
                "end": end.isoformat(),
                "days": round(days, 4),
                "complete": days >= 7.0 - 1e-9,
            }
        )
    return out


_RECORD_KEYS = (
    "bus_id",
    "name",
    "voltage_level",
    "transformer_id",
    "feeder_id",
    "vm_min_pu",
    "vm_max_pu",
    "within_10_share",
    "worst_week_within_10_share",
    "hard_excursions",
    "en50160_compliant",
    "ansi_range_a_share",
    "missing_intervals",
)


def _bus_record(row: pd.Series) -> dict[str, Any]:
    return {k: (None if pd.isna(row[k]) else row[k]) for k in _RECORD_KEYS}


def _areas(assessed: pd.DataFrame) -> list[dict[str, Any]]:
    """Compliance per LV transformer area (the network's transformer_id of each bus)."""
    out = []
    with_area = assessed.dropna(subset=["transformer_id"])
    for _, group in with_area.groupby("transformer_id", sort=True):
        compliant = int(group["en50160_compliant"].fillna(False).astype(bool).sum())
        intervals = int(group["intervals"].sum())
        range_a = float((group["ansi_range_a_share"] * group["intervals"]).sum())
        lowest = (
            group.loc[group["vm_min_pu"].idxmin()] if group["vm_min_pu"].notna().any() else None
        )
        out.append(
            {
                "transformer_id": int(group["transformer_id"].to_numpy()[0]),
                "buses": len(group),
                "compliant_buses": compliant,
                "compliant_share": _share(compliant, len(group)),
                "vm_min_pu": group["vm_min_pu"].min(),
                "vm_max_pu": group["vm_max_pu"].max(),
                "lowest_bus_id": None if lowest is None else int(lowest["bus_id"]),
                "ansi_range_a_share": range_a / intervals if intervals else None,
            }
        )
    return out


def _metrics(
    run: RunDirectory,
    buses: pd.DataFrame,
    weeks: pd.DataFrame,
    *,
    interval_s: int,
    start: pd.Timestamp,
    worst: int,
) -> dict[str, Any]:
    """The content of metrics.json."""
    if run.clock.n_intervals > 0:
        run_end = run.clock.end
    else:
        run_end = start + pd.Timedelta(seconds=int(weeks["week"].max() + 1) * WEEK_S)
    assessed = buses[buses["en50160_compliant"].notna()]
    periods = _week_periods(weeks, start, run_end)
    return {
        "study": STUDY_NAME,
        "run": str(run.path),
        "standards": _standards(),
        "method": _method(interval_s),
        "weeks": periods,
        "buses": _bus_counts(buses, assessed),
        "ansi_c84_1": _ansi_shares(buses),
        "voltage": _voltage_extremes(buses),
        "worst_buses": [_bus_record(row) for _, row in _ranked(assessed).head(worst).iterrows()],
        "areas": _areas(assessed),
        "notes": _notes(periods, missing=int(buses["missing_intervals"].sum())),
    }


def _standards() -> dict[str, Any]:
    """The EN 50160 limits per voltage level and the ANSI C84.1 ranges [pu]."""
    return {
        "en50160": {level: lim.as_dict() for level, lim in EN50160_LIMITS.items()},
        "ansi_c84_1": {
            "edition": "ANSI C84.1-2020",
            "range_a_pu": list(ANSI_RANGE_A_PU),
            "range_b_pu": [round(v, 6) for v in ANSI_RANGE_B_PU],
        },
    }


def _method(interval_s: int) -> dict[str, Any]:
    """How the study assesses the voltages.

    Parameters
    ----------
    interval_s : int
        The run's interval [s].

    Returns
    -------
    dict
        The ``method`` block of metrics.json.
    """
    return {
        "interval_s": interval_s,
        "aggregation": f"{interval_s / 60:g}-min interval means (EN 50160: 10-min means)",
        "averaging": averaging_note(interval_s),
        "week": "7-day periods from the run start; an interval is in the week of its start",
        "bus_compliant": "every assessed week compliant",
        "levels": "LV: vn_kv <= 1; MV: 1 < vn_kv <= 36 (assessed); HV: > 36 kV (not assessed)",
        "tolerance_pu": TOLERANCE_PU,
    }


def _bus_counts(buses: pd.DataFrame, assessed: pd.DataFrame) -> dict[str, Any]:
    """Bus counts: per voltage level, assessed, EN 50160 compliant.

    Parameters
    ----------
    buses : pandas.DataFrame
        One row per bus (:func:`~twin.studies.power_quality.compliance.bus_summary`).
    assessed : pandas.DataFrame
        The rows of ``buses`` assessed against EN 50160 (LV and MV).

    Returns
    -------
    dict
        The ``buses`` block of metrics.json (shares as fractions 0..1).
    """
    n_ok = int(assessed["en50160_compliant"].astype(bool).sum())
    return {
        "total": len(buses),
        "by_level": {str(k): int(v) for k, v in buses["voltage_level"].value_counts().items()},
        "assessed": len(assessed),
        "compliant": n_ok,
        "non_compliant": len(assessed) - n_ok,
        "compliant_share": _share(n_ok, len(assessed)),
        "with_hard_excursion": int((assessed["hard_excursions"] > 0).sum()),
    }


def _ansi_shares(buses: pd.DataFrame) -> dict[str, Any]:
    """Shares of interval means in ANSI C84.1 Range A and B, over all buses.

    Parameters
    ----------
    buses : pandas.DataFrame
        One row per bus, with its Range A/B shares and interval count.

    Returns
    -------
    dict
        The ``ansi_c84_1`` block of metrics.json (shares as fractions 0..1,
        weighted by each bus's intervals).
    """
    total_intervals = int(buses["intervals"].sum())
    range_a = float((buses["ansi_range_a_share"].fillna(0) * buses["intervals"]).sum())
    range_b = float((buses["ansi_range_b_share"].fillna(0) * buses["intervals"]).sum())
    always_a = int((buses["ansi_range_a_share"] >= 1.0).sum())
    return {
        "range_a_share": range_a / total_intervals if total_intervals else None,
        "range_b_share": range_b / total_intervals if total_intervals else None,
        "buses_always_in_range_a": always_a,
        "buses_always_in_range_a_share": _share(always_a, len(buses)),
        "lowest_bus_range_a_share": buses["ansi_range_a_share"].min(),
    }


def _voltage_extremes(buses: pd.DataFrame) -> dict[str, Any]:
    """Lowest and highest interval-mean voltage of the run and their buses.

    Parameters
    ----------
    buses : pandas.DataFrame
        One row per bus, with its extreme voltages [pu] and interval counts.

    Returns
    -------
    dict
        The ``voltage`` block of metrics.json (voltages in pu; None without
        any voltage).
    """
    lowest = buses.loc[buses["vm_min_pu"].idxmin()] if buses["vm_min_pu"].notna().any() else None
    highest = buses.loc[buses["vm_max_pu"].idxmax()] if buses["vm_max_pu"].notna().any() else None
    return {
        "vm_min_pu": None if lowest is None else lowest["vm_min_pu"],
        "vm_min_bus_id": None if lowest is None else int(lowest["bus_id"]),
        "vm_max_pu": None if highest is None else highest["vm_max_pu"],
        "vm_max_bus_id": None if highest is None else int(highest["bus_id"]),
        "bus_intervals": int(buses["intervals"].sum()),
        "missing_bus_intervals": int(buses["missing_intervals"].sum()),
    }


def _ranked(assessed: pd.DataFrame) -> pd.DataFrame:
    """The assessed buses, worst first.

    Failing buses first, then by the lowest weekly share within +/-10 %, the
    most hard excursions and the largest deviation from nominal [pu].

    Parameters
    ----------
    assessed : pandas.DataFrame
        The buses assessed against EN 50160.

    Returns
    -------
    pandas.DataFrame
        ``assessed`` sorted, with a helper column ``_fail``.
    """
    return assessed.assign(
        _fail=~assessed["en50160_compliant"].astype(bool),
    ).sort_values(
        ["_fail", "worst_week_within_10_share", "hard_excursions", "max_deviation_pu"],
        ascending=[False, True, False, False],
    )


def _notes(periods: list[dict[str, Any]], *, missing: int) -> list[str]:
    """Notes on short weeks and on intervals without a voltage.

    Parameters
    ----------
    periods : list of dict
        The assessed weeks (:func:`_week_periods`).
    missing : int
        Bus-intervals without a voltage (power flow not converged).

    Returns
    -------
    list of str
        The notes of metrics.json (the study may add more).
    """
    notes: list[str] = []
    if not all(p["complete"] for p in periods):
        notes.append(
            "EN 50160 assesses whole weeks; a period shorter than 7 days is assessed "
            "on the intervals it has"
        )
    if missing:
        notes.append(
            f"{missing} bus-intervals without a voltage (power flow not converged) are left out"
        )
    return notes
