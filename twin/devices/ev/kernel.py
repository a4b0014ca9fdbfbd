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
    "exclusive_run_sum",
    "headroom_after_flow_kw",
    "interval_request_kwh",
    "managed_headroom_kw",
    "next_window_open_s",
]

_PADDED_MAX = 1 << 21
"""Largest padded (runs x longest run) matrix :func:`exclusive_run_sum` builds."""


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


def exclusive_run_sum(values: NDArray[np.float64], key: NDArray[np.integer]) -> NDArray[np.float64]:
    """Sum of the earlier values of each element's run (runs: contiguous equal ``key``).

    Each run is summed on its own, left to right from 0.0 (``((0 + v0) + v1)
    + ...``), so an element's result depends only on its own run: the same
    whichever other runs (LV areas, chargers) are in the arrays. A cumulative
    sum over the whole array minus the run's offset would not be (its
    rounding carries the earlier runs).

    Parameters
    ----------
    values : numpy.ndarray
        float64 values, grouped so that equal keys are contiguous.
    key : numpy.ndarray
        Run key of each value (same length).

    Returns
    -------
    numpy.ndarray
        float64, ``sum(values[start:i])`` for each ``i`` of a run starting at ``start``.
    """
    v = np.asarray(values, dtype=np.float64)
    n = v.size
    if n == 0:
        return np.zeros(0)
    k = np.asarray(key)
    new = np.ones(n, dtype=bool)
    new[1:] = k[1:] != k[:-1]
    start = np.flatnonzero(new)
    run = np.cumsum(new) - 1
    pos = np.arange(n) - start[run]
    width = int(pos.max()) + 1
    if start.size * (width + 1) <= max(_PADDED_MAX, 4 * n):
        padded = np.zeros((start.size, width + 1))
        padded[run, pos + 1] = v
        return np.asarray(np.cumsum(padded, axis=1)[run, pos], dtype=np.float64)
    # one long run among many short ones: walk the positions instead (same sums)
    out = np.zeros(n)
    for p in range(1, width):
        at = np.flatnonzero(pos == p)
        out[at] = out[at - 1] + v[at - 1]
    return out


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
        Granted energy [kWh]; per area the sum is ``<= max(budget, 0)``. An
        area's grants depend only on its own sessions (and their order).
    """
    order = np.lexsort((depart_s, area))
    req = request_kwh[order]
    ar = area[order]
    before = exclusive_run_sum(req, ar)
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


def managed_headroom_kw(
    last_kw: NDArray[np.float64],
    load_kw: NDArray[np.float64],
    load_before_kw: NDArray[np.float64] | None,
    cap_kva: NDArray[np.float64],
) -> NDArray[np.float64]:
    """EV power each LV transformer area may draw this interval under managed charging [kW].

    The headroom the last power flow left in the area (:func:`headroom_after_flow_kw`),
    less the change of the area's own non-EV load (household minus PV) since
    the last interval, which is known at the interval start so that the
    evening ramp of household load does not lag one interval. Before the
    area's first power flow: the cap less that load.

    Parameters
    ----------
    last_kw : numpy.ndarray
        Headroom per area from the last power flow that solved it [kW]; NaN: none yet.
    load_kw, load_before_kw : numpy.ndarray
        Non-EV load per area now and in the previous interval [kW]; None before the first.
    cap_kva : numpy.ndarray
        Cap per area: ``managed_cap_percent`` of the transformer rating [kVA].

    Returns
    -------
    numpy.ndarray
        Headroom per area, >= 0 [kW].

    References
    ----------
    J. Quirós-Tortós et al. (2018), "How electric vehicles and the grid work
    together: lessons learned from one of the largest electric vehicle trials
    in the world", IEEE Power and Energy Magazine 16(6), 64-76 (Electric
    Nation: transformer-headroom-based curtailment of home chargers).
    """
    first = np.asarray(cap_kva - np.abs(load_kw), dtype=np.float64)
    if load_before_kw is None:
        return np.maximum(first, 0.0)
    later = last_kw - (load_kw - load_before_kw)
    return np.maximum(np.where(np.isnan(last_kw), first, later), 0.0)


def headroom_after_flow_kw(
    ev_kw: NDArray[np.float64],
    trafo_p_kw: NDArray[np.float64],
    trafo_loading_percent: NDArray[np.float64],
    rating_kva: NDArray[np.float64],
    cap_fraction: float,
) -> NDArray[np.float64]:
    """EV power each LV transformer area may draw next interval, from this power flow [kW].

    ``P_ev + cap x rating / r - P``, where ``P`` is the transformer's active
    power and ``P_ev`` the area's EV power this interval, and ``r`` the
    ratio of the transformer's loading (in kVA of rating) to ``|P|``
    (reactive power, voltage drop and losses load a transformer by more
    than a kVA per kW; ``r = 1`` below 5 % of the rating). Under reverse
    flow (PV export, ``P < 0``) EV charging first absorbs the export, then
    may draw up to the cap.

    Parameters
    ----------
    ev_kw : numpy.ndarray
        EV power per area this interval [kW].
    trafo_p_kw : numpy.ndarray
        Transformer active power per area, import positive [kW] (NaN: not solved).
    trafo_loading_percent : numpy.ndarray
        Transformer loading per area [%] (NaN: not solved).
    rating_kva : numpy.ndarray
        Transformer rating per area [kVA].
    cap_fraction : float
        Highest loading managed charging may cause [-] (``managed_cap_percent / 100``).

    Returns
    -------
    numpy.ndarray
        Headroom per area, >= 0 [kW]; NaN where the power flow gave no result.
    """
    loading = np.asarray(trafo_loading_percent, dtype=np.float64) / 100.0
    p_kw = np.asarray(trafo_p_kw, dtype=np.float64)
    magnitude = np.abs(p_kw)
    big = magnitude > 0.05 * rating_kva
    ratio = np.ones_like(p_kw)
    np.divide(loading * rating_kva, magnitude, out=ratio, where=big)
    ratio = np.where(big, np.maximum(ratio, 1.0), 1.0)
    headroom = np.maximum(ev_kw + cap_fraction * rating_kva / ratio - p_kw, 0.0)
    return np.where(np.isfinite(loading) & np.isfinite(p_kw), headroom, np.nan)
