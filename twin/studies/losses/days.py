"""The run's local days as windows of intervals."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from twin.streams import RunClock

__all__ = ["MAX_WINDOW_CELLS", "LocalDay", "group_days", "local_days"]

MAX_WINDOW_CELLS = 8_000_000
"""Most meter x interval cells read at once (about 150 MB of arrays)."""


@dataclass(frozen=True)
class LocalDay:
    """One local calendar day of the run.

    Attributes
    ----------
    day : datetime.date
        The date in the scenario's time zone.
    first, stop : int
        Its intervals (``stop`` excluded); an interval belongs to the day of its start.
    full : bool
        Whether the run covers the whole day (23, 24 or 25 h around a clock change).
    """

    day: dt.date
    first: int
    stop: int
    full: bool


def local_days(clock: RunClock) -> list[LocalDay]:
    """Every local day the run touches, in order.

    Parameters
    ----------
    clock : RunClock
        The run's interval grid and time zone.
    """
    if clock.n_intervals <= 0:
        return []
    starts = clock.local_interval_starts
    midnights = starts.normalize()
    change = np.flatnonzero(np.r_[True, midnights[1:] != midnights[:-1]])
    bounds = np.r_[change, clock.n_intervals]
    out = []
    for first, stop in itertools.pairwise(bounds):
        midnight = midnights[first]
        length_s = ((midnight + pd.DateOffset(days=1)) - midnight).total_seconds()
        full = starts[first] == midnight and (stop - first) * clock.interval_s == length_s
        out.append(LocalDay(midnight.date(), int(first), int(stop), bool(full)))
    return out


def group_days(
    days: list[LocalDay], n_keys: int, max_cells: int = MAX_WINDOW_CELLS
) -> list[list[LocalDay]]:
    """Consecutive days read together: at most ``max_cells`` keys x intervals, one day at least.

    Fewer, larger reads of a table whose row groups hold several days.
    """
    groups: list[list[LocalDay]] = []
    for day in days:
        if groups:
            span = day.stop - groups[-1][0].first
            if span * max(n_keys, 1) <= max_cells:
                groups[-1].append(day)
                continue
        groups.append([day])
    return groups
