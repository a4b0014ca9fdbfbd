"""A part of the EV fleet (a shard's chargers) and the kernels it relies on are shard-invariant."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import twin.devices.ev.kernel as kernel
from twin.clock import TimeAxis
from twin.devices.ev import EvFleet, EvParams, allocate_earliest_departure
from twin.devices.ev.kernel import exclusive_run_sum


def _runs(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    key = np.sort(rng.integers(0, 40, 600))
    return rng.lognormal(0.0, 2.0, key.size), key


def test_exclusive_run_sum_sums_each_run_on_its_own(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    values, key = _runs(rng)
    got = exclusive_run_sum(values, key)
    for k in np.unique(key):
        at = key == k
        alone = exclusive_run_sum(values[at], key[at])
        np.testing.assert_array_equal(got[at], alone)
        np.testing.assert_array_equal(alone, np.concatenate([[0.0], np.cumsum(values[at])[:-1]]))
    monkeypatch.setattr(kernel, "_PADDED_MAX", 0)  # the walk over positions gives the same sums
    np.testing.assert_array_equal(exclusive_run_sum(values, key), got)
    assert exclusive_run_sum(np.zeros(0), np.zeros(0, np.int64)).shape == (0,)


def test_earliest_departure_grants_of_an_area_ignore_the_other_areas(
    rng: np.random.Generator,
) -> None:
    n = 500
    area = rng.integers(0, 6, n).astype(np.intp)
    request = rng.uniform(0.0, 3.0, n)
    depart = rng.integers(0, 50_000, n).astype(np.float64)
    budget = rng.uniform(5.0, 60.0, 6)
    whole = allocate_earliest_departure(request, depart, area, budget)
    for a in range(6):
        at = area == a
        alone = allocate_earliest_departure(request[at], depart[at], area[at], budget)
        np.testing.assert_array_equal(whole[at], alone)


def test_a_fleet_part_steps_like_the_whole_fleet_for_its_chargers() -> None:
    tz = "Europe/Berlin"
    axis = TimeAxis(pd.Timestamp("2025-03-03", tz=tz), 900, 4 * 96, tz)
    make = lambda: EvFleet.create(  # noqa: E731
        np.arange(40),
        rng=np.random.default_rng(8),
        axis=axis,
        public_premises=[40, 41],
        area_of_premise=np.repeat(np.arange(6), 7),
        params=EvParams(
            policy="managed",
            allocation="earliest_departure",
            fault_rates_per_year={"HighTemperature": 30.0, "GroundFailure": 30.0},
            repair_mean_h=4.0,
        ),
    )
    whole = make()
    keep = np.flatnonzero(np.isin(whole.area, [1, 4, 5]))
    part = make().take(keep, np.arange(keep.size))
    assert part.charger_index.tolist() == keep.tolist() and part.n_total == 42
    assert part.n_areas == whole.n_areas == 6
    headroom = {a: 5.0 + 2.0 * a for a in range(6)}
    rows: dict[str, list[pd.DataFrame]] = {"whole": [], "part": []}
    for k in range(axis.n_intervals):
        vm = 1.0 + 0.08 * np.sin(np.arange(42) + k)
        p = whole.step(axis.at(k), headroom, vm)
        q = part.step(axis.at(k), headroom, vm[keep])
        np.testing.assert_array_equal(q, p[keep])
        rows["whole"].append(pd.DataFrame(whole.finished_sessions()))
        rows["part"].append(pd.DataFrame(part.finished_sessions()))
    a = pd.concat(rows["whole"], ignore_index=True)
    b = pd.concat(rows["part"], ignore_index=True)
    a = a[a["charger_id"].isin(keep)].reset_index(drop=True)
    b["charger_id"] = keep[b["charger_id"]]
    b["premise"] = whole.premise[keep][b["premise"]]  # the part numbers its premises 0..
    assert len(b) > 0
    pd.testing.assert_frame_equal(b, a, check_exact=True)
    with pytest.raises(ValueError, match="stepped"):
        whole.take(keep, keep)


def test_no_home_charging_while_the_household_is_away() -> None:
    tz = "Europe/Berlin"
    axis = TimeAxis(pd.Timestamp("2025-03-03", tz=tz), 900, 14 * 96, tz)
    fleet = EvFleet.create(
        np.arange(30), rng=np.random.default_rng(3), axis=axis, public_premises=[30, 31]
    )
    # premise 0 empty all run, premise 1 away in the second week, premise 2 never
    week = 7 * 86_400
    periods = (np.array([0, 1]), np.array([0, week]), np.array([2 * week, 2 * week]))
    away = fleet.without_home_sessions_during(*periods)
    s, kept = fleet.sessions, away.sessions
    at = fleet.premise[kept.charger]
    assert not np.any(at == 0)
    late = (at == 1) & (kept.depart_s > week)
    assert not late.any()
    for charger in (2, 30, 31):  # an always-home EV and the public connectors keep every session
        np.testing.assert_array_equal(
            kept.number[kept.charger == charger], s.number[s.charger == charger]
        )
    assert np.isin(kept.number, s.number).all()
    assert (fleet.premise[s.charger] == 0).any() and (
        (fleet.premise[s.charger] == 1) & (s.arrive_s > week)
    ).any()
    total = sum(away.step(axis.at(k)).sum() for k in range(axis.n_intervals))
    assert total > 0
    assert fleet.sessions.size == s.size  # the original fleet is unchanged
