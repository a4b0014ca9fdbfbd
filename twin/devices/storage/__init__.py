"""Home batteries: the pure SoC kernel and dispatch rules (layer 1), the fleet (layer 2)."""

from twin.devices.storage.fleet import StorageFleet
from twin.devices.storage.kernel import (
    self_consumption_setpoint_kw,
    split_round_trip,
    storage_step,
    tou_setpoint_kw,
)
from twin.devices.storage.params import STRATEGIES, StorageParams, Strategy

__all__ = [
    "STRATEGIES",
    "StorageFleet",
    "StorageParams",
    "Strategy",
    "self_consumption_setpoint_kw",
    "split_round_trip",
    "storage_step",
    "tou_setpoint_kw",
]
