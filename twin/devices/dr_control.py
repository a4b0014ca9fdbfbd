"""What a demand-response event asks of the devices behind one meter, per interval.

The management core turns the events it received into these per-premise
set-points for one interval (:class:`DrControl`); the device fleets apply
them (see :meth:`twin.devices.behind_the_meter.DerFleets.step`). Each field is
``(n,)`` over the premises of the fleet (local positions); a premise without
an acting event has the neutral value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["STORAGE_DISCHARGE", "STORAGE_FREE", "STORAGE_PRECHARGE", "DrControl"]

STORAGE_FREE = 0
"""The battery follows its own strategy."""
STORAGE_PRECHARGE = 1
"""The battery charges from the grid at full power before an event."""
STORAGE_DISCHARGE = 2
"""The battery discharges to cover the premise's load during an event."""


@dataclass(frozen=True)
class DrControl:
    """Per-premise demand-response set-points of one interval.

    Attributes
    ----------
    ev_share : numpy.ndarray
        Share of its rated power a home charger may draw [-] (1: no limit).
    storage_mode : numpy.ndarray
        int8: :data:`STORAGE_FREE`, :data:`STORAGE_PRECHARGE` or :data:`STORAGE_DISCHARGE`.
    heat_pump_setback_k : numpy.ndarray
        How far below its set point a heat pump may let the room fall [K] (0: none).
    water_heater_setback_k : numpy.ndarray
        How far below its set point a tank may fall before its element heats [K] (0: none).
    wet_max_delay_s : numpy.ndarray
        Where positive, wet-appliance starts are held this interval, each at most this
        long past when it was wished [s] (0: no hold). Running cycles go on.
    """

    ev_share: NDArray[np.float64]
    storage_mode: NDArray[np.int8]
    heat_pump_setback_k: NDArray[np.float64]
    water_heater_setback_k: NDArray[np.float64]
    wet_max_delay_s: NDArray[np.float64]

    @classmethod
    def neutral(cls, n: int) -> DrControl:
        """No event anywhere: every device as without demand response."""
        return cls(np.ones(n), np.zeros(n, dtype=np.int8), np.zeros(n), np.zeros(n), np.zeros(n))

    @property
    def active(self) -> bool:
        """Any premise is asked anything."""
        return bool(
            (self.ev_share < 1).any()
            or self.storage_mode.any()
            or self.heat_pump_setback_k.any()
            or self.water_heater_setback_k.any()
            or self.wet_max_delay_s.any()
        )
