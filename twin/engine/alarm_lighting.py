"""Lamp-fault alarms, raised live from each cabinet-meter reading.

At every reading of the lighting circuits' cabinet meters
(:meth:`~twin.engine.lighting.LightingCircuits.close_interval`) the
platform's rule (:func:`twin.services.lighting_faults.lamp_fault_flags`)
flags ``burn_out``, ``cycling`` and ``day_burner`` per circuit; one
:class:`~twin.engine.alarms.ConditionTracker` per kind raises an alarm at
the first flagged reading and clears it at the first reading that can show
the fault and looks normal again (a lit one for lamps out, a dark one for a
day-burner; readings that cannot show it leave the alarm as it is).

Truth: the cause is ``lamp_failure`` with the circuit as ``cause_id`` when
the circuit has a lamp failure under way at the reading
(``truth/lamp_failure``), else ``false``.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.devices.lighting import LAMP_KINDS, LightingFleet
from twin.engine.alarms import Alarm, AlarmLog, ConditionTracker, Severity
from twin.services.lighting_faults import LAMP_FAULT_KINDS, MISSING_LAMP_SHARE, lamp_fault_flags

__all__ = ["SEVERITY", "LightingAlarms"]

SEVERITY: Final[dict[str, Severity]] = {
    "burn_out": "minor",
    "cycling": "minor",
    "day_burner": "warning",
}
"""Severity per lamp fault (assumed: a dark street is a service failure, a lamp on by day
wastes energy)."""


class LightingAlarms:
    """The lamp-fault alarms of the local circuits.

    Parameters
    ----------
    fleet : LightingFleet
        The circuits simulated here (asset register, and the truth of their failures).
    circuit_ids : list of str
        Per local circuit.
    log : AlarmLog
        Where alarms go.
    """

    def __init__(self, fleet: LightingFleet, circuit_ids: list[str], log: AlarmLog):
        self.fleet, self.log, self.ids = fleet, log, circuit_ids
        n = fleet.n
        self._lamps = fleet.lamps.astype(np.float64)
        self._sodium = fleet.kind == LAMP_KINDS.index("sodium")
        self._prev_on = np.zeros(n, dtype=bool)
        self._trackers = {kind: ConditionTracker(n, 1, 1) for kind in LAMP_FAULT_KINDS}
        self._open: dict[tuple[str, int], Alarm] = {}

    def reading(
        self,
        end_s: float,
        power_w: NDArray[np.float64],
        on: NDArray[np.bool_],
        level: NDArray[np.float64],
    ) -> None:
        """One reading of every local cabinet meter at ``end_s`` [s]."""
        fleet = self.fleet
        flags = lamp_fault_flags(
            power_w, on, self._prev_on, level, self._lamps, fleet.lamp_w, self._sodium
        )
        self._prev_on = np.asarray(on, dtype=bool).copy()
        for kind, tracker in self._trackers.items():
            raised, cleared = tracker.step(flags.kind(kind), flags.watched(kind))
            if raised.size:
                failing = fleet.failed[:, raised].sum(axis=0) > 0
                value = flags.surplus if kind == "day_burner" else flags.deficit
                for c, real in zip(raised.tolist(), failing.tolist(), strict=True):
                    self._open[(kind, c)] = self.log.raise_alarm(
                        source="lighting",
                        device_id=self.ids[c],
                        premise_id=None,
                        kind=kind,
                        severity=SEVERITY[kind],
                        time_s=end_s,
                        value=float(value[c]),
                        threshold=MISSING_LAMP_SHARE,
                        unit="lamps",
                        cause="lamp_failure" if real else "false",
                        cause_id=self.ids[c] if real else None,
                    )
            for c in cleared.tolist():
                self.log.clear(self._open.pop((kind, c)), end_s)
