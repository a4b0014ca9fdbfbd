"""The customer fleet (layer 2): class shapes, levels, holidays, base stations, factories."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import holidays
import numpy as np
import pandas as pd
import pytest
from demandlib import bdew
from numpy.typing import NDArray

from twin.clock import TimeAxis
from twin.devices.customers import (
    BDEW_CLASSES,
    CUSTOMER_CLASSES,
    CustomerFleet,
    CustomerParams,
    CustomerVariation,
    base_station_cooling_kw,
    base_station_it_kw,
    traffic_fraction,
)
from twin.devices.weather import average_hourly, load_weather

TZ = "Europe/Berlin"


def make_axis(start: str, days: int, interval_s: int = 900) -> TimeAxis:
    return TimeAxis(pd.Timestamp(start, tz=TZ), interval_s, days * 86_400 // interval_s, TZ)


def run(
    classes: Sequence[str],
    axis: TimeAxis,
    *,
    annual_kwh: float | NDArray[np.float64] = 10_000.0,
    temp_c: float | NDArray[np.float64] = 12.0,
    seed: int = 3,
    params: CustomerParams | None = None,
) -> tuple[CustomerFleet, NDArray[np.float64], NDArray[np.bool_]]:
    """Create a fleet and step it through the axis: (fleet, p_kw (k, n), open (k, n))."""
    n = len(classes)
    fleet = CustomerFleet.create(
        list(classes),
        np.broadcast_to(np.asarray(annual_kwh, dtype=np.float64), (n,)).copy(),
        rng=np.random.default_rng(seed),
        axis=axis,
        temp_air_c=np.broadcast_to(np.asarray(temp_c, dtype=np.float64), (axis.n_intervals,)),
        params=params,
    )
    p = np.empty((axis.n_intervals, fleet.n))
    is_open = np.empty((axis.n_intervals, fleet.n), dtype=bool)
    for k in range(axis.n_intervals):
        p[k], q = fleet.step(axis.at(k))
        is_open[k] = fleet.open_now
        assert np.all(q >= 0)
    return fleet, p, is_open


def german_holiday(axis: TimeAxis) -> NDArray[np.bool_]:
    local = pd.date_range(axis.start, periods=axis.n_intervals, freq=f"{axis.interval_s}s")
    days = local.tz_localize(None).normalize()
    return np.asarray(days.isin(pd.to_datetime(list(holidays.country_holidays("DE", years=2025)))))


def test_weekday_shapes_follow_their_bdew_profiles() -> None:
    # Reference: demandlib 0.2.2, demandlib.bdew.ElecSlp(2025, holidays=German holidays), the
    # BDEW standard load profiles; mean weekday shape over the same four weeks, by quarter-hour.
    with warnings.catch_warnings():
        slp = bdew.ElecSlp(2025, holidays=holidays.country_holidays("DE", years=2025))
    profiles = slp.get_profiles()
    per = 200
    classes = np.repeat(BDEW_CLASSES, per)
    r: dict[str, list[float]] = {c: [] for c in BDEW_CLASSES}
    for start in ("2025-01-06", "2025-07-07"):  # winter and summer, no DST change
        axis = make_axis(start, 28)
        _, p, _ = run(classes, axis)
        by_class = p.reshape(axis.n_intervals, len(BDEW_CLASSES), per).mean(axis=2)
        weekday = (axis.weekday < 5) & ~german_holiday(axis)
        slot = np.arange(axis.n_intervals) % 96
        wall = pd.date_range(start, periods=axis.n_intervals, freq="15min")
        for i, c in enumerate(BDEW_CLASSES):
            fleet = np.bincount(slot[weekday], by_class[weekday, i], 96)
            ref = np.bincount(slot[weekday], profiles[c.lower()].loc[wall].to_numpy()[weekday], 96)
            r[c].append(float(np.corrcoef(fleet, ref)[0, 1]))
    for c in BDEW_CLASSES:
        assert min(r[c]) >= 0.9, (c, r[c])  # measured: 0.99-0.999


def test_customers_of_one_class_differ() -> None:
    fleet, p, _ = run(["G4", "G4", "G1", "G1"], make_axis("2025-03-03", 14))
    for a, b in ((0, 1), (2, 3)):
        assert np.corrcoef(p[:, a], p[:, b])[0, 1] < 0.99
        assert fleet.annual_kwh[a] != fleet.annual_kwh[b]
        assert fleet.shift_min[a] != fleet.shift_min[b]


def test_annual_energy_over_a_year() -> None:
    # DWD TRY 2010 region 4 (Potsdam): the base stations' reference climate.
    weather = load_weather("dwd_try2010_04")
    axis = make_axis("2025-01-01", 365, 3600)
    temp = average_hourly(weather.temp_air_c, axis, weather.utc_offset_h)
    classes = np.repeat(CUSTOMER_CLASSES, 40)
    given = np.random.default_rng(1).lognormal(np.log(20_000.0), 0.5, classes.size)
    fleet, p, _ = run(classes, axis, annual_kwh=given, temp_c=temp)
    energy = p.sum(axis=0)  # 1-h intervals: kWh
    for c in CUSTOMER_CLASSES:
        sel = fleet.classes == c
        ratio = energy[sel] / fleet.annual_kwh[sel]
        assert ratio.mean() == pytest.approx(1.0, abs=0.02), c
        assert np.all(np.abs(ratio - 1) < 0.1), c
        assert energy[sel].sum() / given[sel].sum() == pytest.approx(1.0, abs=0.05), c
    assert energy.sum() / given.sum() == pytest.approx(1.0, abs=0.02)


def test_public_holidays_are_quiet_for_g1() -> None:
    # Good Friday 18 April, Easter Monday 21 April, Labour Day 1 May 2025.
    axis = make_axis("2025-04-14", 21)
    _, p, is_open = run(["G1"] * 50, axis)
    holiday = german_holiday(axis)
    workday = (axis.weekday < 5) & ~holiday
    assert holiday.sum() == 3 * 96
    ratio = p[holiday].mean() / p[workday].mean()
    assert ratio < 0.4
    assert is_open[holiday].mean() < 0.02 < 0.3 < is_open[workday].mean()
    # With another country's holidays (Austria: no Good Friday), 18 April is a workday.
    _, p_at, _ = run(["G1"] * 50, axis, params=CustomerParams(country="AT"))
    good_friday = np.asarray(
        pd.date_range(axis.start, periods=axis.n_intervals, freq="15min").day == 18
    )
    assert p_at[good_friday].mean() > 2 * p[good_friday].mean()


def test_base_station_is_flat_and_cools_when_hot() -> None:
    axis = make_axis("2025-07-07", 14)
    fleet, cold, is_open = run(["base_station"] * 30, axis, temp_c=5.0, annual_kwh=20_000.0)
    _, hot, _ = run(["base_station"] * 30, axis, temp_c=30.0, annual_kwh=20_000.0)
    site = cold.mean(axis=1)
    assert site.max() / site.mean() < 1.5
    assert cold.max(axis=0).max() / cold.mean(axis=0).min() < 2.0
    share = 1 - cold.mean() / hot.mean()  # cooling's share of site energy at 30 degC
    assert 0.25 < share < 0.5
    assert is_open.all()
    # 1-5 kW sites; small ones single-phase, larger ones three-phase.
    assert np.all((fleet.peak_kw > 1) & (fleet.peak_kw < 6))
    assert set(fleet.kinds) == {"base_station"}
    # Sensible with outdoor air: a ramp from 5 to 35 degC raises the load.
    ramp = np.linspace(5.0, 35.0, axis.n_intervals)
    _, p, _ = run(["base_station"] * 30, axis, temp_c=ramp)
    day = p.sum(axis=1).reshape(14, 96).mean(axis=1)
    assert day[-1] > 1.3 * day[0]


def test_factory_shifts_weekends_and_holidays() -> None:
    # Monday 28 April .. Sunday 11 May 2025; 1 May (Thursday) is Labour Day.
    axis = make_axis("2025-04-28", 14)
    fleet, p, is_open = run(["factory"] * 200, axis, annual_kwh=200_000.0)
    hour, weekday = axis.local_hour, axis.weekday
    holiday = german_holiday(axis)
    workday = (weekday < 5) & ~holiday
    total = p.sum(axis=1)
    day_shift = workday & (hour >= 8) & (hour < 9.5)
    assert total[weekday == 6].mean() < 0.3 * total[day_shift].mean()  # Sundays
    assert total[holiday].mean() < 0.35 * total[day_shift].mean()
    single = fleet.n_shifts == 1
    three = fleet.n_shifts == 3
    assert single.sum() > 50 and three.sum() > 10
    night = workday & (hour >= 1) & (hour < 4) & (weekday > 0)
    assert p[np.ix_(night, single)].mean() < 0.4 * p[np.ix_(day_shift, single)].mean()
    assert p[np.ix_(night, three)].mean() > 0.8 * p[np.ix_(day_shift, three)].mean()
    assert is_open[np.ix_(day_shift, single)].mean() > 0.95
    assert is_open[np.ix_(night, single)].mean() < 0.05
    assert np.all(fleet.phases == 3) and set(fleet.kinds) == {"factory"}
    # Base load when closed: 15-30 % of production.
    closed = (weekday == 6) & (hour >= 1) & (hour < 4)
    ratio = p[closed].mean(axis=0) / p[day_shift].mean(axis=0)
    assert np.median(ratio[single]) == pytest.approx(0.225, abs=0.08)


def test_shops_close_some_days() -> None:
    axis = make_axis("2025-03-03", 28)
    params = CustomerParams(closed_day_probability={"G4": 0.2})
    fleet, p, is_open = run(["G4"] * 100, axis, params=params)
    day = np.arange(axis.n_intervals) // 96
    workday_10h = (axis.weekday < 5) & (axis.local_hour == 10.0)
    shut = ~is_open[workday_10h]
    assert 0.1 < shut.mean() < 0.3
    # A closed day's load is the class's quiet level.
    assert p[workday_10h][shut].mean() < 0.5 * p[workday_10h][~shut].mean()
    assert len(np.unique(day)) == 28 and fleet.closed_today.dtype == bool


def test_phases_and_peaks() -> None:
    classes = ["G0"] * 50 + ["G3"] * 50
    annual = np.r_[np.full(50, 3_000.0), np.full(50, 300_000.0)]
    fleet, p, _ = run(classes, make_axis("2025-01-06", 7), annual_kwh=annual)
    assert np.all(fleet.phases[50:] == 3)  # about 50 kW: three-phase
    assert set(np.unique(fleet.phases[:50])) == {1, 3}  # about 1 kW: either
    np.testing.assert_allclose(fleet.phase_share.sum(axis=1), 1.0)
    one = fleet.phases == 1
    assert np.all(np.sort(fleet.phase_share[one], axis=1)[:, :2] == 0)
    assert np.all(np.abs(fleet.phase_share[~one] - 1 / 3) < 0.1)
    assert np.all(p.max(axis=0) < 1.3 * fleet.peak_kw)
    assert np.mean(p.max(axis=0) < fleet.peak_kw) > 0.5


def steady() -> CustomerParams:
    """Parameters with every random variation off (levels, timing, noise, closures, cooling)."""
    still = CustomerVariation(
        level_sigma=0.0, shift_sd_min=0.0, daily_sigma=0.0, noise_sigma_15min=0.0
    )
    return CustomerParams(
        commercial=still,
        agricultural=still,
        base_station=still,
        factory=still,
        closed_day_probability={},
        base_station_cooling_sigma=0.0,
    )


def test_without_variation_a_commercial_customer_is_its_bdew_profile() -> None:
    # Reference: demandlib 0.2.2 ElecSlp(2025) scaled to 10,000 kWh/yr (power = share * 4 /h).
    with warnings.catch_warnings():
        slp = bdew.ElecSlp(2025, holidays=holidays.country_holidays("DE", years=2025))
    axis = make_axis("2025-04-14", 14)
    _, p, _ = run(list(BDEW_CLASSES), axis, params=steady())
    wall = pd.date_range("2025-04-14", periods=axis.n_intervals, freq="15min")
    expected = slp.get_profiles()[[c.lower() for c in BDEW_CLASSES]].loc[wall].to_numpy()
    np.testing.assert_allclose(p, expected * 4 * 10_000.0, rtol=1e-9)


def test_without_variation_a_base_station_follows_the_kernels() -> None:
    params = steady()
    axis = make_axis("2025-07-07", 2)
    temp = np.linspace(0.0, 40.0, axis.n_intervals)
    _, p, _ = run(["base_station"], axis, params=params, temp_c=temp, annual_kwh=17_520.0)
    hours = (np.arange(axis.n_intervals) % 96 + 0.5) / 4
    traffic_mean = traffic_fraction((np.arange(96) + 0.5) / 4).mean()
    fan, per_k = params.base_station_fan_share, params.base_station_cooling_per_k
    it_kw = 2.0 / (1 + fan + per_k * params.base_station_reference_excess_k)  # 2 kW mean
    it = base_station_it_kw(traffic_fraction(hours), it_kw, 0.2, traffic_mean)
    cooling = base_station_cooling_kw(
        it_kw, temp, set_point_c=15.0, per_k=per_k, fan_share=fan, max_share=1.0
    )
    np.testing.assert_allclose(p[:, 0], it + cooling, rtol=1e-9)
