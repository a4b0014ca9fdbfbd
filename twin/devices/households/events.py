"""A household fleet's discrete happenings and vacancy truth, from its episodes.

Every absence of a run is an episode (:class:`~twin.devices.households.schedule.Episodes`):
a holiday, the time between two tenants, a seasonal home's time empty, or a
home empty throughout. Their starts and ends inside the run are the fleet's
:class:`HouseholdEvent` s (the engine schedules them as SimPy events), and
the episodes clipped to the run are the vacancy truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from twin.devices.households.schedule import Episodes

__all__ = ["EVENT_KINDS", "HouseholdEvent", "household_events", "vacancy_periods"]

_START_EVENT: Final = {
    "holiday": "holiday_start",
    "between_tenants": "move_out",
    "seasonal": "seasonal_leave",
}
_END_EVENT: Final = {
    "holiday": "holiday_end",
    "between_tenants": "move_in",
    "seasonal": "seasonal_arrive",
}
EVENT_KINDS: Final = (*_START_EVENT.values(), *_END_EVENT.values())
"""Kinds of :class:`HouseholdEvent`."""


@dataclass(frozen=True)
class HouseholdEvent:
    """A discrete happening at one premise.

    Attributes
    ----------
    time_s : int
        When [s since run start], on the interval grid.
    premise : int
        Fleet index, ``0 .. n-1`` (the position among the fleet's members).
    kind : str
        One of :data:`EVENT_KINDS`: ``holiday_start``, ``holiday_end``,
        ``move_out``, ``move_in``, ``seasonal_leave``, ``seasonal_arrive``.
    """

    time_s: int
    premise: int
    kind: str


def household_events(e: Episodes, duration: int) -> tuple[HouseholdEvent, ...]:
    """The start and end of every episode inside the run (``0 < t < duration`` [s]).

    Sorted by time, then premise, ends before starts (a tenant leaves
    before the next one arrives); a home empty throughout has none.
    """
    movable = e.kind != "long_term_vacant"
    starts = movable & (e.start_s > 0) & (e.start_s < duration)
    ends = movable & (e.end_s > 0) & (e.end_s < duration)
    time = np.concatenate([e.end_s[ends], e.start_s[starts]])
    premise = np.concatenate([e.premise[ends], e.premise[starts]])
    names = np.concatenate(
        [
            np.asarray([_END_EVENT[k] for k in e.kind[ends]], dtype=object),
            np.asarray([_START_EVENT[k] for k in e.kind[starts]], dtype=object),
        ]
    )
    leaving = np.concatenate([np.zeros(ends.sum(), bool), np.ones(starts.sum(), bool)])
    order = np.lexsort((leaving, premise, time))
    return tuple(HouseholdEvent(int(time[j]), int(premise[j]), str(names[j])) for j in order)


def vacancy_periods(e: Episodes, duration: int) -> pd.DataFrame:
    """Every stretch of the run during which nobody lives at / uses a premise.

    ``duration`` is the run's length [s]. Kinds: ``long_term_vacant`` (the
    whole run), ``seasonal`` (every stretch between the stays of a
    weekend/seasonal home, each at least a day), ``holiday`` (1-2 week absences of occupied homes),
    ``between_tenants`` (from a move-out to the next move-in). Each lasts at
    least 24 h in full but is clipped to the run, so the first and last
    may be shorter. ``present`` is False in every interval that starts
    inside one. Known in advance: the whole run's truth at any time.

    Returns
    -------
    pandas.DataFrame
        Columns ``premise`` (int64, member position), ``start_s``, ``end_s`` (int64, s
        since the run start, ``start_s < end_s``), ``kind`` (str); sorted by
        premise and start.
    """
    start = np.clip(e.start_s, 0, duration)
    end = np.clip(e.end_s, 0, duration)
    keep = end > start
    return pd.DataFrame(
        {
            "premise": e.premise[keep].astype(np.int64),
            "start_s": start[keep].astype(np.int64),
            "end_s": end[keep].astype(np.int64),
            "kind": e.kind[keep].astype(str).astype(object),
        }
    )
