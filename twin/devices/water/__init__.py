"""Household water use behind water meters: per-person draws by occupancy, time of day
and season (:mod:`~twin.devices.water.demand`), leaks (:mod:`~twin.devices.water.leaks`)
and the fleet (:class:`WaterFleet`)."""

from twin.devices.water.demand import PERSONS, expected_daily_weight, season_factor
from twin.devices.water.fleet import WaterFleet
from twin.devices.water.leaks import Leaks

__all__ = ["PERSONS", "Leaks", "WaterFleet", "expected_daily_weight", "season_factor"]
