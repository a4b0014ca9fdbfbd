"""Water and gas fleets against published figures, over a simulated year."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from tests.devices.utilities.conftest import Totals, simulate
from twin.devices.water.demand import persons_of, season_factor
from twin.devices.water.leaks import Leaks
from twin.members import Members


@cache
def _year() -> Totals:
    return simulate(300, 365, seed=3)


def _residents(totals: Totals) -> np.ndarray:
    kinds = totals.households.occupancy_kind.astype(str)
    return ~np.isin(kinds, ["seasonal", "long_term_vacant"])


@pytest.mark.slow
def test_water_per_person_per_day_is_the_published_range() -> None:
    # BDEW Wasserstatistik: about 125 l per inhabitant and day in Germany (2022);
    # EEA (2018): 120-150 l in most European countries
    year = _year()
    home = year.water.home
    residents = _residents(year)[home]
    persons = persons_of(year.households.occupancy_kind[home])
    per_person_day = year.water_l[residents].sum() / persons[residents].sum() / year.days
    assert 120.0 <= per_person_day <= 150.0


@pytest.mark.slow
def test_water_has_morning_and_evening_peaks() -> None:
    share = _year().water_by_hour / _year().water_by_hour.sum()
    night, midday = share[1:5].mean(), share[11:16].mean()
    morning, evening = share[6:9].max(), share[18:22].max()
    assert morning > 2.0 * midday and evening > 1.8 * midday
    assert night < 0.2 * midday
    assert 6 <= int(np.argmax(share)) <= 8


@pytest.mark.slow
def test_annual_gas_per_home_is_the_published_range() -> None:
    # BDEW / co2online: a gas-heated single-family house uses about 12,000-20,000 kWh a
    # year, a flat less
    year = _year()
    heated = year.gas.heated
    area = year.gas._b.floor_area_m2
    annual = year.gas_kwh[heated] * 365.0 / year.days
    large, small = annual[area >= 120.0], annual[area < 80.0]
    assert 12_000.0 <= large.mean() <= 20_000.0
    assert small.mean() < 12_000.0
    # about 100-180 kWh per m^2 and year of gas for heating and hot water (co2online
    # Heizspiegel, gas-heated homes)
    assert 90.0 <= float(np.mean(annual / area)) <= 180.0


def test_a_leak_shows_as_night_flow() -> None:
    run = simulate(60, 6, start="2025-03-03T00:00:00", seed=5, leak_rate=30.0)
    leaks = run.water.leaks
    leaking = np.zeros(run.water.n, dtype=bool)
    # leaks that run through the last night (they last 400 days or more)
    leaking[leaks.meter[leaks.start_s < 4 * 86_400]] = True
    assert leaking.any() and (~leaking).any()
    assert np.median(run.night_l[leaking]) > 3.0 * np.median(run.night_l[~leaking])
    assert np.all(run.night_l[leaking] >= 2.0 * 2.0 * 0.99)  # >= 2 l/h over 2 h of a night


def test_leak_volume_is_prorated() -> None:
    leaks = Leaks(
        meter=np.array([0, 0, 2]),
        start_s=np.array([0.0, 1800.0, 7200.0]),
        end_s=np.array([3600.0, 9000.0, 10_800.0]),
        flow_l_per_h=np.array([2.0, 4.0, 1.0]),
    )
    np.testing.assert_allclose(leaks.litres(0.0, 3600.0, 3), [2.0 + 2.0, 0.0, 0.0])
    np.testing.assert_allclose(leaks.litres(3600.0, 7200.0, 3), [4.0, 0.0, 0.0])
    kept = leaks.restrict(Members(np.array([2], dtype=np.int64), 3))
    assert kept.meter.tolist() == [0] and kept.flow_l_per_h.tolist() == [1.0]


def test_season_factor_peaks_in_summer_with_mean_one() -> None:
    f = season_factor(np.arange(1, 366))
    assert abs(f.mean() - 1.0) < 1e-3
    assert f[195] > 1.09 and f[14] < 0.91
