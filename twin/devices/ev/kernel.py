"""EV charging kernels (layer 1): prorated interval energy and headroom allocation.

Pure numpy functions over the sessions that are plugged in during an
interval; no state, no loop over sessions.

References
----------
.. [1] Open Charge Alliance (2017), "Open Charge Point Protocol 1.6, edition
   2", 4.8 StartTransaction, 4.10 StopTransaction, 7.7 ChargePointErrorCode,
   7.8 ChargePointStatus, 7.39 Reason.
.. [2] EA Technology / WPD (2019), "Electric Nation Customer Trial" (managed
   charging against a local capacity limit).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "allocate_earliest_departure",
    "allocate_proportional",
    "interval_request_kwh",
    "next_window_open_s",
]


def interval_request_kwh(
    from_s: NDArray[np.float64],
    to_s: NDArray[np.float64],
    p_max_kw: NDArray[np.float64],
    need_kwh: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Energy each session can take in its part of an interval at full power.

    Parameters
    ----------
    from_s, to_s : numpy.ndarray
        The part of the interval in which it may charge [s] (``to_s <=
        from_s`` means not at all).
    p_max_kw : numpy.ndarray
        Its power limit (charger and EV) [kW].
    need_kwh : numpy.ndarray
        Energy still wanted [kWh].

    Returns
    -------
    numpy.ndarray
        ``min(p_max * (to - from), need)`` [kWh], >= 0. Charging runs at
        constant power from ``from_s`` until full, so a session that fills up
        ends at ``from_s + need / p * 3600`` (proration).
    """
    seconds = np.maximum(to_s - from_s, 0.0)
    return np.minimum(p_max_kw * seconds / 3600.0, np.maximum(need_kwh, 0.0))


def allocate_proportional(
    request_kwh: NDArray[np.float64], area: NDArray[np.intp], budget_kwh: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Scale every request of an area by ``min(1, budget / total request)``.

    Parameters
    ----------
    request_kwh : numpy.ndarray
        Energy each session would take this interval [kWh], >= 0.
    area : numpy.ndarray
        Area index of each session, ``0 .. len(budget) - 1``.
    budget_kwh : numpy.ndarray
        Energy each area may deliver this interval [kWh] (``inf`` = no cap).

    Returns
    -------
    numpy.ndarray
        Granted energy [kWh], ``0 <= granted <= request``; per area the sum
        is ``<= max(budget, 0)``.
    """
    total = np.bincount(area, weights=request_kwh, minlength=budget_kwh.size)
    budget = np.maximum(budget_kwh, 0.0)
    over = total > budget
    scale = np.ones_like(total)
    scale[over] = budget[over] / total[over]
    return request_kwh * scale[area]


def allocate_earliest_departure(
    request_kwh: NDArray[np.float64],
    depart_s: NDArray[np.float64],
    area: NDArray[np.intp],
    budget_kwh: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Grant requests in order of departure inside each area until its budget is used.

    Parameters
    ----------
    request_kwh : numpy.ndarray
        Energy each session would take this interval [kWh], >= 0.
    depart_s : numpy.ndarray
        Announced departure of each session [s] (earliest served first).
    area : numpy.ndarray
        Area index of each session.
    budget_kwh : numpy.ndarray
        Energy each area may deliver this interval [kWh] (``inf`` = no cap).

    Returns
    -------
    numpy.ndarray
        Granted energy [kWh]; per area the sum is ``<= max(budget, 0)``.
    """
    order = np.lexsort((depart_s, area))
    req = request_kwh[order]
    ar = area[order]
    cum = np.cumsum(req)
    first = np.searchsorted(ar, ar, side="left")
    before = cum - req - (cum[first] - req[first])
    left = np.maximum(budget_kwh[ar], 0.0) - before
    granted = np.empty_like(request_kwh)
    granted[order] = np.clip(left, 0.0, req)
    return granted


def next_window_open_s(
    at_s: NDArray[np.float64],
    local_hour: NDArray[np.float64],
    window_h: tuple[float, float],
) -> NDArray[np.float64]:
    """Earliest time at or after ``at_s`` inside a daily time-of-use window.

    Parameters
    ----------
    at_s : numpy.ndarray
        Times [s].
    local_hour : numpy.ndarray
        Local clock hour at those times [h].
    window_h : tuple of float
        ``[start, end)`` local hours [h]; wraps midnight when start > end.

    Returns
    -------
    numpy.ndarray
        ``at_s`` if inside the window, else the next opening [s] (clock
        changes inside the wait are ignored).
    """
    start, end = window_h
    h = np.asarray(local_hour, dtype=np.float64)
    inside = (h >= start) & (h < end) if start <= end else (h >= start) | (h < end)
    wait_h = np.mod(start - h, 24.0)
    return np.where(inside, at_s, at_s + wait_h * 3600.0)
