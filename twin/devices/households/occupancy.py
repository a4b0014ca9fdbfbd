"""Household occupancy: archetype profiles and a marginal-preserving Markov chain.

Every home is in one of three states per metering interval:

- ``AWAY`` (0): nobody at home;
- ``HOME_INACTIVE`` (1): somebody at home, asleep or not using appliances;
- ``HOME_ACTIVE`` (2): somebody at home and active.

Each archetype (working couple, family, retired, single, shift worker, the
long-hours worker and the student, and the stays of a weekend/seasonal home)
has, per day type (weekday, weekend), an hourly profile of the probability
that anybody is at home and of the probability that somebody at home is
active. The chain's transition matrix
from one interval to the next is built from these target marginals so that the
chain reproduces them exactly, while states persist (a maximal coupling of the
two marginals, mixed with a small renewal rate that gives random, short
excursions: shopping trips, naps, a late night). This follows the idea of
Richardson et al. (2008), who build a first-order Markov chain of active
occupancy from time-use survey data; the numbers here are our own illustrative
profiles, shaped after the published time-use patterns (HETUS, UK TUS 2000),
not copied data.

References
----------
.. [1] I. Richardson, M. Thomson, D. Infield, "A high-resolution domestic
   building occupancy model for energy demand simulations", Energy and
   Buildings 40(8), 1560-1566, 2008. doi:10.1016/j.enbuild.2008.02.006
.. [2] Eurostat, "Harmonised European Time Use Surveys (HETUS), 2008/2010
   round", daily activity patterns by hour of day.
"""

from __future__ import annotations

from typing import Final, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from twin.devices.households.occupancy_look_empty import (
    LOOK_EMPTY_ARCHETYPES,
    LOOK_EMPTY_PROFILES,
)

__all__ = [
    "ARCHETYPES",
    "AWAY",
    "HOME_ACTIVE",
    "HOME_INACTIVE",
    "N_STATES",
    "PROFILE_NAMES",
    "STAY_PROFILE",
    "DayType",
    "marginal_state_probabilities",
    "renewal_probability",
    "transition_matrices",
]

AWAY: Final = 0
HOME_INACTIVE: Final = 1
HOME_ACTIVE: Final = 2
N_STATES: Final = 3

ARCHETYPES: Final = (
    "working_couple",
    "family",
    "retired",
    "single",
    "shift_worker",
    *LOOK_EMPTY_ARCHETYPES,
)
"""Occupied-home archetypes, in the order of their index; the last ones are the
homes that look empty (:mod:`~twin.devices.households.occupancy_look_empty`)."""

STAY_PROFILE: Final = "seasonal_stay"
"""Profile of the occupants of a weekend/seasonal home while they are there."""

DayType = Literal["weekday", "weekend"]

# Hourly values at the hour centres (00:30, 01:30, ..., 23:30), local time.
# "home": P(anybody at home); "active": P(somebody active | at home).
# Illustrative profiles shaped after HETUS / UK TUS 2000 time-use patterns; daytime
# presence of working households includes part-time work and working from home
# (Destatis 2023: about a quarter of the employed work from home at least sometimes).
# fmt: off
_PROFILES: Final[dict[str, dict[str, tuple[float, ...]]]] = {
    "working_couple": {
        "weekday_home": (
            0.97, 0.98, 0.98, 0.98, 0.98, 0.97, 0.93, 0.75, 0.45, 0.34, 0.32, 0.32,
            0.35, 0.35, 0.35, 0.38, 0.46, 0.62, 0.76, 0.85, 0.90, 0.93, 0.95, 0.96,
        ),
        "weekday_active": (
            0.20, 0.08, 0.04, 0.03, 0.04, 0.15, 0.74, 0.90, 0.88, 0.80, 0.80, 0.82,
            0.85, 0.82, 0.80, 0.82, 0.88, 0.93, 0.95, 0.95, 0.94, 0.90, 0.80, 0.40,
        ),
        "weekend_home": (
            0.95, 0.96, 0.97, 0.97, 0.97, 0.97, 0.96, 0.95, 0.92, 0.82, 0.68, 0.60,
            0.62, 0.62, 0.58, 0.56, 0.58, 0.65, 0.74, 0.80, 0.84, 0.88, 0.91, 0.93,
        ),
        "weekend_active": (
            0.30, 0.15, 0.07, 0.04, 0.03, 0.04, 0.10, 0.25, 0.67, 0.88, 0.93, 0.93,
            0.93, 0.90, 0.89, 0.90, 0.91, 0.93, 0.94, 0.94, 0.93, 0.90, 0.82, 0.59,
        ),
    },
    "family": {
        "weekday_home": (
            0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.98, 0.90, 0.55, 0.42, 0.42, 0.45,
            0.55, 0.62, 0.65, 0.70, 0.75, 0.82, 0.90, 0.94, 0.96, 0.97, 0.98, 0.99,
        ),
        "weekday_active": (
            0.12, 0.05, 0.03, 0.03, 0.04, 0.12, 0.80, 0.94, 0.88, 0.82, 0.82, 0.86,
            0.90, 0.88, 0.88, 0.90, 0.93, 0.95, 0.97, 0.96, 0.94, 0.88, 0.67, 0.25,
        ),
        "weekend_home": (
            0.98, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.98, 0.95, 0.85, 0.72, 0.68,
            0.72, 0.70, 0.62, 0.60, 0.64, 0.74, 0.85, 0.91, 0.94, 0.96, 0.97, 0.98,
        ),
        "weekend_active": (
            0.22, 0.10, 0.05, 0.03, 0.03, 0.04, 0.12, 0.50, 0.85, 0.93, 0.94, 0.94,
            0.95, 0.93, 0.91, 0.91, 0.93, 0.95, 0.96, 0.95, 0.93, 0.88, 0.74, 0.40,
        ),
    },
    "retired": {
        "weekday_home": (
            0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.98, 0.92, 0.80, 0.68, 0.68,
            0.80, 0.82, 0.75, 0.70, 0.75, 0.85, 0.92, 0.95, 0.97, 0.98, 0.99, 0.99,
        ),
        "weekday_active": (
            0.10, 0.05, 0.03, 0.03, 0.03, 0.05, 0.20, 0.67, 0.88, 0.90, 0.90, 0.93,
            0.94, 0.88, 0.82, 0.88, 0.90, 0.93, 0.94, 0.94, 0.93, 0.85, 0.50, 0.18,
        ),
        "weekend_home": (
            0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.98, 0.94, 0.82, 0.70, 0.70,
            0.76, 0.76, 0.70, 0.68, 0.74, 0.85, 0.92, 0.95, 0.97, 0.98, 0.99, 0.99,
        ),
        "weekend_active": (
            0.12, 0.05, 0.03, 0.03, 0.03, 0.04, 0.15, 0.50, 0.85, 0.90, 0.91, 0.94,
            0.95, 0.89, 0.84, 0.88, 0.90, 0.93, 0.94, 0.94, 0.93, 0.86, 0.59, 0.20,
        ),
    },
    "single": {
        "weekday_home": (
            0.93, 0.95, 0.96, 0.96, 0.96, 0.96, 0.92, 0.72, 0.38, 0.26, 0.25, 0.26,
            0.28, 0.28, 0.28, 0.30, 0.36, 0.50, 0.62, 0.70, 0.76, 0.82, 0.87, 0.90,
        ),
        "weekday_active": (
            0.25, 0.10, 0.05, 0.03, 0.03, 0.10, 0.59, 0.90, 0.85, 0.74, 0.74, 0.80,
            0.82, 0.80, 0.74, 0.80, 0.85, 0.93, 0.95, 0.95, 0.94, 0.91, 0.82, 0.59,
        ),
        "weekend_home": (
            0.88, 0.90, 0.93, 0.95, 0.95, 0.95, 0.95, 0.94, 0.90, 0.80, 0.62, 0.50,
            0.50, 0.50, 0.48, 0.46, 0.48, 0.55, 0.62, 0.65, 0.66, 0.70, 0.76, 0.82,
        ),
        "weekend_active": (
            0.40, 0.20, 0.10, 0.05, 0.03, 0.03, 0.05, 0.15, 0.50, 0.85, 0.91, 0.93,
            0.93, 0.90, 0.89, 0.90, 0.91, 0.93, 0.94, 0.94, 0.93, 0.91, 0.85, 0.67,
        ),
    },
    "shift_worker": {
        # Rotating early/late/night shifts, blended over the rota.
        "weekday_home": (
            0.80, 0.80, 0.82, 0.83, 0.80, 0.70, 0.60, 0.55, 0.55, 0.62, 0.65, 0.62,
            0.58, 0.55, 0.50, 0.48, 0.50, 0.58, 0.65, 0.68, 0.70, 0.72, 0.74, 0.77,
        ),
        "weekday_active": (
            0.40, 0.25, 0.20, 0.15, 0.15, 0.25, 0.50, 0.59, 0.40, 0.30, 0.40, 0.67,
            0.82, 0.85, 0.82, 0.82, 0.85, 0.89, 0.91, 0.91, 0.89, 0.85, 0.74, 0.59,
        ),
        "weekend_home": (
            0.86, 0.86, 0.88, 0.89, 0.88, 0.80, 0.72, 0.68, 0.68, 0.70, 0.70, 0.68,
            0.66, 0.64, 0.60, 0.58, 0.60, 0.66, 0.72, 0.75, 0.78, 0.80, 0.82, 0.84,
        ),
        "weekend_active": (
            0.40, 0.25, 0.18, 0.12, 0.10, 0.15, 0.25, 0.40, 0.59, 0.80, 0.85, 0.88,
            0.89, 0.88, 0.85, 0.85, 0.88, 0.90, 0.93, 0.93, 0.90, 0.86, 0.78, 0.59,
        ),
    },
    STAY_PROFILE: {
        # Leisure stays at a weekend/seasonal home: every day is like a weekend.
        "weekday_home": (
            0.97, 0.98, 0.98, 0.98, 0.98, 0.98, 0.98, 0.97, 0.92, 0.80, 0.62, 0.55,
            0.62, 0.60, 0.52, 0.50, 0.55, 0.66, 0.80, 0.88, 0.92, 0.95, 0.96, 0.97,
        ),
        "weekday_active": (
            0.25, 0.10, 0.05, 0.03, 0.03, 0.04, 0.08, 0.25, 0.74, 0.90, 0.93, 0.93,
            0.94, 0.90, 0.89, 0.90, 0.91, 0.94, 0.95, 0.94, 0.93, 0.89, 0.80, 0.50,
        ),
    },
}
# fmt: on
_PROFILES[STAY_PROFILE]["weekend_home"] = _PROFILES[STAY_PROFILE]["weekday_home"]
_PROFILES[STAY_PROFILE]["weekend_active"] = _PROFILES[STAY_PROFILE]["weekday_active"]
_PROFILES.update(LOOK_EMPTY_PROFILES)

PROFILE_NAMES: Final = (*ARCHETYPES, STAY_PROFILE)


def _interpolate_hourly(
    values: tuple[float, ...], hour: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Periodic linear interpolation of 24 hour-centre values at ``hour`` [h]."""
    knots = np.arange(24, dtype=np.float64) + 0.5
    return np.interp(np.mod(hour, 24.0), knots, np.asarray(values, dtype=np.float64), period=24.0)


def marginal_state_probabilities(
    profile: str, day_type: DayType, hour: ArrayLike, *, shift_h: float = 0.0
) -> NDArray[np.float64]:
    """Target probabilities of the three occupancy states at a local time of day.

    Parameters
    ----------
    profile : str
        One of :data:`ARCHETYPES` or :data:`STAY_PROFILE`.
    day_type : {"weekday", "weekend"}
        Day type of the local date.
    hour : array_like
        Local time of day [h], any shape; wrapped into 0..24.
    shift_h : float, default 0
        Personal schedule shift [h]: positive means everything happens later.

    Returns
    -------
    numpy.ndarray
        Shape ``hour.shape + (3,)``: P(away), P(home, inactive), P(home, active);
        each row sums to 1.

    Raises
    ------
    ValueError
        If ``profile`` or ``day_type`` is not known.

    References
    ----------
    .. [1] Richardson, Thomson, Infield (2008), Energy and Buildings 40, 1560-1566.
    """
    if profile not in _PROFILES:
        raise ValueError(
            f"profile given an invalid value {profile!r}; expected one of {set(PROFILE_NAMES)}"
        )
    if day_type not in ("weekday", "weekend"):
        raise ValueError(
            f"day_type given an invalid value {day_type!r}; expected one of "
            "{'weekday', 'weekend'}"
        )
    h = np.asarray(hour, dtype=np.float64) - shift_h
    data = _PROFILES[profile]
    p_home = _interpolate_hourly(data[f"{day_type}_home"], h)
    p_active = p_home * _interpolate_hourly(data[f"{day_type}_active"], h)
    return np.stack([1.0 - p_home, p_home - p_active, p_active], axis=-1)


def renewal_probability(dt_s: float, time_constant_s: float = 7_200.0) -> float:
    """Probability per interval that a home's state is redrawn from the marginals.

    The renewal is a Poisson process, so the probability scales consistently
    with the interval length: two intervals of ``dt/2`` renew as often as one
    of ``dt``.

    Parameters
    ----------
    dt_s : float
        Interval length [s], > 0.
    time_constant_s : float, default 7200
        Mean time between renewals [s].

    Returns
    -------
    float
        ``1 - exp(-dt_s / time_constant_s)``, in [0, 1).
    """
    if dt_s <= 0 or time_constant_s <= 0:
        raise ValueError(f"dt_s={dt_s!r}, time_constant_s={time_constant_s!r}; expected both > 0")
    return float(-np.expm1(-dt_s / time_constant_s))


def transition_matrices(
    pi_from: ArrayLike, pi_to: ArrayLike, renewal: float
) -> NDArray[np.float64]:
    """Transition matrices that carry one state distribution into the next.

    ``P = (1 - renewal) * M + renewal * 1 pi_to``, where ``M`` is the maximal
    coupling of ``pi_from`` and ``pi_to``: a state whose probability shrinks
    keeps the share ``pi_to / pi_from`` of its homes and sends the rest to the
    growing states in proportion to their growth; a growing state keeps all of
    its homes. Then ``pi_from @ P == pi_to`` exactly, and states persist as
    long as the marginals allow, which gives realistic dwell times.

    Parameters
    ----------
    pi_from, pi_to : array_like
        State probabilities, shape ``(..., k)``, rows summing to 1.
    renewal : float
        Probability per step of redrawing the state from ``pi_to``, in [0, 1].

    Returns
    -------
    numpy.ndarray
        Shape ``(..., k, k)``; ``[..., i, j]`` is P(state j next | state i now).
        Rows sum to 1.

    References
    ----------
    .. [1] Richardson, Thomson, Infield (2008), Energy and Buildings 40, 1560-1566.
    .. [2] T. Lindvall, "Lectures on the Coupling Method", Wiley, 1992 (maximal coupling).
    """
    a = np.asarray(pi_from, dtype=np.float64)
    b = np.asarray(pi_to, dtype=np.float64)
    if not 0.0 <= renewal <= 1.0:
        raise ValueError(f"renewal given {renewal!r}; expected a probability in [0, 1]")
    k = a.shape[-1]
    shrinks = b < a
    stay = np.divide(b, a, out=np.ones(np.broadcast_shapes(a.shape, b.shape)), where=shrinks)
    deficit = np.maximum(0.0, b - a)
    total = deficit.sum(axis=-1, keepdims=True)
    # Leavers go to the growing states; if rounding left none, by the target distribution.
    share = np.where(total > 0, deficit / np.where(total > 0, total, 1.0), b)
    coupling = (1.0 - stay)[..., :, None] * share[..., None, :]
    coupling = coupling + np.eye(k) * stay[..., :, None]
    renew = np.broadcast_to(b[..., None, :], coupling.shape)
    return (1.0 - renewal) * coupling + renewal * renew
