"""Lighting circuits: streetlights along LV feeders, their control, dimming and failures."""

from twin.devices.lighting.fleet import FAILURE_KINDS, LampFailures, LightingFleet
from twin.devices.lighting.params import (
    LAMP_KINDS,
    LAMP_RATED_W,
    CommandParams,
    DimmingWindow,
    FailureParams,
    StreetlightParams,
)

__all__ = [
    "FAILURE_KINDS",
    "LAMP_KINDS",
    "LAMP_RATED_W",
    "CommandParams",
    "DimmingWindow",
    "FailureParams",
    "LampFailures",
    "LightingFleet",
    "StreetlightParams",
]
