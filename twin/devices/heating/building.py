"""The thermal building model: one resistance and one capacitance (1R1C) per home.

A home is a single thermal node of capacity ``C`` [J/K] that loses heat to the
outdoor air through a heat loss coefficient ``H`` [W/K] (transmission plus
ventilation) and gains heat from occupants and appliances, the sun and the
heating (or loses it to cooling)::

    C dT/dt = -H (T - T_out) + G + Q

With ``T_out``, ``G`` and ``Q`` constant over an interval of length ``dt``
the exact solution is the step response towards ``T_inf = T_out + (G + Q) / H``::

    T(dt) = T_inf + (T(0) - T_inf) a,    a = exp(-dt H / C)

which is how every interval is advanced (no time-step error). This is the
simplest member of the family of ISO 13790:2008 (simple hourly method, 5R1C)
and ISO 52016-1:2017; the single node lumps air and thermal mass.

Heat loss coefficients per m^2 of heated floor by building class are shaped
after the German TABULA/EPISCOPE typology [2]_; the effective capacity per m^2
of floor spans ISO 13790's classes "light" to "heavy" [1]_.

References
----------
.. [1] ISO 13790:2008, "Energy performance of buildings - Calculation of energy
   use for space heating and cooling", 12.3.1 (Table 12: internal heat
   capacity 80,000-370,000 J/(K m^2) of floor) and 10.4 (internal gains).
.. [2] Loga, Stein, Diefenbach, Born (2015), "Deutsche Wohngebaeudetypologie",
   IWU Darmstadt (TABULA/EPISCOPE): heat transfer by transmission and
   ventilation of German single- and multi-family houses by age and
   refurbishment state.
.. [3] DIN V 18599-10:2018, Table 4: internal gains of residential buildings,
   about 100 Wh/(m^2 d), i.e. about 4 W/m^2 on average.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.devices.heating.params import BUILDING_CLASSES, ThermalParams

__all__ = [
    "CAPACITY_J_PER_K_M2_RANGE",
    "DESIGN_FLOW_C",
    "DESIGN_OUTDOOR_C",
    "DESIGN_ROOM_C",
    "GAINS_ABSENT_W_M2",
    "GAINS_PRESENT_W_M2",
    "HEAT_LOSS_W_PER_K_M2",
    "SOLAR_APERTURE_M2_PER_M2",
    "Buildings",
    "end_temperature_c",
    "free_end_temperature_c",
    "heat_to_reach_w",
    "step_response_c",
]

HEAT_LOSS_W_PER_K_M2: Final = {
    "unrenovated": (1.6, 2.6),
    "renovated": (1.0, 1.6),
    "new": (0.5, 1.0),
}
"""Heat loss coefficient (transmission + ventilation) per m^2 of heated floor
[W/(K m^2)] by building class, drawn uniformly: shaped after TABULA/EPISCOPE [2]_
(about 180, 100 and 50 kWh/(m^2 a) of heat demand in central Germany)."""

CAPACITY_J_PER_K_M2_RANGE: Final = (110_000.0, 260_000.0)
"""Effective heat capacity per m^2 of floor [J/(K m^2)]: ISO 13790 "light" to "heavy" [1]_."""

DESIGN_FLOW_C: Final = {"unrenovated": 55.0, "renovated": 45.0, "new": 35.0}
"""Heating flow temperature at the design outdoor temperature by building class [degC]:
radiators, low-temperature radiators, underfloor heating (assumed)."""

CURVE_EXPONENT: Final = {"unrenovated": 1.3, "renovated": 1.3, "new": 1.1}
"""Exponent of the heating curve: 1.3 radiators, 1.1 underfloor heating (DIN V 4701-10,
as in hplib's ``HeatingSystem``)."""

DESIGN_OUTDOOR_C: Final = -12.0
"""Design outdoor temperature of the heating system [degC] (DIN EN 12831-1 national
annex: -10 to -16 degC across Germany; assumed)."""

DESIGN_ROOM_C: Final = 20.0
"""Design indoor temperature [degC] (DIN EN 12831-1)."""

GAINS_PRESENT_W_M2: Final = 4.0
"""Internal gains while somebody is at home [W/m^2] (after DIN V 18599-10 [3]_)."""

GAINS_ABSENT_W_M2: Final = 1.0
"""Internal gains of an empty home (fridge, standby) [W/m^2] (assumed)."""

SOLAR_APERTURE_M2_PER_M2: Final = 0.03
"""Solar gains per m^2 of floor per W/m^2 of global horizontal irradiance [-]:
about 15 % of the floor as windows, g = 0.6, frame and shading 0.6, vertical over
horizontal irradiance about 0.55 (assumed, after ISO 13790 11.3)."""


@dataclass(frozen=True)
class Buildings:
    """Drawn thermal properties of every home (full fleet or members).

    Attributes
    ----------
    building_class : numpy.ndarray
        Index into :data:`~twin.devices.heating.params.BUILDING_CLASSES`, int64.
    floor_area_m2 : numpy.ndarray
        Heated floor area [m^2].
    heat_loss_w_per_k : numpy.ndarray
        Heat loss coefficient ``H`` [W/K].
    capacity_j_per_k : numpy.ndarray
        Heat capacity ``C`` [J/K].
    comfort_c, setback_k, cooling_c : numpy.ndarray
        Daytime set point [degC], set-back [K], cooling set point [degC].
    """

    building_class: NDArray[np.int64]
    floor_area_m2: NDArray[np.float64]
    heat_loss_w_per_k: NDArray[np.float64]
    capacity_j_per_k: NDArray[np.float64]
    comfort_c: NDArray[np.float64]
    setback_k: NDArray[np.float64]
    cooling_c: NDArray[np.float64]

    @classmethod
    def draw(cls, rng: np.random.Generator, n: int, params: ThermalParams) -> Buildings:
        """Draw ``n`` homes' building class, size, heat loss, capacity and set points."""
        cls_index = rng.choice(len(BUILDING_CLASSES), size=n, p=params.class_weights())
        area = rng.uniform(*params.floor_area_m2, n)
        lo = np.array([HEAT_LOSS_W_PER_K_M2[c][0] for c in BUILDING_CLASSES])
        hi = np.array([HEAT_LOSS_W_PER_K_M2[c][1] for c in BUILDING_CLASSES])
        u = rng.random(n)
        h_per_m2 = lo[cls_index] + u * (hi - lo)[cls_index]
        capacity = rng.uniform(*CAPACITY_J_PER_K_M2_RANGE, n) * area
        return cls(
            building_class=cls_index.astype(np.int64),
            floor_area_m2=area,
            heat_loss_w_per_k=h_per_m2 * area,
            capacity_j_per_k=capacity,
            comfort_c=rng.uniform(*params.comfort_c, n),
            setback_k=rng.uniform(*params.setback_k, n),
            cooling_c=rng.uniform(*params.cooling_c, n),
        )

    def take(self, index: NDArray[np.intp]) -> Buildings:
        """The homes at ``index``."""
        return Buildings(**{name: getattr(self, name)[index] for name in self.__dataclass_fields__})

    def design_load_w(self) -> NDArray[np.float64]:
        """Design heat load ``H (20 - (-12))`` [W] (DIN EN 12831-1, no gains)."""
        return self.heat_loss_w_per_k * (DESIGN_ROOM_C - DESIGN_OUTDOOR_C)


def step_response_c(
    t0_c: NDArray[np.float64] | float,
    t_inf_c: NDArray[np.float64] | float,
    elapsed_s: NDArray[np.float64] | float,
    tau_s: NDArray[np.float64] | float,
) -> NDArray[np.float64]:
    """Analytic 1R1C step response ``T_inf + (T0 - T_inf) exp(-t / tau)`` [degC].

    Parameters
    ----------
    t0_c : float or numpy.ndarray
        Temperature at ``t = 0`` [degC].
    t_inf_c : float or numpy.ndarray
        Steady-state temperature ``T_out + (G + Q) / H`` [degC].
    elapsed_s : float or numpy.ndarray
        Time since the step [s].
    tau_s : float or numpy.ndarray
        Time constant ``C / H`` [s].
    """
    return np.asarray(
        t_inf_c + (np.asarray(t0_c) - t_inf_c) * np.exp(-np.asarray(elapsed_s) / tau_s),
        dtype=np.float64,
    )


def free_end_temperature_c(
    t_c: NDArray[np.float64],
    t_out_c: float,
    gains_w: NDArray[np.float64],
    heat_loss_w_per_k: NDArray[np.float64],
    decay: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Indoor temperature at the interval end without heating or cooling [degC].

    Parameters
    ----------
    t_c : numpy.ndarray
        Indoor temperature at the interval start [degC].
    t_out_c : float
        Mean outdoor temperature over the interval [degC].
    gains_w : numpy.ndarray
        Internal and solar gains [W].
    heat_loss_w_per_k : numpy.ndarray
        ``H`` [W/K].
    decay : numpy.ndarray
        ``a = exp(-dt H / C)`` [-].
    """
    t_inf = t_out_c + gains_w / heat_loss_w_per_k
    return t_inf + (t_c - t_inf) * decay


def heat_to_reach_w(
    target_c: NDArray[np.float64],
    free_end_c: NDArray[np.float64],
    heat_loss_w_per_k: NDArray[np.float64],
    decay: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Constant heat over the interval that ends it exactly at ``target_c`` [W].

    ``H (target - T_free) / (1 - a)``; negative where the home ends above the
    target without heating (then ``-result`` is the cooling that reaches it).
    """
    return heat_loss_w_per_k * (target_c - free_end_c) / (1.0 - decay)


def end_temperature_c(
    free_end_c: NDArray[np.float64],
    heat_w: NDArray[np.float64],
    heat_loss_w_per_k: NDArray[np.float64],
    decay: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Indoor temperature at the interval end with ``heat_w`` delivered (cooling < 0) [degC]."""
    return free_end_c + (1.0 - decay) * heat_w / heat_loss_w_per_k
