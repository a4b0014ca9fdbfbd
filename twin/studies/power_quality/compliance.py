"""Per-bus, per-week counts of interval-mean voltages and the compliance they give.

The bus-voltage table can hold hundreds of millions of rows, so it is read in
record batches: each batch is reduced to counts per (bus, week) and the
partial counts are added up. Memory grows with buses x weeks, not with rows.

References
----------
.. [1] EN 50160:2010, 4.2.2 and 5.2.2, supply voltage variations.
.. [2] ANSI C84.1-2020, Table 1, Range A and Range B.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from twin.streams import interval_index
from twin.studies.power_quality.limits import (
    ANSI_RANGE_A_PU,
    ANSI_RANGE_B_PU,
    EN50160_LIMITS,
    TOLERANCE_PU,
    WEEK_S,
    voltage_level,
)

__all__ = [
    "COUNT_COLUMNS",
    "VOLTAGE_BINS_PU",
    "accumulate_bus_weeks",
    "bus_summary",
    "week_compliance",
]

COUNT_COLUMNS = (
    "slots",
    "intervals",
    "above_110",
    "above_115",
    "below_090",
    "below_085",
    "range_a",
    "range_b",
)
"""Counts kept per (bus, week): rows, finite values, and values beyond each limit."""

VOLTAGE_BINS_PU = np.round(np.arange(0.70, 1.30 + 1e-9, 0.0005), 6)
"""Edges of the pooled histogram of interval-mean voltages [pu]."""

_COMBINE_EVERY = 64


def _reduce(frame: pd.DataFrame, start_us: int, interval_us: int) -> pd.DataFrame:
    """Counts per (bus, week) of one batch of ``bus_id, interval_end, vm_pu`` rows."""
    vm = frame["vm_pu"].to_numpy(dtype=np.float64)
    index = interval_index(frame["interval_end"], start_us=start_us, interval_us=interval_us)
    eps = TOLERANCE_PU
    with np.errstate(invalid="ignore"):
        flags = pd.DataFrame(
            {
                "bus_id": frame["bus_id"].to_numpy(dtype=np.int64),
                "week": index * interval_us // (WEEK_S * 1_000_000),
                "slots": 1,
                "intervals": np.isfinite(vm),
                "above_110": vm > 1.10 + eps,
                "above_115": vm > 1.15 + eps,
                "below_090": vm < 0.90 - eps,
                "below_085": vm < 0.85 - eps,
                "range_a": (vm >= ANSI_RANGE_A_PU[0] - eps) & (vm <= ANSI_RANGE_A_PU[1] + eps),
                "range_b": (vm >= ANSI_RANGE_B_PU[0] - eps) & (vm <= ANSI_RANGE_B_PU[1] + eps),
                "vm_sum": np.where(np.isfinite(vm), vm, 0.0),
                "vm_min": vm,
                "vm_max": vm,
            }
        )
    return _combine(flags)


def _combine(parts: pd.DataFrame) -> pd.DataFrame:
    aggregations: dict[str, str] = {name: "sum" for name in (*COUNT_COLUMNS, "vm_sum")}
    aggregations |= {"vm_min": "min", "vm_max": "max"}
    out = parts.groupby(["bus_id", "week"], sort=False).agg(aggregations).reset_index()
    for name in COUNT_COLUMNS:
        out[name] = out[name].astype(np.int64)
    return out


def accumulate_bus_weeks(
    frames: Iterable[pd.DataFrame], *, start_us: int, interval_us: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """Reduce bus-voltage batches to counts per bus and week.

    Parameters
    ----------
    frames : iterable of pandas.DataFrame
        Batches with columns ``bus_id``, ``interval_end`` (UTC, interval end)
        and ``vm_pu`` [pu] (NaN in a non-converged interval).
    start_us : int
        Run start [µs since the Unix epoch, UTC]; week 0 starts here.
    interval_us : int
        Interval length [µs]; an interval belongs to the week of its start.

    Returns
    -------
    counts : pandas.DataFrame
        One row per (bus_id, week), sorted, with the :data:`COUNT_COLUMNS`
        (``slots`` rows, ``intervals`` finite values; ``above_110`` values
        > 1.10 pu, ``above_115`` > 1.15 pu, ``below_090`` < 0.90 pu,
        ``below_085`` < 0.85 pu, ``range_a`` / ``range_b`` within ANSI C84.1
        Range A / B), ``vm_sum`` [pu], ``vm_min`` and ``vm_max`` [pu].
    histogram : numpy.ndarray
        Counts of all finite values in the bins of :data:`VOLTAGE_BINS_PU`
        (values outside are clipped into the first and last bins).
    """
    partial: list[pd.DataFrame] = []
    histogram = np.zeros(len(VOLTAGE_BINS_PU) - 1, dtype=np.int64)
    lo, hi = VOLTAGE_BINS_PU[0], VOLTAGE_BINS_PU[-1] - 1e-9
    for frame in frames:
        if frame.empty:
            continue
        partial.append(_reduce(frame, start_us, interval_us))
        vm = frame["vm_pu"].to_numpy(dtype=np.float64)
        vm = np.clip(vm[np.isfinite(vm)], lo, hi)
        histogram += np.histogram(vm, bins=VOLTAGE_BINS_PU)[0]
        if len(partial) >= _COMBINE_EVERY:
            partial = [_combine(pd.concat(partial, ignore_index=True))]
    if not partial:
        columns = ["bus_id", "week", *COUNT_COLUMNS, "vm_sum", "vm_min", "vm_max"]
        return pd.DataFrame({c: pd.Series(dtype=np.float64) for c in columns}), histogram
    counts = _combine(pd.concat(partial, ignore_index=True))
    return counts.sort_values(["bus_id", "week"], ignore_index=True), histogram


def _limits_arrays(level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Required share and 'hard limit is the MV one' flag per row, by level."""
    required = np.where(
        level == "MV", EN50160_LIMITS["MV"].required_share, EN50160_LIMITS["LV"].required_share
    )
    return required, level == "MV"


def week_compliance(counts: pd.DataFrame, level: np.ndarray) -> pd.DataFrame:
    """EN 50160:2010 weekly compliance of each (bus, week) row.

    Parameters
    ----------
    counts : pandas.DataFrame
        Output of :func:`accumulate_bus_weeks`.
    level : numpy.ndarray
        Voltage level of each row's bus (``LV``, ``MV``, ``HV``, ``unknown``).

    Returns
    -------
    pandas.DataFrame
        ``counts`` plus ``within_10_share`` (fraction of the week's finite
        interval means within 1 +/- 0.10 pu), ``hard_excursions`` (interval
        means beyond +10/-15 % for LV, +/-15 % for MV) and ``compliant``:
        True when the share reaches 95 % (LV) or 99 % (MV) and there is no
        hard excursion; missing (NA) for HV buses and weeks without a finite
        value.
    """
    out = counts.copy()
    intervals = out["intervals"].to_numpy(dtype=np.float64)
    within = intervals - out["above_110"].to_numpy() - out["below_090"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(intervals > 0, within / intervals, np.nan)
    required, is_mv = _limits_arrays(level)
    high = np.where(is_mv, out["above_115"].to_numpy(), out["above_110"].to_numpy())
    hard = high + out["below_085"].to_numpy()
    out["within_10_share"] = share
    out["hard_excursions"] = hard.astype(np.int64)
    ok = (share >= required - 1e-12) & (hard == 0)
    assessable = (intervals > 0) & (level != "HV")
    out["compliant"] = pd.array(np.where(assessable, ok, False), dtype="boolean")
    out.loc[~assessable, "compliant"] = pd.NA
    return out


def bus_summary(weeks: pd.DataFrame, buses: pd.DataFrame | None) -> pd.DataFrame:
    """One row per bus: voltage extremes, shares, weekly compliance.

    Parameters
    ----------
    weeks : pandas.DataFrame
        Output of :func:`week_compliance`.
    buses : pandas.DataFrame or None
        ``internal/network_bus`` (name, vn_kv, transformer_id, feeder_id), or
        None when the run lacks it.

    Returns
    -------
    pandas.DataFrame
        Columns ``bus_id``, ``name``, ``vn_kv`` [kV], ``voltage_level``,
        ``transformer_id``, ``feeder_id``, ``intervals``,
        ``missing_intervals``, ``vm_min_pu``, ``vm_mean_pu``, ``vm_max_pu``,
        ``max_deviation_pu``, ``within_10_share`` (whole run),
        ``worst_week_within_10_share``, ``above_110_intervals``,
        ``below_090_intervals``, ``below_085_intervals``,
        ``above_115_intervals``, ``hard_excursions``, ``weeks_assessed``,
        ``weeks_compliant``, ``en50160_compliant`` (NA where not assessed),
        ``ansi_range_a_share``, ``ansi_range_b_share`` (fractions 0..1).
    """
    grouped = weeks.groupby("bus_id", sort=True)
    sums = grouped[[*COUNT_COLUMNS, "vm_sum", "hard_excursions"]].sum()
    out = pd.DataFrame(index=sums.index)
    intervals = sums["intervals"].to_numpy(dtype=np.float64)
    safe = np.where(intervals > 0, intervals, np.nan)
    out["intervals"] = sums["intervals"].astype(np.int64)
    out["missing_intervals"] = (sums["slots"] - sums["intervals"]).astype(np.int64)
    out["vm_min_pu"] = grouped["vm_min"].min()
    out["vm_mean_pu"] = sums["vm_sum"] / safe
    out["vm_max_pu"] = grouped["vm_max"].max()
    out["max_deviation_pu"] = np.fmax(out["vm_max_pu"] - 1.0, 1.0 - out["vm_min_pu"])
    out["within_10_share"] = (intervals - sums["above_110"] - sums["below_090"]) / safe
    out["worst_week_within_10_share"] = grouped["within_10_share"].min()
    for name in ("above_110", "below_090", "below_085", "above_115"):
        out[f"{name}_intervals"] = sums[name].astype(np.int64)
    out["hard_excursions"] = sums["hard_excursions"].astype(np.int64)
    assessed = weeks["compliant"].notna()
    out["weeks_assessed"] = assessed.groupby(weeks["bus_id"]).sum().astype(np.int64)
    passed = weeks["compliant"].fillna(False).astype(bool)
    out["weeks_compliant"] = passed.groupby(weeks["bus_id"]).sum().astype(np.int64)
    compliant = (out["weeks_compliant"] == out["weeks_assessed"]).astype("boolean")
    out["en50160_compliant"] = compliant.mask(out["weeks_assessed"] == 0)
    out["ansi_range_a_share"] = sums["range_a"] / safe
    out["ansi_range_b_share"] = sums["range_b"] / safe
    out = out.reset_index()
    info = _bus_info(out["bus_id"].to_numpy(), buses)
    return pd.concat([info, out.drop(columns="bus_id")], axis=1)


def _bus_info(bus_ids: np.ndarray, buses: pd.DataFrame | None) -> pd.DataFrame:
    """Name, nominal voltage, level, LV area and feeder of each bus (NA where unknown)."""
    info = pd.DataFrame({"bus_id": bus_ids.astype(np.int64)})
    if buses is None:
        info["name"] = pd.Series([None] * len(info), dtype=object)
        info["vn_kv"] = np.nan
        info["transformer_id"] = pd.array([pd.NA] * len(info), dtype="Int64")
        info["feeder_id"] = pd.array([pd.NA] * len(info), dtype="Int64")
    else:
        keep = [c for c in ("bus_id", "name", "vn_kv", "transformer_id", "feeder_id") if c in buses]
        info = info.merge(buses[keep], on="bus_id", how="left")
        for column in ("transformer_id", "feeder_id"):
            if column in info:
                values = info[column].astype("Int64")
                info[column] = values.mask(values < 0)
    info["voltage_level"] = voltage_level(info["vn_kv"].to_numpy(dtype=np.float64))
    columns = ["bus_id", "name", "vn_kv", "voltage_level", "transformer_id", "feeder_id"]
    return info.reindex(columns=columns)
