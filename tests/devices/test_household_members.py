"""A household fleet restricted to some premises equals the full fleet's rows for them.

A sharded run simulates the premises of some LV transformer areas only. The
shard's fleet must draw exactly what the full fleet draws (same generator,
same calls, full size) and keep the members' share, so that every member's
events, vacancy periods and interval power are bitwise those of the
unsharded run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

from twin.clock import TimeAxis
from twin.devices.households import HouseholdEvent, HouseholdFleet, HouseholdParams
from twin.devices.households.behaviour import LookEmpty, VacantBehaviour
from twin.members import Members

N = 300
SEED = 11
PARAMS: dict[str, Any] = {
    "annual_kwh_median": 2_700.0,
    "annual_kwh_sigma": 0.45,
    "power_factor": 0.97,
    "archetype_shares": {
        "working_couple": 0.30,
        "family": 0.25,
        "retired": 0.22,
        "single": 0.18,
        "shift_worker": 0.05,
        "long_hours_worker": 0.05,
        "student": 0.05,
    },
    # Plenty of everything: empty homes (some heated, some visited), seasonal
    # homes, moves and holidays within three winter weeks.
    "long_term_vacant": 0.12,
    "seasonal": 0.10,
    "move_rate_per_year": 4.0,
    "holiday_weeks_per_year": 10.0,
    # Timer lamps, renovation, viewings and cleanings, travellers: all of them common.
    "vacant": VacantBehaviour(timer_lights=0.4, renovation=0.4, cleaning=0.8),
    "look_empty": LookEmpty(frequent_travellers=0.2),
}


def make_axis() -> TimeAxis:
    """Three weeks at 15 min from a Monday in January."""
    return TimeAxis(
        start=pd.Timestamp("2025-01-06", tz="Europe/Berlin"),
        interval_s=900,
        n_intervals=21 * 96,
        timezone="Europe/Berlin",
    )


def make_fleet(axis: TimeAxis, members: Members | None = None) -> HouseholdFleet:
    return HouseholdFleet.create(
        N,
        rng=np.random.default_rng(SEED),
        axis=axis,
        latitude_deg=51.0,
        params=HouseholdParams(**PARAMS),
        members=members,
    )


@dataclass
class Run:
    """What a fleet showed in every interval of the run."""

    p_kw: np.ndarray
    q_kvar: np.ndarray
    present: np.ndarray
    vacant: np.ndarray
    present_at_start: np.ndarray
    vacant_at_start: np.ndarray
    kind_at_start: np.ndarray
    annual_kwh_at_start: np.ndarray


def simulate(fleet: HouseholdFleet, axis: TimeAxis) -> Run:
    """Drive the fleet as the engine's interval loop does.

    Events at ``T`` are applied before the step of the interval that starts
    at ``T`` (they are SimPy timeouts created before the interval process's).
    """
    run = Run(
        p_kw=np.empty((axis.n_intervals, fleet.n)),
        q_kvar=np.empty((axis.n_intervals, fleet.n)),
        present=np.empty((axis.n_intervals, fleet.n), dtype=bool),
        vacant=np.empty((axis.n_intervals, fleet.n), dtype=bool),
        present_at_start=fleet.present.copy(),
        vacant_at_start=fleet.vacant.copy(),
        kind_at_start=fleet.occupancy_kind.copy(),
        annual_kwh_at_start=fleet.annual_kwh.copy(),
    )
    events = fleet.events()
    j = 0
    for k in range(axis.n_intervals):
        t = axis.at(k)
        while j < len(events) and events[j].time_s <= t.start_s:
            fleet.apply(events[j])
            j += 1
        run.p_kw[k], run.q_kvar[k] = fleet.step(t)
        run.present[k] = fleet.present
        run.vacant[k] = fleet.vacant
    assert j == len(events)
    return run


def localise_events(events: list[HouseholdEvent], members: Members) -> list[HouseholdEvent]:
    """The full fleet's events of the members, with member positions."""
    premise = np.asarray([e.premise for e in events], dtype=np.int64)
    keep, local = members.localise(premise)
    kept = [e for e, k in zip(events, keep, strict=True) if k]
    return [HouseholdEvent(e.time_s, int(i), e.kind) for e, i in zip(kept, local, strict=True)]


def localise_periods(periods: pd.DataFrame, members: Members) -> pd.DataFrame:
    """The full fleet's vacancy periods of the members, with member positions."""
    keep, local = members.localise(periods["premise"].to_numpy())
    out = periods[keep].reset_index(drop=True)
    out["premise"] = local
    return out


def chosen_members(full: HouseholdFleet, case: str) -> Members:
    """Members for a test case; the arbitrary ones include every hard case."""
    periods = full.vacancy_periods()
    visited = np.unique(full._visits.premise)  # white box: the visit schedule
    empty = np.unique(periods.premise[periods.kind != "holiday"].to_numpy())
    moving = [e.premise for e in full.events() if e.kind == "move_in"]
    renovated = full._renovation.premise
    timer = np.intersect1d(np.flatnonzero(full._vacant_homes.timer_kw > 0), empty)
    if case == "arbitrary":
        pick = np.random.default_rng(3).choice(N, size=110, replace=False)
        extra = [visited[0], np.setdiff1d(empty, visited)[0], moving[0], renovated[0], timer[0]]
        return Members(np.unique(np.concatenate([pick, extra])).astype(np.int64), N)
    if case == "contiguous":
        return Members(np.arange(90, 210, dtype=np.int64), N)
    if case == "one_visited":
        return Members(np.asarray([visited[0]], dtype=np.int64), N)
    if case == "empty":
        return Members(np.zeros(0, dtype=np.int64), N)
    raise AssertionError(case)


def test_the_full_fleet_has_every_hard_case() -> None:
    # The identity tests below only mean something if all of it happens.
    axis = make_axis()
    full = make_fleet(axis)
    kinds = {e.kind for e in full.events()}
    assert kinds == {
        "holiday_start",
        "holiday_end",
        "move_out",
        "move_in",
        "seasonal_leave",
        "seasonal_arrive",
    }
    periods = full.vacancy_periods()
    assert set(periods.kind) == {"long_term_vacant", "seasonal", "holiday", "between_tenants"}
    assert full._visits.premise.size > 0
    assert set(full._visits.kind) == {0, 1, 2}  # caretakers, viewings, cleanings
    assert full._renovation.premise.size > 0
    assert (full._vacant_homes.timer_kw > 0).any()
    labels = "+".join(full.look_empty.astype(str))
    for name in ("student", "long_hours_worker", "frequent_traveller", "frugal_elderly"):
        assert name in labels, name
    run = simulate(full, axis)
    empty_not_on_holiday = run.vacant & ~np.isin(
        np.arange(N), periods.premise[periods.kind == "holiday"]
    )
    assert empty_not_on_holiday.any()


@pytest.mark.parametrize("case", ["arbitrary", "contiguous", "one_visited", "empty"])
def test_members_see_exactly_the_full_fleet_rows(case: str) -> None:
    axis = make_axis()
    full = make_fleet(axis)
    members = chosen_members(full, case)
    part = make_fleet(axis, members)
    assert part.n == members.n
    assert part.members is members

    # Drawn at creation.
    assert part.events() == localise_events(full.events(), members)
    pd.testing.assert_frame_equal(
        part.vacancy_periods(), localise_periods(full.vacancy_periods(), members), check_exact=True
    )
    np.testing.assert_array_equal(part.occupancy_kind, full.occupancy_kind[members.index])
    np.testing.assert_array_equal(part.annual_kwh, full.annual_kwh[members.index])
    np.testing.assert_array_equal(part.scale_kw, full.scale_kw[members.index])
    np.testing.assert_array_equal(part.vacant_behaviour, full.vacant_behaviour[members.index])
    np.testing.assert_array_equal(part.look_empty, full.look_empty[members.index])

    # Every interval.
    a, b = simulate(full, axis), simulate(part, axis)
    rows = members.index
    np.testing.assert_array_equal(b.present_at_start, a.present_at_start[rows])
    np.testing.assert_array_equal(b.vacant_at_start, a.vacant_at_start[rows])
    np.testing.assert_array_equal(b.p_kw, a.p_kw[:, rows])
    np.testing.assert_array_equal(b.q_kvar, a.q_kvar[:, rows])
    np.testing.assert_array_equal(b.present, a.present[:, rows])
    np.testing.assert_array_equal(b.vacant, a.vacant[:, rows])

    # After the run: new tenants moved in.
    np.testing.assert_array_equal(part.occupancy_kind, full.occupancy_kind[rows])
    np.testing.assert_array_equal(part.look_empty, full.look_empty[rows])
    np.testing.assert_array_equal(part.annual_kwh, full.annual_kwh[rows])
    np.testing.assert_array_equal(part.scale_kw, full.scale_kw[rows])


def test_the_members_cover_the_hard_cases() -> None:
    # The arbitrary subset holds a visited home, an unvisited empty home and a move-in.
    axis = make_axis()
    full = make_fleet(axis)
    part = make_fleet(axis, chosen_members(full, "arbitrary"))
    assert part._visits.premise.size > 0
    assert part._renovation.premise.size > 0
    assert (part._vacant_homes.timer_kw > 0).any()
    assert "move_in" in {e.kind for e in part.events()}
    periods = part.vacancy_periods()
    empty = np.unique(periods.premise[periods.kind != "holiday"])
    assert np.setdiff1d(empty, part._visits.premise).size > 0
    assert 0 < part.n < N


def test_two_complementary_member_sets_make_up_the_whole_fleet() -> None:
    axis = make_axis()
    full = make_fleet(axis)
    one = chosen_members(full, "arbitrary")
    other = Members(np.setdiff1d(np.arange(N), one.index), N)
    parts = [make_fleet(axis, m) for m in (one, other)]
    assert full.members.is_all and not any(part.members.is_all for part in parts)
    whole = simulate(full, axis)
    runs = [simulate(part, axis) for part in parts]
    for name in ("p_kw", "q_kvar", "present", "vacant", "kind_at_start", "annual_kwh_at_start"):
        expected = getattr(whole, name)
        joined = np.zeros_like(expected)
        for members, run in zip((one, other), runs, strict=True):
            joined[..., members.index] = getattr(run, name)
        np.testing.assert_array_equal(joined, expected, err_msg=name)
    # every event and vacancy period of the whole fleet is in exactly one of the parts
    events = sorted(
        (e.time_s, int(m.index[e.premise]), e.kind)
        for m, part in zip((one, other), parts, strict=True)
        for e in part.events()
    )
    assert events == sorted((e.time_s, e.premise, e.kind) for e in full.events())
    periods = []
    for members, part in zip((one, other), parts, strict=True):
        mine = part.vacancy_periods()
        mine["premise"] = members.index[mine["premise"].to_numpy()]
        periods.append(mine)
    columns = list(full.vacancy_periods().columns)
    pd.testing.assert_frame_equal(
        pd.concat(periods).sort_values(columns, ignore_index=True),
        full.vacancy_periods().sort_values(columns, ignore_index=True),
        check_exact=True,
    )


def test_members_of_another_fleet_size_are_refused() -> None:
    with pytest.raises(ValueError, match="fleet of 299"):
        make_fleet(make_axis(), Members.all(N - 1))


def test_events_of_a_shard_name_member_positions() -> None:
    axis = make_axis()
    members = Members(np.arange(150, 300, dtype=np.int64), N)
    part = make_fleet(axis, members)
    assert all(0 <= e.premise < members.n for e in part.events())
    periods = part.vacancy_periods()
    assert periods.premise.between(0, members.n - 1).all()
    with pytest.raises(ValueError, match=r"expected 0 \.\. 149"):
        part.apply(HouseholdEvent(900, 150, "holiday_start"))
