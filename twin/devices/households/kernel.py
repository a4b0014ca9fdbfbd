"""Household electrical load: pure vectorised kernels (layer 1).

A home's mean power over an interval is

``p = baseload * n_base + scale * g(state, time) * n_activity``

with an always-on baseload (standby and cold appliances), an occupancy-driven
part ``g`` (appliance use by time of day and season while somebody is home and
active, a little background use while at home but inactive, lighting when it
is dark) and mean-one noise factors ``n``. This module holds the physics and
the reference numbers; :mod:`twin.devices.households.fleet` vectorises them
over a fleet.

References
----------
.. [1] P. I. Cooper, "The absorption of radiation in solar stills", Solar
   Energy 12(3), 333-346, 1969 (solar declination).
.. [2] J. A. Duffie, W. A. Beckman, "Solar Engineering of Thermal Processes",
   4th ed., Wiley, 2013, sections 1.6-1.9 (solar angles).
.. [3] BDEW, "Standardlastprofile Strom", dynamisation function of the
   household profile H0/H25; as implemented in demandlib 0.2
   (``demandlib.bdew.DynamicBDEW25Profile.dynamisation_function``).
.. [4] I. Richardson, M. Thomson, D. Infield, A. Delahunty, "Domestic
   lighting: A high-resolution energy demand model", Energy and Buildings
   41(7), 781-789, 2009.
.. [5] I. Richardson, M. Thomson, D. Infield, C. Clifford, "Domestic
   electricity use: A high-resolution energy demand model", Energy and
   Buildings 42(10), 1878-1887, 2010.
.. [6] International Energy Agency, "Things that go Blip in the Night:
   Standby Power and How to Limit it", OECD/IEA, 2001 (standby about 10 % of
   residential use, some 60 W per home in 2001).
.. [7] Commission Regulation (EC) No 1275/2008 (standby limits of 0.5-1 W per
   device) and Commission Delegated Regulation (EU) 2019/2016 (energy label
   of refrigerating appliances: 150-400 kWh/yr for household fridge-freezers).
.. [8] P. Delforge, L. Schmidt, S. Schmidt, "Home Idle Load: Devices Wasting
   Huge Amounts of Electricity When Not in Active Use", NRDC issue paper
   15-03-A, 2015 (always-on load of 1,000 metered homes: median 164 W, about
   23 % of household electricity); Commission Regulation (EC) No 641/2009
   (circulators: high-efficiency heating circulation pumps of 5-25 W).
"""

from __future__ import annotations

from typing import Final, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "ALWAYS_ON_W_RANGE",
    "COLD_APPLIANCES_W_RANGE",
    "STANDBY_W_RANGE",
    "VACANT_STANDBY_W_RANGE",
    "appliance_intensity",
    "interval_noise_cv",
    "lighting_fraction",
    "mean_one_noise_table",
    "poisson_counts",
    "reactive_power_kvar",
    "seasonal_factor",
    "solar_declination_deg",
    "solar_elevation_deg",
]

STANDBY_W_RANGE: Final = (20.0, 45.0)
"""Standby of an occupied home [W]: routers, TV and audio standby, chargers, boilers' electronics.

Below the IEA's 60 W of 2001 [6]_ after the EU standby limits [7]_.
"""

COLD_APPLIANCES_W_RANGE: Final = (25.0, 45.0)
"""Mean power of a home's cold appliances [W]: 220-400 kWh/yr of fridge(-freezer) [7]_."""

ALWAYS_ON_W_RANGE: Final = (40.0, 100.0)
"""Other always-on loads of an occupied home [W]: heating circulation pump, network,
security and smart-home devices, a second fridge or freezer, an aquarium.

Between the 5-25 W of a single high-efficiency circulator [8]_ and the
always-on load metered in US homes (median 164 W [8]_), which is larger for
bigger appliance stocks and climate control."""

VACANT_STANDBY_W_RANGE: Final = (3.0, 15.0)
"""Standby of an empty home [W]: router, alarm, doorbell transformer, built-in devices."""

# Relative appliance-use intensity of an active household by local hour
# (values at hour centres). Fitted so that the fleet's mean weekday and weekend
# profiles (occupancy marginals, backgrounds, baseload and lighting included)
# follow the BDEW H25 profile of 2025 [3]: a value is the use *per active home*,
# so it is low when many homes become active at once (the morning rush, the
# evening, when lighting adds its share) and higher at night and around noon
# (fewer active homes, cooking); shaped after the time-of-use of cooking,
# washing and entertainment in [5].
# fmt: off
_INTENSITY: Final[dict[str, tuple[float, ...]]] = {
    "weekday": (
        0.71, 0.67, 0.70, 0.79, 0.88, 0.69, 0.65, 0.71, 0.87, 1.24, 1.20, 1.47,
        1.40, 1.29, 1.21, 1.18, 1.12, 1.27, 1.36, 1.28, 0.99, 0.81, 0.84, 0.86,
    ),
    "weekend": (
        0.65, 0.56, 0.60, 0.62, 0.68, 0.67, 0.92, 0.92, 0.98, 1.14, 1.34, 1.94,
        1.66, 1.47, 1.51, 1.48, 1.30, 1.39, 1.39, 1.22, 0.93, 0.73, 0.73, 0.60,
    ),
}
# fmt: on


def solar_declination_deg(day_of_year: ArrayLike) -> NDArray[np.float64]:
    """Solar declination after Cooper (1969).

    ``delta = 23.45 * sin(360 * (284 + n) / 365)`` [deg].

    Parameters
    ----------
    day_of_year : array_like
        Day of year ``n`` (1 = 1 January).

    Returns
    -------
    numpy.ndarray
        Declination [deg], between -23.45 and 23.45.

    References
    ----------
    .. [1] Cooper (1969), Solar Energy 12, 333-346.
    .. [2] Duffie, Beckman (2013), eq. 1.6.1a.
    """
    n = np.asarray(day_of_year, dtype=np.float64)
    return 23.45 * np.sin(np.deg2rad(360.0 * (284.0 + n) / 365.0))


def solar_elevation_deg(
    day_of_year: ArrayLike, solar_hour: ArrayLike, latitude_deg: float
) -> NDArray[np.float64]:
    """Solar elevation angle above the horizon.

    ``sin(alpha) = sin(phi) sin(delta) + cos(phi) cos(delta) cos(omega)``
    with the hour angle ``omega = 15 deg/h * (solar_hour - 12)``. The equation
    of time (at most about 16 min) is neglected.

    Parameters
    ----------
    day_of_year : array_like
        Day of year (1 = 1 January).
    solar_hour : array_like
        Local (apparent) solar time [h]; local standard time is a fair proxy.
    latitude_deg : float
        Latitude ``phi`` [deg], north positive.

    Returns
    -------
    numpy.ndarray
        Elevation [deg], between -90 and 90 (negative below the horizon).

    References
    ----------
    .. [1] Duffie, Beckman (2013), eqs. 1.6.5 and 1.6.6.
    """
    phi = np.deg2rad(latitude_deg)
    delta = np.deg2rad(solar_declination_deg(day_of_year))
    omega = np.deg2rad(15.0 * (np.asarray(solar_hour, dtype=np.float64) - 12.0))
    sin_alpha = np.sin(phi) * np.sin(delta) + np.cos(phi) * np.cos(delta) * np.cos(omega)
    return np.rad2deg(np.arcsin(np.clip(sin_alpha, -1.0, 1.0)))


def lighting_fraction(
    solar_elevation_deg: ArrayLike,
    *,
    dark_below_deg: float = -3.0,
    bright_above_deg: float = 10.0,
) -> NDArray[np.float64]:
    """Share of full lighting demand of an active household, from daylight.

    Indoor lights go on as outdoor light fades. Richardson et al. (2009) switch
    lights by an outdoor irradiance threshold of about 60 W/m2 that varies
    between homes; a linear ramp in solar elevation between
    ``bright_above_deg`` (no lighting) and ``dark_below_deg`` (full lighting)
    stands in for that threshold spread.

    Parameters
    ----------
    solar_elevation_deg : array_like
        Solar elevation [deg].
    dark_below_deg : float, default -3
        Elevation at and below which lighting is fully on [deg].
    bright_above_deg : float, default 10
        Elevation at and above which no lighting is needed [deg].

    Returns
    -------
    numpy.ndarray
        Lighting fraction [-], in [0, 1].

    References
    ----------
    .. [1] Richardson, Thomson, Infield, Delahunty (2009), Energy and
       Buildings 41, 781-789.
    """
    if not dark_below_deg < bright_above_deg:
        raise ValueError(
            f"dark_below_deg={dark_below_deg!r} is not below bright_above_deg="
            f"{bright_above_deg!r}; expected dark_below_deg < bright_above_deg"
        )
    elevation = np.asarray(solar_elevation_deg, dtype=np.float64)
    ramp = (bright_above_deg - elevation) / (bright_above_deg - dark_below_deg)
    return np.clip(ramp, 0.0, 1.0)


def seasonal_factor(day_of_year: ArrayLike) -> NDArray[np.float64]:
    """BDEW dynamisation factor of the household standard load profile.

    ``F(d) = -3.92e-10 d^4 + 3.2e-7 d^3 - 7.02e-5 d^2 + 2.1e-3 d + 1.24``;
    about 1.24 in early January, 0.80 in late June, 1.19 at the end of December.

    Parameters
    ----------
    day_of_year : array_like
        Day of year ``d`` (1..366).

    Returns
    -------
    numpy.ndarray
        Factor [-] relative to the static profile.

    References
    ----------
    .. [1] BDEW, "Standardlastprofile Strom" (H0, H25); demandlib 0.2,
       ``DynamicBDEW25Profile.dynamisation_function``.
    """
    d = np.asarray(day_of_year, dtype=np.float64)
    return (((-3.92e-10 * d + 3.2e-7) * d - 7.02e-5) * d + 2.1e-3) * d + 1.24


def appliance_intensity(
    hour: ArrayLike, day_type: Literal["weekday", "weekend"], *, shift_h: float = 0.0
) -> NDArray[np.float64]:
    """Relative appliance-use intensity of an active household.

    Parameters
    ----------
    hour : array_like
        Local time of day [h].
    day_type : {"weekday", "weekend"}
        Day type of the local date.
    shift_h : float, default 0
        Personal schedule shift [h]: positive means meals happen later.

    Returns
    -------
    numpy.ndarray
        Intensity [-], about 1 on average over a day; 0.6-0.9 at night, up to
        1.5 (weekdays) and 1.9 (weekends) at lunch.

    References
    ----------
    .. [1] Richardson, Thomson, Infield, Clifford (2010), Energy and Buildings
       42, 1878-1887.
    """
    if day_type not in _INTENSITY:
        raise ValueError(
            f"day_type given an invalid value {day_type!r}; expected one of "
            "{'weekday', 'weekend'}"
        )
    h = np.mod(np.asarray(hour, dtype=np.float64) - shift_h, 24.0)
    knots = np.arange(24, dtype=np.float64) + 0.5
    values = np.asarray(_INTENSITY[day_type], dtype=np.float64)
    return np.interp(h, knots, values, period=24.0)


def interval_noise_cv(dt_s: float, *, cv_15min: float, correlation_s: float = 300.0) -> float:
    """Coefficient of variation of an interval mean of switching appliances.

    Averaging over longer intervals smooths appliance switching: the CV of an
    interval mean falls as ``1 / sqrt(dt_s)`` for intervals longer than the
    correlation time of the switching, and stays put below it.

    Parameters
    ----------
    dt_s : float
        Interval length [s], > 0.
    cv_15min : float
        CV of a 15-min mean [-], >= 0.
    correlation_s : float, default 300
        Correlation time of appliance switching [s], <= 900.

    Returns
    -------
    float
        ``cv_15min * sqrt(900 / max(dt_s, correlation_s))`` [-].
    """
    if dt_s <= 0:
        raise ValueError(f"dt_s given {dt_s!r}; expected an interval length > 0 s")
    if not 0 < correlation_s <= 900:
        raise ValueError(
            f"correlation_s given {correlation_s!r}; expected 0 < correlation_s <= 900"
        )
    return float(cv_15min * np.sqrt(900.0 / max(dt_s, correlation_s)))


def mean_one_noise_table(
    rng: np.random.Generator, cv: float, *, size: int = 1024, oversample: int = 64
) -> NDArray[np.float64]:
    """Quantised inverse CDF of a gamma noise with mean 1 and a given CV.

    Entry ``i`` is the mean of the distribution between quantiles ``i/size``
    and ``(i+1)/size`` (estimated from sorted draws), so a uniformly drawn
    index gives a mean-one, right-skewed multiplier with one table look-up:
    cheap enough for every home and every interval.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the draws that estimate the quantiles.
    cv : float
        Coefficient of variation [-], >= 0; 0 gives all ones.
    size : int, default 1024
        Number of table entries.
    oversample : int, default 64
        Draws per entry.

    Returns
    -------
    numpy.ndarray
        Shape ``(size,)``, ascending, non-negative, mean exactly 1.
    """
    if cv < 0:
        raise ValueError(f"cv given {cv!r}; expected a coefficient of variation >= 0")
    if cv == 0:
        return np.ones(size, dtype=np.float64)
    shape = 1.0 / cv**2
    draws = np.sort(rng.gamma(shape, 1.0 / shape, size=size * oversample))
    table = draws.reshape(size, oversample).mean(axis=1)
    return table / table.mean()


def poisson_counts(lam: ArrayLike, u: ArrayLike) -> NDArray[np.int64]:
    """Poisson counts by inversion of the CDF at given uniforms.

    ``n`` is the smallest count whose cumulative Poisson probability reaches
    ``u``: exact (up to floating point), and one uniform per count, so a
    fleet can take its uniforms from the random bits it already draws.

    Parameters
    ----------
    lam : array_like
        Expected counts [-], >= 0.
    u : array_like
        Uniforms in [0, 1), same shape as ``lam``.

    Returns
    -------
    numpy.ndarray
        Counts [-], int64, same shape.
    """
    lam = np.asarray(lam, dtype=np.float64)
    u = np.asarray(u, dtype=np.float64)
    term = np.exp(-lam)
    cdf = term.copy()
    n = (u >= cdf).astype(np.int64)
    term *= lam
    cdf += term
    n += u >= cdf
    # Beyond two events (a few per cent of the intervals at most): only those.
    more = np.flatnonzero(u >= cdf)
    k = 2
    while more.size:
        lam_m = lam.take(more)
        term_m = term.take(more) * lam_m / k
        cdf_m = cdf.take(more) + term_m
        hit = u.take(more) >= cdf_m
        n[more[hit]] += 1
        term[more], cdf[more] = term_m, cdf_m
        more = more[hit & (term_m > 0.0)]
        k += 1
    return n


def reactive_power_kvar(p_kw: ArrayLike, power_factor: float) -> NDArray[np.float64]:
    """Reactive power of a load at a fixed (lagging) power factor.

    ``q = p * tan(acos(pf))``.

    Parameters
    ----------
    p_kw : array_like
        Active power [kW].
    power_factor : float
        Displacement power factor [-], in (0, 1].

    Returns
    -------
    numpy.ndarray
        Reactive power [kvar], same shape as ``p_kw``; positive means inductive.
    """
    if not 0.0 < power_factor <= 1.0:
        raise ValueError(f"power_factor given {power_factor!r}; expected a value in (0, 1]")
    return np.asarray(p_kw, dtype=np.float64) * np.tan(np.arccos(power_factor))
