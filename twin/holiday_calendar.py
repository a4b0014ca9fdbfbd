"""Public holidays and day kinds of local dates, as standard load profiles use them.

Dates are whole local days counted from 1970-01-01 (int64), the form
:attr:`twin.clock.TimeAxis.local_day` gives. A *day kind* is the weekday
(Monday = 0 .. Sunday = 6), except that a public holiday counts as a Sunday,
the convention of the BDEW standard load profiles [1]_ and of demandlib [2]_.

References
----------
.. [1] BDEW / VDEW, "Repräsentative VDEW-Lastprofile" (1999): public holidays
   are treated as Sundays.
.. [2] demandlib 0.2 (oemof), ``demandlib.bdew.ElecSlp(year, holidays=...)``.
.. [3] ``holidays`` (Python package, vacanza/holidays): country and
   subdivision public holidays.
"""

from __future__ import annotations

from functools import cache
from typing import Final

import numpy as np
from numpy.typing import NDArray

__all__ = ["SUNDAY", "day_kinds", "holiday_days", "holidays_around", "weekday_of"]

SUNDAY: Final = 6
"""Day kind of Sundays and public holidays."""

_EPOCH_WEEKDAY: Final = 3  # 1970-01-01 was a Thursday (Monday = 0)


@cache
def _holiday_days(country: str, subdivision: str | None, years: tuple[int, ...]) -> NDArray:
    import holidays

    dates = holidays.country_holidays(country, subdiv=subdivision, years=list(years))
    out = np.array(sorted(dates), dtype="datetime64[D]").astype(np.int64)
    out.setflags(write=False)
    return out


def holiday_days(
    country: str, subdivision: str | None, years: NDArray[np.int64] | list[int]
) -> NDArray[np.int64]:
    """Public holidays of the given years, as days since 1970-01-01 (sorted int64).

    Parameters
    ----------
    country : str
        ISO 3166-1 alpha-2 code the ``holidays`` package knows [3]_.
    subdivision : str or None
        State or region (e.g. ``"BY"``); None: nationwide holidays only.
    years : array_like of int
        Calendar years.
    """
    span = tuple(sorted({int(y) for y in years}))
    result: NDArray[np.int64] = _holiday_days(country, subdivision, span)
    return result


def weekday_of(day: NDArray[np.int64]) -> NDArray[np.int64]:
    """Weekday (Monday = 0) of dates given as days since 1970-01-01."""
    return np.asarray((np.asarray(day, dtype=np.int64) + _EPOCH_WEEKDAY) % 7, dtype=np.int64)


def day_kinds(day: NDArray[np.int64], holidays: NDArray[np.int64]) -> NDArray[np.int64]:
    """Day kind of each date: its weekday, or :data:`SUNDAY` on a public holiday.

    Parameters
    ----------
    day : numpy.ndarray
        Dates, days since 1970-01-01.
    holidays : numpy.ndarray
        Public holidays, days since 1970-01-01.

    Returns
    -------
    numpy.ndarray
        int64, 0 (Monday) .. 6 (Sunday or holiday).
    """
    day = np.asarray(day, dtype=np.int64)
    return np.where(np.isin(day, holidays), SUNDAY, weekday_of(day)).astype(np.int64)


def holidays_around(
    country: str, subdivision: str | None, day: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Public holidays of every calendar year that the dates ``day`` touch.

    Parameters
    ----------
    country, subdivision
        As for :func:`holiday_days`.
    day : numpy.ndarray
        Dates, days since 1970-01-01 (e.g. :attr:`twin.clock.TimeAxis.local_day`).
    """
    ends = np.asarray([np.min(day), np.max(day)], dtype=np.int64).astype("datetime64[D]")
    first, last = (ends.astype("datetime64[Y]").astype(np.int64) + 1970).tolist()
    return holiday_days(country, subdivision, list(range(first, last + 1)))
