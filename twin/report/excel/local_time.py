"""Local days, months and times of a run, as the workbooks show them.

A run stores UTC stamps; an operator reads local ones. Interval data are
stamped at the interval end, so an interval belongs to the local day of its
start; a register frozen at local midnight closes the day before it.
"""

from __future__ import annotations

import pandas as pd

from twin.streams import RunClock

__all__ = [
    "expected_intervals_per_day",
    "freeze_day",
    "interval_day",
    "local_naive",
    "month_of",
    "zone_label",
]


def local_naive(stamps: pd.Series, zone: str) -> pd.Series:
    """UTC (tz-aware) timestamps as naive wall-clock times in ``zone``."""
    series = pd.Series(stamps)
    if series.dt.tz is None:
        series = series.dt.tz_localize("UTC")
    return series.dt.tz_convert(zone).dt.tz_localize(None)


def interval_day(interval_end: pd.Series, interval_s: int, zone: str) -> pd.Series:
    """Local day (naive midnight) of the interval each interval-end stamp closes."""
    starts = pd.Series(interval_end) - pd.Timedelta(seconds=interval_s)
    return local_naive(starts, zone).dt.floor("D")


def freeze_day(freeze_time: pd.Series, zone: str) -> pd.Series:
    """Local day (naive midnight) that a register frozen at ``freeze_time`` closes."""
    return local_naive(pd.Series(freeze_time) - pd.Timedelta(microseconds=1), zone).dt.floor("D")


def month_of(day: pd.Series) -> pd.Series:
    """First day of the month of each (naive) day."""
    return pd.Series(day).dt.to_period("M").dt.to_timestamp()


def expected_intervals_per_day(clock: RunClock) -> pd.Series:
    """Intervals of the run in each local day (a DST day has 92 or 100 of 15 min), by day."""
    starts = pd.Series(clock.local_interval_starts.tz_localize(None)).dt.floor("D")
    return starts.value_counts().sort_index().rename("expected")


def zone_label(clock: RunClock) -> str:
    """The run's time zone as a header shows it, e.g. ``Europe/Berlin``."""
    return clock.timezone
