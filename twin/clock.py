"""The simulation time axis: integer seconds since the scenario start.

Every layer shares this small, dependency-free description of time. The
engine advances ``env.now`` in integer seconds; wall-clock stamps are derived
once, here, in UTC, with interval-ending stamps (IEC 61968-9 convention:
the interval 00:00-00:15 is stamped 00:15). Local-time features (hour of day,
weekday, day of year, local midnight) are computed once per interval for the
whole run and shared by every fleet.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["UTC_US", "IntervalTime", "TimeAxis", "utc_stamps"]

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class IntervalTime:
    """Calendar facts about one metering interval, in the scenario's local time.

    Attributes
    ----------
    index : int
        Interval number, 0-based.
    start_s : int
        Interval start [s since scenario start].
    dt_s : int
        Interval length [s].
    local_hour : float
        Local clock hour at the interval start [h], 0 <= local_hour < 24.
    weekday : int
        Local weekday of the interval start, Monday = 0.
    day_of_year : int
        Local day of year of the interval start, 1..366.
    ends_at_local_midnight : bool
        True when the interval ends exactly at local midnight (daily freeze).
    """

    index: int
    start_s: int
    dt_s: int
    local_hour: float
    weekday: int
    day_of_year: int
    ends_at_local_midnight: bool

    @property
    def is_weekend(self) -> bool:
        """True on local Saturdays and Sundays."""
        return self.weekday >= 5


@dataclass(frozen=True)
class TimeAxis:
    """Regular interval grid of a run.

    Parameters
    ----------
    start : pandas.Timestamp
        Time-zone-aware start of the run.
    interval_s : int
        Metering interval [s]; divides a day.
    n_intervals : int
        Number of intervals in the run.
    timezone : str
        IANA zone or fixed offset used for local-time features.
    """

    start: pd.Timestamp
    interval_s: int
    n_intervals: int
    timezone: str

    @property
    def duration_s(self) -> int:
        """Run length [s]."""
        return self.interval_s * self.n_intervals

    @cached_property
    def start_utc_ns(self) -> int:
        """Run start as UTC nanoseconds since the Unix epoch."""
        return int(self.start.tz_convert("UTC").value)

    @cached_property
    def interval_end_utc(self) -> np.ndarray:
        """Interval-end stamps of every interval, ``datetime64[us]`` in UTC."""
        offsets = (np.arange(1, self.n_intervals + 1, dtype=np.int64) * self.interval_s) * 10**6
        return (self.start_utc_ns // 1000 + offsets).astype("datetime64[us]")

    def utc_us(self, seconds: int | np.ndarray) -> np.ndarray:
        """Convert run seconds to UTC ``datetime64[us]`` stamps."""
        secs = np.asarray(seconds, dtype=np.int64)
        return (self.start_utc_ns // 1000 + secs * 10**6).astype("datetime64[us]")

    @cached_property
    def _local_starts(self) -> pd.DatetimeIndex:
        starts = pd.date_range(
            self.start.tz_convert("UTC"),
            periods=self.n_intervals,
            freq=pd.Timedelta(seconds=self.interval_s),
        )
        return starts.tz_convert(self.timezone)

    @cached_property
    def local_hour(self) -> np.ndarray:
        """Local clock hour at each interval start [h]."""
        s = self._local_starts
        return np.asarray(s.hour + s.minute / 60.0 + s.second / 3600.0, dtype=np.float64)

    @cached_property
    def weekday(self) -> np.ndarray:
        """Local weekday at each interval start (Monday = 0)."""
        return np.asarray(self._local_starts.dayofweek, dtype=np.int8)

    @cached_property
    def day_of_year(self) -> np.ndarray:
        """Local day of year at each interval start (1..366)."""
        return np.asarray(self._local_starts.dayofyear, dtype=np.int16)

    @cached_property
    def local_day(self) -> np.ndarray:
        """Local date at each interval start, as days since 1970-01-01 (int64)."""
        return np.asarray(
            self._local_starts.tz_localize(None).normalize().to_numpy().astype("datetime64[D]"),
            dtype="datetime64[D]",
        ).astype(np.int64)

    @cached_property
    def ends_at_local_midnight(self) -> np.ndarray:
        """True where an interval ends exactly at local midnight."""
        ends = self._local_starts + pd.Timedelta(seconds=self.interval_s)
        return np.asarray((ends.hour == 0) & (ends.minute == 0) & (ends.second == 0), dtype=bool)

    def at(self, index: int) -> IntervalTime:
        """Calendar facts of interval ``index``."""
        return IntervalTime(
            index=index,
            start_s=index * self.interval_s,
            dt_s=self.interval_s,
            local_hour=float(self.local_hour[index]),
            weekday=int(self.weekday[index]),
            day_of_year=int(self.day_of_year[index]),
            ends_at_local_midnight=bool(self.ends_at_local_midnight[index]),
        )


UTC_US = pa.timestamp("us", tz="UTC")


def utc_stamps(axis: TimeAxis, seconds: np.ndarray | float, n: int | None = None) -> pa.Array:
    """UTC ``timestamp[us]`` array of run seconds (NaN -> null).

    Parameters
    ----------
    axis : TimeAxis
        The run's time axis (its start anchors second 0).
    seconds : numpy.ndarray or float
        Times [s since run start]; fractions are rounded to the microsecond.
    n : int, optional
        Repeat a scalar ``seconds`` ``n`` times.
    """
    if n is not None and np.ndim(seconds) == 0 and np.isfinite(seconds):
        us = np.full(n, axis.start_utc_ns // 1000 + round(float(seconds) * 1e6), dtype=np.int64)
        return pa.Array.from_buffers(UTC_US, n, [None, pa.py_buffer(us)])
    if isinstance(seconds, np.ndarray) and seconds.dtype.kind in "iu" and n is None:
        us = axis.start_utc_ns // 1000 + seconds.astype(np.int64) * 1_000_000
        return pa.Array.from_buffers(UTC_US, us.size, [None, pa.py_buffer(us)])
    s = np.asarray(seconds, dtype=np.float64)
    if n is not None:
        s = np.full(n, s, dtype=np.float64)
    bad = ~np.isfinite(s)
    us = axis.start_utc_ns // 1000 + np.round(np.where(bad, 0.0, s) * 1e6).astype(np.int64)
    return pa.array(us, type=pa.int64(), mask=bad if bad.any() else None).cast(UTC_US)
