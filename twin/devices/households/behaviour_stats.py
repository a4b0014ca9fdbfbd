"""Behaviour statistics of a group of homes, computed alike on any interval load series.

The same functions score the twin's household fleet and an outside model (or
metered homes): each statistic is defined on per-home interval mean power and,
for occupancy, on a per-home active-occupancy indicator, nothing else. The
definitions follow the usual descriptive statistics of smart-meter load
research (daily energy and its variability, autocorrelation, peak-to-mean
ratios, switching events, baseload share), see e.g. McLoughlin et al. (2012)
and Richardson et al. (2010), who validate the CREST model on these features.

Series must cover whole local days starting at local midnight, in intervals
that divide a day. Every statistic is first computed per home, then
summarised over homes by the median (robust to a few odd homes), except the
shares by time of day and the group profile, which average over homes.

References
----------
.. [1] F. McLoughlin, A. Duffy, M. Conlon, "Characterising domestic
   electricity consumption patterns by dwelling and occupant socio-economic
   variables: An Irish case study", Energy and Buildings 48, 240-248, 2012.
.. [2] I. Richardson, M. Thomson, D. Infield, C. Clifford, "Domestic
   electricity use: A high-resolution energy demand model", Energy and
   Buildings 42(10), 1878-1887, 2010.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from twin.clock import SECONDS_PER_DAY

__all__ = [
    "BASELOAD_BAND_W",
    "BASELOAD_QUANTILE",
    "EVENING_HOURS",
    "SWITCH_ON_STEP_W",
    "BehaviourStats",
    "behaviour_statistics",
    "daily_energy_kwh",
    "lag1_autocorrelation",
    "near_baseload_share",
    "peak_to_mean",
    "switch_ons_per_day",
]

SWITCH_ON_STEP_W: Final = 250.0
"""Rise of interval mean power that counts as a switch-on [W].

An interval-to-interval increase of a home's mean power above this is one
event. 250 W in a 15-min mean is a kettle (2 kW) boiling for two minutes, an
oven or washing machine heating starting, a TV-and-lights evening starting;
fridge cycles (about 100 W) and standby changes stay below it."""

BASELOAD_QUANTILE: Final = 0.05
"""Quantile of a home's interval load taken as its baseload [-]."""

BASELOAD_BAND_W: Final = 50.0
"""Width of the band above the baseload that counts as "near the baseload" [W]:
about one fridge-compressor cycle's share of a 15-min mean plus standby drift."""

EVENING_HOURS: Final = (17.0, 22.0)
"""Local hours [h] of the evening window in which the evening peak is sought."""


@dataclass(frozen=True)
class BehaviourStats:
    """Behaviour statistics of a group of homes (see :func:`behaviour_statistics`).

    Attributes
    ----------
    homes : int
        Number of homes.
    days : int
        Number of days.
    active_share : float
        Mean share of time with somebody at home and active [-].
    active_share_by_hour : numpy.ndarray
        ``(24,)`` that share by local hour [-].
    daily_kwh : float
        Median over homes of the mean daily energy [kWh/day].
    daily_kwh_cv : float
        Median over homes of the day-to-day coefficient of variation of daily
        energy [-].
    lag1_autocorrelation : float
        Median over homes of the lag-1 autocorrelation of interval load [-].
    switch_ons_per_day : float
        Median over homes of switch-ons per day (:data:`SWITCH_ON_STEP_W`) [1/day].
    peak_to_mean_home : float
        Median over homes of the evening peak of the home's mean daily
        profile over its mean [-].
    peak_to_mean_group : float
        Evening peak of the group's mean daily profile over its mean [-].
    near_baseload_share : float
        Median over homes of the share of intervals near the baseload [-].
    """

    homes: int
    days: int
    active_share: float
    active_share_by_hour: NDArray[np.float64]
    daily_kwh: float
    daily_kwh_cv: float
    lag1_autocorrelation: float
    switch_ons_per_day: float
    peak_to_mean_home: float
    peak_to_mean_group: float
    near_baseload_share: float

    def as_dict(self) -> dict[str, float]:
        """The scalar statistics by name (not the hourly shares)."""
        return {
            "active_share": self.active_share,
            "daily_kwh": self.daily_kwh,
            "daily_kwh_cv": self.daily_kwh_cv,
            "lag1_autocorrelation": self.lag1_autocorrelation,
            "switch_ons_per_day": self.switch_ons_per_day,
            "peak_to_mean_home": self.peak_to_mean_home,
            "peak_to_mean_group": self.peak_to_mean_group,
            "near_baseload_share": self.near_baseload_share,
        }


def _per_day(n_intervals: int, interval_s: int) -> int:
    if interval_s <= 0 or SECONDS_PER_DAY % interval_s:
        raise ValueError(f"interval_s given {interval_s!r}; expected a divisor of 86400 s")
    per_day = SECONDS_PER_DAY // interval_s
    if n_intervals == 0 or n_intervals % per_day:
        raise ValueError(
            f"{n_intervals} intervals given; expected a positive multiple of {per_day} "
            f"(whole days of {interval_s} s intervals)"
        )
    return per_day


def _load_w(p_kw: ArrayLike) -> NDArray[np.float64]:
    p = np.asarray(p_kw, dtype=np.float64)
    if p.ndim != 2:
        raise ValueError(f"p_kw given shape {p.shape}; expected (intervals, homes)")
    return p * 1e3


def daily_energy_kwh(p_kw: ArrayLike, interval_s: int) -> NDArray[np.float64]:
    """Energy of every home on every day [kWh], shape ``(days, homes)``.

    Parameters
    ----------
    p_kw : array_like
        Interval mean power [kW], shape ``(intervals, homes)``, whole days from
        local midnight.
    interval_s : int
        Interval length [s].
    """
    p = np.asarray(p_kw, dtype=np.float64)
    per_day = _per_day(p.shape[0], interval_s)
    return p.reshape(-1, per_day, p.shape[1]).sum(axis=1) * (interval_s / 3600.0)


def lag1_autocorrelation(p_kw: ArrayLike) -> NDArray[np.float64]:
    """Lag-1 autocorrelation of each home's interval load [-], shape ``(homes,)``.

    The Pearson correlation of ``p[t]`` and ``p[t + 1]``; NaN for a constant series.
    """
    p = np.asarray(p_kw, dtype=np.float64)
    a, b = p[:-1] - p[:-1].mean(axis=0), p[1:] - p[1:].mean(axis=0)
    denom = np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray((a * b).sum(axis=0) / denom, dtype=np.float64)


def switch_ons_per_day(
    p_kw: ArrayLike, interval_s: int, *, step_w: float = SWITCH_ON_STEP_W
) -> NDArray[np.float64]:
    """Switch-on events per day of each home [1/day], shape ``(homes,)``.

    An event is an interval-to-interval increase of mean power above
    ``step_w`` [W] (default :data:`SWITCH_ON_STEP_W`).
    """
    p = _load_w(p_kw)
    days = p.shape[0] / _per_day(p.shape[0], interval_s)
    return np.asarray((np.diff(p, axis=0) > step_w).sum(axis=0) / days, dtype=np.float64)


def near_baseload_share(
    p_kw: ArrayLike,
    *,
    quantile: float = BASELOAD_QUANTILE,
    band_w: float = BASELOAD_BAND_W,
) -> NDArray[np.float64]:
    """Share of intervals each home spends near its baseload [-], shape ``(homes,)``.

    The baseload is the home's ``quantile`` of interval load (default
    :data:`BASELOAD_QUANTILE`); near means at most ``band_w`` [W] above it
    (default :data:`BASELOAD_BAND_W`).
    """
    p = _load_w(p_kw)
    base = np.quantile(p, quantile, axis=0)
    return np.asarray((p <= base + band_w).mean(axis=0), dtype=np.float64)


def peak_to_mean(
    p_kw: ArrayLike,
    interval_s: int,
    local_hour: ArrayLike,
    *,
    window_h: tuple[float, float] = EVENING_HOURS,
) -> NDArray[np.float64]:
    """Evening peak over mean of each column's mean daily profile [-], shape ``(columns,)``.

    The mean daily profile averages the load by local time of day (slot); its
    largest value between ``window_h`` [h] local time (default
    :data:`EVENING_HOURS`; ``(0, 24)`` for the peak of the whole day) is divided
    by its mean.
    """
    p = np.asarray(p_kw, dtype=np.float64)
    per_day = _per_day(p.shape[0], interval_s)
    slot = np.floor(np.asarray(local_hour) * (3600.0 / interval_s) + 1e-6).astype(np.int64)
    slot %= per_day
    counts = np.bincount(slot, minlength=per_day)
    profile = (
        np.stack(
            [np.bincount(slot, weights=p[:, j], minlength=per_day) for j in range(p.shape[1])],
            axis=1,
        )
        / np.maximum(counts, 1)[:, None]
    )
    hours = (np.arange(per_day) + 0.5) * interval_s / 3600.0
    inside = (hours >= window_h[0]) & (hours < window_h[1])
    mean = profile[counts > 0].mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(profile[inside & (counts > 0)].max(axis=0) / mean, dtype=np.float64)


def behaviour_statistics(
    p_kw: ArrayLike,
    active: ArrayLike,
    *,
    interval_s: int,
    local_hour: ArrayLike,
) -> BehaviourStats:
    """Every behaviour statistic of a group of homes.

    Parameters
    ----------
    p_kw : array_like
        Interval mean power [kW], shape ``(intervals, homes)``: whole local
        days starting at local midnight.
    active : array_like
        Active occupancy per interval and home: share of the interval with
        somebody at home and awake [-] in 0..1 (or bool), same shape.
    interval_s : int
        Interval length [s], a divisor of a day.
    local_hour : array_like
        Local clock hour of each interval start [h], shape ``(intervals,)``.

    Returns
    -------
    BehaviourStats
        Medians over homes of the per-home statistics, and the group's.
    """
    p = np.asarray(p_kw, dtype=np.float64)
    act = np.asarray(active, dtype=np.float64)
    hour = np.asarray(local_hour, dtype=np.float64)
    per_day = _per_day(p.shape[0], interval_s)
    if act.shape != p.shape or hour.shape != (p.shape[0],):
        raise ValueError(
            f"active given shape {act.shape} and local_hour {hour.shape}; expected "
            f"{p.shape} and ({p.shape[0]},)"
        )
    daily = daily_energy_kwh(p, interval_s)
    mean_daily = daily.mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = daily.std(axis=0) / mean_daily
    hour_index = np.floor(hour).astype(np.int64) % 24
    by_hour = np.bincount(hour_index, weights=act.mean(axis=1), minlength=24) / np.maximum(
        np.bincount(hour_index, minlength=24), 1
    )
    return BehaviourStats(
        homes=p.shape[1],
        days=p.shape[0] // per_day,
        active_share=float(act.mean()),
        active_share_by_hour=by_hour,
        daily_kwh=float(np.median(mean_daily)),
        daily_kwh_cv=float(np.nanmedian(cv)),
        lag1_autocorrelation=float(np.nanmedian(lag1_autocorrelation(p))),
        switch_ons_per_day=float(np.median(switch_ons_per_day(p, interval_s))),
        peak_to_mean_home=float(np.nanmedian(peak_to_mean(p, interval_s, hour))),
        peak_to_mean_group=float(peak_to_mean(p.mean(axis=1, keepdims=True), interval_s, hour)[0]),
        near_baseload_share=float(np.median(near_baseload_share(p))),
    )
