"""One interval of a home's heated room: its set point, free-running end and heat need.

The step both the thermal fleet (electric heating, cooling, frost heaters)
and the gas fleet (boilers) take for their homes' 1R1C buildings
(:mod:`twin.devices.heating.building`), before each applies its own heaters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.devices.heating.building import (
    GAINS_ABSENT_W_M2,
    GAINS_PRESENT_W_M2,
    SOLAR_APERTURE_M2_PER_M2,
    Buildings,
    free_end_temperature_c,
    heat_to_reach_w,
)
from twin.devices.heating.control import heating_set_point_c

__all__ = ["FREE_RUNNING_EXCESS_K", "RoomStep", "room_step"]

FREE_RUNNING_EXCESS_K: Final = 3.0
"""At the run start a home is this much warmer than outdoors if that is above its heating
set point, at most at its cooling set point [K] (assumed)."""


@dataclass(frozen=True)
class RoomStep:
    """A room's interval before any heating or cooling.

    Attributes
    ----------
    t_in_c : numpy.ndarray
        Indoor temperature at the interval start [degC].
    set_point_c : numpy.ndarray
        Heating set point over the interval [degC].
    free_end_c : numpy.ndarray
        Indoor temperature at the interval end without heating [degC].
    need_w : numpy.ndarray
        Constant heat that ends the interval at the set point [W]; negative
        where the room ends above it without heating.
    """

    t_in_c: NDArray[np.float64]
    set_point_c: NDArray[np.float64]
    free_end_c: NDArray[np.float64]
    need_w: NDArray[np.float64]


def room_step(
    b: Buildings,
    t_in_c: NDArray[np.float64] | None,
    t_out_c: float,
    ghi_w_m2: float,
    present: NDArray[np.bool_],
    vacant: NDArray[np.bool_],
    *,
    day: bool,
    frost_c: float,
    decay: NDArray[np.float64],
) -> RoomStep:
    """The free-running interval of the rooms of ``b`` and the heat each needs.

    Parameters
    ----------
    b : Buildings
        The rooms' buildings.
    t_in_c : numpy.ndarray or None
        Indoor temperatures at the interval start [degC]; None at the run start
        (then :data:`FREE_RUNNING_EXCESS_K` above outdoors, between the set
        point and the cooling set point).
    t_out_c : float
        Mean outdoor temperature over the interval [degC].
    ghi_w_m2 : float
        Mean global horizontal irradiance [W/m2] (solar gains).
    present, vacant : numpy.ndarray
        Somebody at home; the home empty (frost protection only), bool.
    day : bool
        Whether the interval lies in the day window of the set points.
    frost_c : float
        Frost-protection set point of empty homes [degC].
    decay : numpy.ndarray
        ``exp(-dt H / C)`` of each room [-].
    """
    h = b.heat_loss_w_per_k
    gains = b.floor_area_m2 * (
        np.where(present, GAINS_PRESENT_W_M2, GAINS_ABSENT_W_M2)
        + SOLAR_APERTURE_M2_PER_M2 * ghi_w_m2
    )
    sp = heating_set_point_c(
        present=present,
        vacant=vacant,
        day=day,
        comfort_c=b.comfort_c,
        setback_k=b.setback_k,
        frost_c=frost_c,
    )
    if t_in_c is None:
        warm = np.minimum(t_out_c + FREE_RUNNING_EXCESS_K, b.cooling_c)
        t_in_c = np.maximum(sp, warm)
    free = free_end_temperature_c(t_in_c, t_out_c, gains, h, decay)
    return RoomStep(t_in_c, sp, free, heat_to_reach_w(sp, free, h, decay))
