"""Supply-voltage limits of EN 50160:2010 and ANSI C84.1-2020.

EN 50160 states its limits on 10-min mean r.m.s. values over each period of
one week. The twin gives one power-flow voltage per metering interval (15 min
by default), the voltage at the interval's mean injections, which stands in
for the interval mean r.m.s. value: the study applies the limits to these
interval means (see :data:`AVERAGING_NOTE`).

References
----------
.. [1] EN 50160:2010, Voltage characteristics of electricity supplied by
   public electricity networks, 4.2.2 (LV) and 5.2.2 (MV) supply voltage
   variations.
.. [2] ANSI C84.1-2020, American National Standard for Electric Power
   Systems and Equipment - Voltage Ratings (60 Hz), Table 1, Range A and
   Range B service voltage (114-126 V and 110-127 V on 120 V).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = [
    "ANSI_RANGE_A_PU",
    "ANSI_RANGE_B_PU",
    "AVERAGING_NOTE",
    "EN50160_LIMITS",
    "TOLERANCE_PU",
    "WEEK_S",
    "En50160Limits",
    "VoltageLevel",
    "averaging_note",
    "voltage_level",
]

VoltageLevel = Literal["LV", "MV", "HV", "unknown"]

WEEK_S = 7 * 86_400
"""EN 50160 assessment period: one week [s]."""

TOLERANCE_PU = 1e-6
"""Slack on every limit [pu]: bus voltages are stored as float32 (~1.2e-7 pu
resolution), so a value written as exactly 1.10 pu is not counted above it."""

ANSI_RANGE_A_PU = (0.95, 1.05)
"""ANSI C84.1-2020 Range A service voltage [pu]: 114-126 V on 120 V."""

ANSI_RANGE_B_PU = (110.0 / 120.0, 127.0 / 120.0)
"""ANSI C84.1-2020 Range B service voltage [pu]: 110-127 V on 120 V."""


@dataclass(frozen=True)
class En50160Limits:
    """Weekly supply-voltage variation limits of EN 50160:2010 for one voltage level.

    Attributes
    ----------
    level : str
        ``"LV"`` (Un <= 1 kV) or ``"MV"`` (1 kV < Uc <= 36 kV).
    band_pu : float
        Half width of the band that most interval means must lie in [pu].
    required_share : float
        Share of a week's interval means that must lie within
        ``1 +/- band_pu`` [fraction 0..1].
    low_pu, high_pu : float
        Bounds that every interval mean of the week must respect [pu].
    clause : str
        The clause of EN 50160:2010 stating the limits.
    """

    level: Literal["LV", "MV"]
    band_pu: float
    required_share: float
    low_pu: float
    high_pu: float
    clause: str

    def as_dict(self) -> dict[str, object]:
        """The limits as JSON-ready data."""
        return {
            "band_pu": [round(1.0 - self.band_pu, 6), round(1.0 + self.band_pu, 6)],
            "required_share_per_week": self.required_share,
            "all_within_pu": [self.low_pu, self.high_pu],
            "clause": self.clause,
        }


EN50160_LIMITS: dict[str, En50160Limits] = {
    "LV": En50160Limits("LV", 0.10, 0.95, 0.85, 1.10, "EN 50160:2010 4.2.2.2"),
    "MV": En50160Limits("MV", 0.10, 0.99, 0.85, 1.15, "EN 50160:2010 5.2.2.2"),
}
"""Limits by voltage level. Buses of unknown level are assessed as LV."""

AVERAGING_NOTE = (
    "EN 50160 defines its limits on 10-min mean r.m.s. voltages; the twin has one "
    "power-flow voltage per metering interval of {interval_min:g} min (the voltage at "
    "the interval's mean power), so compliance is computed on interval means. "
    "{direction}"
)


def averaging_note(interval_s: int) -> str:
    """The note on interval means versus 10-min means for an interval of ``interval_s`` [s]."""
    if interval_s > 600:
        direction = (
            "Means over intervals longer than 10 min smooth short excursions, so the "
            "shares within the band are, if anything, optimistic."
        )
    elif interval_s < 600:
        direction = (
            "Means over intervals shorter than 10 min keep more of the short "
            "excursions, so the shares within the band are, if anything, pessimistic."
        )
    else:
        direction = "The interval is the standard's 10-min aggregation period."
    return AVERAGING_NOTE.format(interval_min=interval_s / 60.0, direction=direction)


def voltage_level(vn_kv: np.ndarray) -> np.ndarray:
    """Voltage level of each bus from its nominal voltage.

    Parameters
    ----------
    vn_kv : numpy.ndarray
        Nominal voltage of each bus [kV]; NaN where unknown.

    Returns
    -------
    numpy.ndarray
        Object array of ``"LV"`` (vn_kv <= 1), ``"MV"`` (1 < vn_kv <= 36),
        ``"HV"`` (vn_kv > 36, outside EN 50160's LV/MV limits) or
        ``"unknown"``.
    """
    vn = np.asarray(vn_kv, dtype=np.float64)
    level = np.full(vn.shape, "unknown", dtype=object)
    level[vn <= 1.0] = "LV"
    level[(vn > 1.0) & (vn <= 36.0)] = "MV"
    level[vn > 36.0] = "HV"
    return level
