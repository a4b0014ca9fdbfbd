"""Vectorised device fleets (households, ...): numpy arrays, no SimPy, no I/O.

A device module never imports the grid, streams, engine or scenario layers;
the engine wires fleets to the rest of the twin.
"""

from twin.devices.households import HouseholdEvent, HouseholdFleet

__all__ = ["HouseholdEvent", "HouseholdFleet"]
