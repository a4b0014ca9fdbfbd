"""The twin's occupied homes against an outside behaviour model: CREST (richardsonpy).

A small paired sample (see :mod:`twin.devices.households.validation`): 40 twin
homes and 40 CREST homes of the mapped occupant counts and the same annual
targets, the five weekdays of a week in January and of one in July; the
group's evening peak from 400 twin homes on the same days against BDEW H25. The tolerances are the
ones the README states, with the reasons there; the benchmark
``benchmarks/bench_households_vs_crest.py`` measures the same statistics on
160 homes and full weeks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twin.clock import TimeAxis
from twin.devices.households.behaviour_stats import (
    behaviour_statistics,
    daily_energy_kwh,
    lag1_autocorrelation,
    near_baseload_share,
    peak_to_mean,
    switch_ons_per_day,
)
from twin.devices.households.validation import (
    Comparison,
    compare_with_crest,
    h25_peak_to_mean,
    match_group_energy,
    simulate_occupied_homes,
)

pytest.importorskip("richardsonpy")

STARTS = ("2025-01-13", "2025-07-14")
"""Mondays of a winter and a summer week; five days from each."""
HOMES, DAYS = 40, 5

# Tolerances (README, "The household model, validated"): the benchmark's, but for the
# peak diversity, whose group peaks are noisy in groups of 40 homes (0.75-1.25 here,
# 0.85-1.15 on 160 homes).
ACTIVE_SHARE_ABS = 0.05
ACTIVE_PROFILE_R = 0.9
DAILY_KWH_RATIO = (0.85, 1.15)
DAILY_CV_RATIO = (0.7, 1.4)
LAG1_ABS = 0.1
SWITCH_ONS_RATIO = (0.55, 1.25)
PEAK_DIVERSITY_RATIO = (0.75, 1.25)
GROUP_PEAK_H25_ABS = 0.12
NEAR_BASELOAD_ABS = 0.1


@pytest.fixture(scope="module")
def comparisons() -> list[Comparison]:
    return compare_with_crest(HOMES, STARTS, DAYS, seed=5)


def ratio(result: Comparison, name: str) -> float:
    return float(result.twin.as_dict()[name] / result.crest.as_dict()[name])


@pytest.mark.parametrize("season", [0, 1], ids=["winter", "summer"])
def test_statistics_agree_within_the_stated_tolerances(
    comparisons: list[Comparison], season: int
) -> None:
    result = comparisons[season]
    twin, crest = result.twin, result.crest
    assert twin.homes == crest.homes == HOMES and twin.days == DAYS
    # Active occupancy: the twin's "at home and active" against CREST's "at home and awake".
    assert twin.active_share == pytest.approx(crest.active_share, abs=ACTIVE_SHARE_ABS)
    r = np.corrcoef(twin.active_share_by_hour, crest.active_share_by_hour)[0, 1]
    assert r >= ACTIVE_PROFILE_R
    # Energy: levels matched per occupant count over both seasons; the split is compared.
    assert DAILY_KWH_RATIO[0] <= ratio(result, "daily_kwh") <= DAILY_KWH_RATIO[1]
    assert DAILY_CV_RATIO[0] <= ratio(result, "daily_kwh_cv") <= DAILY_CV_RATIO[1]
    # Persistence and switching of appliance use.
    assert twin.lag1_autocorrelation == pytest.approx(crest.lag1_autocorrelation, abs=LAG1_ABS)
    # Peaks: the homes' own peaks over the group's (diversity) are CREST's.
    diversity = (twin.peak_to_mean_home / twin.peak_to_mean_group) / (
        crest.peak_to_mean_home / crest.peak_to_mean_group
    )
    assert PEAK_DIVERSITY_RATIO[0] <= diversity <= PEAK_DIVERSITY_RATIO[1]
    assert twin.near_baseload_share == pytest.approx(
        crest.near_baseload_share, abs=NEAR_BASELOAD_ABS
    )


@pytest.mark.parametrize("season", [0, 1], ids=["winter", "summer"])
def test_switch_ons_per_day_agree(comparisons: list[Comparison], season: int) -> None:
    result = comparisons[season]
    assert SWITCH_ONS_RATIO[0] <= ratio(result, "switch_ons_per_day") <= SWITCH_ONS_RATIO[1]


@pytest.mark.parametrize("start", STARTS)
def test_the_group_evening_peak_is_that_of_h25(start: str) -> None:
    # The group's evening peak over its mean: BDEW H25 (German households) on the same days,
    # not CREST's (UK appliance stock and evening meal, about 2.0-2.3).
    homes = simulate_occupied_homes(400, start, DAYS, seed=5)
    axis = homes.axis
    group = peak_to_mean(homes.p_kw.mean(axis=1, keepdims=True), axis.interval_s, axis.local_hour)
    assert group[0] == pytest.approx(h25_peak_to_mean(axis), abs=GROUP_PEAK_H25_ABS)


# ------------------------------------------------ the statistics, by hand


def two_day_axis() -> TimeAxis:
    return TimeAxis(pd.Timestamp("2025-03-03", tz="UTC"), 3_600, 48, "UTC")


def test_statistics_of_hand_made_series() -> None:
    axis = two_day_axis()
    hour = axis.local_hour
    # Home 0: 100 W always, 1.1 kW from 18:00 to 20:00 (two switch-ons a day at 18:00).
    # Home 1: 200 W on day 1, 500 W on day 2 (daily energy 4.8 and 12 kWh).
    p = np.zeros((48, 2))
    p[:, 0] = 0.1 + np.where((hour >= 18) & (hour < 20), 1.0, 0.0)
    p[:, 1] = np.where(np.arange(48) < 24, 0.2, 0.5)
    daily = daily_energy_kwh(p, 3_600)
    np.testing.assert_allclose(daily, [[4.4, 4.8], [4.4, 12.0]])
    np.testing.assert_allclose(switch_ons_per_day(p, 3_600), [1.0, 0.5])
    # Mean 4.4/24 kW; evening peak 1.1 kW: 1.1 / (4.4 / 24) = 6.0. Home 1's profile is flat.
    np.testing.assert_allclose(peak_to_mean(p, 3_600, hour), [6.0, 1.0])
    # Home 0 is within 50 W of its 5 % quantile (100 W) 22 of 24 hours; home 1 half the time.
    np.testing.assert_allclose(near_baseload_share(p), [22 / 24, 0.5])
    # Home 1: one step in 47 -> lag-1 autocorrelation close to 1.
    assert lag1_autocorrelation(p)[1] > 0.9
    active = np.zeros((48, 2))
    active[(hour >= 18) & (hour < 20), 0] = 1.0
    stats = behaviour_statistics(p, active, interval_s=3_600, local_hour=hour)
    assert stats.active_share == pytest.approx(2 / 48)
    assert stats.active_share_by_hour[18] == pytest.approx(0.5)
    assert stats.daily_kwh == pytest.approx((4.4 + 8.4) / 2)
    # Day-to-day CV: home 0: 0; home 1: std(4.8, 12) / 8.4 = 3.6 / 8.4.
    assert stats.daily_kwh_cv == pytest.approx((0.0 + 3.6 / 8.4) / 2)
    assert stats.peak_to_mean_group == pytest.approx(
        (1.1 + 0.35) / 2 / ((4.4 + 8.4) / 24 / 2), rel=1e-9
    )


def test_statistics_refuse_partial_days() -> None:
    axis = two_day_axis()
    p = np.ones((47, 1))
    with pytest.raises(ValueError, match="47 intervals"):
        daily_energy_kwh(p, 3_600)
    with pytest.raises(ValueError, match="active given shape"):
        behaviour_statistics(
            np.ones((48, 1)), np.ones((48, 2)), interval_s=3_600, local_hour=axis.local_hour
        )


def test_group_energy_matching_scales_each_group_by_one_factor() -> None:
    a = [np.full((4, 3), 1.0), np.full((4, 3), 3.0)]
    ref = [np.full((4, 3), 2.0), np.full((4, 3), 2.0)]
    group = np.array([0, 0, 1])
    ref[0][:, 2] = 4.0
    scaled = match_group_energy(a, ref, group)
    # Group 0: reference 2 + 2 over own 1 + 3 -> factor 1; group 1: (4 + 2) / (1 + 3) = 1.5.
    np.testing.assert_allclose(scaled[0][0], [1.0, 1.0, 1.5])
    np.testing.assert_allclose(scaled[1][0], [3.0, 3.0, 4.5])
