"""Residual current: natural leakage, insulation ageing and damage, arcing (layer 1).

The residual current a detector at a premise's supply sees is the natural
leakage of its healthy circuits (capacitive and equipment leakage,
:data:`~twin.devices.safety.params.NATURAL_LEAKAGE_MA_PER_CIRCUIT` a circuit)
plus the earth-fault current through degraded insulation.

Insulation ageing is a gamma degradation process [1]_: the fault current is
a sum of independent gamma-distributed increments, so it never decreases and
its mean grows with time at a rate scaled by the moisture factor (damp
insulation leaks and degrades faster [2]_). The bundled weather files carry no
humidity, so moisture is a seasonal factor (:func:`moisture_factor`), not a
weather series. Sudden insulation damage (a nail, a rodent, water ingress)
adds a lognormal jump at a Poisson onset and then ages like the rest. Series
arcing at a loose connection counts arcs per minute as a Poisson variable
whose mean grows exponentially once it has started [3]_.

References
----------
.. [1] J. M. van Noortwijk (2009), "A survey of the application of gamma
   processes in maintenance", Reliability Engineering and System Safety 94(1),
   2-21.
.. [2] IEC 60216-1:2013, "Electrical insulating materials - Thermal endurance
   properties" (ageing of insulation accelerated by heat and moisture).
.. [3] IEC 62606:2013, "General requirements for arc fault detection devices".
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "MOISTURE_AMPLITUDE",
    "MOISTURE_PEAK_DAY",
    "arc_counts",
    "gamma_degradation",
    "moisture_factor",
]

MOISTURE_PEAK_DAY: Final = 196
"""Day of year of the dampest season (assumed: mid-July, the East Asian summer monsoon's
plum-rain season when leakage complaints peak)."""

MOISTURE_AMPLITUDE: Final = 0.4
"""Relative swing of the moisture factor over the year [-] (assumed)."""

GAMMA_SHAPE_PER_DAY: Final = 2.0
"""Gamma-process shape per day [1/d]: the smaller, the jumpier the degradation (assumed)."""


def moisture_factor(day_of_year: ArrayLike) -> NDArray[np.float64]:
    """Seasonal moisture factor [-]: ``1 + A cos(2 pi (doy - peak) / 365)``, mean 1.

    Parameters
    ----------
    day_of_year : array_like
        Local day of year (1..366).
    """
    doy = np.asarray(day_of_year, dtype=np.float64)
    return 1.0 + MOISTURE_AMPLITUDE * np.cos(2.0 * np.pi * (doy - MOISTURE_PEAK_DAY) / 365.0)


def gamma_degradation(
    rng: np.random.Generator,
    rate_ma_per_day: float,
    moisture: NDArray[np.float64],
    dt_s: float,
    start_ma: float = 0.0,
) -> NDArray[np.float64]:
    """A path of the fault current through ageing insulation [mA], one value per step end.

    Increments are independent ``Gamma(k m dt, rate / k)`` with ``k`` the shape per
    day (:data:`GAMMA_SHAPE_PER_DAY`), ``m`` the step's moisture factor and ``dt`` in
    days, so the expected increment is ``rate m dt`` and the path never decreases.

    Parameters
    ----------
    rng : numpy.random.Generator
        The hazard's own generator.
    rate_ma_per_day : float
        Mean growth at moisture factor 1 [mA/d] (>= 0).
    moisture : numpy.ndarray
        Moisture factor of each step [-] (>= 0).
    dt_s : float
        Step length [s].
    start_ma : float
        Fault current at the start [mA].
    """
    m = np.asarray(moisture, dtype=np.float64)
    dt_d = float(dt_s) / 86_400.0
    shape = GAMMA_SHAPE_PER_DAY * m * dt_d
    if rate_ma_per_day <= 0:
        return np.full(m.size, float(start_ma))
    inc = rng.gamma(np.maximum(shape, 1e-12), rate_ma_per_day / GAMMA_SHAPE_PER_DAY)
    return float(start_ma) + np.cumsum(inc)


def arc_counts(
    rng: np.random.Generator,
    start_per_min: float,
    doubling_s: float,
    n_steps: int,
    dt_s: float,
) -> NDArray[np.float64]:
    """Arcs per minute of each step of a growing series arc [1/min].

    The mean rate grows as ``r0 2^(t / T_d)`` from the onset; each step's count is
    Poisson with that mean times the step's minutes, returned as a rate.

    Parameters
    ----------
    rng : numpy.random.Generator
        The hazard's own generator.
    start_per_min : float
        Mean rate at the onset [1/min].
    doubling_s : float
        Doubling time of the mean rate [s] (> 0).
    n_steps : int
        Steps from the onset.
    dt_s : float
        Step length [s].
    """
    t_mid = (np.arange(n_steps, dtype=np.float64) + 0.5) * float(dt_s)
    minutes = float(dt_s) / 60.0
    mean = np.minimum(start_per_min * np.exp2(t_mid / float(doubling_s)), 1e6) * minutes
    return rng.poisson(mean).astype(np.float64) / minutes
