"""Parameters of a household fleet: every one with its default and its check.

The scenario's ``households`` section makes a :class:`HouseholdParams`
(:meth:`twin.scenario.models.HouseholdsSection.params`) and takes its
defaults from here; :meth:`~twin.devices.households.HouseholdFleet.create`
and the drawing of homes in :mod:`twin.devices.households.composition` take it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from twin.devices.checks import one_of, raise_problems
from twin.devices.households.behaviour import LookEmpty, VacantBehaviour
from twin.devices.households.occupancy import ARCHETYPES

__all__ = ["HouseholdParams"]


def _default_archetype_shares() -> Mapping[str, float]:
    return MappingProxyType(
        {
            "working_couple": 0.26,
            "family": 0.25,
            "retired": 0.22,
            "single": 0.15,
            "shift_worker": 0.05,
            "long_hours_worker": 0.04,
            "student": 0.03,
        }
    )


@dataclass(frozen=True)
class HouseholdParams:
    """Who lives in the homes of a :class:`~twin.devices.households.HouseholdFleet`.

    Attributes
    ----------
    annual_kwh_median : float
        Median annual consumption of a household [kWh/yr], > 0 (Ofgem's
        typical domestic consumption, 2,700 kWh/yr [1]_).
    annual_kwh_sigma : float
        Lognormal spread of annual consumption across homes (sigma of its
        logarithm) [-], >= 0 (assumed).
    power_factor : float
        Displacement power factor of every home [-], in (0, 1] (assumed).
    archetype_shares : Mapping[str, float]
        Weights of the occupancy archetypes of
        :data:`~twin.devices.households.ARCHETYPES` among occupied homes [-],
        finite, >= 0, at least one positive; normalised by
        :meth:`archetype_weights`, missing archetypes get 0 (assumed,
        after [2]_; long-hours workers carved out of the working couples and
        singles, students out of the singles). Kept read-only.
    long_term_vacant : float
        Share of premises empty for the whole run [-], 0..1 (Ireland's CSO:
        4.3 % in Q4 2021, 3.3 % in Q4 2023 [3]_).
    seasonal : float
        Share of weekend/seasonal homes [-], 0..1; with ``long_term_vacant``
        at most 1 (assumed).
    move_rate_per_year : float
        Changes of tenant per occupied home and year [1/yr], >= 0 (assumed).
    holiday_weeks_per_year : float
        Holiday weeks away per occupied home and year [wk/yr], 0..26 (assumed).
    vacant : VacantBehaviour
        What empty homes draw: breaker off, standby, fridge, timer lights,
        visits, renovation, second-home use (checked on its own).
    look_empty : LookEmpty
        Occupied homes that look empty: frugal, gas-heated, frequent
        travellers, students away (checked on its own).

    Raises
    ------
    ValueError
        At construction, naming every field out of range, its value and what
        is allowed.

    References
    ----------
    .. [1] Ofgem, "Typical Domestic Consumption Values" (medium electricity:
       2,700 kWh/yr).
    .. [2] Richardson, Thomson, Infield (2008), "A high-resolution domestic
       building occupancy model for energy demand simulations", Energy and
       Buildings 40, 1560-1566.
    .. [3] Central Statistics Office (Ireland), "Domestic Electricity
       Connections and Vacancy", 2021-2023.
    """

    annual_kwh_median: float = 2_700.0
    annual_kwh_sigma: float = 0.45
    power_factor: float = 0.97
    archetype_shares: Mapping[str, float] = field(default_factory=_default_archetype_shares)
    long_term_vacant: float = 0.04
    seasonal: float = 0.02
    move_rate_per_year: float = 0.10
    holiday_weeks_per_year: float = 2.0
    vacant: VacantBehaviour = field(default_factory=VacantBehaviour)
    look_empty: LookEmpty = field(default_factory=LookEmpty)

    def __post_init__(self) -> None:
        shares = MappingProxyType(dict(self.archetype_shares))
        object.__setattr__(self, "archetype_shares", shares)
        unknown = [a for a in shares if a not in ARCHETYPES]
        values = [float(v) for v in shares.values()]
        vacant = self.long_term_vacant + self.seasonal
        raise_problems(
            "HouseholdParams",
            [
                (
                    self.annual_kwh_median > 0,
                    f"annual_kwh_median given {self.annual_kwh_median!r}; expected > 0 [kWh/yr]",
                ),
                (
                    self.annual_kwh_sigma >= 0,
                    f"annual_kwh_sigma given {self.annual_kwh_sigma!r}; expected >= 0",
                ),
                (
                    0 < self.power_factor <= 1,
                    f"power_factor given {self.power_factor!r}; expected in (0, 1]",
                ),
                (
                    not unknown,
                    f"archetype_shares given unknown keys {unknown}; "
                    f"expected some of {one_of(ARCHETYPES)}",
                ),
                (
                    all(math.isfinite(v) and v >= 0 for v in values) and sum(values) > 0,
                    f"archetype_shares given {dict(shares)!r}; expected finite shares >= 0, "
                    "at least one positive",
                ),
                (
                    0 <= self.long_term_vacant <= 1,
                    f"long_term_vacant given {self.long_term_vacant!r}; expected 0..1",
                ),
                (0 <= self.seasonal <= 1, f"seasonal given {self.seasonal!r}; expected 0..1"),
                (
                    vacant <= 1,
                    f"long_term_vacant + seasonal given {vacant:g}; expected at most 1",
                ),
                (
                    self.move_rate_per_year >= 0,
                    f"move_rate_per_year given {self.move_rate_per_year!r}; expected >= 0",
                ),
                (
                    0 <= self.holiday_weeks_per_year <= 26,
                    f"holiday_weeks_per_year given {self.holiday_weeks_per_year!r}; expected 0..26",
                ),
            ],
        )

    def archetype_weights(self) -> NDArray[np.float64]:
        """Archetype shares in the order of :data:`ARCHETYPES`, summing to 1 [-]."""
        shares = np.asarray([float(self.archetype_shares.get(a, 0.0)) for a in ARCHETYPES])
        return shares / shares.sum()

    @property
    def occupied(self) -> float:
        """Share of premises with a regular household: not seasonal, not long-term vacant [-]."""
        return 1.0 - self.long_term_vacant - self.seasonal
