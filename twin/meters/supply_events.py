"""What the metrology core sees of its supply: voltage sags and swells, power down and up.

A meter watches the voltage at its terminals. A sag starts when the voltage
falls below ``sag_pu`` of nominal and ends when it comes back; a swell starts
above ``swell_pu``. A meter is powered while its bus is energised and its
disconnector (0-0:96.3.10) is closed; each change is a power-down or
power-up event. Both are logged by the legal core in its standard event log
(IDIS 0-0:99.98.0 and 0-0:99.98.4), stamped by its own clock.

The state machines here are fleet-wide arrays stepped once per interval on
the interval-mean voltage of the power flow; they return the transitions and
keep no log themselves.

References
----------
EN 50160:2010, 3.21 / 3.22 (voltage dip and swell thresholds, 90 % and 110 %
of the declared voltage); IEC 61000-4-30:2015, 5.4 (dip and swell detection);
DLMS UA 1000-1 (IDIS) event codes.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from twin.meters import events as ev

__all__ = ["SupplyMonitor"]

_NORMAL, _SAG, _SWELL = 0, 1, 2


class SupplyMonitor:
    """Sag/swell and power-down/up state of ``n`` meters.

    Parameters
    ----------
    n : int
        Number of meters.
    sag_pu, swell_pu : float
        Voltage below / above which a sag / swell is under way [pu].
    """

    def __init__(self, n: int, *, sag_pu: float = 0.90, swell_pu: float = 1.10):
        if not 0.0 < sag_pu < 1.0 < swell_pu:
            raise ValueError(
                f"sag_pu, swell_pu given {sag_pu}, {swell_pu}; expected 0 < sag_pu < 1 < swell_pu"
            )
        self.sag_pu, self.swell_pu = float(sag_pu), float(swell_pu)
        self._state = np.zeros(n, dtype=np.int8)
        self._energised = np.ones(n, dtype=bool)
        self._powered = np.ones(n, dtype=bool)

    def observe(
        self, vm_pu: NDArray[np.float64] | None, relay_closed: NDArray[np.bool_]
    ) -> list[tuple[int, NDArray[np.int64]]]:
        """Step both state machines over one interval.

        Parameters
        ----------
        vm_pu : numpy.ndarray or None
            Voltage at each meter's bus from this interval's power flow [pu]
            (NaN where the bus is de-energised); None when the power flow did
            not converge: the voltage states and the energised flags are kept.
        relay_closed : numpy.ndarray
            Disconnector closed, per meter.

        Returns
        -------
        list of (event code, meters)
            Sag and swell ends, sag and swell starts, power-downs, power-ups,
            in that order; meters ascending.
        """
        changes = []
        if vm_pu is not None:
            self._energised = np.isfinite(vm_pu)
            changes += self._voltage(vm_pu)
        return changes + self._supply(self._energised & relay_closed)

    def _voltage(self, vm_pu: NDArray[np.float64]) -> list[tuple[int, NDArray[np.int64]]]:
        """Sag/swell transitions; a meter whose voltage is not finite keeps its state."""
        vm = np.asarray(vm_pu, dtype=np.float64)
        state = np.where(vm < self.sag_pu, _SAG, np.where(vm > self.swell_pu, _SWELL, _NORMAL))
        state = state.astype(np.int8)
        unknown = ~np.isfinite(vm)
        state[unknown] = self._state[unknown]
        changed = np.flatnonzero(state != self._state)
        if changed.size == 0:
            return []
        old, new = self._state[changed], state[changed]
        self._state[changed] = new
        return [
            (ev.SAG_END, changed[old == _SAG]),
            (ev.SWELL_END, changed[old == _SWELL]),
            (ev.SAG_START, changed[new == _SAG]),
            (ev.SWELL_START, changed[new == _SWELL]),
        ]

    def _supply(self, powered: NDArray[np.bool_]) -> list[tuple[int, NDArray[np.int64]]]:
        """Power-down, then power-up transitions."""
        changed = np.flatnonzero(powered != self._powered)
        if changed.size == 0:
            return []
        self._powered = powered.copy()
        return [
            (ev.POWER_DOWN, changed[~powered[changed]]),
            (ev.POWER_UP, changed[powered[changed]]),
        ]
