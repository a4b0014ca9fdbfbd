"""Local days of a run's intervals: day kinds, event days, and the same interval on another day.

Baselines compare an event's intervals with "the same intervals" of earlier
days. Same means the same local clock time on that local date, so a
daylight-saving change between the two days shifts nothing; an interval whose
local time does not exist on the other day has no match (-1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.streams import RunClock

__all__ = ["Calendar", "make_calendar"]

_WEEKEND = 5
"""Weekday number of Saturday (Monday = 0)."""


@dataclass(frozen=True)
class Calendar:
    """Local day and slot of every run interval.

    Attributes
    ----------
    day : numpy.ndarray
        Local date of each interval's start, days since 1970-01-01.
    slot : numpy.ndarray
        Interval of the local day (local minutes of the start // interval).
    slots_per_day : int
        Intervals in a day.
    workday : dict
        Local day -> True for Monday to Friday that is no public holiday.
    event_days : set of int
        Local days touched by any demand-response event.
    grid : numpy.ndarray
        ``grid[day - day.min(), slot]`` = the run interval there, -1 where none.
    hour : numpy.ndarray
        Local hour of each interval's start.
    """

    day: NDArray[np.int64]
    slot: NDArray[np.int64]
    slots_per_day: int
    holidays: frozenset[int]
    event_days: frozenset[int]
    grid: NDArray[np.int64]
    hour: NDArray[np.int64]

    def is_workday(self, day: int) -> bool:
        """Monday to Friday and not a public holiday."""
        return int((day + 3) % 7) < _WEEKEND and int(day) not in self.holidays

    def workdays(self, days: NDArray[np.int64]) -> NDArray[np.bool_]:
        """:meth:`is_workday` of every day of ``days``."""
        days = np.asarray(days, dtype=np.int64)
        holidays = np.fromiter(self.holidays, dtype=np.int64, count=len(self.holidays))
        out: NDArray[np.bool_] = ((days + 3) % 7 < _WEEKEND) & ~np.isin(days, holidays)
        return out

    def shifted(self, intervals: NDArray[np.int64], days_back: int) -> NDArray[np.int64]:
        """The run intervals at the same local slot ``days_back`` local days earlier (-1: none)."""
        intervals = np.asarray(intervals, dtype=np.int64)
        row = self.day[intervals] - days_back - int(self.day[0])
        slot = self.slot[intervals]
        out = np.full(intervals.size, -1, dtype=np.int64)
        inside = (row >= 0) & (row < self.grid.shape[0])
        out[inside] = self.grid[row[inside], slot[inside]]
        return out


def make_calendar(clock: RunClock, holidays: NDArray[np.int64], events: pd.DataFrame) -> Calendar:
    """The calendar of a run (see :class:`Calendar`).

    Parameters
    ----------
    clock : twin.streams.RunClock
        The run's interval grid.
    holidays : numpy.ndarray
        Public holidays, days since 1970-01-01.
    events : pandas.DataFrame
        ``start`` and ``end`` of every event (UTC).
    """
    local = clock.local_interval_starts
    naive = local.tz_localize(None).to_numpy(dtype="datetime64[m]").astype(np.int64)
    day = naive // 1440
    minutes = naive - day * 1440
    step_min = max(1, clock.interval_s // 60)
    slot = minutes // step_min
    slots_per_day = max(1, 1440 // step_min)
    rows = int(day.max() - day.min() + 1) if day.size else 0
    grid = np.full((rows, slots_per_day), -1, dtype=np.int64)
    if day.size:
        grid[day - day.min(), np.minimum(slot, slots_per_day - 1)] = np.arange(day.size)
    touched: set[int] = set()
    zone = clock.timezone
    for start, end in zip(events["start"], events["end"], strict=True):
        first = pd.Timestamp(start).tz_convert(zone).tz_localize(None)
        last = (pd.Timestamp(end) - pd.Timedelta(microseconds=1)).tz_convert(zone)
        span = pd.date_range(first.normalize(), last.tz_localize(None).normalize(), freq="D")
        touched.update(int(d) for d in span.to_numpy(dtype="datetime64[D]").astype(np.int64))
    return Calendar(
        day=day.astype(np.int64),
        slot=slot.astype(np.int64),
        slots_per_day=slots_per_day,
        holidays=frozenset(int(h) for h in holidays),
        event_days=frozenset(touched),
        grid=grid,
        hour=(minutes // 60).astype(np.int64),
    )
