"""The metrology core's time switch: which tariff register each interval goes to.

A meter with time-of-use registers (1-0:1.8.1 .. 1.8.4) switches between
them by its calendar: windows of local time, on all days, weekdays or
weekends. The first window that holds a moment wins; tariff 1 applies
outside every window. The switch is evaluated at each interval's local
start, for the whole run at once.

References
----------
IEC 62052-21:2004 / IEC 62054-21 (time switches of electricity meters);
IEC 62056-6-2 (DLMS/COSEM) activity calendar and register activation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

__all__ = ["TariffWindow", "active_tariff", "tariff_count"]


@dataclass(frozen=True)
class TariffWindow:
    """Tariff ``tariff`` applies from ``start_h`` to ``end_h`` local time on ``days``.

    Attributes
    ----------
    tariff : int
        Tariff register n (OBIS 1-0:1.8.n), 1 .. 4.
    start_h, end_h : float
        Local start and (exclusive) end [h]; a window with ``end_h < start_h``
        runs over midnight.
    days : {"all", "weekday", "weekend"}
        The days it applies on.
    """

    tariff: int
    start_h: float
    end_h: float
    days: Literal["all", "weekday", "weekend"] = "all"


def tariff_count(windows: Sequence[TariffWindow]) -> int:
    """Number of tariff registers in use (1 .. 4): the highest tariff any window names."""
    return max([1, *(w.tariff for w in windows)])


def active_tariff(
    windows: Sequence[TariffWindow],
    local_hour: NDArray[np.float64],
    weekday: NDArray[np.integer],
) -> NDArray[np.int64]:
    """Active tariff (1 .. 4) of every interval.

    Parameters
    ----------
    windows : sequence of TariffWindow
        The calendar, first match wins.
    local_hour : numpy.ndarray
        Local time at each interval's start [h].
    weekday : numpy.ndarray
        Local weekday at each interval's start (Monday 0 .. Sunday 6).

    Returns
    -------
    numpy.ndarray
        int64 tariff per interval.
    """
    hour = np.asarray(local_hour, dtype=np.float64)
    weekend = np.asarray(weekday) >= 5
    out = np.ones(hour.shape, dtype=np.int64)
    done = np.zeros(hour.shape, dtype=bool)
    for window in windows:
        a, b = window.start_h, window.end_h
        inside = (hour >= a) & (hour < b) if a <= b else (hour >= a) | (hour < b)
        if window.days == "weekday":
            inside &= ~weekend
        elif window.days == "weekend":
            inside &= weekend
        pick = inside & ~done
        out[pick] = window.tariff
        done |= pick
    return out
