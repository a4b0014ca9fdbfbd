"""Short absences of occupied homes that look empty: frequent travellers and students.

Both are candidates of kind ``"holiday"`` (the household still lives there;
the vacancy truth does not count them as vacancy), resolved against moves
and holidays by :func:`~twin.devices.households.schedule.resolve_conflicts`:
a candidate closer than two days to a kept absence is dropped.

- Frequent travellers (business trips, a partner in another town):
  ``trips_per_month`` per home, each of ``trip_nights`` nights, leaving
  06:00-14:00 and back 14:00-22:00.
- Students: away on a share of the weekends drawn per student
  (``student_weekend_away``; Friday 13:00-20:00 to Sunday 15:00-22:00) and
  for ``student_weeks_away`` a year in blocks of one to four weeks, mostly
  in the semester breaks (:data:`STUDENT_BREAK_MONTH_WEIGHT`).

References
----------
.. [1] Destatis, "Zeitverwendungserhebung 2022", and Deutsches Studierendenwerk,
   "Die Studierendensurvey 2021": many students go home to their parents at
   weekends and in the semester breaks.
.. [2] German semester breaks: mid-February to mid-April and mid-July to
   mid-October (Hochschulrektorenkonferenz).
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.devices.households.schedule import Episodes, LocalCalendar

__all__ = [
    "DAYS_PER_MONTH",
    "STUDENT_BLOCK_WEEKS",
    "STUDENT_BREAK_MONTH_WEIGHT",
    "draw_student_absences",
    "draw_trips",
]

DAYS_PER_MONTH: Final = 365.25 / 12.0
"""Mean length of a month [d]."""

STUDENT_BREAK_MONTH_WEIGHT: Final = (
    0.3, 1.5, 1.5, 0.5, 0.1, 0.1, 0.8, 1.5, 1.5, 0.4, 0.1, 1.0,
)  # fmt: skip
"""Relative chance that a student's block away starts in each month (Jan..Dec) [2]_."""

STUDENT_BLOCK_WEEKS: Final = (1, 2, 3, 4)
"""Lengths of a student's blocks away [wk], equally likely."""


def _holidays(
    owner: NDArray[np.int64], leave: NDArray[np.int64], back: NDArray[np.int64]
) -> Episodes:
    return Episodes(
        owner.astype(np.int64),
        leave.astype(np.int64),
        back.astype(np.int64),
        np.full(owner.size, "holiday", dtype=object),
    )


def draw_trips(
    premises: NDArray[np.int64],
    rng: np.random.Generator,
    calendar: LocalCalendar,
    trips_per_month: tuple[float, float],
    trip_nights: tuple[float, float],
) -> Episodes:
    """Candidate short trips of frequent travellers.

    Parameters
    ----------
    premises : numpy.ndarray
        Fleet indices of the travellers' homes.
    rng : numpy.random.Generator
        Source of randomness.
    calendar : LocalCalendar
        Window of local dates around the run.
    trips_per_month : (float, float)
        Range of the trip rate, drawn per home [1/month].
    trip_nights : (float, float)
        Range of nights away per trip, rounded to whole nights, at least one.

    Returns
    -------
    Episodes
        Kind ``"holiday"``, each at least a day long.
    """
    rate = rng.uniform(*trips_per_month, premises.size)
    counts = rng.poisson(rate * calendar.n_days / DAYS_PER_MONTH)
    owner = np.repeat(premises, counts)
    m = owner.size
    day = rng.integers(calendar.first_day, calendar.last_day + 1, size=m)
    nights = np.maximum(1, np.round(rng.uniform(*trip_nights, m))).astype(np.int64)
    leave = calendar.run_seconds(day, rng.uniform(6.0, 14.0, m))
    back = calendar.run_seconds(day + nights, rng.uniform(14.0, 22.0, m))
    return _holidays(owner, leave, back)


def draw_student_absences(
    premises: NDArray[np.int64],
    rng: np.random.Generator,
    calendar: LocalCalendar,
    weekend_away: tuple[float, float],
    weeks_away: tuple[float, float],
) -> Episodes:
    """Candidate weekends and blocks away of students.

    Parameters
    ----------
    premises : numpy.ndarray
        Fleet indices of the students' homes.
    rng : numpy.random.Generator
        Source of randomness.
    calendar : LocalCalendar
        Window of local dates around the run.
    weekend_away : (float, float)
        Range of the chance of being away on a weekend, drawn per student [-].
    weeks_away : (float, float)
        Range of the weeks away a year in blocks, drawn per student [wk/yr].

    Returns
    -------
    Episodes
        Kind ``"holiday"``.
    """
    n = premises.size
    fridays = calendar.days[calendar.weekday == 4]
    p_away = rng.uniform(*weekend_away, n)
    who, which = np.nonzero(rng.random((n, fridays.size)) < p_away[:, None])
    w_day = fridays[which]
    w_leave = calendar.run_seconds(w_day, rng.uniform(13.0, 20.0, who.size))
    w_back = calendar.run_seconds(w_day + 2, rng.uniform(15.0, 22.0, who.size))
    blocks = rng.uniform(*weeks_away, n) * calendar.years / float(np.mean(STUDENT_BLOCK_WEEKS))
    counts = rng.poisson(blocks)
    b_who = np.repeat(np.arange(n), counts)
    weight = np.asarray(STUDENT_BREAK_MONTH_WEIGHT, dtype=np.float64)[calendar.month - 1]
    b_day = rng.choice(calendar.days, size=b_who.size, p=weight / weight.sum())
    b_len = 7 * rng.choice(np.asarray(STUDENT_BLOCK_WEEKS, dtype=np.int64), size=b_who.size)
    b_leave = calendar.run_seconds(b_day, rng.uniform(8.0, 18.0, b_who.size))
    b_back = calendar.run_seconds(b_day + b_len, rng.uniform(12.0, 22.0, b_who.size))
    owner = premises[np.concatenate([who, b_who])]
    return _holidays(owner, np.concatenate([w_leave, b_leave]), np.concatenate([w_back, b_back]))
