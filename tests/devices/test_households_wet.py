"""Wet appliances: CREST's numbers, calibrated energy, and delayed starts that keep energy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.clock import TimeAxis
from twin.devices.households import ARCHETYPES, HouseholdFleet, HouseholdParams
from twin.devices.households.tables import N_ROWS
from twin.devices.households.wet import (
    CYCLES_PER_YEAR,
    CYCLES_REFERENCE_ACTIVITY_KWH,
    OWNERSHIP,
    START_WEIGHT,
    WET_APPLIANCES,
    WetAppliances,
    cycle_energy_kwh,
    cycle_length_s,
    drawn_weight_table,
    interval_energy_shares,
    start_weight_table,
)
from twin.members import Members

DT = 900


def test_cycles_are_crests_mean_cycles() -> None:
    # CREST appliance table (Richardson et al. 2010, richardsonpy inputs/Appliances.csv):
    # washing machine 406 W x 138 min, tumble dryer 2,500 W x 60 min, dish washer
    # 1,131 W x 60 min.
    for a, (watts, minutes) in enumerate(((406, 138), (2500, 60), (1131, 60))):
        assert cycle_length_s(a) == 60 * minutes
        assert cycle_energy_kwh(a) == pytest.approx(watts * minutes / 60_000, rel=0.01)
    for a in range(len(WET_APPLIANCES)):
        shares = interval_energy_shares(a, DT)
        assert shares.sum() == pytest.approx(1.0) and (shares >= 0).all()
    # a weighted average of start weights: the same daily mean
    np.testing.assert_allclose(
        drawn_weight_table(DT).mean(axis=1), start_weight_table(DT).mean(axis=1)
    )


def test_start_weights_are_crests_activity_profiles() -> None:
    richardsonpy = pytest.importorskip("richardsonpy")
    folder = Path(richardsonpy.__file__).parent / "inputs" / "constants"
    for day, name in (("weekday", "wd"), ("weekend", "we")):
        table = np.loadtxt(folder / f"ActiveAppliances_{name}.csv", delimiter=";")
        for activity, code in (("cooking", 1), ("laundry", 2)):
            row = table[(table[:, 0] == 1) & (table[:, 1] == code)][0, 2:]
            hourly = row.reshape(24, 6).mean(axis=1)
            np.testing.assert_allclose(
                START_WEIGHT[activity][day], hourly / hourly.mean(), atol=0.006
            )


def _wet(n: int, seed: int, hours: float = 4000.0) -> WetAppliances:
    """Homes that own everything and wish a start every few active hours."""
    wet = WetAppliances(
        owned=np.ones((n, 3), dtype=bool),
        start_hours=np.full((N_ROWS, 3), hours),
        activity_hours=np.full(N_ROWS, CYCLES_REFERENCE_ACTIVITY_KWH),
        interval_s=DT,
        rng=np.random.default_rng(seed),
        members=Members.all(n),
    )
    wet.set_households(np.arange(n), np.ones(n), np.zeros(n, np.int64))
    np.testing.assert_allclose(wet.cycles_per_year, np.tile(CYCLES_PER_YEAR, (n, 1)))
    return wet


def _starts(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    return after & ~before


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    windows=st.lists(
        st.tuples(st.integers(0, 150), st.integers(1, 24), st.integers(0, 5)),
        min_size=1,
        max_size=6,
    ),
    delay_h=st.sampled_from([0.5, 1.0, 3.0, 6.0, 12.0]),
)
def test_delayed_cycles_keep_their_energy_and_never_start_in_a_window(
    seed: int, windows: list[tuple[int, int, int]], delay_h: float
) -> None:
    # Six homes; homes 0-4 may be held by windows, home 5 never. Two days of wishes, then
    # quiet until every cycle has run.
    n, k_wish = 6, 192
    held = np.zeros((k_wish + 200, n), dtype=bool)
    for start, length, home in windows:
        held[start : start + length, home] = True
    max_delay = delay_h * 3600.0
    wet = _wet(n, seed)
    active = np.ones(n, dtype=bool)
    p, p_free = [], []
    run = [wet.running.copy()]
    run_free = [wet.running_undelayed.copy()]
    k = 0
    while k < k_wish or run[-1].any() or run_free[-1].any() or wet._count.any():
        assert k < held.shape[0], "every held cycle runs within the delay limit"
        hold = np.where(held[k], max_delay, 0.0)
        wet.step(k * DT, 0, 40, 1.0, active if k < k_wish else ~active, hold)
        p.append(wet.p_kw.copy())
        p_free.append(wet.p_kw_undelayed.copy())
        run.append(wet.running.copy())
        run_free.append(wet.running_undelayed.copy())
        k += 1
    p_kw, p_free_kw = np.array(p), np.array(p_free)
    # energy: every delayed cycle ran in full
    np.testing.assert_allclose(p_kw.sum(axis=0), p_free_kw.sum(axis=0), rtol=1e-12, atol=1e-9)
    assert p_free_kw.sum() > 0
    # the home never held is exactly its undelayed self
    never = ~held.any(axis=0)
    np.testing.assert_array_equal(p_kw[:, never], p_free_kw[:, never])
    # starts: the j-th actual start of an appliance is the j-th wished (undelayed) one
    r, rf = np.array(run), np.array(run_free)
    for i in range(n):
        for a in range(3):
            act = np.flatnonzero(_starts(r[:-1, i, a], r[1:, i, a]))
            wish = np.flatnonzero(_starts(rf[:-1, i, a], rf[1:, i, a]))
            assert act.size == wish.size
            for ka, kw in zip(act.tolist(), wish.tolist(), strict=True):
                assert ka >= kw
                if held[ka, i]:  # inside a window only once the limit is reached
                    assert (ka - kw) * DT >= max_delay
                if ka > kw:  # and as soon as allowed: after a held interval or a busy one
                    assert held[ka - 1, i] or (ka >= 2 and r[ka - 1, i, a])


def test_without_holds_the_two_schedules_are_one() -> None:
    wet = _wet(50, 3)
    active = np.ones(50, dtype=bool)
    for k in range(300):
        wet.step(k * DT, 1, k % 96, 1.0, active, np.zeros(50))
        np.testing.assert_array_equal(wet.p_kw, wet.p_kw_undelayed)
    assert wet.p_kw_undelayed.sum() >= 0


def test_a_fleets_wet_appliances_run_crests_cycles_per_year() -> None:
    # A year at hourly intervals: cycles per owning home and year against their expected
    # number (CREST's, scaled with each home's activity energy), and the wet appliances'
    # share of the energy.
    axis = TimeAxis(pd.Timestamp("2025-01-01", tz="Europe/Berlin"), 3600, 8760, "Europe/Berlin")
    fleet = HouseholdFleet.create(
        300,
        rng=np.random.default_rng(7),
        axis=axis,
        latitude_deg=51.0,
        params=HouseholdParams(move_rate_per_year=0.0, seasonal=0.0),
    )
    events = fleet.events()
    j = 0
    energy = np.zeros(fleet.n)
    wet = np.zeros(fleet.n)
    starts = np.zeros((fleet.n, 3))
    running = fleet._wet.running_undelayed.copy()
    for k in range(axis.n_intervals):
        t = axis.at(k)
        while j < len(events) and events[j].time_s <= t.start_s:
            fleet.apply(events[j])
            j += 1
        p, _ = fleet.step(t)
        energy += p
        wet += fleet.wet_kw
        now = fleet._wet.running_undelayed
        starts += now & ~running
        running = now.copy()
    owned = fleet.wet_owned
    assert owned.mean(axis=0) == pytest.approx(OWNERSHIP, abs=0.06)
    home = np.isin(fleet.occupancy_kind, [a for a in ARCHETYPES if a != "student"]) & (
        fleet.look_empty == ""
    )
    expected = fleet._wet.cycles_per_year[home]
    np.testing.assert_allclose(starts[home].sum(axis=0) / expected.sum(axis=0), 1.0, atol=0.1)
    # a typical home (2,400-3,000 kWh/yr) runs about CREST's cycles
    typical = (fleet.annual_kwh[home] > 2_400) & (fleet.annual_kwh[home] < 3_000)
    per_owner = expected[typical].sum(axis=0) / owned[home][typical].sum(axis=0)
    np.testing.assert_allclose(per_owner / np.asarray(CYCLES_PER_YEAR), 1.0, atol=0.2)
    share = wet.sum() / energy.sum()
    assert 0.09 < share < 0.18, share  # the wet appliances' share of household electricity
    assert (wet >= 0).all()
