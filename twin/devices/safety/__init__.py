"""Electrical safety: cables, leakage, arcing, hazards and the sensors that watch them."""

from twin.devices.safety.fleet import Failure, SafetyFleet, SafetyState
from twin.devices.safety.hazards import FAILURE_KINDS, HazardSet, draw_hazards
from twin.devices.safety.params import (
    HAZARD_KINDS,
    PREMISE_KINDS,
    SENSOR_KINDS,
    SENSOR_UNITS,
    HazardRates,
    OperationsParams,
    SafetyParams,
    SensorParams,
)
from twin.devices.safety.sensors import measure

__all__ = [
    "FAILURE_KINDS",
    "HAZARD_KINDS",
    "PREMISE_KINDS",
    "SENSOR_KINDS",
    "SENSOR_UNITS",
    "Failure",
    "HazardRates",
    "HazardSet",
    "OperationsParams",
    "SafetyFleet",
    "SafetyParams",
    "SafetyState",
    "SensorParams",
    "draw_hazards",
    "measure",
]
