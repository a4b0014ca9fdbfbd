"""The time grid of a finished run, as its readers see it.

A run is a regular grid of metering intervals stamped at their ends in UTC
(``interval_end``). :class:`RunClock` holds that grid (interval, time zone,
start, number of intervals) and the conversions every reader of a run needs:
the interval ends, their local times and days, an interval's index from its
stamp. :func:`read_run_clock` works it out once from a run's manifest (and,
for hand-made runs without a summary, from its interval-end stamps).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.errors import TwinError

__all__ = ["RunClock", "epoch_us", "interval_index", "read_run_clock"]

US_PER_S = 1_000_000


def epoch_us(stamps: pd.Series | pd.DatetimeIndex | Any) -> NDArray[np.int64]:
    """Time-zone-aware (or UTC-naive) timestamps as int64 [µs since the Unix epoch]."""
    series = pd.Series(stamps)
    if series.dt.tz is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    return series.to_numpy(dtype="datetime64[us]").astype(np.int64)


def interval_index(stamps: Any, *, start_us: int, interval_us: int) -> NDArray[np.int64]:
    """0-based index of the interval that each interval-end stamp closes.

    Parameters
    ----------
    stamps : pandas.Series or array-like of timestamps
        Interval ends (tz-aware, or naive UTC).
    start_us : int
        Run start [µs since the Unix epoch].
    interval_us : int
        Interval length [µs].

    Returns
    -------
    numpy.ndarray
        int64 indices; the first interval (ending at start + interval) is 0.
        Stamps outside the run give indices below 0 or from ``n_intervals`` on.
    """
    return (epoch_us(stamps) - start_us) // interval_us - 1


@dataclass(frozen=True)
class RunClock:
    """The interval grid of a run.

    Attributes
    ----------
    interval_s : int
        Metering interval [s].
    timezone : str
        The scenario's time zone (IANA name or fixed offset) for local days.
    start : pandas.Timestamp
        Start of the first interval (UTC).
    n_intervals : int
        Number of intervals in the run.
    """

    interval_s: int
    timezone: str
    start: pd.Timestamp
    n_intervals: int

    @property
    def end(self) -> pd.Timestamp:
        """End of the last interval (UTC)."""
        return self.start + pd.Timedelta(seconds=self.interval_s * self.n_intervals)

    @property
    def interval_us(self) -> int:
        """Interval length [µs]."""
        return self.interval_s * US_PER_S

    @property
    def start_us(self) -> int:
        """Run start [µs since the Unix epoch]."""
        return int(self.start.value // 1_000)

    @property
    def interval_ends(self) -> pd.DatetimeIndex:
        """End of every interval (UTC)."""
        step = pd.Timedelta(seconds=self.interval_s)
        return pd.date_range(self.start + step, periods=self.n_intervals, freq=step)

    @property
    def local_interval_starts(self) -> pd.DatetimeIndex:
        """Start of every interval in the run's time zone (its hour and day are the interval's)."""
        return (self.interval_ends - pd.Timedelta(seconds=self.interval_s)).tz_convert(
            self.timezone
        )

    def interval_index(self, stamps: Any) -> NDArray[np.int64]:
        """0-based index of the interval each interval-end stamp closes (:func:`interval_index`)."""
        return interval_index(stamps, start_us=self.start_us, interval_us=self.interval_us)


def _seconds(value: Any) -> int:
    """A duration from the manifest, seconds as a number or a string like ``15min`` [s]."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(pd.Timedelta(seconds=float(value)).total_seconds())
    return int(pd.Timedelta(str(value)).total_seconds())


def _positive_int(value: Any) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return int(value)
    return None


def _zone(time: dict[str, Any]) -> str:
    """``time.timezone``, else the start's own offset, else UTC (as the engine's time axis)."""
    zone = time.get("timezone")
    if isinstance(zone, str) and zone:
        return zone
    start = time.get("start")
    if isinstance(start, str):
        with contextlib.suppress(ValueError, TypeError):
            stamp = pd.Timestamp(start)
            if stamp.tzinfo is not None:
                return str(stamp.tzinfo)
    return "UTC"


def _local(stamp: Any, zone: str) -> pd.Timestamp:
    value = pd.Timestamp(stamp)
    return value.tz_localize(zone) if value.tzinfo is None else value.tz_convert(zone)


def read_run_clock(
    manifest: dict[str, Any],
    interval_ends_us: Callable[[], NDArray[np.int64]],
    *,
    where: str,
) -> RunClock:
    """The interval grid of a run from its manifest.

    Parameters
    ----------
    manifest : dict
        The run's ``manifest.json``: ``scenario.time`` (start, timezone,
        interval, duration or end) and ``summary`` (``interval_s``, ``intervals``).
    interval_ends_us : callable
        Returns the run's distinct interval-end stamps, sorted [µs since the
        epoch]; called only when the manifest lacks the interval or the
        number of intervals.
    where : str
        The run directory, for messages.

    Raises
    ------
    twin.errors.TwinError
        If the start or the interval cannot be told.
    """
    scenario = manifest.get("scenario")
    time = scenario.get("time") if isinstance(scenario, dict) else None
    time = time if isinstance(time, dict) else {}
    summary = manifest.get("summary")
    summary = summary if isinstance(summary, dict) else {}
    zone = _zone(time)
    try:
        start = _local(time["start"], zone).tz_convert("UTC")
        interval_s = _positive_int(summary.get("interval_s"))
        if interval_s is None and time.get("interval") is not None:
            interval_s = _seconds(time["interval"])
    except (KeyError, TypeError, ValueError) as exc:
        raise TwinError(
            f"{where!r} has a manifest without a readable scenario time section "
            f"(problem: {exc!s}); expected the output folder of `twin run`"
        ) from None
    ends: NDArray[np.int64] | None = None
    if interval_s is None:
        ends = interval_ends_us()
        if ends.size < 2:
            raise TwinError(
                f"cannot tell the interval length of run {where!r}: no interval in "
                "manifest.json and fewer than two intervals in its tables"
            )
        interval_s = int(np.diff(ends).min() // US_PER_S)
    if interval_s <= 0:
        raise TwinError(f"{where!r} has a manifest with interval {interval_s} s; expected > 0")
    n = _intervals(time, summary, start, interval_s, zone)
    if n is None:
        ends = interval_ends_us() if ends is None else ends
        last = int(ends.max()) if ends.size else int(start.value // 1_000)
        n = max((last - int(start.value // 1_000)) // (interval_s * US_PER_S), 0)
    return RunClock(interval_s=interval_s, timezone=zone, start=start, n_intervals=n)


def _intervals(
    time: dict[str, Any], summary: dict[str, Any], start: pd.Timestamp, interval_s: int, zone: str
) -> int | None:
    """Number of intervals: the summary's, else from duration or end; None when unknown."""
    counted = _positive_int(summary.get("intervals"))
    if counted is not None:
        return counted
    with contextlib.suppress(TypeError, ValueError):
        if time.get("duration"):
            return _seconds(time["duration"]) // interval_s
        if time.get("end"):
            length = _local(time["end"], zone).tz_convert("UTC") - start
            return int(length.total_seconds()) // interval_s
    return None
