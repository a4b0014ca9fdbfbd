"""The hard cases of vacancy detection that the household model must contain.

Empty homes that draw (standby, a cycling fridge, a timer lamp, visits,
renovation) and occupied homes that look empty (frugal, gas-heated,
travellers, students, long hours): each share matches its key, and none of
it changes who lives where.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.devices.test_households_fleet import make_axis, make_fleet, simulate
from twin.clock import TimeAxis
from twin.devices.households.behaviour import LookEmpty, VacantBehaviour
from twin.devices.households.composition import draw_annual_kwh
from twin.devices.households.fleet import HouseholdFleet
from twin.devices.households.occupancy import ARCHETYPES
from twin.devices.households.params import HouseholdParams
from twin.devices.households.schedule import Episodes, LocalCalendar
from twin.devices.households.vacant import (
    VacantHomes,
)
from twin.devices.households.visits import VISIT_KINDS, RenovationWork, VisitSchedule

# Empty homes with nothing but what a test switches on (frost heaters are the thermal fleet's).
NOTHING: dict[str, Any] = {
    "switched_off": 0.0,
    "fridge_kept_on": 0.0,
    "timer_lights": 0.0,
    "visited": 0.0,
    "cleaning": 0.0,
    "renovation": 0.0,
    "viewings_per_week": (0.0, 0.0),
}


def empty_fleet(n: int, days: int, start: str = "2025-01-06", seed: int = 9, **vacant: Any) -> Any:
    """``n`` long-term vacant homes, with ``vacant`` behaviour keys over NOTHING."""
    axis = make_axis(days=days, start=start)
    fleet = make_fleet(
        n,
        axis,
        seed=seed,
        long_term_vacant=1.0,
        seasonal=0.0,
        move_rate_per_year=0.0,
        vacant=VacantBehaviour(**{**NOTHING, **vacant}),
    )
    return fleet, axis


def lag1(x: np.ndarray) -> np.ndarray:
    """Lag-one autocorrelation of each column."""
    d = x - x.mean(axis=0)
    return (d[1:] * d[:-1]).sum(axis=0) / (d * d).sum(axis=0)


# ------------------------------------------------------------- empty homes


def test_empty_home_shares_match_their_keys(rng: np.random.Generator) -> None:
    b = VacantBehaviour(switched_off=0.2, fridge_kept_on=0.7, timer_lights=0.3)
    homes = VacantHomes.draw(rng, 20_000, b, 900)
    assert homes.switched_off.mean() == pytest.approx(0.2, abs=0.01)
    on = ~homes.switched_off
    assert (homes.standby_kw[~on] == 0).all() and (homes.fridge_kw[~on] == 0).all()
    assert (homes.fridge_kw[on] > 0).mean() == pytest.approx(0.7, abs=0.015)
    assert (homes.timer_kw[on] > 0).mean() == pytest.approx(0.3, abs=0.015)
    assert homes.standby_kw[on].min() >= 3e-3 and homes.standby_kw.max() <= 15e-3
    fridge = homes.fridge_kw[homes.fridge_kw > 0]
    assert fridge.min() >= 25e-3 and fridge.max() <= 45e-3
    # fridge_cycle_min of 20-60 min at 15 min: phi = exp(-15/tau) in 0.47..0.78
    assert homes.fridge_phi.min() >= np.exp(-15 / 20) - 1e-9
    assert homes.fridge_phi.max() <= np.exp(-15 / 60) + 1e-9


def test_an_empty_homes_fridge_is_correlated_in_time() -> None:
    # Iid noise per interval would give a lag-1 autocorrelation near 0; the compressor's
    # cycling (AR(1), 20-60 min) gives about exp(-15/40) = 0.69 at 15 min.
    fleet, axis = empty_fleet(120, days=14, fridge_kept_on=1.0)
    p, _, present = simulate(fleet, axis)
    assert not present.any()
    quiet = np.ones(fleet.n, dtype=bool)
    r = lag1(p[:, quiet])
    assert np.median(r) > 0.5
    assert r.min() > 0.2
    vh = fleet._vacant_homes  # white box: the drawn means
    mean = (vh.standby_kw + vh.fridge_kw)[quiet]
    np.testing.assert_allclose(p[:, quiet].mean(axis=0), mean, rtol=0.1)


def test_timer_lamps_light_empty_homes_from_dusk_to_their_off_time() -> None:
    fleet, axis = empty_fleet(200, days=14, timer_lights=1.0, timer_jitter_min=20.0)
    p, _, _ = simulate(fleet, axis)
    quiet = np.ones(fleet.n, dtype=bool)
    vh = fleet._vacant_homes
    lamp = p[:, quiet] - vh.standby_kw[quiet]
    hour = (axis.local_hour + axis.interval_s / 7200) % 24
    lit = lamp > 1e-9
    # January in Berlin: dark from about 16:30; lamps on at 21:00, off by 00:30 and by day.
    assert lit[np.isclose(hour, 21.125)].all()
    assert not lit[(hour > 0.6) & (hour < 15.5)].any()
    assert (lamp[lit] <= vh.timer_kw[quiet].max() + 1e-12).all()
    # The off time moves from day to day (jitter), per home.
    last_on = (
        pd.DataFrame(lit * ((hour - 12) % 24)[:, None])
        .groupby(np.arange(axis.n_intervals) // 96)
        .max()
    )
    assert (last_on.iloc[1:-1].std(axis=0) > 0).mean() > 0.5


def test_renovation_draws_power_only_on_working_days_in_working_hours() -> None:
    fleet, axis = empty_fleet(300, days=28, renovation=0.3, switched_off=1.0)
    p, _, present = simulate(fleet, axis)
    assert not present.any() and fleet.vacant.all()
    work = fleet._renovation  # white box: the drawn spells
    renovated = np.zeros(fleet.n, dtype=bool)
    renovated[work.premise] = True
    assert renovated.mean() == pytest.approx(0.3, abs=0.07)
    quiet = np.ones(fleet.n, dtype=bool)
    hour = (axis.local_hour + axis.interval_s / 7200) % 24
    working = (axis.weekday < 5) & (hour >= 7.0) & (hour < 16.0)
    assert (p[~working][:, quiet] == 0).all()
    drawn = p[working][:, quiet & renovated]
    assert (drawn > 0).mean() > 0.1
    assert drawn.max() > 0.5  # kW-level power tools
    assert (p[:, quiet & ~renovated] == 0).all()
    # Intermittent: some working intervals of a spell without power.
    during = p[working][:, quiet & renovated]
    assert ((during == 0) & (drawn > 0).any(axis=0)[None, :]).any()


def test_caretaker_visits_are_short_daytime_and_only_to_long_term_vacant_homes(
    rng: np.random.Generator,
) -> None:
    axis = make_axis(days=91, timezone="Europe/Berlin")
    homes = np.arange(100, 600, dtype=np.int64)
    window = np.full(homes.size, -(10**8), dtype=np.int64), np.full(homes.size, 10**9)
    episodes = Episodes(homes, *window, np.full(homes.size, "long_term_vacant", dtype=object))
    b = VacantBehaviour(visited=0.4, visit_rate_per_week=(0.5, 1.5), visit_hours=(0.5, 2.0))
    visits = VisitSchedule.draw(episodes, b, rng, axis)
    assert set(np.unique(visits.premise)) <= set(homes)
    assert set(visits.kind) == {VISIT_KINDS.index("caretaker")}
    visited = np.unique(visits.premise).size / homes.size
    assert visited == pytest.approx(0.4, abs=0.07)
    intervals = visits.intervals()
    hour = axis.local_hour[intervals]
    assert hour.min() >= 8.75 and hour.max() < 19.0
    assert ((visits.kw >= 0.2) & (visits.kw <= 1.5)).all()
    # Interval-hours per visited home and week: rate 1/wk times 1.25 h on average.
    hours_per_week = intervals.size * 0.25 / (visited * homes.size) / 13.0
    assert hours_per_week == pytest.approx(1.0 * 1.25, rel=0.25)


def test_gaps_between_tenants_get_viewings_a_cleaning_and_sometimes_builders(
    rng: np.random.Generator,
) -> None:
    axis = make_axis(days=60, start="2025-03-03")
    n = 400
    premise = np.arange(n, dtype=np.int64)
    start = np.full(n, 5 * 86_400 + 10 * 3600)  # moved out on day 5, 10:00
    end = np.full(n, 26 * 86_400 + 14 * 3600)  # moved in on day 26, 14:00
    episodes = Episodes(premise, start, end, np.full(n, "between_tenants", dtype=object))
    b = VacantBehaviour(cleaning=0.5, viewings_per_week=(1.0, 3.0), renovation=0.25)
    visits = VisitSchedule.draw(episodes, b, rng, axis)
    k = visits.intervals()
    t = k * axis.interval_s
    assert (t >= start[0] + 12 * 3600).all() and (t < end[0]).all()
    cleaning = visits.kind == VISIT_KINDS.index("cleaning")
    assert np.unique(visits.premise[cleaning]).size / n == pytest.approx(0.5, abs=0.08)
    assert (t[cleaning] // 86_400 == 25).all()  # the day before the move-in
    viewing = visits.kind == VISIT_KINDS.index("viewing")
    viewings_per_gap = np.unique(visits.premise[viewing], return_counts=True)[1]
    assert viewings_per_gap.max() > 3
    work = RenovationWork.draw(episodes, b, rng, axis)
    assert work.premise.size / n == pytest.approx(0.25, abs=0.07)
    assert (work.start_s >= start[0]).all() and (work.end_s <= end[0]).all()


def test_visits_and_builders_are_not_occupancy() -> None:
    axis = make_axis(days=60, start="2025-03-03")
    fleet = make_fleet(
        300,
        axis,
        seed=21,
        long_term_vacant=0.2,
        move_rate_per_year=3.0,
        vacant=VacantBehaviour(visited=1.0, cleaning=1.0, renovation=0.5),
    )
    p, _, present = simulate(fleet, axis)
    visits = fleet._visits
    k = visits.intervals()
    assert set(visits.kind) == {0, 1, 2}
    assert not present[k, visits.premise].any()
    periods = fleet.vacancy_periods()
    t = k * axis.interval_s
    inside = np.zeros(k.size, dtype=bool)
    for premise, a, b, kind in periods.itertuples(index=False):
        if kind != "holiday":
            inside |= (visits.premise == premise) & (t >= a) & (t < b)
    assert inside.all()
    assert (p[k, visits.premise] > 0).mean() > 0.9
    behaviour = fleet.vacant_behaviour.astype(str)
    for name in ("caretaker", "viewing", "cleaning", "renovation"):
        assert any(name in b for b in behaviour)
    never_empty = ~np.isin(np.arange(fleet.n), periods.premise[periods.kind != "holiday"])
    assert (behaviour[never_empty] == "").all()


def test_second_home_use_follows_its_keys() -> None:
    axis = make_axis(days=90, start="2025-01-06")

    def used_share(**vacant: Any) -> np.ndarray:
        fleet = make_fleet(
            600,
            axis,
            seed=4,
            seasonal=1.0,
            long_term_vacant=0.0,
            move_rate_per_year=0.0,
            vacant=VacantBehaviour(**vacant),
        )
        periods = fleet.vacancy_periods()
        empty_s = (periods.end_s - periods.start_s).groupby(periods.premise).sum()
        return 1.0 - empty_s.reindex(range(fleet.n), fill_value=0).to_numpy() / axis.duration_s

    # Weekend homes: 50-90 % of weekends, about 2 days each; holiday homes: 15-25 % in winter.
    used = used_share(second_home_weekend_homes=0.3)
    regular = used > 0.12
    assert regular.mean() == pytest.approx(0.3, abs=0.07)
    assert np.median(used[~regular]) < 0.08
    assert np.median(used[regular]) > 0.15
    every_weekend = used_share(second_home_weekend_homes=1.0, second_home_weekend_use=(1.0, 1.0))
    assert np.median(every_weekend) == pytest.approx(2.0 / 7.0, abs=0.06)


def test_a_calendar_knows_long_weekends() -> None:
    # Easter 2025: Good Friday 18 April, Easter Monday 21 April; Ascension Thursday 29 May
    # (Friday 30 May is a bridge day); a plain weekend 10-11 May.
    axis = TimeAxis(pd.Timestamp("2025-04-07", tz="Europe/Berlin"), 900, 96 * 70, "Europe/Berlin")
    days = np.asarray(["2025-04-18", "2025-04-21", "2025-05-29"], dtype="datetime64[D]")
    calendar = LocalCalendar(axis, days.astype(np.int64))
    start = pd.Timestamp("2025-04-07")

    def day(date: str) -> int:
        return (pd.Timestamp(date) - start).days

    first, last = calendar.stretch_of(np.asarray([day(d) for d in ("2025-04-19", "2025-05-10")]))
    assert first.tolist() == [day("2025-04-18"), day("2025-05-10")]
    assert last.tolist() == [day("2025-04-21"), day("2025-05-11")]
    first, last = calendar.stretch_of(np.asarray([day("2025-05-31"), day("2025-05-28")]))
    assert first.tolist() == [day("2025-05-29"), day("2025-05-28")]  # a working day: itself
    assert last.tolist() == [day("2025-06-01"), day("2025-05-28")]
    plain = LocalCalendar(axis)
    assert plain.stretch_of(np.asarray([day("2025-04-19")]))[0].tolist() == [day("2025-04-19")]


def test_weekend_homes_are_used_over_the_easter_weekend() -> None:
    # Arrive the evening before Good Friday, leave on Easter Monday; without the holidays,
    # Friday evening to Sunday.
    axis = make_axis(days=14, start="2025-04-14")
    holidays = np.asarray(["2025-04-18", "2025-04-21"], dtype="datetime64[D]").astype(np.int64)
    params = HouseholdParams(
        seasonal=1.0,
        long_term_vacant=0.0,
        move_rate_per_year=0.0,
        vacant=VacantBehaviour(second_home_weekend_homes=1.0, second_home_weekend_use=(1.0, 1.0)),
    )

    def share_there(days: np.ndarray | None, when: str) -> float:
        fleet = HouseholdFleet.create(
            50,
            rng=np.random.default_rng(3),
            axis=axis,
            latitude_deg=51.0,
            params=params,
            holidays=days,
        )
        t = (pd.Timestamp(when, tz=axis.timezone) - axis.start).total_seconds()
        periods = fleet.vacancy_periods()
        empty = periods[(periods.start_s <= t) & (t < periods.end_s)].premise.nunique()
        return 1.0 - empty / fleet.n

    for when in ("2025-04-18 12:00", "2025-04-21 10:00"):  # Good Friday, Easter Monday
        assert share_there(holidays, when) == 1.0 and share_there(None, when) == 0.0
    assert share_there(holidays, "2025-04-17 10:00") == 0.0  # Thursday morning: not yet
    assert share_there(holidays, "2025-04-22 10:00") == 0.0
    assert share_there(None, "2025-04-19 12:00") == 1.0


# ------------------------------------------------- occupied homes that look empty


def test_frugal_and_gas_heated_households_match_their_keys(rng: np.random.Generator) -> None:
    code = np.repeat(np.arange(len(ARCHETYPES)), 4_000)
    look = LookEmpty(frugal_retired=0.4, low_electricity=0.1, low_electricity_kwh=(500, 1_000))
    params = HouseholdParams(annual_kwh_median=2_700.0, annual_kwh_sigma=0.45, look_empty=look)
    annual, label = draw_annual_kwh(rng, code, params)
    retired = code == ARCHETYPES.index("retired")
    frugal = label == "frugal_elderly"
    low = label == "low_electricity"
    assert not frugal[~retired].any()
    assert frugal[retired].mean() == pytest.approx(0.4, abs=0.03)
    assert low[~retired].mean() == pytest.approx(0.1, abs=0.01)
    assert low[retired].mean() == pytest.approx(0.6 * 0.1, abs=0.015)
    assert annual[frugal].min() >= 350 and annual[frugal].max() <= 1_100
    assert annual[low].min() >= 500 and annual[low].max() <= 1_000


def test_travellers_and_students_are_often_away_but_occupied() -> None:
    axis = make_axis(days=56, start="2025-10-06")
    fleet = make_fleet(
        800,
        axis,
        seed=5,
        long_term_vacant=0.0,
        seasonal=0.0,
        move_rate_per_year=0.0,
        holiday_weeks_per_year=0.0,
        archetype_shares={"working_couple": 0.5, "student": 0.3, "long_hours_worker": 0.2},
        look_empty=LookEmpty(frequent_travellers=0.2, trips_per_month=(3.0, 5.0)),
    )
    labels = fleet.look_empty.astype(str)
    traveller = np.char.find(labels, "frequent_traveller") >= 0
    assert traveller.mean() == pytest.approx(0.2, abs=0.04)
    student = fleet.occupancy_kind == "student"
    assert (np.char.find(labels[student], "student") >= 0).all()
    periods = fleet.vacancy_periods()
    assert set(periods.kind) <= {"holiday"}  # away, never vacant
    per_home = periods.groupby("premise").size().reindex(range(fleet.n), fill_value=0)
    couple = (fleet.occupancy_kind == "working_couple") & ~traveller
    assert per_home[couple].sum() == 0
    # Travellers: several short trips a month; students: many weekends away.
    assert per_home[traveller & ~student].mean() > 3.0
    assert per_home[student & ~traveller].mean() > 2.0
    days = (periods.end_s - periods.start_s) / 86_400
    assert days[periods.premise.isin(np.flatnonzero(traveller & ~student))].max() < 6
    _, _, present = simulate(fleet, axis)
    # Long-hours workers: out on weekday afternoons much more than working couples.
    hour = axis.local_hour
    afternoon = (axis.weekday < 5) & (hour >= 11) & (hour < 16)
    workers = (fleet.occupancy_kind == "long_hours_worker") & ~traveller
    assert present[afternoon][:, workers].mean() < 0.15
    assert present[afternoon][:, couple].mean() > 0.25
