"""What empty homes still draw: standby, the fridge, and visits.

A dwelling that nobody lives in is rarely at 0 W. The hard cases for a
vacancy detector come from here:

- most empty homes keep a router, an alarm or a doorbell transformer on
  (:data:`~twin.devices.households.kernel.VACANT_STANDBY_W_RANGE`), and many
  the fridge (:data:`FRIDGE_KEPT_ON`); a few are switched off at the fuse
  box (:data:`SWITCHED_OFF`);
- some are kept frost-free (or dry) by a thermostat-controlled electric
  heater or dehumidifier: hundreds of kWh a quarter in winter, above every
  energy threshold, but without any occupancy pattern. The heater's
  thermostat runs on the thermal building model with the weather
  (:mod:`twin.devices.heating`, ``households.thermal.vacant_frost_heater``);
- long-term vacant homes are visited now and then by an owner, an agent or
  a caretaker (:data:`VISITED_SHARE`): an hour or three of lights, a vacuum
  cleaner or a heater, in the daytime. A visit is not occupancy: the home
  stays vacant and nobody counts as present.

The shares and ranges are assumptions for a showcase, shaped after the
references, not fits to measured data.

References
----------
.. [1] Central Statistics Office (Ireland), "Domestic Electricity
   Connections and Vacancy", 2021-2023: a dwelling counts as vacant below
   180 kWh a quarter, "the consumption of a fridge"; dwellings above it with
   nobody living there are a known source of undercount.
.. [2] Commission Delegated Regulation (EU) 2019/2016 (fridge energy
   labels) and Commission Regulation (EC) No 1275/2008 (standby limits).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.clock import SECONDS_PER_DAY, TimeAxis
from twin.devices.households.kernel import COLD_APPLIANCES_W_RANGE, VACANT_STANDBY_W_RANGE
from twin.members import Members

__all__ = [
    "FRIDGE_KEPT_ON",
    "SWITCHED_OFF",
    "VISITED_SHARE",
    "VISIT_KW_RANGE",
    "VISIT_RATE_PER_WEEK_RANGE",
    "VisitSchedule",
    "draw_vacant_base_kw",
]

FRIDGE_KEPT_ON: Final = 0.6
"""Share of empty homes (not switched off) whose fridge stays plugged in [-]."""

SWITCHED_OFF: Final = 0.15
"""Share of empty homes switched off at the fuse box [-]: 0 W."""

VISITED_SHARE: Final = 0.5
"""Share of long-term vacant homes that somebody visits now and then [-]."""

VISIT_RATE_PER_WEEK_RANGE: Final = (0.1, 1.0)
"""Visits per week to a visited vacant home [1/wk], drawn per home."""

VISIT_HOURS_RANGE: Final = (1.0, 3.0)
"""Length of a visit [h]."""

VISIT_KW_RANGE: Final = (0.2, 1.5)
"""Mean power during a visit [kW]: lights, a vacuum cleaner, a fan heater."""


def draw_vacant_base_kw(rng: np.random.Generator, n: int) -> NDArray[np.float64]:
    """Baseload of an empty home [kW]: standby, the fridge in some, nothing in a few.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n : int
        Number of homes.

    Returns
    -------
    numpy.ndarray
        Mean power [kW], shape ``(n,)``: 0 for :data:`SWITCHED_OFF` of them,
        else 3-15 W of standby plus, for :data:`FRIDGE_KEPT_ON` of those, a
        fridge of 25-45 W [2]_.
    """
    on = rng.random(n) >= SWITCHED_OFF
    fridge = (rng.random(n) < FRIDGE_KEPT_ON) * rng.uniform(*COLD_APPLIANCES_W_RANGE, n)
    return on * (rng.uniform(*VACANT_STANDBY_W_RANGE, n) + fridge) / 1e3


@dataclass(frozen=True)
class VisitSchedule:
    """Visits to empty homes, by interval (compressed sparse rows).

    Attributes
    ----------
    pointer : numpy.ndarray
        ``(n_intervals + 1,)`` int64: the visits under way in interval ``k``
        are entries ``pointer[k]:pointer[k+1]``.
    premise : numpy.ndarray
        Fleet index per entry, int64.
    kw : numpy.ndarray
        Mean visit power per entry [kW], float64.
    """

    pointer: NDArray[np.int64]
    premise: NDArray[np.int64]
    kw: NDArray[np.float64]

    @classmethod
    def draw(
        cls, premises: NDArray[np.int64], rng: np.random.Generator, axis: TimeAxis
    ) -> VisitSchedule:
        """Draw daytime visits (09:00-17:00 local start) to some of ``premises``.

        Parameters
        ----------
        premises : numpy.ndarray
            Fleet indices of the long-term vacant homes.
        rng : numpy.random.Generator
            Source of randomness.
        axis : TimeAxis
            The run's interval grid.

        Returns
        -------
        VisitSchedule
            :data:`VISITED_SHARE` of the homes get Poisson visits at a rate
            drawn from :data:`VISIT_RATE_PER_WEEK_RANGE`, each lasting
            :data:`VISIT_HOURS_RANGE` at :data:`VISIT_KW_RANGE`.
        """
        n_int = axis.n_intervals
        dt = axis.interval_s
        weeks = axis.duration_s / (7 * SECONDS_PER_DAY)
        visited = rng.random(premises.size) < VISITED_SHARE
        rate = visited * rng.uniform(*VISIT_RATE_PER_WEEK_RANGE, premises.size)
        counts = rng.poisson(rate * weeks)
        owner = np.repeat(premises.astype(np.int64), counts)
        m = owner.size
        per_day = SECONDS_PER_DAY // dt
        days = max(1, n_int // per_day)
        # Local start hour: pick a day, then the interval whose local hour is nearest.
        day = rng.integers(0, days, size=m)
        hour = rng.uniform(9.0, 17.0, size=m)
        local = np.asarray(axis.local_hour, dtype=np.float64)
        first = np.empty(m, dtype=np.int64)
        for j in range(m):
            window = local[day[j] * per_day : (day[j] + 1) * per_day]
            first[j] = day[j] * per_day + int(np.argmin(np.abs(window - hour[j])))
        length = np.maximum(1, np.round(rng.uniform(*VISIT_HOURS_RANGE, m) * 3600 / dt))
        last = np.minimum(first + length.astype(np.int64), n_int)
        kw = rng.uniform(*VISIT_KW_RANGE, m)
        span = np.maximum(last - first, 0)
        entry_k = np.repeat(first, span) + (
            np.arange(span.sum()) - np.repeat(np.cumsum(span) - span, span)
        )
        entry_p = np.repeat(owner, span)
        entry_kw = np.repeat(kw, span)
        order = np.argsort(entry_k, kind="stable")
        pointer = np.searchsorted(entry_k[order], np.arange(n_int + 1)).astype(np.int64)
        return cls(pointer, entry_p[order], entry_kw[order].astype(np.float64))

    def restrict(self, members: Members) -> VisitSchedule:
        """The visits to member premises, their premises as member positions.

        Parameters
        ----------
        members : Members
            The premises kept; ``premise`` holds full-fleet positions.

        Returns
        -------
        VisitSchedule
            Same intervals, entries in the same order within each;
            ``self`` when every premise is a member.
        """
        if members.is_all:
            return self
        keep, local = members.localise(self.premise)
        n_int = self.pointer.size - 1
        entry_k = np.repeat(np.arange(n_int, dtype=np.int64), np.diff(self.pointer))[keep]
        pointer = np.searchsorted(entry_k, np.arange(n_int + 1)).astype(np.int64)
        return VisitSchedule(pointer, local, self.kw[keep])

    def busy(self) -> NDArray[np.bool_]:
        """Whether any visit is under way, per interval, bool ``(n_intervals,)``."""
        return np.diff(self.pointer) > 0

    def at(self, index: int) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Premises visited in interval ``index`` and their visit power [kW]."""
        a, b = int(self.pointer[index]), int(self.pointer[index + 1])
        return self.premise[a:b], self.kw[a:b]
