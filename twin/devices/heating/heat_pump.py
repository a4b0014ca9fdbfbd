"""Air-source heat pumps: COP and capacity tables from hplib, the heating curve, the split
between compressor and back-up heater.

hplib [1]_ fits its heat pump models to the measured data of the Keymark
certificates; its ``"Generic"`` model of group 1 (air/water, regulated, i.e.
inverter-driven and modulating) is the average of that group. hplib is
evaluated once per process on a grid of outdoor and flow temperatures
(:func:`heat_pump_table`); per interval the fleet interpolates the grid, never
calls hplib per home. Where hplib's COP drops to 1 (very cold air and a high
flow temperature) it runs its heating rod alone, which the table keeps.

The flow temperature follows the heating curve of DIN V 4701-10, as in
hplib's ``HeatingSystem.calc_heating_dist_temp`` [2]_.

References
----------
.. [1] Schmidt, T. et al. (2022), "hplib: Database with efficiency parameters
   of heat pumps and a simulation model", version 1.9, https://github.com/FZJ-IEK3-VSA/hplib
   (``get_parameters("Generic", group_id=1, ...)``, ``HeatPump.simulate``).
.. [2] DIN V 4701-10:2003-08, "Energetische Bewertung heiz- und raumlufttechnischer
   Anlagen", section 5 (heating curve of the distribution system).
.. [3] NIBE, "SMO S40 installer manual" (2021), menu 7.1.10: degree minutes, the
   time integral of the heating deficit, start the compressor and, further
   below, release the additional heat.
.. [4] VDI 4645:2018, "Heating plants with heat pumps in single-family and
   multi-family houses - Planning, construction, operation".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "BIVALENCE_C",
    "FLOW_GRID_C",
    "HPLIB_GROUP",
    "HPLIB_MODEL",
    "OUTDOOR_GRID_C",
    "ROD_DEFICIT_KH",
    "ROD_RESET_K",
    "HeatPumpTable",
    "flow_temperature_c",
    "heat_pump_split_w",
    "heat_pump_table",
]

HPLIB_MODEL: Final = "Generic"
"""hplib model: the average of a group of the database."""

HPLIB_GROUP: Final = 1
"""hplib group 1: air/water, regulated (inverter, modulating)."""

HPLIB_REFERENCE: Final = (-7, 52, 10_000)
"""(t_in [degC], t_out [degC], p_th [W]) of the generic heat pump hplib fits; COP and the
capacity relative to ``P_th_h_ref`` do not depend on it."""

OUTDOOR_GRID_C: Final = np.arange(-30.0, 41.0, 1.0)
"""Outdoor (source) temperatures of the table [degC]."""

FLOW_GRID_C: Final = np.arange(20.0, 71.0, 1.0)
"""Flow (secondary outlet) temperatures of the table [degC]."""

FLOW_SPREAD_K: Final = 5.0
"""Flow minus return temperature [K]: hplib's ``delta_t``."""

MIN_FLOW_C: Final = 25.0
"""Lowest flow temperature of the heating curve [degC] (assumed)."""

ROD_DEFICIT_KH: Final = 2.0
"""The back-up heater is released below :data:`BIVALENCE_C` once the home's deficit below
its set point, integrated over time, exceeds this [K h], and locked again once the set
point is reached within :data:`ROD_RESET_K` (assumed; shaped after the degree-minute
release of the additional heater in heat pump controllers [3]_): the compressor catches up
after a set-back alone, the heater helps in cold spells that it cannot cover."""

BIVALENCE_C: Final = -5.0
"""Outdoor temperature below which the back-up heater may run alongside the compressor
[degC] (parallel bivalent operation; VDI 4645:2018 suggests bivalence points of about
-5 to -10 degC for air-source heat pumps [4]_; assumed)."""

ROD_RESET_K: Final = 0.1
"""Deficit below the set point under which the back-up heater's release resets [K]."""


@dataclass(frozen=True)
class HeatPumpTable:
    """COP and full-load heat output of a heat pump on an (outdoor, flow) grid.

    Attributes
    ----------
    outdoor_c, flow_c : numpy.ndarray
        Grid axes [degC], ascending and evenly spaced.
    cop : numpy.ndarray
        Coefficient of performance, shape ``(outdoor, flow)`` [-].
    capacity : numpy.ndarray
        Full-load heat output over hplib's ``P_th_h_ref``, same shape [-].
    """

    outdoor_c: NDArray[np.float64]
    flow_c: NDArray[np.float64]
    cop: NDArray[np.float64]
    capacity: NDArray[np.float64]

    def at(
        self, outdoor_c: float, flow_c: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Bilinear interpolation of COP and capacity at one outdoor temperature.

        Parameters
        ----------
        outdoor_c : float
            Outdoor air temperature [degC] (clipped to the grid).
        flow_c : numpy.ndarray
            Flow temperature per heat pump [degC] (clipped to the grid).

        Returns
        -------
        cop, capacity : numpy.ndarray
            Per heat pump [-].
        """
        x = self.outdoor_c
        pos = (min(max(outdoor_c, x[0]), x[-1]) - x[0]) / (x[1] - x[0])
        i = min(int(pos), x.size - 2)
        w = pos - i
        cop_row = (1.0 - w) * self.cop[i] + w * self.cop[i + 1]
        cap_row = (1.0 - w) * self.capacity[i] + w * self.capacity[i + 1]
        return np.interp(flow_c, self.flow_c, cop_row), np.interp(flow_c, self.flow_c, cap_row)


def hplib_simulate(
    outdoor_c: NDArray[np.float64], flow_c: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """hplib's own COP and full-load heat output over ``P_th_h_ref`` (no table) [-].

    The reference the table is built from and tested against.
    """
    from hplib import hplib as hpl  # type: ignore[import-untyped]

    t_in, t_out, p_th = HPLIB_REFERENCE
    parameters = hpl.get_parameters(
        HPLIB_MODEL, group_id=HPLIB_GROUP, t_in=t_in, t_out=t_out, p_th=p_th
    )
    pump = hpl.HeatPump(parameters)
    air = np.asarray(outdoor_c, dtype=np.float64)
    flow = np.asarray(flow_c, dtype=np.float64)
    result = pump.simulate(t_in_primary=air, t_in_secondary=flow - FLOW_SPREAD_K, t_amb=air, mode=1)
    cop = np.asarray(result["COP"], dtype=np.float64)
    capacity = np.asarray(result["P_th"], dtype=np.float64) / pump.p_th_ref
    return cop, capacity


@cache
def heat_pump_table() -> HeatPumpTable:
    """The table of hplib's generic regulated air/water heat pump (built once per process)."""
    air, flow = np.meshgrid(OUTDOOR_GRID_C, FLOW_GRID_C, indexing="ij")
    cop, capacity = hplib_simulate(air.ravel(), flow.ravel())
    shape = air.shape
    return HeatPumpTable(
        outdoor_c=OUTDOOR_GRID_C.copy(),
        flow_c=FLOW_GRID_C.copy(),
        cop=cop.reshape(shape),
        capacity=capacity.reshape(shape),
    )


def flow_temperature_c(
    outdoor_c: float,
    design_flow_c: NDArray[np.float64],
    exponent: NDArray[np.float64],
    *,
    room_c: float = 20.0,
    design_outdoor_c: float = -12.0,
) -> NDArray[np.float64]:
    """Heating-curve flow temperature [degC] (DIN V 4701-10 [2]_).

    ``room + ((room - T_out) / (room - T_design))^(1/n) (flow_design - room)``,
    at least :data:`MIN_FLOW_C`; ``n`` is 1.1 for underfloor heating, 1.3 for
    radiators.
    """
    load = max(room_c - outdoor_c, 0.0) / (room_c - design_outdoor_c)
    flow = room_c + load ** (1.0 / exponent) * (design_flow_c - room_c)
    return np.maximum(flow, MIN_FLOW_C)


def heat_pump_split_w(
    need_w: NDArray[np.float64],
    capacity_w: NDArray[np.float64],
    cop: NDArray[np.float64],
    rod_w: NDArray[np.float64],
    rod_allowed: NDArray[np.bool_],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Heat from the compressor and the back-up heater, and the electric power they draw.

    The compressor modulates (or cycles below its lowest stage: the interval
    mean is the same) up to its full-load output; the back-up heater covers
    what is left, up to its rating, where allowed.

    Parameters
    ----------
    need_w : numpy.ndarray
        Heat wanted over the interval [W] (negative: none).
    capacity_w : numpy.ndarray
        Full-load compressor heat output now [W].
    cop : numpy.ndarray
        COP now [-], >= 1.
    rod_w : numpy.ndarray
        Back-up heater rating [W].
    rod_allowed : numpy.ndarray
        bool: the back-up heater may run.

    Returns
    -------
    compressor_w, rod_heat_w, p_el_w : numpy.ndarray
        Heat from the compressor and the heater [W]; electric input
        ``compressor / cop + rod`` [W].
    """
    want = np.maximum(need_w, 0.0)
    compressor = np.minimum(want, capacity_w)
    rod = np.where(rod_allowed, np.minimum(want - compressor, rod_w), 0.0)
    return compressor, rod, compressor / cop + rod
