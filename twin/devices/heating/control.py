"""Set points by occupancy and time of day, thermostats with hysteresis, air-conditioning.

Set points (heating): the home's daytime comfort temperature while somebody is
at home between :data:`DAY_WINDOW_H`; the comfort temperature less the home's
set-back at night and while nobody is at home; :attr:`ThermalParams.frost_c`
(about 5 degC, frost protection of unoccupied buildings after DIN EN 12831-1
[1]_) while the home is vacant (between tenants, seasonal, long-term empty, on
holiday).

Direct electric heaters (and frost heaters) switch on and off on a room
thermostat with a switching differential of :data:`THERMOSTAT_BAND_K` either
side of the set point: the heater runs at its rating until the home reaches
the upper edge, then stays off until it falls below the lower edge. Through
the home's heat capacity the cycles are time-correlated, and in a cold spell
the on-periods grow and the off-periods shrink.

Air conditioners (split units) cool to their set point while somebody is at
home, up to their capacity, at an energy efficiency ratio that falls with the
outdoor temperature.

References
----------
.. [1] DIN EN 12831-1:2017, heating load; frost protection of unoccupied
   buildings at about 5 degC indoors.
.. [2] EN 60730-2-9:2010, room thermostats (switching differential).
.. [3] EN 14511-2:2018 (rating conditions 35 degC outdoor, 27 degC indoor) and
   Commission Regulation (EU) No 206/2012, Annex I (minimum SEER 4.6 of
   air conditioners below 6 kW); Commission Delegated Regulation (EU)
   No 626/2011 (energy labels: EER 3.2 and above is class A).
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "AC_KW_RANGE",
    "DAY_WINDOW_H",
    "EER_RATED_RANGE",
    "EER_SLOPE_PER_K",
    "THERMOSTAT_BAND_K",
    "eer",
    "heating_set_point_c",
    "in_window",
    "in_window_mask",
    "thermostat_on",
]

DAY_WINDOW_H: Final = (6.0, 22.0)
"""Local hours of the comfort set point when somebody is at home [h] (assumed)."""

THERMOSTAT_BAND_K: Final = 0.3
"""Half the switching differential of a room thermostat [K] (EN 60730-2-9 [2]_: 0.2-1 K)."""

AC_KW_RANGE: Final = (2.5, 5.0)
"""Rated cooling capacity of a split air conditioner [kW] (assumed: one to two rooms)."""

EER_RATED_RANGE: Final = (2.8, 3.6)
"""Rated EER at 35 degC outdoor, 27 degC indoor [-] (EN 14511 [3]_; labels B to A)."""

EER_SLOPE_PER_K: Final = 0.025
"""Relative EER gain per K of outdoor temperature below 35 degC [1/K] (assumed, shaped
after the EN 14825 part-load conditions), within [0.7, 1.6] of the rated EER."""


def in_window(hour: float, window: tuple[float, float]) -> bool:
    """Whether local ``hour`` lies in ``[start, end)``, which may wrap midnight."""
    start, end = window
    return start <= hour < end if start < end else hour >= start or hour < end


def in_window_mask(hours: NDArray[np.float64], window: tuple[float, float]) -> NDArray[np.bool_]:
    """:func:`in_window` for an array of local hours."""
    start, end = window
    if start < end:
        return (hours >= start) & (hours < end)
    return (hours >= start) | (hours < end)


def heating_set_point_c(
    *,
    present: NDArray[np.bool_],
    vacant: NDArray[np.bool_],
    day: bool,
    comfort_c: NDArray[np.float64],
    setback_k: NDArray[np.float64],
    frost_c: float,
) -> NDArray[np.float64]:
    """Heating set point per home [degC]: comfort, set back, or frost protection.

    Parameters
    ----------
    present, vacant : numpy.ndarray
        bool per home: somebody at home; nobody lives there now.
    day : bool
        The interval lies in :data:`DAY_WINDOW_H`.
    comfort_c, setback_k : numpy.ndarray
        Daytime set point [degC] and set-back [K] per home.
    frost_c : float
        Set point of an empty home [degC].
    """
    comfort = present & day
    return np.where(vacant, frost_c, np.where(comfort, comfort_c, comfort_c - setback_k))


def thermostat_on(
    was_on: NDArray[np.bool_], t_c: NDArray[np.float64], set_point_c: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """On/off state of a room thermostat with hysteresis at temperature ``t_c``.

    On below ``set_point - band``, off at or above ``set_point + band``, else
    as it was (:data:`THERMOSTAT_BAND_K`).
    """
    band = THERMOSTAT_BAND_K
    return (t_c < set_point_c - band) | (was_on & (t_c < set_point_c + band - 1e-9))


def eer(rated: NDArray[np.float64], outdoor_c: float) -> NDArray[np.float64]:
    """Energy efficiency ratio of an air conditioner at ``outdoor_c`` [-].

    ``rated * (1 + EER_SLOPE_PER_K (35 - T_out))``, the factor within [0.7, 1.6].
    """
    factor = min(max(1.0 + EER_SLOPE_PER_K * (35.0 - outdoor_c), 0.7), 1.6)
    return rated * factor
