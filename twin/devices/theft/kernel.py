"""Electricity theft in front of the meter (layer 1): pure, vectorised attack shapes.

Theft changes what a meter *sees*, never the load itself: the true power
still flows in the power flow and only the meter is short. Each function
takes the true mean import power ``x`` [kW] of an interval (one value per
thief) and returns what the meter would report. The six shapes ``h1`` .. ``h6``
are the synthetic attacks of Jokar, Arianpoo and Leung [1]_, written here per
interval so that they can run as the twin streams:

- ``h1``: ``r * x``, one ``r`` per thief;
- ``h2``: ``x`` outside a daily off window, 0 inside it;
- ``h3``: ``r_t * x_t``, a fresh ``r_t`` every interval;
- ``h4``: ``r_t * mean(x)``;
- ``h5``: ``mean(x)``;
- ``h6``: the day reversed, ``x_{N-1-s}`` at slot ``s`` of an ``N``-slot day.

The paper applies them offline to a whole day's vector ``x``; a streaming
twin knows only the past, so :mod:`twin.devices.theft.fleet` feeds ``h4``
and ``h5`` the mean of the previous local day and ``h6`` the previous day's
readings (:func:`h6_streaming_kw`), the one-day-lag form of the reversal.

Two physical thefts complete the set: a ``bypass`` routes a share of the
premise's load around the meter (:func:`bypass_kw`); an
``illegal_connection`` taps the network with no meter at all, so nothing
is metered and the engine adds its power (:func:`illegal_connection_kw`) as
a load row of its own.

A meter in front of which energy is taken can only see less than flows:
:func:`metered_import_kw` applies a shape to the import part of the true
power, caps it at that import and leaves export untouched.

References
----------
.. [1] P. Jokar, N. Arianpoo, V. C. M. Leung, "Electricity theft detection in
   AMI using customers' consumption patterns", IEEE Transactions on Smart
   Grid 7(1), 216-226, 2016 (Section III, the six attack functions).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "active_fraction",
    "bypass_kw",
    "draw_illegal_connections",
    "h1_kw",
    "h2_kw",
    "h3_kw",
    "h4_kw",
    "h5_kw",
    "h6_reversed_day_kw",
    "h6_streaming_kw",
    "illegal_connection_kw",
    "metered_import_kw",
    "window_fraction",
]

HOURS_PER_DAY = 24.0


def _f64(value: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(value, dtype=np.float64)


def active_fraction(
    interval_start_s: int, dt_s: int, start_s: ArrayLike, end_s: ArrayLike
) -> NDArray[np.float64]:
    """Share of an interval during which a theft is active.

    Parameters
    ----------
    interval_start_s : int
        Interval start [s since run start].
    dt_s : int
        Interval length [s], > 0.
    start_s, end_s : array_like
        Each theft's active span ``[start_s, end_s)`` [s since run start].

    Returns
    -------
    numpy.ndarray
        ``|[start_s, end_s) & [interval_start_s, interval_start_s + dt_s)| / dt_s``
        [-], in [0, 1].
    """
    lo = np.maximum(_f64(start_s), float(interval_start_s))
    hi = np.minimum(_f64(end_s), float(interval_start_s + dt_s))
    return np.clip((hi - lo) / float(dt_s), 0.0, 1.0)


def window_fraction(
    local_hour: float, dt_h: float, start_h: ArrayLike, duration_h: ArrayLike
) -> NDArray[np.float64]:
    """Share of an interval inside a daily window that may wrap midnight.

    Parameters
    ----------
    local_hour : float
        Local clock hour at the interval start [h], 0 <= local_hour < 24.
    dt_h : float
        Interval length [h], 0 < dt_h <= 24.
    start_h : array_like
        Window start [h], local clock, 0..24.
    duration_h : array_like
        Window length [h], 0..24; ``[start_h, start_h + duration_h)`` taken
        modulo 24 h.

    Returns
    -------
    numpy.ndarray
        Overlap of ``[local_hour, local_hour + dt_h)`` with the window,
        divided by ``dt_h`` [-], in [0, 1].
    """
    a = float(local_hour)
    b = a + float(dt_h)
    start = np.mod(_f64(start_h), HOURS_PER_DAY)
    end = start + np.clip(_f64(duration_h), 0.0, HOURS_PER_DAY)
    overlap = np.zeros(np.broadcast(start, end).shape)
    # The interval lies in [0, 48); the window's copies a day before, on and
    # after the interval's day cover every overlap.
    for shift in (-HOURS_PER_DAY, 0.0, HOURS_PER_DAY):
        overlap += np.clip(np.minimum(b, end + shift) - np.maximum(a, start + shift), 0.0, None)
    return np.clip(overlap / float(dt_h), 0.0, 1.0)


def h1_kw(x_kw: ArrayLike, ratio: ArrayLike) -> NDArray[np.float64]:
    """Attack ``h1`` of [1]_: the true power scaled by a fixed ratio.

    Parameters
    ----------
    x_kw : array_like
        True import power [kW], >= 0.
    ratio : array_like
        ``r``, drawn once per thief [-], in [0, 1].

    Returns
    -------
    numpy.ndarray
        ``r * x`` [kW].

    References
    ----------
    .. [1] Jokar, Arianpoo, Leung (2016), IEEE Trans. Smart Grid 7(1).
    """
    return _f64(x_kw) * _f64(ratio)


def h2_kw(x_kw: ArrayLike, off_fraction: ArrayLike) -> NDArray[np.float64]:
    """Attack ``h2`` of [1]_: nothing reported inside a daily off window.

    Parameters
    ----------
    x_kw : array_like
        True import power [kW], >= 0.
    off_fraction : array_like
        Share of the interval inside the thief's off window [-], in [0, 1]
        (:func:`window_fraction`).

    Returns
    -------
    numpy.ndarray
        ``x * (1 - off_fraction)`` [kW]: ``x`` outside the window, 0 inside.

    References
    ----------
    .. [1] Jokar, Arianpoo, Leung (2016), IEEE Trans. Smart Grid 7(1).
    """
    return _f64(x_kw) * (1.0 - _f64(off_fraction))


def h3_kw(x_kw: ArrayLike, ratio_t: ArrayLike) -> NDArray[np.float64]:
    """Attack ``h3`` of [1]_: the true power scaled by a ratio drawn every interval.

    Parameters
    ----------
    x_kw : array_like
        True import power [kW], >= 0.
    ratio_t : array_like
        ``r_t``, drawn afresh each interval [-], in [0, 1].

    Returns
    -------
    numpy.ndarray
        ``r_t * x_t`` [kW].

    References
    ----------
    .. [1] Jokar, Arianpoo, Leung (2016), IEEE Trans. Smart Grid 7(1).
    """
    return _f64(x_kw) * _f64(ratio_t)


def h4_kw(mean_kw: ArrayLike, ratio_t: ArrayLike) -> NDArray[np.float64]:
    """Attack ``h4`` of [1]_: the customer's mean power scaled by a ratio drawn every interval.

    Parameters
    ----------
    mean_kw : array_like
        The customer's mean import power [kW], >= 0.
    ratio_t : array_like
        ``r_t``, drawn afresh each interval [-], in [0, 1].

    Returns
    -------
    numpy.ndarray
        ``r_t * mean(x)`` [kW]. It can exceed the true power of a quiet
        interval; :func:`metered_import_kw` caps it.

    References
    ----------
    .. [1] Jokar, Arianpoo, Leung (2016), IEEE Trans. Smart Grid 7(1).
    """
    return _f64(mean_kw) * _f64(ratio_t)


def h5_kw(mean_kw: ArrayLike) -> NDArray[np.float64]:
    """Attack ``h5`` of [1]_: the customer's mean power, a flat profile.

    Parameters
    ----------
    mean_kw : array_like
        The customer's mean import power [kW], >= 0.

    Returns
    -------
    numpy.ndarray
        ``mean(x)`` [kW] (a copy). It can exceed the true power of a quiet
        interval; :func:`metered_import_kw` caps it.

    References
    ----------
    .. [1] Jokar, Arianpoo, Leung (2016), IEEE Trans. Smart Grid 7(1).
    """
    return _f64(mean_kw).copy()


def h6_reversed_day_kw(day_kw: ArrayLike) -> NDArray[np.float64]:
    """Attack ``h6`` of [1]_ as published: each day's readings in reverse order.

    Parameters
    ----------
    day_kw : array_like
        True import power of whole days [kW], ``(..., N)`` with the ``N``
        interval slots of a day on the last axis.

    Returns
    -------
    numpy.ndarray
        ``y[..., s] = x[..., N-1-s]`` [kW]: the offline form, which needs the
        whole day before its first reading.

    References
    ----------
    .. [1] Jokar, Arianpoo, Leung (2016), IEEE Trans. Smart Grid 7(1).
    """
    return _f64(day_kw)[..., ::-1].copy()


def h6_streaming_kw(x_kw: ArrayLike, previous_day_kw: ArrayLike, slot: int) -> NDArray[np.float64]:
    """Attack ``h6`` of [1]_ in its causal, one-day-lag form.

    On day ``d`` at slot ``s`` the meter reports the true value of day
    ``d-1`` at slot ``N-1-s``: the reversed previous day, which is known when
    the reading is due. The offline reversal (:func:`h6_reversed_day_kw`)
    reports day ``d`` reversed, which a live meter cannot know.

    Parameters
    ----------
    x_kw : array_like
        True import power this interval [kW], ``(n,)``.
    previous_day_kw : array_like
        The previous local day's true import power by slot [kW], ``(n, N)``;
        NaN where it is unknown (the first day, a slot not run).
    slot : int
        This interval's slot of the local day, 0 .. N-1.

    Returns
    -------
    numpy.ndarray
        ``previous_day_kw[:, N-1-slot]`` [kW], and ``x`` where that is NaN.

    References
    ----------
    .. [1] Jokar, Arianpoo, Leung (2016), IEEE Trans. Smart Grid 7(1).
    """
    x = _f64(x_kw)
    prev = _f64(previous_day_kw)
    n_slots = prev.shape[-1]
    if not 0 <= slot < n_slots:
        raise ValueError(f"slot given {slot!r}; expected 0 .. {n_slots - 1}")
    mirrored = prev[..., n_slots - 1 - slot]
    return np.where(np.isnan(mirrored), x, mirrored)


def bypass_kw(x_kw: ArrayLike, share: ArrayLike) -> NDArray[np.float64]:
    """Load wired around the meter: only the rest of it is metered.

    Parameters
    ----------
    x_kw : array_like
        True import power of the premise [kW], >= 0.
    share : array_like
        Share of the load on the bypass [-], in [0, 1].

    Returns
    -------
    numpy.ndarray
        ``(1 - share) * x`` [kW].
    """
    return _f64(x_kw) * (1.0 - _f64(share))


def metered_import_kw(true_kw: ArrayLike, shaped_kw: ArrayLike) -> NDArray[np.float64]:
    """What the meter sees when a theft shape replaces the import part of the power.

    Parameters
    ----------
    true_kw : array_like
        True net power at the meter [kW] (import positive, export negative).
    shaped_kw : array_like
        An attack shape applied to ``max(true_kw, 0)`` [kW].

    Returns
    -------
    numpy.ndarray
        ``min(true, 0) + clip(shaped, 0, max(true, 0))`` [kW]: export passes
        unchanged, and the import seen lies between 0 and the true import
        (energy taken in front of a meter can only hide consumption; where a
        shape of [1]_ would report more than flows, the meter sees the true
        value).

    References
    ----------
    .. [1] Jokar, Arianpoo, Leung (2016), IEEE Trans. Smart Grid 7(1).
    """
    x = _f64(true_kw)
    imp = np.maximum(x, 0.0)
    shaped = np.nan_to_num(_f64(shaped_kw), nan=0.0)
    return np.minimum(x, 0.0) + np.clip(shaped, 0.0, imp)


def illegal_connection_kw(
    local_hour: float,
    dt_h: float,
    kw: ArrayLike,
    start_h: ArrayLike,
    duration_h: ArrayLike,
) -> NDArray[np.float64]:
    """Mean power of unmetered illegal connections over an interval.

    Each connection draws a constant ``kw`` while it is on, every day from
    ``start_h`` for ``duration_h`` hours (wrapping midnight), and nothing
    otherwise.

    Parameters
    ----------
    local_hour : float
        Local clock hour at the interval start [h].
    dt_h : float
        Interval length [h].
    kw : array_like
        Power while on [kW], >= 0.
    start_h, duration_h : array_like
        Daily on window [h] (local clock).

    Returns
    -------
    numpy.ndarray
        ``kw * window_fraction(...)`` [kW], prorated where the window begins
        or ends inside the interval.
    """
    return _f64(kw) * window_fraction(local_hour, dt_h, start_h, duration_h)


def draw_illegal_connections(
    n: int,
    *,
    rng: np.random.Generator,
    kw_range: tuple[float, float],
    start_h_range: tuple[float, float],
    duration_h_range: tuple[float, float],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Draw the power profile of ``n`` illegal connections.

    Parameters
    ----------
    n : int
        Number of connections, >= 0.
    rng : numpy.random.Generator
        Source of the draws.
    kw_range : tuple of float
        Uniform range of the power while on [kW].
    start_h_range : tuple of float
        Uniform range of the daily switch-on hour [h] (taken modulo 24).
    duration_h_range : tuple of float
        Uniform range of the daily on time [h].

    Returns
    -------
    kw, start_h, duration_h : numpy.ndarray
        ``(n,)`` each, for :func:`illegal_connection_kw`; drawn in this order.
    """
    kw = rng.uniform(kw_range[0], kw_range[1], n)
    start_h = np.mod(rng.uniform(start_h_range[0], start_h_range[1], n), HOURS_PER_DAY)
    duration_h = rng.uniform(duration_h_range[0], duration_h_range[1], n)
    return kw, start_h, duration_h
