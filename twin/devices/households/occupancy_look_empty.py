"""Occupancy profiles of households that look empty from the meter.

Two archetypes that :mod:`twin.devices.households.occupancy` adds to its
own: ``long_hours_worker`` (out from about 06:30 to 20:30 on working days,
often out at weekends too) and ``student`` (late hours, out much of the day
and many evenings; weekends and semester breaks away are drawn as absences
in :mod:`twin.devices.households.absences`). Values per local hour (hour
centres), "home" is P(anybody at home), "active" P(somebody active | at
home), as in the other profiles.

Illustrative profiles shaped after the published time-use patterns (the
Markov-chain approach of [1]_ on HETUS / Destatis time-use data [2]_:
full-time employees with working days of ten hours or more plus commutes;
students' later sleep and activity), not copied data.

References
----------
.. [1] I. Richardson, M. Thomson, D. Infield, "A high-resolution domestic
   building occupancy model for energy demand simulations", Energy and
   Buildings 40(8), 1560-1566, 2008.
.. [2] Eurostat, "Harmonised European Time Use Surveys (HETUS)", 2008/2010
   round; Destatis, "Zeitverwendungserhebung 2022".
"""

from __future__ import annotations

from typing import Final

__all__ = ["LOOK_EMPTY_ARCHETYPES", "LOOK_EMPTY_PROFILES"]

LOOK_EMPTY_ARCHETYPES: Final = ("long_hours_worker", "student")
"""Archetypes of occupied homes that look empty, in the order of their index."""

# fmt: off
LOOK_EMPTY_PROFILES: Final[dict[str, dict[str, tuple[float, ...]]]] = {
    "long_hours_worker": {
        "weekday_home": (
            0.96, 0.97, 0.97, 0.97, 0.97, 0.96, 0.80, 0.30, 0.10, 0.08, 0.08, 0.08,
            0.09, 0.09, 0.08, 0.08, 0.09, 0.12, 0.22, 0.45, 0.72, 0.86, 0.92, 0.95,
        ),
        "weekday_active": (
            0.15, 0.05, 0.03, 0.03, 0.05, 0.45, 0.85, 0.80, 0.50, 0.40, 0.40, 0.40,
            0.40, 0.40, 0.40, 0.40, 0.45, 0.60, 0.80, 0.90, 0.90, 0.80, 0.55, 0.30,
        ),
        "weekend_home": (
            0.88, 0.92, 0.94, 0.95, 0.95, 0.95, 0.95, 0.94, 0.88, 0.70, 0.50, 0.42,
            0.40, 0.38, 0.36, 0.36, 0.40, 0.48, 0.56, 0.62, 0.66, 0.72, 0.78, 0.84,
        ),
        "weekend_active": (
            0.30, 0.15, 0.07, 0.04, 0.03, 0.04, 0.08, 0.20, 0.50, 0.75, 0.82, 0.82,
            0.80, 0.78, 0.75, 0.78, 0.80, 0.85, 0.88, 0.88, 0.85, 0.80, 0.65, 0.45,
        ),
    },
    "student": {
        "weekday_home": (
            0.80, 0.85, 0.90, 0.92, 0.93, 0.93, 0.93, 0.92, 0.85, 0.65, 0.45, 0.38,
            0.36, 0.35, 0.36, 0.40, 0.45, 0.52, 0.58, 0.60, 0.58, 0.58, 0.62, 0.70,
        ),
        "weekday_active": (
            0.50, 0.30, 0.12, 0.05, 0.03, 0.03, 0.04, 0.12, 0.35, 0.60, 0.70, 0.72,
            0.75, 0.72, 0.70, 0.72, 0.78, 0.85, 0.88, 0.88, 0.88, 0.85, 0.78, 0.65,
        ),
        "weekend_home": (
            0.62, 0.70, 0.80, 0.88, 0.92, 0.93, 0.93, 0.93, 0.92, 0.86, 0.72, 0.58,
            0.50, 0.46, 0.45, 0.46, 0.50, 0.55, 0.55, 0.50, 0.45, 0.42, 0.45, 0.52,
        ),
        "weekend_active": (
            0.55, 0.40, 0.20, 0.08, 0.04, 0.03, 0.03, 0.05, 0.15, 0.40, 0.65, 0.75,
            0.80, 0.78, 0.75, 0.78, 0.80, 0.85, 0.88, 0.88, 0.85, 0.82, 0.78, 0.70,
        ),
    },
}
# fmt: on
