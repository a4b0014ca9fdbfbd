"""Cable temperature: sizing, the first-order thermal model and its exact step (layer 1).

A cable carrying current ``I`` heats by its Joule losses ``I^2 R`` and loses
heat to the surrounding air through a thermal resistance ``R_th``; with heat
capacity ``C`` the conductor temperature ``T`` obeys

    dT/dt = (I^2 R - (T - T_amb) / R_th) / C.

For ``I`` and ``T_amb`` constant over a step this is linear with time
constant ``tau = R_th C`` and steady state ``T_ss = T_amb + I^2 R R_th``.
Calibrating ``R R_th`` so that the rated current ``I_r`` gives the rated
conductor temperature at the ampacity tables' reference ambient,
``I_r^2 R R_th = T_rated - 30 C``, gives

    T_ss = T_amb + (I / I_r)^2 (T_rated - 30 C)
    T(t + dt) = T_ss + (T(t) - T_ss) exp(-dt / tau),

the closed form used here: exact for piecewise-constant current and ambient
(the conductor resistance's rise with temperature is neglected). This is the
model behind the cyclic ratings of IEC 60853-1 and the ampacities of IEC
60364-5-52 [1]_ [2]_.

References
----------
.. [1] IEC 60853-1:1985, "Calculation of the cyclic and emergency current rating
   of cables - Part 1: Cyclic rating factor for cables up to and including
   18/30 (36) kV" (first-order transient of a cable's conductor temperature).
.. [2] IEC 60364-5-52:2009, Tables 52.1 and B.52.4 (rated conductor temperatures
   and current-carrying capacities at 30 C ambient).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from twin.devices.safety.params import (
    CABLE_AMPACITY_A,
    CABLE_SIZES_MM2,
    DESIGN_MARGIN,
    INDOOR_MIN_C,
    RATED_AMBIENT_C,
    THERMAL_TAU_S,
)

__all__ = [
    "cable_ambient_c",
    "cable_for_design_current",
    "cable_temperature_step",
    "steady_state_c",
    "thermal_tau_s",
]


def cable_for_design_current(design_a: ArrayLike) -> NDArray[np.int64]:
    """Index into :data:`CABLE_SIZES_MM2` of the smallest cable whose ampacity covers
    ``design_a`` times :data:`DESIGN_MARGIN` (the largest size when none does).

    Parameters
    ----------
    design_a : array_like
        Design peak current of each premise [A].
    """
    need = np.asarray(design_a, dtype=np.float64) * DESIGN_MARGIN
    idx = np.searchsorted(np.asarray(CABLE_AMPACITY_A), need, side="left")
    return np.minimum(idx, len(CABLE_SIZES_MM2) - 1).astype(np.int64)


def thermal_tau_s(size_mm2: ArrayLike) -> NDArray[np.float64]:
    """Thermal time constant of a cable [s]: :data:`THERMAL_TAU_S` at 16 mm2, scaled with
    the square root of the cross-section [mm2] (heat capacity grows with the copper, the
    surface that cools it with the diameter; assumed)."""
    return THERMAL_TAU_S * np.sqrt(np.asarray(size_mm2, dtype=np.float64) / 16.0)


def cable_ambient_c(outdoor_c: ArrayLike) -> NDArray[np.float64]:
    """Air temperature around indoor wiring [degC]: the outdoor air, but at least
    :data:`INDOOR_MIN_C` (heated buildings)."""
    return np.maximum(np.asarray(outdoor_c, dtype=np.float64), INDOOR_MIN_C)


def steady_state_c(
    current_a: ArrayLike,
    rated_a: ArrayLike,
    ambient_c: ArrayLike,
    rated_c: ArrayLike,
) -> NDArray[np.float64]:
    """Conductor temperature a constant current settles at [degC].

    ``T_ss = T_amb + (I / I_r)^2 (T_rated - 30 C)``.

    Parameters
    ----------
    current_a : array_like
        Conductor current [A].
    rated_a : array_like
        Current-carrying capacity at 30 C ambient [A] (> 0).
    ambient_c : array_like
        Air temperature around the cable [degC].
    rated_c : array_like
        Maximum continuous conductor temperature of the insulation [degC].
    """
    ratio = np.asarray(current_a, dtype=np.float64) / np.asarray(rated_a, dtype=np.float64)
    rise = np.asarray(rated_c, dtype=np.float64) - RATED_AMBIENT_C
    return np.asarray(ambient_c, dtype=np.float64) + ratio * ratio * rise


def cable_temperature_step(
    temp_c: ArrayLike,
    current_a: ArrayLike,
    rated_a: ArrayLike,
    ambient_c: ArrayLike,
    rated_c: ArrayLike,
    dt_s: float,
    tau_s: ArrayLike,
) -> NDArray[np.float64]:
    """Conductor temperature after ``dt_s`` of constant current and ambient [degC].

    ``T(t + dt) = T_ss + (T(t) - T_ss) exp(-dt / tau)`` (exact for the first-order model).

    Parameters
    ----------
    temp_c : array_like
        Conductor temperature at the step start [degC].
    current_a, rated_a, ambient_c, rated_c : array_like
        As in :func:`steady_state_c`.
    dt_s : float
        Step length [s] (>= 0).
    tau_s : array_like
        Thermal time constant [s] (> 0).
    """
    t_ss = steady_state_c(current_a, rated_a, ambient_c, rated_c)
    decay = np.exp(-float(dt_s) / np.asarray(tau_s, dtype=np.float64))
    return t_ss + (np.asarray(temp_c, dtype=np.float64) - t_ss) * decay
