"""The hard cases of vacancy detection that the household model must contain."""

from __future__ import annotations

import numpy as np
import pytest

from tests.devices.test_households_fleet import make_axis, make_fleet, simulate
from twin.devices.households.composition import (
    LOW_CONSUMER_KWH_RANGE,
    LOW_CONSUMER_SHARE,
    draw_annual_kwh,
)
from twin.devices.households.occupancy import ARCHETYPES
from twin.devices.households.params import HouseholdParams
from twin.devices.households.schedule import WEEKEND_HOME_SHARE
from twin.devices.households.vacant import (
    SWITCHED_OFF,
    VISIT_RATE_PER_WEEK_RANGE,
    VISITED_SHARE,
    VisitSchedule,
    draw_vacant_base_kw,
)


def test_a_share_of_retired_households_are_frugal(rng: np.random.Generator) -> None:
    code = np.repeat(np.arange(len(ARCHETYPES)), 4_000)
    params = HouseholdParams(annual_kwh_median=2_700.0, annual_kwh_sigma=0.45)
    annual = draw_annual_kwh(rng, code, params)
    low, high = LOW_CONSUMER_KWH_RANGE
    frugal = (annual >= low) & (annual <= high)
    retired = code == ARCHETYPES.index("retired")
    # Lognormal draws below 1,100 kWh/yr: about 2 % (z = ln(1100/2700)/0.45 = -2.0).
    assert frugal[~retired].mean() == pytest.approx(0.023, abs=0.01)
    expected = LOW_CONSUMER_SHARE + (1 - LOW_CONSUMER_SHARE) * 0.023
    assert frugal[retired].mean() == pytest.approx(expected, abs=0.03)
    assert annual.min() >= low


def test_empty_homes_draw_standby_a_fridge_or_nothing(rng: np.random.Generator) -> None:
    base_w = draw_vacant_base_kw(rng, 20_000) * 1e3
    assert (base_w == 0).mean() == pytest.approx(SWITCHED_OFF, abs=0.01)
    assert base_w.max() <= 15.0 + 45.0


def test_visits_are_short_daytime_and_only_to_the_given_homes(rng: np.random.Generator) -> None:
    axis = make_axis(days=91, timezone="Europe/Berlin")
    homes = np.arange(100, 600, dtype=np.int64)
    visits = VisitSchedule.draw(homes, rng, axis)
    assert set(np.unique(visits.premise)) <= set(homes)
    visited = np.unique(visits.premise).size / homes.size
    assert visited == pytest.approx(VISITED_SHARE, abs=0.08)
    intervals = np.repeat(np.arange(axis.n_intervals), np.diff(visits.pointer))
    hour = axis.local_hour[intervals]
    assert hour.min() >= 8.75 and hour.max() < 20.0
    assert ((visits.kw >= 0.2) & (visits.kw <= 1.5)).all()
    # Visits per visited home and week: the mean of the drawn rates.
    per_visit = 2.0 * 3600 / axis.interval_s  # about two hours each
    weeks = 13.0
    rate = intervals.size / per_visit / (visited * homes.size) / weeks
    assert rate == pytest.approx(np.mean(VISIT_RATE_PER_WEEK_RANGE), rel=0.3)
    premises, kw = visits.at(int(intervals[0]))
    assert premises.size == kw.size >= 1


def test_weekend_homes_are_used_regularly_holiday_homes_rarely() -> None:
    axis = make_axis(days=90, start="2025-01-06")
    fleet = make_fleet(
        600, axis, seed=4, seasonal=1.0, long_term_vacant=0.0, move_rate_per_year=0.0
    )
    periods = fleet.vacancy_periods()
    empty_s = (
        periods.groupby("premise")["end_s"].sum() - periods.groupby("premise")["start_s"].sum()
    )
    used = 1.0 - empty_s.reindex(range(fleet.n), fill_value=0).to_numpy() / axis.duration_s
    # Weekend homes: 50-90 % of weekends, about 2 days each; holiday homes: 15-25 % in winter.
    regular = used > 0.12
    assert regular.mean() == pytest.approx(WEEKEND_HOME_SHARE, abs=0.07)
    assert np.median(used[~regular]) < 0.08
    assert np.median(used[regular]) > 0.15


def test_empty_homes_with_visits_show_in_the_load() -> None:
    # Frost heaters of empty homes are the thermal fleet's (tests/devices/heating).
    axis = make_axis(days=28, start="2025-01-06")
    fleet = make_fleet(
        400, axis, seed=9, long_term_vacant=1.0, seasonal=0.0, move_rate_per_year=0.0
    )
    p, _, present = simulate(fleet, axis)
    assert not present.any()
    daily_kwh = p.reshape(28, -1, fleet.n).sum(axis=1) * axis.interval_s / 3600
    assert daily_kwh.mean() < 2.0
    # Visits: short bursts of hundreds of watts in otherwise quiet homes.
    visited = p.max(axis=0) > 0.2
    assert 0.2 < visited.sum() / fleet.n < 0.6
