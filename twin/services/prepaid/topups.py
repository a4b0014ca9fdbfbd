"""The households' top-up behaviour: regular top-up times and amounts.

Households top up weekly on a preferred weekday, monthly on a pay day, or
only when warned or cut off (:class:`~twin.scenario.prepaid_models.CadenceShares`),
at a local hour drawn once per premise. Amounts are lognormal, rounded to a
step (the round sums people hand over at a shop counter) and clipped.
See :mod:`twin.scenario.prepaid_models` for the sources of the defaults.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.scenario.prepaid_models import AmountModel

__all__ = ["PAYDAY", "REACTIVE", "WEEKLY", "regular_times", "topup_amounts"]

WEEKLY, PAYDAY, REACTIVE = 0, 1, 2
"""Cadence codes."""


def regular_times(
    cadence: NDArray[np.int64],
    weekday: NDArray[np.int64],
    payday: NDArray[np.int64],
    hour: NDArray[np.float64],
    *,
    start: pd.Timestamp,
    duration_s: int,
    timezone: str,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Every regular top-up of the run: (slot, time [s since the run start]), by time.

    Parameters
    ----------
    cadence, weekday, payday : numpy.ndarray
        Per slot: cadence code, preferred weekday (Monday = 0), day of month.
    hour : numpy.ndarray
        Per slot: local hour of the top-up [h].
    start : pandas.Timestamp
        The run's start (tz-aware).
    duration_s : int
        Run length [s].
    timezone : str
        The local time zone.

    Returns
    -------
    slot, time_s : numpy.ndarray
        int64, sorted by time then slot; times in ``[0, duration_s)``.
    """
    local_start = start.tz_convert(timezone)
    first = local_start.normalize().tz_localize(None)
    last = (local_start + pd.Timedelta(seconds=duration_s)).tz_localize(None)
    days = pd.date_range(first, last.normalize(), freq="D")
    # local midnights in seconds since the run start (DST-aware)
    standard = np.zeros(len(days), dtype=bool)  # an ambiguous midnight: standard time
    midnights = days.tz_localize(timezone, ambiguous=standard, nonexistent="shift_forward")
    since = midnights.tz_convert("UTC") - start.tz_convert("UTC")
    midnight_s = np.asarray(since.total_seconds(), dtype=np.float64)
    on = ((cadence[:, None] == WEEKLY) & (weekday[:, None] == days.weekday.to_numpy()[None, :])) | (
        (cadence[:, None] == PAYDAY) & (payday[:, None] == days.day.to_numpy()[None, :])
    )
    slot, day = np.nonzero(on)
    t = np.floor(midnight_s[day] + hour[slot] * 3600.0).astype(np.int64)
    keep = (t >= 0) & (t < duration_s)
    slot, t = slot[keep].astype(np.int64), t[keep]
    order = np.lexsort((slot, t))
    return slot[order], t[order]


def topup_amounts(
    z: NDArray[np.float64],
    model: AmountModel,
    factor: NDArray[np.float64],
    decimals: int,
    scale: NDArray[np.float64] | float = 1.0,
) -> NDArray[np.int64]:
    """Top-up amounts [minor units] from standard normal draws ``z``.

    ``factor`` scales the median (the payday factor for a monthly top-up, else 1);
    ``scale`` the whole model, median, step and bounds (1 for a household's
    electricity; a business's use, or water's cost, relative to it).
    """
    step = model.step * np.asarray(scale, dtype=np.float64)
    raw = model.median * scale * factor * np.exp(model.sigma * z)
    stepped = np.round(raw / step) * step
    amount = np.clip(stepped, model.minimum * scale, model.maximum * scale)
    return np.round(amount * 10.0**decimals).astype(np.int64)
