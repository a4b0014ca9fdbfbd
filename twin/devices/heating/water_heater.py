"""Electric hot-water tanks: draw-offs by occupancy, standing losses, thermostat, night timer.

A tank is one well-mixed node of ``V`` litres of water. Per interval it loses
heat to the room around it (standing loss ``UA (T - T_room)``), delivers the
hot water drawn (no colder than the mains), and its element heats at its
rating while the thermostat calls for heat: on below ``set - hysteresis``,
off when the set point is reached. A tank on a night timer heats only inside
the off-peak window. Standing losses go on in an empty home.

Draw-offs happen only while somebody is at home, shaped over the day by the
EN 16147 tapping cycle M (5.845 kWh/d: small draws all day, showers at 07:05
and 21:30, dish-washing at 12:45 and 20:30) [1]_, shifted by up to an hour per
home, each interval's energy an exponential (mean-one) multiple of the mean.

Standing losses follow the ErP storage-tank classes [2]_: ``S = f (16.66 + 8.33 V^0.4)``
watts at 45 K over the room (the class C limit), ``f`` drawn per tank, measured
after EN 50440 [3]_.

References
----------
.. [1] EN 16147:2017 / Commission Regulation (EU) No 814/2013, Annex III,
   Table 1: load profile M (tapping cycle of a day).
.. [2] Commission Delegated Regulation (EU) No 812/2013, Annex II, Table 2:
   energy efficiency classes of hot water storage tanks by standing loss.
.. [3] EN 50440:2015, efficiency of domestic electrical storage water heaters
   and testing methods.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "COLD_WATER_C",
    "ELEMENT_KW_RANGE",
    "HYSTERESIS_K",
    "LOSS_FACTOR_RANGE",
    "ROOM_C",
    "TAPPING_M_KWH_BY_HOUR",
    "WATER_KWH_PER_LITRE_K",
    "standing_loss_w",
    "tank_step",
    "tapping_fraction",
    "tapping_share_by_hour",
]

WATER_KWH_PER_LITRE_K: Final = 4.186 / 3600.0
"""Heat capacity of a litre of water [kWh/(l K)]."""

COLD_WATER_C: Final = 10.0
"""Mains water temperature [degC] (EN 16147: 10 degC)."""

ROOM_C: Final = 18.0
"""Temperature around a tank (a cellar or a utility room) [degC] (assumed)."""

HYSTERESIS_K: Final = 6.0
"""Thermostat switching differential of a tank below its set point [K] (assumed)."""

ELEMENT_KW_RANGE: Final = (2.0, 4.0)
"""Heating element rating [kW] (assumed: 2 kW small tanks to 4 kW for 200 l)."""

LOSS_FACTOR_RANGE: Final = (0.7, 1.25)
"""Standing loss relative to the ErP class C limit [-]: classes B to D (assumed)."""

SHIFT_HOURS: Final = (-1, 0, 1)
"""Per-home shift of the tapping profile [h] (assumed)."""

TAPPING_M_KWH_BY_HOUR: Final = np.array(
    [0, 0, 0, 0, 0, 0, 0, 1.61, 0.42, 0.21, 0.105, 0.21,
     0.315, 0, 0.105, 0.105, 0.105, 0, 0.315, 0.105, 0.735, 1.505, 0, 0]
)  # fmt: skip
"""EN 16147 tapping cycle M summed by local hour [kWh] (5.845 kWh in all) [1]_."""


def tapping_share_by_hour() -> NDArray[np.float64]:
    """Share of a day's hot water drawn in each local hour [-], sums to 1."""
    return np.asarray(TAPPING_M_KWH_BY_HOUR / TAPPING_M_KWH_BY_HOUR.sum(), dtype=np.float64)


def tapping_fraction(
    local_hour: NDArray[np.float64], dt_h: float, shift_h: int
) -> NDArray[np.float64]:
    """Share of a day's hot water drawn in each interval ``[h, h + dt_h)`` [-].

    The exact integral of the hourly profile (:func:`tapping_share_by_hour`,
    shifted ``shift_h`` hours later) over each interval, for intervals of any
    length up to a day.

    Parameters
    ----------
    local_hour : numpy.ndarray
        Local clock hour at each interval start [h].
    dt_h : float
        Interval length [h], at most 24.
    shift_h : int
        Shift of the profile [h].
    """
    share = np.roll(tapping_share_by_hour(), shift_h)
    twice = np.concatenate([share, share])
    cum = np.concatenate([[0.0], np.cumsum(twice)])

    def integral(x: NDArray[np.float64]) -> NDArray[np.float64]:
        whole = np.floor(x).astype(np.intp)
        return np.asarray(cum[whole] + (x - whole) * twice[np.minimum(whole, 47)], dtype=np.float64)

    start = np.asarray(local_hour, dtype=np.float64) % 24.0
    return integral(start + dt_h) - integral(start)


def standing_loss_w(
    litres: NDArray[np.float64], factor: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Standing loss at 45 K over the room [W]: ``factor (16.66 + 8.33 V^0.4)`` [2]_."""
    return factor * (16.66 + 8.33 * np.asarray(litres, dtype=np.float64) ** 0.4)


def tank_step(
    t_c: NDArray[np.float64],
    heating: NDArray[np.bool_],
    *,
    draw_kwh: NDArray[np.float64],
    set_c: NDArray[np.float64],
    ua_w_per_k: NDArray[np.float64],
    capacity_kwh_per_k: NDArray[np.float64],
    element_kw: NDArray[np.float64],
    allowed: NDArray[np.bool_],
    dt_s: float,
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.float64], NDArray[np.float64]]:
    """Advance tanks by one interval.

    Parameters
    ----------
    t_c : numpy.ndarray
        Tank temperature at the interval start [degC].
    heating : numpy.ndarray
        bool: the thermostat called for heat at the interval start.
    draw_kwh : numpy.ndarray
        Hot water wanted over the interval [kWh] (delivered up to what the
        tank holds above :data:`COLD_WATER_C`).
    set_c : numpy.ndarray
        Thermostat set point [degC].
    ua_w_per_k : numpy.ndarray
        Standing loss coefficient [W/K].
    capacity_kwh_per_k : numpy.ndarray
        Heat capacity of the water [kWh/K].
    element_kw : numpy.ndarray
        Element rating [kW].
    allowed : numpy.ndarray
        bool: the element may heat now (night timer).
    dt_s : float
        Interval length [s].

    Returns
    -------
    t_end_c : numpy.ndarray
        Temperature at the interval end [degC].
    heating : numpy.ndarray
        Thermostat state at the interval end.
    p_kw : numpy.ndarray
        Mean element power [kW].
    loss_kwh : numpy.ndarray
        Standing loss over the interval [kWh] (explicit in the start
        temperature: ``capacity (t_end - t) = heat - loss - drawn`` exactly).

    Notes
    -----
    ``UA dt / C`` is far below 1 for any tank and interval up to a day, so
    the explicit loss term is stable and never overshoots the room temperature.
    """
    dt_h = dt_s / 3600.0
    loss = ua_w_per_k * (t_c - ROOM_C) * dt_h / 1e3
    held = np.maximum(capacity_kwh_per_k * (t_c - COLD_WATER_C) - loss, 0.0)
    drawn = np.minimum(draw_kwh, held)
    calling = heating | (t_c < set_c - HYSTERESIS_K)
    on = calling & allowed
    need = capacity_kwh_per_k * (set_c - t_c) + loss + drawn
    heat = np.where(on, np.clip(need, 0.0, element_kw * dt_h), 0.0)
    t_end = t_c + (heat - loss - drawn) / capacity_kwh_per_k
    still = calling & (t_end < set_c - 1e-9)
    return t_end, still, heat / dt_h, loss
