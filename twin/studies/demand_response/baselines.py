"""Customer baseline loads: what the enrolled premises would have drawn without the event.

A utility cannot see the counterfactual; it settles demand response against a
baseline estimated from its own meter data. Four standard estimators, each
computed for one event over some run intervals (``target``), per resource
(the event's enrolled premises in one transformer area, summed: the
aggregated resource ISOs settle) or, for the control group, per premise:

- :func:`x_of_y_baseline` with ``x = y = 10`` and a multiplicative day-of
  adjustment: the CAISO "10-in-10" customer load baseline [1]_: the mean of
  the same intervals on the 10 most recent eligible days (weekdays that are
  no holiday and no event day, within 45 days; 4-in-4 on weekend or holiday
  events), times the ratio of actual to baseline load in the adjustment
  window (the three hours ending one hour before the event, so that a
  day-ahead notice's pre-charging does not inflate it), capped at +-20 %;
- :func:`x_of_y_baseline` with ``x = 4, y = 5, high=True`` and an additive
  adjustment: PJM's "high 4 of 5" customer baseline load with its symmetric
  additive adjustment over the same window [2]_ (weekend or holiday events:
  high 2 of 3); the NAESB WEQ-015 M&V standards name both families [3]_;
- :func:`control_group_baseline`: each enrolled premise's matched control
  group, the ``k`` nearest non-enrolled household premises on the mean hourly
  profile of the previous two weeks' non-event days; the premise's baseline
  is its own profile plus the controls' change from their profile at the
  same time (a difference in differences), as recommended where enough
  non-participants exist [4]_;
- :func:`regression_baseline`: per resource, load regressed on hour of day,
  hour of day on non-workdays and, where the run's weather is known, outdoor
  temperature, heating and cooling degrees, fitted on the non-event days of
  the four weeks before the event [5]_.

Every function returns the baseline in kW, shape ``(resources, target)``, and
a dict saying what it could use (days, fallbacks).

References
----------
.. [1] California ISO, "Business Practice Manual for Demand Response",
   section 10, Performance Evaluation Methodologies: Customer Load Baseline
   (10 in 10 with a day-of adjustment capped at 20 %); California ISO,
   "Demand Response User Guide" v4.3 (2017).
.. [2] PJM, "Manual 11: Energy & Ancillary Services Market Operations",
   section 10, Customer Baseline Load (high 4 of 5 weekdays, symmetric
   additive adjustment).
.. [3] NAESB WEQ-015, "Measurement and Verification of Wholesale
   Electricity Demand Response" (baseline types I and II).
.. [4] Bode, J., Ciccone, A. (2017), "California ISO Baseline Accuracy
   Assessment", Nexant: control-group baselines, bias and precision metrics.
.. [5] Coughlin, K., Piette, M. A., Goldman, C., Kiliccote, S. (2009),
   "Statistical analysis of baseline load models for non-residential
   buildings", Energy and Buildings 41(4), 374-381 (LBNL-63728).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
from numpy.typing import NDArray

from twin.studies.demand_response.calendar import Calendar
from twin.studies.demand_response.data import MeterLoad

__all__ = [
    "ADJUSTMENT_CAP",
    "BASELINES",
    "LOOKBACK_DAYS",
    "EventWindow",
    "control_group_baseline",
    "regression_baseline",
    "x_of_y_baseline",
]

LOOKBACK_DAYS: Final = 45
"""How far back an X-of-Y baseline looks for eligible days [d] (CAISO's 45-day limit)."""

ADJUSTMENT_CAP: Final = 0.20
"""Largest day-of adjustment of the 10-in-10 baseline, as a share (+-20 %, CAISO)."""

ADJUSTMENT_WINDOW_H: Final = (4.0, 1.0)
"""The day-of adjustment window: from 4 h to 1 h before the event start [h]."""

MATCH_DAYS: Final = 14
"""Days before the event whose non-event days give a premise's profile for matching [d]."""

CONTROL_NEIGHBOURS: Final = 5
"""Matched non-enrolled premises per enrolled premise (an assumption of this study)."""

REGRESSION_DAYS: Final = 28
"""Days before the event whose non-event days fit the regression baseline [d]."""

HEATING_BASE_C: Final = 15.5
"""Base temperature of heating degrees [degC] (the usual 15.5 degC / 60 degF)."""

COOLING_BASE_C: Final = 22.0
"""Base temperature of cooling degrees [degC] (an assumption of this study)."""

BASELINES: Final = {
    "caiso_10_of_10": "CAISO 10-in-10, multiplicative day-of adjustment capped at 20 %",
    "pjm_high_4_of_5": "PJM high 4 of 5, symmetric additive adjustment",
    "control_group": f"matched control group ({CONTROL_NEIGHBOURS} nearest non-enrolled homes)",
    "regression": "regression on hour of day, day type (and temperature)",
}
"""The baselines the study scores, with their labels."""


@dataclass(frozen=True)
class EventWindow:
    """Where an event lies among the run's intervals.

    Attributes
    ----------
    target : numpy.ndarray
        Run intervals the baselines are computed for (the event and hours around it).
    event : numpy.ndarray
        Bool over ``target``: inside the event.
    adjust : numpy.ndarray
        Bool over ``target``: inside the day-of adjustment window.
    day : int
        The local date of the event start (days since 1970-01-01).
    """

    target: NDArray[np.int64]
    event: NDArray[np.bool_]
    adjust: NDArray[np.bool_]
    day: int


def _eligible_days(
    calendar: Calendar, window: EventWindow, *, same_kind: bool, limit: int
) -> list[int]:
    """Days back (1, 2, ...) whose every target interval lies in the run, not an event
    day and (``same_kind``) of the event day's kind, most recent first, at most ``limit``."""
    workday = calendar.is_workday(window.day)
    found: list[int] = []
    for back in range(1, limit + 1):
        day = window.day - back
        if day in calendar.event_days:
            continue
        if same_kind and calendar.is_workday(day) != workday:
            continue
        if (calendar.shifted(window.target, back) < 0).any():
            continue
        found.append(back)
    return found


def _day_loads(
    load: MeterLoad, calendar: Calendar, target: NDArray[np.int64], backs: list[int]
) -> NDArray[np.float64]:
    """Loads at the same slots ``backs`` days earlier: shape ``(days, resources, target)``."""
    if not backs:
        return np.zeros((0, load.kw.shape[0], target.size))
    return np.stack([load.columns(calendar.shifted(target, back)) for back in backs])


def x_of_y_baseline(
    load: MeterLoad,
    calendar: Calendar,
    window: EventWindow,
    *,
    x: int,
    y: int,
    high: bool = False,
    weekend: tuple[int, int] = (4, 4),
    adjustment: Literal["multiplicative", "additive", "none"] = "multiplicative",
    cap: float = ADJUSTMENT_CAP,
) -> tuple[NDArray[np.float64], dict[str, Any]]:
    """An X-of-Y day-matching baseline with a day-of adjustment (see the module).

    Parameters
    ----------
    load : MeterLoad
        Each resource's load [kW] over (at least) the look-back and the event day.
    calendar : Calendar
        The run's calendar.
    window : EventWindow
        The event.
    x, y : int
        Average ``x`` of the ``y`` most recent eligible days (workday events).
    high : bool
        Choose the ``x`` days of highest mean load over the event intervals
        (per resource) rather than the ``x`` most recent.
    weekend : (int, int)
        ``x`` and ``y`` for an event on a weekend day or holiday.
    adjustment : {"multiplicative", "additive", "none"}
        The day-of adjustment over ``window.adjust``.
    cap : float
        Largest multiplicative adjustment away from 1 (a share).

    Returns
    -------
    baseline : numpy.ndarray
        ``(resources, target)`` [kW]; NaN where no eligible day exists.
    info : dict
        ``days_wanted`` (y), ``days_used`` (eligible days found, at most y),
        ``days_averaged``, ``fallback`` (fewer eligible days than ``y``: the
        baseline averages what there is), ``adjustment`` per resource.
    """
    if not calendar.is_workday(window.day):
        x, y = weekend
    backs = _eligible_days(calendar, window, same_kind=True, limit=LOOKBACK_DAYS)[:y]
    info: dict[str, Any] = {"days_wanted": y, "days_used": len(backs), "fallback": len(backs) < y}
    info["days_averaged"] = min(x, len(backs))
    resources, size = load.kw.shape[0], window.target.size
    if not backs:
        info["adjustment"] = None
        return np.full((resources, size), np.nan), info
    days = _day_loads(load, calendar, window.target, backs)
    take = min(x, len(backs))
    if high:
        score = np.nanmean(np.where(window.event, days, np.nan), axis=2)  # (days, resources)
        order = np.argsort(-np.nan_to_num(score, nan=-np.inf), axis=0, kind="stable")[:take]
        chosen = np.zeros(score.shape, dtype=bool)
        np.put_along_axis(chosen, order, True, axis=0)
        baseline = np.nanmean(np.where(chosen[:, :, None], days, np.nan), axis=0)
    else:
        baseline = np.nanmean(days[:take], axis=0)
    actual = load.columns(window.target[window.adjust])
    base = baseline[:, window.adjust]
    if adjustment == "none" or not window.adjust.any():
        info["adjustment"] = None
        return baseline, info
    if adjustment == "multiplicative":
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.nanmean(actual, axis=1) / np.nanmean(base, axis=1)
        ratio = np.where(np.isfinite(ratio), np.clip(ratio, 1 - cap, 1 + cap), 1.0)
        info["adjustment"] = [float(r) for r in ratio]
        return baseline * ratio[:, None], info
    shift = np.nan_to_num(np.nanmean(actual - base, axis=1))
    info["adjustment"] = [float(s) for s in shift]
    return baseline + shift[:, None], info


def _profiles(
    load: MeterLoad, calendar: Calendar, window: EventWindow, backs: list[int]
) -> NDArray[np.float64]:
    """Each row's mean load per slot of the day over the days ``backs`` back: ``(rows, slots)``."""
    slots = calendar.slots_per_day
    profile = np.full((load.kw.shape[0], slots), np.nan)
    day_row = window.day - int(calendar.day[0])
    sums = np.zeros_like(profile)
    counts = np.zeros_like(profile)
    for back in backs:
        row = day_row - back
        if row < 0 or row >= calendar.grid.shape[0]:
            continue
        intervals = calendar.grid[row]
        values = load.columns(intervals)
        values[:, intervals < 0] = np.nan
        seen = np.isfinite(values)
        sums += np.where(seen, values, 0.0)
        counts += seen
    with np.errstate(invalid="ignore"):
        profile = sums / counts
    return profile


def _hourly(profile: NDArray[np.float64], slots_per_day: int) -> NDArray[np.float64]:
    """Mean per hour of a per-slot profile (the slot profile itself when slots are hours or
    longer, or do not divide an hour)."""
    if slots_per_day > 24 and slots_per_day % 24 == 0:
        return np.nanmean(profile.reshape(profile.shape[0], 24, -1), axis=2)
    return profile


def control_group_baseline(
    enrolled: MeterLoad,
    controls: MeterLoad,
    calendar: Calendar,
    window: EventWindow,
    *,
    neighbours: int = CONTROL_NEIGHBOURS,
) -> tuple[NDArray[np.float64], dict[str, Any]]:
    """Matched-control-group baseline of each enrolled premise (see the module).

    Parameters
    ----------
    enrolled, controls : MeterLoad
        Premise loads [kW] of the event's enrolled premises and of the
        non-enrolled household premises, over the matching days and the event day.
    calendar : Calendar
        The run's calendar.
    window : EventWindow
        The event.
    neighbours : int
        Controls matched to each enrolled premise.

    Returns
    -------
    baseline : numpy.ndarray
        ``(enrolled premises, target)`` [kW]; NaN when no control or no
        matching day exists (or a premise has no profile).
    info : dict
        ``days_used``, ``controls`` (the pool), ``neighbours``, ``match_distance_kw``
        (median root-mean-square distance of matched profiles).
    """
    backs = [
        back
        for back in range(1, MATCH_DAYS + 1)
        if window.day - back not in calendar.event_days
        and window.day - back - int(calendar.day[0]) >= 0
    ]
    info: dict[str, Any] = {"days_used": len(backs), "controls": controls.kw.shape[0]}
    rows, size = enrolled.kw.shape[0], window.target.size
    k = min(neighbours, controls.kw.shape[0])
    info["neighbours"] = k
    if not backs or k == 0 or rows == 0:
        info["match_distance_kw"] = None
        return np.full((rows, size), np.nan), info
    own = _profiles(enrolled, calendar, window, backs)
    pool = _profiles(controls, calendar, window, backs)
    a = np.nan_to_num(_hourly(own, calendar.slots_per_day))
    b = np.nan_to_num(_hourly(pool, calendar.slots_per_day))
    squared = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    nearest = np.argsort(squared, axis=1, kind="stable")[:, :k]
    picked = np.take_along_axis(squared, nearest, axis=1)
    info["match_distance_kw"] = float(np.median(np.sqrt(np.maximum(picked, 0.0) / a.shape[1])))
    slots = calendar.slot[window.target]
    change = controls.columns(window.target) - pool[:, slots]  # (controls, target)
    baseline = own[:, slots] + np.nanmean(change[nearest], axis=1)
    return baseline, info


def _design(
    calendar: Calendar,
    intervals: NDArray[np.int64],
    temperature_c: NDArray[np.float64] | None,
) -> NDArray[np.float64]:
    """Regressors: hour of day, hour of day on non-workdays, temperature terms."""
    hours = calendar.hour[intervals]
    off = ~calendar.workdays(calendar.day[intervals])
    one_hot = np.zeros((intervals.size, 48))
    one_hot[np.arange(intervals.size), hours] = 1.0
    one_hot[np.arange(intervals.size), 24 + hours] = off.astype(np.float64)
    if temperature_c is None:
        return one_hot
    t = temperature_c[intervals]
    weather = np.column_stack(
        [t, np.maximum(HEATING_BASE_C - t, 0.0), np.maximum(t - COOLING_BASE_C, 0.0)]
    )
    return np.hstack([one_hot, weather])


def regression_baseline(
    load: MeterLoad,
    calendar: Calendar,
    window: EventWindow,
    temperature_c: NDArray[np.float64] | None,
) -> tuple[NDArray[np.float64], dict[str, Any]]:
    """Per-resource regression baseline (see the module), least squares.

    Parameters
    ----------
    load : MeterLoad
        Each resource's load [kW] over (at least) the fitting days and the event day.
    calendar : Calendar
        The run's calendar.
    window : EventWindow
        The event.
    temperature_c : numpy.ndarray or None
        Outdoor temperature per run interval [degC]; None: hour and day type only.

    Returns
    -------
    baseline : numpy.ndarray
        ``(resources, target)`` [kW]; NaN when no fitting day exists.
    info : dict
        ``days_used``, ``temperature`` (whether it was a regressor), ``r2`` per resource.
    """
    start_row = window.day - int(calendar.day[0])
    backs = [
        back
        for back in range(1, REGRESSION_DAYS + 1)
        if window.day - back not in calendar.event_days and start_row - back >= 0
    ]
    info: dict[str, Any] = {"days_used": len(backs), "temperature": temperature_c is not None}
    rows, size = load.kw.shape[0], window.target.size
    if not backs:
        info["r2"] = None
        return np.full((rows, size), np.nan), info
    train = calendar.grid[[start_row - back for back in backs]].ravel()
    train = train[train >= 0]
    features = _design(calendar, train, temperature_c)
    predict = _design(calendar, window.target, temperature_c)
    values = load.columns(train)
    baseline = np.full((rows, size), np.nan)
    r2: list[float | None] = []
    for i in range(rows):  # one fit per resource (transformer area), not per interval
        seen = np.isfinite(values[i])
        if seen.sum() < 2:
            r2.append(None)
            continue
        coef, *_ = np.linalg.lstsq(features[seen], values[i, seen], rcond=None)
        fitted = features[seen] @ coef
        spread = float(((values[i, seen] - values[i, seen].mean()) ** 2).sum())
        residual = float(((values[i, seen] - fitted) ** 2).sum())
        r2.append(1.0 - residual / spread if spread > 0 else None)
        baseline[i] = predict @ coef
    info["r2"] = r2
    return baseline, info
