"""Lighting circuits: streetlights along LV feeders and the apartment buildings' common
areas, their control, dimming and failures."""

from twin.devices.lighting.fleet import FAILURE_KINDS, LampFailures, LightingFleet
from twin.devices.lighting.kernel import motion_level
from twin.devices.lighting.params import (
    COMMON_AREA_RATED_W,
    LAMP_KINDS,
    LAMP_RATED_W,
    CommandParams,
    CommonAreaParams,
    DimmingWindow,
    FailureParams,
    StreetlightParams,
)

__all__ = [
    "COMMON_AREA_RATED_W",
    "FAILURE_KINDS",
    "LAMP_KINDS",
    "LAMP_RATED_W",
    "CommandParams",
    "CommonAreaParams",
    "DimmingWindow",
    "FailureParams",
    "LampFailures",
    "LightingFleet",
    "StreetlightParams",
    "motion_level",
]
