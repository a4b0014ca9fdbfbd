"""Households: occupancy, vacancy and electrical load of a fleet of homes.

Layer 1 (pure kernels) lives in :mod:`~twin.devices.households.kernel` and
:mod:`~twin.devices.households.occupancy`; layer 2 is
:class:`HouseholdFleet`, which the engine drives, drawn from a
:class:`HouseholdParams` (which holds the hard cases of vacancy detection,
:class:`VacantBehaviour` and :class:`LookEmpty`).
"""

from twin.devices.households.behaviour import LookEmpty, VacantBehaviour
from twin.devices.households.events import EVENT_KINDS, HouseholdEvent
from twin.devices.households.fleet import OCCUPANCY_KINDS, HouseholdFleet
from twin.devices.households.kernel import (
    appliance_intensity,
    lighting_fraction,
    reactive_power_kvar,
    seasonal_factor,
    solar_declination_deg,
    solar_elevation_deg,
)
from twin.devices.households.occupancy import (
    ARCHETYPES,
    marginal_state_probabilities,
    transition_matrices,
)
from twin.devices.households.params import HouseholdParams

__all__ = [
    "ARCHETYPES",
    "EVENT_KINDS",
    "OCCUPANCY_KINDS",
    "HouseholdEvent",
    "HouseholdFleet",
    "HouseholdParams",
    "LookEmpty",
    "VacantBehaviour",
    "appliance_intensity",
    "lighting_fraction",
    "marginal_state_probabilities",
    "reactive_power_kvar",
    "seasonal_factor",
    "solar_declination_deg",
    "solar_elevation_deg",
    "transition_matrices",
]
