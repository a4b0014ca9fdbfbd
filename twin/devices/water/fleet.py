"""The vectorised fleet of household water use behind water meters (layer 2).

Per metered home and interval: the expected volume is its people's daily
use (:mod:`~twin.devices.water.demand`) spread by the occupancy state of the
interval (the household fleet's truth after its step) and the hour's
weight, times the season factor; the volume drawn is a Poisson number of
use events of :data:`~twin.devices.water.demand.EVENT_LITRES` times a
mean-one size factor, plus the leaks (:class:`~twin.devices.water.leaks.Leaks`).

Sharding follows :class:`~twin.members.Members`: which homes have a meter,
the leaks and the per-interval uniforms are drawn for every meter of the
whole fleet, then restricted to the members.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.clock import IntervalTime, TimeAxis
from twin.devices.households import HouseholdFleet
from twin.devices.households.kernel import poisson_counts
from twin.devices.water.demand import (
    EVENT_LITRES,
    expected_daily_weight,
    persons_of,
    season_factor,
    state_weights,
)
from twin.devices.water.leaks import Leaks
from twin.members import Members
from twin.random_streams import ItemStreams

__all__ = ["EVENT_SIZE_RANGE", "WaterFleet"]

EVENT_SIZE_RANGE: Final = (0.5, 1.5)
"""Mean-one factor of the volume of an interval's use events, uniform [-] (assumed:
events differ from a short tap use to a bath)."""


class WaterFleet:
    """Water use of the metered homes among a household fleet's members.

    Create with :meth:`create`.

    Attributes
    ----------
    home : numpy.ndarray
        Household member position of each local meter (int64, increasing).
    meter_index : numpy.ndarray
        Full-fleet household position of each local meter (int64): names it.
    leaks : Leaks
        The local meters' leaks (member meter positions).
    litres : numpy.ndarray
        Last interval's true volume per local meter [l], leaks included.
    leak_litres : numpy.ndarray
        The leaks' share of it [l].
    valve_open : numpy.ndarray
        bool per local meter: its valve lets water through (prepaid water closes it).
    """

    def __init__(
        self,
        *,
        rng: np.random.Generator,
        axis: TimeAxis,
        litres_per_person_day: float,
        home: NDArray[np.int64],
        meter_index: NDArray[np.int64],
        members: Members,
        leaks: Leaks,
    ) -> None:
        """Assemble from drawn arrays; use :meth:`create` instead."""
        self._axis = axis
        # per interval, two numbers per meter from its own stream (a shard pays for its own)
        self._streams = ItemStreams.spawned(rng, "water-steps", members)
        self._every = np.arange(members.n, dtype=np.intp)
        self._litres_per_day = float(litres_per_person_day)
        self.home, self.meter_index = home, meter_index
        self.members, self.leaks = members, leaks
        self.n = int(home.size)
        self._per_weight_hour = np.zeros(self.n)
        self._daily = np.zeros(0)
        self.litres = np.zeros(self.n)
        self.leak_litres = np.zeros(self.n)
        self.valve_open = np.ones(self.n, dtype=bool)

    @classmethod
    def create(
        cls,
        n_homes: int,
        *,
        rng: np.random.Generator,
        axis: TimeAxis,
        share: float,
        litres_per_person_day: float,
        leak_rate_per_meter_year: float,
        leak_flow_l_per_h: tuple[float, float],
        leak_duration_days: tuple[float, float],
        members: Members | None = None,
    ) -> WaterFleet:
        """Draw which of ``n_homes`` homes (full fleet) have a water meter, and their leaks.

        Parameters
        ----------
        n_homes : int
            Household premises of the full fleet.
        rng : numpy.random.Generator
            The fleet's own generator (here and in every step).
        axis : TimeAxis
            The run's interval grid.
        share : float
            Share of homes with a water meter [-] (each home independently).
        litres_per_person_day : float
            Daily use per person on a typical day at home [l/d].
        leak_rate_per_meter_year, leak_flow_l_per_h, leak_duration_days
            Leak starts per meter and year [1/yr], flow range [l/h], length range [d].
        members : Members, optional
            The household premises simulated here; default all.
        """
        members = Members.all(n_homes) if members is None else members
        if members.n_total != n_homes:
            raise ValueError(f"members given for a fleet of {members.n_total}; expected {n_homes}")
        metered = rng.random(n_homes) < share
        meter_members, keep = members.within(metered)
        leaks = Leaks.draw(
            rng,
            int(metered.sum()),
            axis.duration_s,
            rate_per_meter_year=leak_rate_per_meter_year,
            flow_l_per_h=leak_flow_l_per_h,
            duration_days=leak_duration_days,
        )
        home = np.flatnonzero(keep).astype(np.int64)
        return cls(
            rng=rng,
            axis=axis,
            litres_per_person_day=litres_per_person_day,
            home=home,
            meter_index=members.index[home],
            members=meter_members,
            leaks=leaks.restrict(meter_members),
        )

    def refresh(self, households: HouseholdFleet) -> None:
        """Take the homes' people and occupancy profiles (at the start and each local midnight).

        A move-in during a day shows from the next midnight.
        """
        if self._daily.size == 0:
            self._daily = expected_daily_weight(households.state_marginals, self._axis.interval_s)
        persons = persons_of(households.occupancy_kind[self.home])
        expected = self._daily[households.home_row[self.home]]
        daily_l = persons * self._litres_per_day
        self._per_weight_hour = np.divide(
            daily_l, expected, out=np.zeros(self.n), where=expected > 0
        )

    def step(self, t: IntervalTime, households: HouseholdFleet) -> NDArray[np.float64]:
        """Advance one interval; true volume through every local meter [l].

        ``households`` has been stepped for interval ``t`` (its state is this
        interval's).
        """
        if t.index == 0 or t.local_hour * 3600.0 < t.dt_s:  # the first interval of a day
            self.refresh(households)
        u = self._streams.random(self._every, size=2)
        home = self.home
        state = households.present[home].astype(np.intp) + households.active[home]
        dt_h = t.dt_s / 3600.0
        weight = state_weights(t.local_hour).take(state)
        mean_l = self._per_weight_hour * weight * dt_h * float(season_factor(t.day_of_year))
        count = poisson_counts(mean_l / EVENT_LITRES, u[:, 0])
        lo, hi = EVENT_SIZE_RANGE
        drawn = count * EVENT_LITRES * (lo + (hi - lo) * u[:, 1])
        leak = self.leaks.litres(t.start_s, t.start_s + t.dt_s, self.n)
        shut = ~self.valve_open  # a closed prepaid valve stops every flow, leaks included
        self.leak_litres = np.where(shut, 0.0, leak)
        self.litres = np.where(shut, 0.0, drawn + leak)
        return self.litres
