"""Pure kernels of the lighting circuits: the sun, the switching nights, the power.

No SimPy, no I/O: the sun's elevation on a time grid from pvlib's solar
position [1]_, the night each circuit's control keeps its lamps on (an
astronomical clock or a photocell whose illuminance threshold is mapped to a
solar elevation [2]_), the share of an interval a night covers, and the
power a circuit draws.

References
----------
.. [1] I. Reda, A. Andreas (2004), "Solar position algorithm for solar
   radiation applications", Solar Energy 76(5), 577-589, as
   ``pvlib.solarposition.get_solarposition`` (Holmgren et al. 2018, JOSS 3(29), 884).
.. [2] R. Bond, S. Henderson (1963), "The Conquest of Darkness", AD 346297
   (clear-sky horizontal illuminance: about 400 lx with the sun's centre on
   the horizon, 3.4 lx at the end of civil twilight, -6 deg, falling about
   log-linearly in between); CIE 115:2010 for the switching levels of road lighting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
import pvlib  # type: ignore[import-untyped]
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "ILLUMINANCE_CIVIL_DUSK_LUX",
    "ILLUMINANCE_HORIZON_LUX",
    "SUN_GRID_S",
    "Nights",
    "SunGrid",
    "circuit_power_w",
    "count_nights",
    "dimming_level",
    "elevation_for_lux",
    "lit_at",
    "lit_fraction",
    "motion_level",
    "nights_of",
    "sun_grid",
]

ILLUMINANCE_HORIZON_LUX: Final = 400.0
"""Clear-sky horizontal illuminance with the sun's centre on the horizon [lx] [2]_."""

ILLUMINANCE_CIVIL_DUSK_LUX: Final = 3.4
"""Clear-sky horizontal illuminance at the end of civil twilight (-6 deg) [lx] [2]_."""

_CIVIL_DUSK_DEG: Final = -6.0

SUN_GRID_S: Final = 300
"""Step of the solar-position grid [s]; elevations between are interpolated linearly
(the sun moves at most 1.25 deg in 5 min, and smoothly, so the error is
well under a second of switching time)."""


def elevation_for_lux(lux: ArrayLike) -> NDArray[np.float64]:
    """Apparent solar elevation at which a clear sky gives ``lux`` on the horizontal [deg].

    Log-linear between 400 lx at 0 deg and 3.4 lx at -6 deg [2]_ (and beyond,
    by the same slope). At 50 lx: -2.6 deg; 35 lx: -3.1 deg; 70 lx: -2.2 deg.

    Parameters
    ----------
    lux : array_like
        Illuminance [lx], > 0.
    """
    e = np.asarray(lux, dtype=np.float64)
    slope = np.log(ILLUMINANCE_HORIZON_LUX / ILLUMINANCE_CIVIL_DUSK_LUX) / -_CIVIL_DUSK_DEG
    return np.asarray(np.log(e / ILLUMINANCE_HORIZON_LUX) / slope, dtype=np.float64)


@dataclass(frozen=True)
class SunGrid:
    """The sun's elevation on a regular grid around a run.

    Attributes
    ----------
    t_s : numpy.ndarray
        Grid times [s since the run start] (from before the start to after the end).
    apparent_deg, geometric_deg : numpy.ndarray
        Apparent (refracted) and geometric elevation of the sun's centre [deg].
    """

    t_s: NDArray[np.float64]
    apparent_deg: NDArray[np.float64]
    geometric_deg: NDArray[np.float64]


def sun_grid(
    start_utc: pd.Timestamp,
    duration_s: int,
    latitude_deg: float,
    longitude_deg: float,
    *,
    step_s: int = SUN_GRID_S,
    margin_s: int = 2 * 86_400,
) -> SunGrid:
    """Solar elevation from ``margin_s`` before the run start to ``margin_s`` after its end.

    Parameters
    ----------
    start_utc : pandas.Timestamp
        Run start (time-zone aware).
    duration_s : int
        Run length [s].
    latitude_deg, longitude_deg : float
        Site [deg], north and east positive.
    """
    t = np.arange(-margin_s, duration_s + margin_s + step_s, step_s, dtype=np.int64)
    times = pd.DatetimeIndex(start_utc.tz_convert("UTC") + pd.to_timedelta(t, unit="s"))
    pos = pvlib.solarposition.get_solarposition(times, latitude_deg, longitude_deg)
    return SunGrid(
        t_s=t.astype(np.float64),
        apparent_deg=pos["apparent_elevation"].to_numpy(dtype=np.float64),
        geometric_deg=pos["elevation"].to_numpy(dtype=np.float64),
    )


@dataclass(frozen=True)
class Nights:
    """When each circuit's control keeps it on: one span per night.

    Attributes
    ----------
    start_s, end_s : numpy.ndarray
        float64 ``(n_circuits, n_nights)``: switch-on and switch-off [s since
        the run start]; ``end_s >= start_s``, nights in time order.
    noon_before_s, noon_after_s : numpy.ndarray
        float64 ``(n_nights,)``: the solar noons around each night [s].
    """

    start_s: NDArray[np.float64]
    end_s: NDArray[np.float64]
    noon_before_s: NDArray[np.float64]
    noon_after_s: NDArray[np.float64]

    @property
    def n_nights(self) -> int:
        """Number of nights."""
        return int(self.noon_before_s.size)


def _turning_points(elev: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Grid indices of the daily maxima (solar noons) and minima (solar midnights)."""
    d = np.diff(elev)
    rising = d > 0
    peak = np.flatnonzero(rising[:-1] & ~rising[1:]) + 1
    trough = np.flatnonzero(~rising[:-1] & rising[1:]) + 1
    return peak.astype(np.int64), trough.astype(np.int64)


def _night_frame(
    elev: NDArray[np.float64],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Grid indices of each night's solar noon before, solar midnight, solar noon after."""
    peak, trough = _turning_points(elev)
    trough = trough[(trough > peak[0]) & (trough < peak[-1])] if peak.size else trough[:0]
    before = peak[np.searchsorted(peak, trough) - 1]
    after = peak[np.searchsorted(peak, trough)]
    return before, trough, after


def count_nights(grid: SunGrid, *, geometric: bool = False) -> int:
    """Number of nights :func:`nights_of` finds on ``grid``."""
    return int(_night_frame(grid.geometric_deg if geometric else grid.apparent_deg)[1].size)


def nights_of(
    grid: SunGrid,
    on_deg: ArrayLike,
    off_deg: ArrayLike,
    *,
    geometric: bool = False,
) -> Nights:
    """The span of each night during which the sun is below a circuit's thresholds.

    A night runs from the time the descending sun crosses ``on_deg`` to the
    time the rising sun crosses ``off_deg``, each found by linear
    interpolation on the monotone half-day of the grid. Where the sun never
    gets that low the night is empty (at solar midnight); where it never gets
    that high the lamps stay on from noon to noon (polar night).

    Parameters
    ----------
    grid : SunGrid
    on_deg, off_deg : array_like
        Thresholds [deg], shape ``(n_circuits, n_nights)`` or broadcastable to it
        (a per-circuit column, or a scalar).
    geometric : bool
        Compare with the geometric elevation (an astronomical clock) instead
        of the apparent one (a photocell).

    Returns
    -------
    Nights
    """
    elev = grid.geometric_deg if geometric else grid.apparent_deg
    t = grid.t_s
    before, trough, after = _night_frame(elev)
    n_nights = trough.size
    on = np.atleast_1d(np.asarray(on_deg, dtype=np.float64))
    off = np.atleast_1d(np.asarray(off_deg, dtype=np.float64))
    on = on.reshape(-1, 1) if on.ndim == 1 else on
    off = off.reshape(-1, 1) if off.ndim == 1 else off
    n = max(on.shape[0], off.shape[0])
    on_b = np.broadcast_to(on, (n, n_nights))
    off_b = np.broadcast_to(off, (n, n_nights))
    start = np.empty((n, n_nights))
    end = np.empty((n, n_nights))
    for j in range(n_nights):
        a, m, b = int(before[j]), int(trough[j]), int(after[j])
        # descending half-day, reversed to increasing elevation (kept monotone)
        e_down = np.maximum.accumulate(elev[a : m + 1][::-1])
        start[:, j] = np.interp(on_b[:, j], e_down, t[a : m + 1][::-1])
        e_up = np.maximum.accumulate(elev[m : b + 1])
        end[:, j] = np.interp(off_b[:, j], e_up, t[m : b + 1])
    return Nights(
        start_s=start,
        end_s=np.maximum(end, start),
        noon_before_s=t[before].astype(np.float64),
        noon_after_s=t[after].astype(np.float64),
    )


def _window(nights: Nights, t0: float, t1: float) -> slice:
    """The nights whose noon-to-noon span meets ``[t0, t1)``."""
    j0 = int(np.searchsorted(nights.noon_after_s, t0, side="right"))
    j1 = int(np.searchsorted(nights.noon_before_s, t1, side="left"))
    return slice(j0, max(j0, j1))


def lit_fraction(nights: Nights, t0: float, t1: float) -> NDArray[np.float64]:
    """Share of ``[t0, t1)`` inside each circuit's nights [-], shape ``(n_circuits,)``."""
    w = _window(nights, t0, t1)
    s, e = nights.start_s[:, w], nights.end_s[:, w]
    overlap = np.clip(np.minimum(e, t1) - np.maximum(s, t0), 0.0, None).sum(axis=1)
    return np.asarray(np.minimum(overlap / (t1 - t0), 1.0), dtype=np.float64)


def lit_at(nights: Nights, t: float) -> NDArray[np.bool_]:
    """Whether each circuit's control has it on at time ``t`` [s]."""
    w = _window(nights, t, t + 1e-9)
    s, e = nights.start_s[:, w], nights.end_s[:, w]
    return np.asarray(((s <= t) & (t < e)).any(axis=1), dtype=bool)


def dimming_level(local_hour: float, windows: tuple[tuple[float, float, float], ...]) -> float:
    """Dimming level at a local hour [-]: the last window holding it, else 1.

    Parameters
    ----------
    local_hour : float
        Local time of day [h], 0 <= h < 24.
    windows : tuple of (from_h, to_h, level)
        ``to_h < from_h`` wraps midnight.
    """
    level = 1.0
    for lo, hi, value in windows:
        inside = lo <= local_hour < hi if lo <= hi else (local_hour >= lo or local_hour < hi)
        if inside:
            level = value
    return level


def circuit_power_w(
    lit_level: NDArray[np.float64],
    healthy: NDArray[np.float64],
    cycling: NDArray[np.float64],
    day_burners: NDArray[np.float64],
    lamp_w: NDArray[np.float64],
    cycling_duty: float,
) -> NDArray[np.float64]:
    """Mean power a circuit draws over an interval [W].

    Parameters
    ----------
    lit_level : numpy.ndarray
        Time share the circuit is switched on times its dimming level [-].
    healthy, cycling, day_burners : numpy.ndarray
        Lamps working, cycling (on ``cycling_duty`` of the lit time) and stuck on
        (at full power, day and night) [-].
    lamp_w : numpy.ndarray
        System power of one lamp at full level, control gear included [W].
    cycling_duty : float
        Share of the lit time a cycling lamp glows [-].
    """
    lit = lit_level * (healthy + cycling_duty * cycling)
    return np.asarray(lamp_w * (lit + day_burners), dtype=np.float64)


def motion_level(
    active: ArrayLike, passages_per_hour: float, hold_s: float, standby_level: float
) -> NDArray[np.float64]:
    """Mean level of a presence-detected circuit over an interval [-], in ``[standby, 1]``.

    Passages through the common areas arrive as a Poisson process of rate
    ``active x passages_per_hour``; each holds the lights at full for
    ``hold_s``. The share of time at full is the probability that at least one
    hold is running, ``1 - exp(-rate hold)`` (the busy probability of an
    M/G/infinity queue [m1]_), and the rest is at the standby level.

    Parameters
    ----------
    active : array_like
        Active occupants' households in each building [-] (at home and awake).
    passages_per_hour : float
        Passages per active household and hour [1/h].
    hold_s : float
        Hold time after a passage [s].
    standby_level : float
        Level with nobody passing [-], in [0, 1].

    References
    ----------
    .. [m1] L. Kleinrock (1975), "Queueing Systems, Volume 1: Theory", Wiley
       (M/G/infinity: the number in service is Poisson with mean ``lambda E[S]``).
    """
    busy = -np.expm1(-np.asarray(active, dtype=np.float64) * passages_per_hour * hold_s / 3600.0)
    return np.asarray(standby_level + (1.0 - standby_level) * busy, dtype=np.float64)
