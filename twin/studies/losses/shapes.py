"""Daily shape statistics of the suspects' readings: what energy-based scores miss.

A meter that under-reports changes what its readings look like, not only how
much they add up to. Per meter and local day, from the day's valid readings
only, this module keeps sums from which four descriptive features of a load
profile are formed over any set of days:

- ``zero_share``: share of the intervals reading zero import (a daily window
  switched off in front of the meter reads zero amid normal use);
- ``load_factor``: mean over maximum of the day's interval energy, the
  utility's load factor [1]_ (a meter that reports a flat "typical" value has
  a load factor near 1, where a real load has peaks);
- ``jitter``: minus the lag-1 autocorrelation of the day's readings about the
  day's mean (a real load changes smoothly from one quarter-hour to the next;
  readings scaled by a fresh factor every interval, or drawn around a mean,
  lose that memory) [2]_;
- ``mirror``: the correlation of the day's profile with the previous day's
  profile read backwards (slot ``s`` against slot ``N-1-s``): a meter that
  replays a recorded day in reverse order shows it, a real load's evening
  peak does not turn into a morning one.

Load factor and autocorrelation are standard descriptors of consumption
profiles in non-technical-loss screening (Angelos et al. [3]_ rank customers
by such features against their class); the zero window and the reversal are
the two attacks of Jokar et al. [4]_ that keep a plausible level.

References
----------
.. [1] IEEE Std 100-2000, The Authoritative Dictionary of IEEE Standards Terms,
   "load factor": the ratio of the average load over a period to the peak
   load in that period.
.. [2] G. E. P. Box, G. M. Jenkins, Time Series Analysis: Forecasting and
   Control, Holden-Day, 1970, ch. 2 (sample autocorrelation).
.. [3] E. W. S. dos Angelos, O. R. Saavedra, O. A. C. Cortes, A. N. de Souza,
   "Detection and identification of abnormalities in customer consumptions
   in power distribution systems", IEEE Trans. Power Delivery 26(4),
   2436-2442, 2011.
.. [4] P. Jokar, N. Arianpoo, V. C. M. Leung, "Electricity theft detection in
   AMI using customers' consumption patterns", IEEE Trans. Smart Grid 7(1),
   216-226, 2016.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["SHAPE_FEATURES", "DayStats", "day_slots", "shape_values"]

SHAPE_FEATURES = ("zero_share", "load_factor", "jitter", "mirror")
"""The shape features :func:`shape_values` forms, each larger = more suspicious."""

_SUMS = ("intervals", "zeros", "mean_wh", "max_wh", "lag_product", "square", "mirror", "mirrored")


def day_slots(local_seconds: NDArray[np.int64], interval_s: int) -> NDArray[np.int64]:
    """Slot of the local day of each interval start (0 .. slots - 1).

    Parameters
    ----------
    local_seconds : numpy.ndarray
        Seconds since local midnight of each interval start.
    interval_s : int
        Interval length [s].
    """
    result: NDArray[np.int64] = (np.asarray(local_seconds, dtype=np.int64) // interval_s).astype(
        np.int64
    )
    return result


def _row_corr(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Pearson correlation of each row of ``a`` with the same row of ``b``, over finite pairs.

    NaN where fewer than three pairs or either side is flat.
    """
    both = np.isfinite(a) & np.isfinite(b)
    count = both.sum(axis=1)
    x = np.where(both, a, 0.0)
    y = np.where(both, b, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mx = x.sum(axis=1) / count
        my = y.sum(axis=1) / count
        dx = np.where(both, x - mx[:, None], 0.0)
        dy = np.where(both, y - my[:, None], 0.0)
        scale = np.sqrt((dx**2).sum(axis=1) * (dy**2).sum(axis=1))
        result: NDArray[np.float64] = np.where(
            (count >= 3) & (scale > 0), (dx * dy).sum(axis=1) / scale, np.nan
        )
    return result


@dataclass
class DayStats:
    """Per meter and local day: the sums the shape features are formed from.

    Every array is (meters, days). A meter-day is ``full`` when every interval
    of the day has a valid reading; the other sums are 0 where it is not.

    Attributes
    ----------
    full : numpy.ndarray
        bool: every interval of the day read valid.
    energy_wh : numpy.ndarray
        Import of the day [Wh].
    intervals, zeros : numpy.ndarray
        Intervals of the day, and those reading zero import.
    mean_wh, max_wh : numpy.ndarray
        Mean and largest interval import of the day [Wh].
    lag_product, square : numpy.ndarray
        Sum over the day of ``d_t * d_(t-1)`` and of ``d_t ** 2``, ``d`` the
        readings minus the day's mean [Wh²].
    mirror : numpy.ndarray
        Correlation of the day's readings by slot with the previous day's read
        backwards [-]; 0 where unknown.
    mirrored : numpy.ndarray
        1 where ``mirror`` is known (the previous day full too), else 0.
    """

    full: NDArray[np.bool_]
    energy_wh: NDArray[np.float64]
    intervals: NDArray[np.float64]
    zeros: NDArray[np.float64]
    mean_wh: NDArray[np.float64]
    max_wh: NDArray[np.float64]
    lag_product: NDArray[np.float64]
    square: NDArray[np.float64]
    mirror: NDArray[np.float64]
    mirrored: NDArray[np.float64]

    @classmethod
    def empty(cls, n_meters: int, n_days: int) -> DayStats:
        """No day read yet: nothing full, every sum 0."""
        shape = (n_meters, n_days)
        sums = {name: np.zeros(shape) for name in _SUMS}
        return cls(full=np.zeros(shape, dtype=bool), energy_wh=np.zeros(shape), **sums)

    def add_day(
        self,
        day: int,
        import_wh: NDArray[np.float64],
        valid: NDArray[np.bool_],
        slots: NDArray[np.int64],
        previous: NDArray[np.float64] | None,
        n_slots: int,
    ) -> NDArray[np.float64]:
        """Keep one local day; return its readings by slot for the next day's ``mirror``.

        Parameters
        ----------
        day : int
            The day's position.
        import_wh, valid : numpy.ndarray, shape (meters, intervals)
            The day's import [Wh] and whether each reading is valid.
        slots : numpy.ndarray, shape (intervals,)
            Slot of the local day of each interval (:func:`day_slots`); where a
            clock change repeats an hour, the later reading keeps the slot.
        previous : numpy.ndarray or None, shape (meters, n_slots)
            What this method returned for the previous day (None on the first).
        n_slots : int
            Slots of a local day (86,400 s / interval).

        Returns
        -------
        numpy.ndarray, shape (meters, n_slots)
            The day's import by slot [Wh], NaN where the day is not full or
            has no reading at the slot.
        """
        full = valid.all(axis=1) & (import_wh.shape[1] > 0)
        x = np.where(full[:, None], import_wh, 0.0)
        n = float(import_wh.shape[1])
        mean = x.sum(axis=1) / max(n, 1.0)
        d = np.where(full[:, None], x - mean[:, None], 0.0)
        self.full[:, day] = full
        self.energy_wh[:, day] = x.sum(axis=1)
        self.intervals[:, day] = np.where(full, n, 0.0)
        self.zeros[:, day] = np.where(full, (x == 0).sum(axis=1), 0.0)
        self.mean_wh[:, day] = mean
        self.max_wh[:, day] = x.max(axis=1, initial=0.0)
        self.lag_product[:, day] = (d[:, 1:] * d[:, :-1]).sum(axis=1)
        self.square[:, day] = (d**2).sum(axis=1)
        by_slot = np.full((import_wh.shape[0], n_slots), np.nan)
        inside = (slots >= 0) & (slots < n_slots)
        by_slot[:, slots[inside]] = import_wh[:, inside]
        by_slot[~full] = np.nan
        if previous is not None:
            corr = _row_corr(by_slot, previous[:, ::-1])
            known = np.isfinite(corr)
            self.mirror[:, day] = np.where(known, corr, 0.0)
            self.mirrored[:, day] = known
        return by_slot


def shape_values(stats: DayStats, days: NDArray[np.bool_]) -> dict[str, NDArray[np.float64]]:
    """The shape features of every meter over the chosen meter-days.

    Parameters
    ----------
    stats : DayStats
        The per-day sums.
    days : numpy.ndarray, shape (meters, days)
        bool: the meter-days to use (only full ones count).

    Returns
    -------
    dict
        :data:`SHAPE_FEATURES` and ``days`` (full meter-days used) and
        ``energy_wh`` (mean import per day used [Wh]); NaN where a meter has
        no day.
    """
    use = (days & stats.full).astype(np.float64)

    def total(values: NDArray[np.float64]) -> NDArray[np.float64]:
        result: NDArray[np.float64] = (values * use).sum(axis=1)
        return result

    count = use.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        square = total(stats.square)
        return {
            "zero_share": total(stats.zeros) / total(stats.intervals),
            "load_factor": total(stats.mean_wh) / total(stats.max_wh),
            "jitter": np.where(square > 0, -total(stats.lag_product) / square, np.nan),
            "mirror": total(stats.mirror) / total(stats.mirrored),
            "days": count,
            "energy_wh": total(stats.energy_wh) / count,
        }
