"""Reference homes from the CREST demand model (richardsonpy), for validation only.

The CREST model of Richardson et al. simulates, minute by minute, the active
occupancy of a home (a Markov chain fitted to the UK Time Use Survey 2000),
the switching of each of its appliances (UK appliance stock, ownership and
cycle data) and its lighting (bulbs switched by occupancy and outdoor
irradiance). richardsonpy 0.2 is its Python port (RWTH Aachen E.ON ERC EBC,
GPL-3.0); it is an optional dependency (the ``reference`` extra), imported
only when :func:`simulate_crest_homes` runs, and never vendored.

The twin's behaviour statistics are compared with these homes in
``benchmarks/bench_households_vs_crest.py`` and the tests; nothing in a run
of the twin uses this module.

References
----------
.. [1] I. Richardson, M. Thomson, D. Infield, "A high-resolution domestic
   building occupancy model for energy demand simulations", Energy and
   Buildings 40(8), 1560-1566, 2008.
.. [2] I. Richardson, M. Thomson, D. Infield, C. Clifford, "Domestic
   electricity use: A high-resolution energy demand model", Energy and
   Buildings 42(10), 1878-1887, 2010.
.. [3] richardsonpy 0.2.3, https://github.com/RWTH-EBC/richardsonpy
   (Deutscher Wetterdienst test reference year TRY 2010, region 5, for the
   irradiance that switches the lights).
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["LIGHTING_SHARE", "CrestHomes", "simulate_crest_homes"]

LIGHTING_SHARE: Final = 0.09
"""Share of a home's electricity that is lighting [-]; richardsonpy's own
assumption (German "Stromspiegel" 2014), taken out of the appliances' target."""

_MINUTES_PER_DAY: Final = 1_440
_CREST_STEP_S: Final = 60
_OCCUPANCY_STEP_MIN: Final = 10
_N_LIGHTING_CONFIGS: Final = 100


@dataclass(frozen=True)
class CrestHomes:
    """Interval series of CREST homes.

    Attributes
    ----------
    p_kw : numpy.ndarray
        Interval mean power [kW], ``(intervals, homes)``.
    active : numpy.ndarray
        Share of each interval with at least one active occupant [-], same shape.
    """

    p_kw: NDArray[np.float64]
    active: NDArray[np.float64]


def simulate_crest_homes(
    occupants: Sequence[int],
    annual_kwh: Sequence[float],
    *,
    start: pd.Timestamp,
    days: int,
    interval_s: int = 900,
    seed: int = 0,
) -> CrestHomes:
    """Simulate CREST homes over whole local days from ``start``.

    Each home draws its appliance set from the UK ownership rates (electric
    space and water heating left out: the twin models those as fleets of
    their own), one of CREST's 100 lighting configurations, and calibrates
    its appliance use to ``(1 - LIGHTING_SHARE) * annual_kwh``.

    Parameters
    ----------
    occupants : sequence of int
        Occupants of each home, 1..5.
    annual_kwh : sequence of float
        Annual energy each home's appliances are calibrated to [kWh/yr].
    start : pandas.Timestamp
        First local midnight (tz-aware); weekdays and day of year follow it.
    days : int
        Number of days, >= 1.
    interval_s : int, default 900
        Interval of the result [s]: means of CREST's 1-min power.
    seed : int, default 0
        Seed of the stdlib generator that richardsonpy draws from; the
        global state of :mod:`random` is restored afterwards.

    Returns
    -------
    CrestHomes
        ``days * 86400 / interval_s`` intervals of every home.

    Raises
    ------
    ImportError
        Without richardsonpy (install the ``reference`` extra).
    ValueError
        If the inputs are out of range.
    """
    import richardsonpy.classes.appliance as crest_appliance
    import richardsonpy.classes.lighting as crest_lighting
    import richardsonpy.classes.occupancy as crest_occupancy
    import richardsonpy.classes.stochastic_el_load_wrapper as crest_wrapper
    import richardsonpy.functions.load_radiation as crest_radiation

    if len(occupants) != len(annual_kwh) or not all(1 <= int(n) <= 5 for n in occupants):
        raise ValueError(
            f"occupants given {list(occupants)!r} for {len(annual_kwh)} homes; "
            "expected one count in 1..5 per home"
        )
    if days < 1 or interval_s % _CREST_STEP_S or (_MINUTES_PER_DAY * 60) % interval_s:
        raise ValueError(
            f"days given {days!r}, interval_s {interval_s!r}; expected days >= 1 and a "
            "whole number of minutes dividing a day"
        )
    inputs = os.path.join(os.path.dirname(os.path.dirname(crest_appliance.__file__)), "inputs")
    direct, diffuse = crest_radiation.get_rad_from_try_path()
    irradiance = np.asarray(direct, dtype=np.float64) + np.asarray(diffuse, dtype=np.float64)
    dates = pd.date_range(start, periods=days, freq="D")
    first_weekday = int(dates[0].dayofweek) + 1  # CREST: 1 = Monday .. 7 = Sunday
    per_min = interval_s // _CREST_STEP_S
    saved = random.getstate()
    random.seed(seed)
    try:
        p_w = np.empty((days * _MINUTES_PER_DAY, len(occupants)))
        active = np.empty_like(p_w)
        for j, (n, kwh) in enumerate(zip(occupants, annual_kwh, strict=True)):
            occupancy = crest_occupancy.Occupancy(int(n), initial_day=first_weekday, nb_days=days)
            appliances = crest_appliance.Appliances(
                os.path.join(inputs, "Appliances.csv"),
                annual_consumption=(1.0 - LIGHTING_SHARE) * float(kwh),
                randomize_appliances=True,
                prev_heat_dev=True,
            )
            bulbs = crest_lighting.load_lighting_profile(
                filename=os.path.join(inputs, "LightBulbs.csv"),
                index=random.randrange(_N_LIGHTING_CONFIGS),
            )
            home = crest_wrapper.ElectricityProfile(appliances, bulbs)
            for d, date in enumerate(dates):
                per_occ = _MINUTES_PER_DAY // _OCCUPANCY_STEP_MIN
                occ_day = occupancy.occupancy[per_occ * d : per_occ * (d + 1)]
                total, _, _ = home.power_sim(
                    irradiation=_irradiance_of_day(irradiance, date),
                    weekend=date.dayofweek >= 5,
                    day=int(date.dayofyear),
                    occupancy=occ_day,
                )
                rows = slice(d * _MINUTES_PER_DAY, (d + 1) * _MINUTES_PER_DAY)
                p_w[rows, j] = np.asarray(total, dtype=np.float64)
                active[rows, j] = np.repeat(np.asarray(occ_day) > 0, _OCCUPANCY_STEP_MIN)
    finally:
        random.setstate(saved)
    return CrestHomes(
        p_kw=_interval_means(p_w, per_min) / 1e3,
        active=_interval_means(active, per_min),
    )


def _interval_means(minutes: NDArray[np.float64], per_interval: int) -> NDArray[np.float64]:
    return minutes.reshape(-1, per_interval, minutes.shape[1]).mean(axis=1)


def _irradiance_of_day(hourly: NDArray[np.float64], date: Any) -> NDArray[np.float64]:
    """Irradiance of a local day by clock minute [W/m2], from the TRY's hourly values.

    The TRY is in standard time; on daylight-saving days clock minute ``m`` is
    standard minute ``m - 60``.
    """
    day0 = (int(date.dayofyear) - 1) % 365
    dst_min = int(date.dst().total_seconds() // 60) if date.tzinfo is not None else 0
    hours = np.arange(day0 * 24 - 1, day0 * 24 + 25) % hourly.size
    knots = (np.arange(-1, 25) * 60.0) + 30.0
    minute = np.arange(_MINUTES_PER_DAY, dtype=np.float64) - dst_min
    return np.interp(minute, knots, hourly[hours])
