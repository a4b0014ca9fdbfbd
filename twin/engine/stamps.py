"""Run seconds as the UTC timestamps every table uses."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from twin.clock import TimeAxis

__all__ = ["UTC_US", "utc_stamps"]

UTC_US = pa.timestamp("us", tz="UTC")


def utc_stamps(axis: TimeAxis, seconds: np.ndarray | float, n: int | None = None) -> pa.Array:
    """UTC ``timestamp[us]`` array of run seconds (NaN -> null).

    Parameters
    ----------
    axis : TimeAxis
        The run's time axis (its start anchors second 0).
    seconds : numpy.ndarray or float
        Times [s since run start]; fractions are rounded to the microsecond.
    n : int, optional
        Repeat a scalar ``seconds`` ``n`` times.
    """
    s = np.asarray(seconds, dtype=np.float64)
    if n is not None:
        s = np.full(n, s, dtype=np.float64)
    bad = ~np.isfinite(s)
    us = axis.start_utc_ns // 1000 + np.round(np.where(bad, 0.0, s) * 1e6).astype(np.int64)
    return pa.array(us, type=pa.int64(), mask=bad if bad.any() else None).cast(UTC_US)
