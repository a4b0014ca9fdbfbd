"""Household gas use behind gas meters: space heating on the 1R1C building model,
hot water and cooking (:class:`GasFleet`)."""

from twin.devices.gas.fleet import GasFleet, GasParams

__all__ = ["GasFleet", "GasParams"]
