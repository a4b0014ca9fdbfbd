"""Weather-driven household loads: heat pumps, direct electric heating, air-conditioning and
electric hot-water tanks on a 1R1C building model per home.

Layer 1 is pure kernels (:mod:`~twin.devices.heating.building`,
:mod:`~twin.devices.heating.heat_pump`, :mod:`~twin.devices.heating.control`,
:mod:`~twin.devices.heating.water_heater`); layer 2 the fleet
(:class:`ThermalFleet`), which :class:`~twin.devices.behind_the_meter.DerFleets`
steps with the household fleet's occupancy.
"""

from twin.devices.heating.building import Buildings, step_response_c
from twin.devices.heating.fleet import HEATING_KINDS, LOAD_KINDS, ThermalFleet
from twin.devices.heating.heat_pump import HeatPumpTable, heat_pump_table
from twin.devices.heating.params import BUILDING_CLASSES, ThermalParams

__all__ = [
    "BUILDING_CLASSES",
    "HEATING_KINDS",
    "LOAD_KINDS",
    "Buildings",
    "HeatPumpTable",
    "ThermalFleet",
    "ThermalParams",
    "heat_pump_table",
    "step_response_c",
]
