"""Load of non-household customers: pure vectorised kernels (layer 1).

A customer's mean power over an interval is a mean shape (its class's BDEW
profile, a factory's shift pattern, a base station's traffic and cooling)
at the customer's own level and timing, times mean-one lognormal factors
that persist from day to day and from interval to interval. This module
holds the shape functions and the noise algebra;
:mod:`twin.devices.customers.shapes` tabulates the shapes over a run and
:mod:`twin.devices.customers.fleet` vectorises everything over a fleet.

References
----------
.. [1] G. Auer et al., "How much energy is needed to run a wireless
   network?", IEEE Wireless Communications 18(5), 40-49, 2011 (EARTH model).
.. [2] J. Lorincz, T. Garma, G. Petrovic, "Measurements and modelling of base
   station power consumption under real traffic loads", Sensors 12(4),
   4281-4310, 2012.
.. [3] G. E. Uhlenbeck, L. S. Ornstein, "On the theory of the Brownian
   motion", Physical Review 36, 823-841, 1930; the variance of a time
   average of a stationary process with exponential autocorrelation, e.g.
   A. Papoulis, "Probability, Random Variables and Stochastic Processes",
   McGraw-Hill, section on time averages.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtri

__all__ = [
    "EARTH_MACRO",
    "base_station_cooling_kw",
    "base_station_it_kw",
    "closed_day_start_probability",
    "earth_power_w",
    "mean_one_lognormal",
    "normal_quantile_table",
    "ou_interval_lag1_correlation",
    "ou_interval_mean_sd",
    "shift_window_level",
    "traffic_fraction",
]

EARTH_MACRO: Final = {"n_trx": 6, "p_max_w": 20.0, "p0_w": 130.0, "delta_p": 4.7, "p_sleep_w": 75.0}
"""EARTH power-model parameters of a macro base station (Auer et al. 2011, Table 2) [1]_."""

# Mobile data traffic by local hour (values at hour centres) relative to the
# busy hour: night minimum at 4-5 h, rise through the morning, plateau in the
# afternoon, evening peak at 21 h. Shape after the daily traffic profiles of
# [1] and the measured site loads of [2]; the values are a judgement.
# fmt: off
_TRAFFIC: Final = (
    0.55, 0.40, 0.28, 0.20, 0.16, 0.16, 0.22, 0.35, 0.50, 0.62, 0.70, 0.75,
    0.80, 0.80, 0.78, 0.78, 0.80, 0.84, 0.88, 0.92, 0.97, 1.00, 0.93, 0.75,
)
# fmt: on


def mean_one_lognormal(x: ArrayLike, sigma: ArrayLike) -> NDArray[np.float64]:
    """A mean-one lognormal factor from a standard normal variate.

    ``exp(sigma * x - sigma**2 / 2)``: for ``x ~ N(0, 1)`` its mean is
    exactly 1 and its coefficient of variation ``sqrt(exp(sigma**2) - 1)``.

    Parameters
    ----------
    x : array_like
        Standard normal variates [-].
    sigma : array_like
        Log-sd [-], >= 0; broadcasts against ``x``.

    Returns
    -------
    numpy.ndarray
        Positive factors [-].
    """
    s = np.asarray(sigma, dtype=np.float64)
    return np.exp(s * np.asarray(x, dtype=np.float64) - 0.5 * s * s)


def normal_quantile_table(size: int = 4096) -> NDArray[np.float64]:
    """Standard normal variates by table look-up: the means of ``size`` equal-probability bins.

    Entry ``i`` is the mean of N(0, 1) between its quantiles ``i / size`` and
    ``(i + 1) / size``: ``size * (phi(z_i) - phi(z_{i+1}))`` with ``phi`` the
    normal density. A uniformly drawn index then gives a variate with mean
    exactly 0 and, after rescaling, variance exactly 1: a quantised normal,
    some three times cheaper than drawing one.

    Parameters
    ----------
    size : int, default 4096
        Number of bins, >= 2.

    Returns
    -------
    numpy.ndarray
        Shape ``(size,)``, ascending, antisymmetric, mean 0 and variance 1.
    """
    if size < 2:
        raise ValueError(f"size given {size!r}; expected at least 2 bins")
    z = ndtri(np.linspace(0.0, 1.0, size + 1))
    density = np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)  # 0 at +-inf
    table = size * (density[:-1] - density[1:])
    table = 0.5 * (table - table[::-1])  # exact antisymmetry
    return np.asarray(table / np.sqrt(np.mean(table * table)), dtype=np.float64)


def _g(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """``2 (x - 1 + exp(-x)) / x**2``, 1 at ``x = 0`` (series below 1e-4)."""
    small = x < 1e-4
    xs = np.where(small, 1.0, x)
    exact = 2.0 * (xs - 1.0 + np.exp(-xs)) / (xs * xs)
    return np.where(small, 1.0 - x / 3.0, exact)


def ou_interval_mean_sd(
    sigma_15min: ArrayLike, tau_s: ArrayLike, dt_s: float
) -> NDArray[np.float64]:
    """Standard deviation of interval means of a stationary Ornstein-Uhlenbeck process.

    The mean over ``dt`` of a process with variance ``s**2`` and
    autocorrelation ``exp(-|lag| / tau)`` has variance ``s**2 g(dt / tau)``
    with ``g(x) = 2 (x - 1 + exp(-x)) / x**2`` [3]_. Given the sd of 15-min
    means, this returns the sd of ``dt``-means of the same process.

    Parameters
    ----------
    sigma_15min : array_like
        Standard deviation of 15-min means [-], >= 0.
    tau_s : array_like
        Correlation time [s], > 0.
    dt_s : float
        Interval length [s], > 0.

    Returns
    -------
    numpy.ndarray
        ``sigma_15min * sqrt(g(dt / tau) / g(900 / tau))``: larger for
        shorter intervals, smaller for longer ones.
    """
    if dt_s <= 0:
        raise ValueError(f"dt_s given {dt_s!r}; expected an interval length > 0 s")
    tau = np.asarray(tau_s, dtype=np.float64)
    if np.any(tau <= 0):
        raise ValueError(f"tau_s given {tau_s!r}; expected correlation times > 0 s")
    ratio = _g(dt_s / tau) / _g(900.0 / tau)
    return np.asarray(sigma_15min, dtype=np.float64) * np.sqrt(ratio)


def ou_interval_lag1_correlation(tau_s: ArrayLike, dt_s: float) -> NDArray[np.float64]:
    """Correlation of two adjacent interval means of an Ornstein-Uhlenbeck process.

    ``(1 - exp(-x))**2 / (2 (x - 1 + exp(-x)))`` with ``x = dt / tau`` [3]_:
    1 for intervals much shorter than ``tau``, about ``tau / (2 dt)`` for
    much longer ones. An AR(1) with this coefficient reproduces the lag-1
    correlation of the interval means exactly (longer lags approximately).

    Parameters
    ----------
    tau_s : array_like
        Correlation time [s], > 0.
    dt_s : float
        Interval length [s], > 0.

    Returns
    -------
    numpy.ndarray
        Correlation [-], in [0, 1).
    """
    if dt_s <= 0:
        raise ValueError(f"dt_s given {dt_s!r}; expected an interval length > 0 s")
    tau = np.asarray(tau_s, dtype=np.float64)
    if np.any(tau <= 0):
        raise ValueError(f"tau_s given {tau_s!r}; expected correlation times > 0 s")
    x = dt_s / tau
    e = np.exp(-x)
    rho = (1.0 - e) ** 2 / (x * x * _g(x))
    return np.clip(rho, 0.0, 1.0 - 1e-12)


def closed_day_start_probability(share: ArrayLike, persistence: float) -> NDArray[np.float64]:
    """Daily probability that an open customer closes, for a given closed share.

    A two-state chain (open, closed) that stays closed with probability
    ``persistence`` spends ``share`` of its days closed when it closes with
    ``share (1 - persistence) / (1 - share)`` a day.

    Parameters
    ----------
    share : array_like
        Long-run share of closed days [-], 0 <= share < 1.
    persistence : float
        Probability of staying closed the next day [-], 0 <= persistence < 1.

    Returns
    -------
    numpy.ndarray
        Probability of closing on a day after an open day [-], 0..1.
    """
    p = np.asarray(share, dtype=np.float64)
    if np.any((p < 0) | (p >= 1)) or not 0 <= persistence < 1:
        raise ValueError(
            f"share given {share!r} and persistence {persistence!r}; expected both in [0, 1)"
        )
    return np.minimum(p * (1.0 - persistence) / (1.0 - p), 1.0)


def traffic_fraction(hour: ArrayLike) -> NDArray[np.float64]:
    """Mobile traffic relative to the busy hour, by local time of day.

    Parameters
    ----------
    hour : array_like
        Local time of day [h] (taken modulo 24).

    Returns
    -------
    numpy.ndarray
        Traffic [-], 0.16 at 4-5 h up to 1 at 21 h; periodic linear
        interpolation between hour centres (shape after [1]_ [2]_; judgement).
    """
    h = np.mod(np.asarray(hour, dtype=np.float64), 24.0)
    knots = np.arange(24, dtype=np.float64) + 0.5
    return np.interp(h, knots, np.asarray(_TRAFFIC), period=24.0)


def earth_power_w(
    load: ArrayLike,
    *,
    n_trx: int = 6,
    p_max_w: float = 20.0,
    p0_w: float = 130.0,
    delta_p: float = 4.7,
    p_sleep_w: float = 75.0,
) -> NDArray[np.float64]:
    """Input power of a base station after the EARTH model.

    ``P_in = N_TRX (P0 + Dp * load * Pmax)`` for ``load > 0``, and
    ``N_TRX * P_sleep`` at zero load [1]_. Defaults: a macro station
    (:data:`EARTH_MACRO`): 780 W idle, 1,344 W at full load.

    Parameters
    ----------
    load : array_like
        RF output relative to its maximum [-], 0..1.
    n_trx : int, default 6
        Transceiver chains (3 sectors x 2 antennas).
    p_max_w : float, default 20
        Maximum RF output per transceiver [W].
    p0_w : float, default 130
        Power at minimum non-zero output [W].
    delta_p : float, default 4.7
        Slope of the load-dependent power [-].
    p_sleep_w : float, default 75
        Sleep-mode power [W].

    Returns
    -------
    numpy.ndarray
        Input power [W].
    """
    x = np.clip(np.asarray(load, dtype=np.float64), 0.0, 1.0)
    return n_trx * np.where(x > 0, p0_w + delta_p * x * p_max_w, p_sleep_w)


def base_station_it_kw(
    traffic: ArrayLike, mean_kw: ArrayLike, traffic_share: float, traffic_mean: float
) -> NDArray[np.float64]:
    """IT (radio, baseband, transmission, rectifier) power of a base station site.

    The EARTH model is linear in the load [1]_; with a fixed part and a part
    proportional to traffic, a site whose mean IT power is ``mean_kw`` draws
    ``mean_kw * (1 - s + s * traffic / traffic_mean)``.

    Parameters
    ----------
    traffic : array_like
        Traffic relative to the busy hour [-], >= 0.
    mean_kw : array_like
        Mean IT power of the site [kW].
    traffic_share : float
        Share ``s`` of the mean IT power that follows traffic [-], 0..1.
    traffic_mean : float
        Mean of ``traffic`` over a day [-], > 0.

    Returns
    -------
    numpy.ndarray
        IT power [kW].
    """
    if traffic_mean <= 0:
        raise ValueError(f"traffic_mean given {traffic_mean!r}; expected > 0")
    t = np.asarray(traffic, dtype=np.float64) / traffic_mean
    return np.asarray(mean_kw, dtype=np.float64) * (1.0 - traffic_share + traffic_share * t)


def base_station_cooling_kw(
    it_kw: ArrayLike,
    temp_air_c: ArrayLike,
    *,
    set_point_c: float,
    per_k: ArrayLike,
    fan_share: float,
    max_share: float,
) -> NDArray[np.float64]:
    """Electrical power of a base station's cooling.

    Nearly all IT power ends up as heat in the shelter or cabinet; fans run
    always, and compressor cooling above ``set_point_c`` grows with the
    outdoor air temperature:
    ``it_kw * min(fan_share + per_k * max(0, T - set_point_c), max_share)``.

    Parameters
    ----------
    it_kw : array_like
        IT power [kW].
    temp_air_c : array_like
        Outdoor air temperature [degC].
    set_point_c : float
        Temperature above which compressors run [degC].
    per_k : array_like
        Cooling power per kelvin above the set point, share of IT power [1/K].
    fan_share : float
        Ventilation power, share of IT power [-].
    max_share : float
        Cap of the cooling power, share of IT power [-].

    Returns
    -------
    numpy.ndarray
        Cooling power [kW], >= 0.
    """
    excess = np.maximum(np.asarray(temp_air_c, dtype=np.float64) - set_point_c, 0.0)
    share = np.minimum(fan_share + np.asarray(per_k, dtype=np.float64) * excess, max_share)
    return np.asarray(it_kw, dtype=np.float64) * np.maximum(share, 0.0)


def shift_window_level(
    tau_h: ArrayLike,
    n_shifts: ArrayLike,
    *,
    shift_h: float,
    ramp_h: float,
    break_h: float,
    break_level: float,
    handover_level: float,
) -> NDArray[np.float64]:
    """Production level of a factory's working day, by time since its first shift began.

    A trapezoid of height 1 from ``0`` to ``n_shifts * shift_h`` with linear
    ramps of ``ramp_h`` centred on both ends (so two abutting days of
    continuous operation add up to 1), a break of ``break_h`` at
    ``break_level`` in the middle of every shift and a dip to
    ``handover_level`` over ``ramp_h`` at every shift change (the ends of
    the day included, so that the change between two days of continuous
    operation dips too; at a start-up or shut-down it only bends the ramp).

    Parameters
    ----------
    tau_h : array_like
        Time since the first shift of the day began [h] (any real).
    n_shifts : array_like
        Shifts worked that day (0: none), broadcast against ``tau_h``.
    shift_h : float
        Shift length [h], > 0.
    ramp_h : float
        Ramp length [h], > 0.
    break_h : float
        Break length [h], >= 0.
    break_level, handover_level : float
        Level during breaks and shift changes [-], 0..1.

    Returns
    -------
    numpy.ndarray
        Production level [-], 0..1.
    """
    if shift_h <= 0 or ramp_h <= 0 or break_h < 0:
        raise ValueError(
            f"shift_h, ramp_h, break_h given {shift_h!r}, {ramp_h!r}, {break_h!r}; "
            "expected shift_h > 0, ramp_h > 0, break_h >= 0"
        )
    tau = np.asarray(tau_h, dtype=np.float64)
    n = np.asarray(n_shifts, dtype=np.float64)
    end = n * shift_h
    level = np.clip(tau / ramp_h + 0.5, 0.0, 1.0) * np.clip((end - tau) / ramp_h + 0.5, 0.0, 1.0)
    level = np.where(n > 0, level, 0.0)
    mid = np.floor(tau / shift_h)  # shift number, breaks at its middle
    in_break = (np.abs(tau - (mid + 0.5) * shift_h) < 0.5 * break_h) & (mid >= 0) & (mid < n)
    change = np.round(tau / shift_h)  # nearest shift boundary
    in_change = (np.abs(tau - change * shift_h) < 0.5 * ramp_h) & (change >= 0) & (change <= n)
    level = np.where(in_break, level * break_level, level)
    return np.where(in_change, level * handover_level, level)
