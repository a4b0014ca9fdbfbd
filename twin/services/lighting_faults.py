"""Lamp faults from a lighting cabinet meter's power: the check a lighting platform runs.

One rule, used live by the platform's alarms (:mod:`twin.engine.alarm_lighting`)
and after the fact by the report. Per reading of a circuit's cabinet meter:

- in a reading wholly lit (on at its end and at the previous reading's),
  the *deficit* is how many lamps' worth of power at the dimming level is
  missing; a deficit of at least :data:`MISSING_LAMP_SHARE` of a lamp means
  lamps out. On a sodium circuit a half-lamp remainder (within
  :data:`HALF_LAMP_BAND` of one half) is a ``cycling`` lamp (an end-of-life
  sodium lamp glows about half its lit time); what is left of the deficit
  after the cycling lamps, if still at least that share, is ``burn_out``;
- in a reading wholly dark, power of at least that share of a lamp is a
  ``day_burner`` (a lamp stuck on).

Readings neither wholly lit nor wholly dark (switching inside them) say
nothing. The rule reads only what the platform holds: the asset register
(lamps, their system power and kind) and the cabinet readings.

Power measured at the cabinet is how telemanaged street lighting without a
node per lamp finds failed lamps; every threshold here is an assumption.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "CYCLING_DEFICIT",
    "HALF_LAMP_BAND",
    "LAMP_FAULT_KINDS",
    "MISSING_LAMP_SHARE",
    "LampFaultFlags",
    "lamp_fault_flags",
]

MISSING_LAMP_SHARE: Final = 0.4
"""Power deficit (lit) or surplus (dark) that flags a circuit, in lamps [-] (assumed:
above meter and rounding noise, and a cycling lamp's half share still shows)."""

CYCLING_DEFICIT: Final = 0.5
"""Share of a lamp a cycling sodium lamp is missing on average [-] (assumed: it glows
about half its lit time)."""

HALF_LAMP_BAND: Final = 0.25
"""A deficit whose fractional part lies within this of one half is read as a cycling
lamp on a sodium circuit [-] (assumed: halfway between whole lamps and half lamps)."""

LAMP_FAULT_KINDS: Final = ("burn_out", "cycling", "day_burner")
"""The faults the rule tells apart."""


@dataclass(frozen=True)
class LampFaultFlags:
    """Per reading: which faults show, and the deficit / surplus behind them [lamps]."""

    burn_out: NDArray[np.bool_]
    cycling: NDArray[np.bool_]
    day_burner: NDArray[np.bool_]
    lit: NDArray[np.bool_]
    dark: NDArray[np.bool_]
    deficit: NDArray[np.float64]
    surplus: NDArray[np.float64]

    def kind(self, name: str) -> NDArray[np.bool_]:
        """Flags of one of :data:`LAMP_FAULT_KINDS`."""
        return {"burn_out": self.burn_out, "cycling": self.cycling, "day_burner": self.day_burner}[
            name
        ]

    def watched(self, name: str) -> NDArray[np.bool_]:
        """Readings that can show fault ``name`` (or its absence): lit ones, dark ones for
        a day-burner."""
        return self.dark if name == "day_burner" else self.lit


def lamp_fault_flags(
    power_w: NDArray[np.float64],
    on: NDArray[np.bool_],
    prev_on: NDArray[np.bool_],
    level: NDArray[np.float64],
    lamps: NDArray[np.float64],
    lamp_w: NDArray[np.float64],
    sodium: NDArray[np.bool_],
) -> LampFaultFlags:
    """Flag lamp faults in cabinet readings (vectorised over readings).

    Parameters
    ----------
    power_w : numpy.ndarray
        Mean power of each reading [W].
    on, prev_on : numpy.ndarray
        The circuit on at the reading's end, and at the previous reading's end.
    level : numpy.ndarray
        Dimming level at the reading's end [-].
    lamps, lamp_w : numpy.ndarray
        Lamps of the circuit, and one lamp's system power (lamp and ballast) [W].
    sodium : numpy.ndarray
        The circuit's lamps are sodium lamps (they may cycle).

    Returns
    -------
    LampFaultFlags
    """
    lamp_w = np.asarray(lamp_w, dtype=np.float64)
    level = np.asarray(level, dtype=np.float64)
    power = np.asarray(power_w, dtype=np.float64)
    lit = np.asarray(on, dtype=bool) & np.asarray(prev_on, dtype=bool)
    dark = ~np.asarray(on, dtype=bool) & ~np.asarray(prev_on, dtype=bool)
    deficit = (np.asarray(lamps) * lamp_w * level - power) / np.maximum(lamp_w * level, 1e-9)
    surplus = power / np.maximum(lamp_w, 1e-9)
    out = lit & (deficit >= MISSING_LAMP_SHARE)
    half = np.abs(deficit - np.floor(deficit) - 0.5) <= HALF_LAMP_BAND
    cycling = out & np.asarray(sodium, dtype=bool) & half
    burn_out = out & (deficit - CYCLING_DEFICIT * cycling >= MISSING_LAMP_SHARE)
    return LampFaultFlags(
        burn_out=burn_out,
        cycling=cycling,
        day_burner=dark & (surplus >= MISSING_LAMP_SHARE),
        lit=lit,
        dark=dark,
        deficit=deficit,
        surplus=surplus,
    )
