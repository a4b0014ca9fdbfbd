"""The thermal fleet: comfort, frost protection, annual heat pump energy, sharding."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twin.clock import TimeAxis
from twin.devices.heating import ThermalFleet, ThermalParams
from twin.devices.heating.control import THERMOSTAT_BAND_K
from twin.devices.weather import load_weather
from twin.members import Members

WEATHER = load_weather("dwd_try2010_04")  # Potsdam


def make_axis(start: str, days: int, interval_s: int = 900) -> TimeAxis:
    return TimeAxis(
        start=pd.Timestamp(start, tz="Europe/Berlin"),
        interval_s=interval_s,
        n_intervals=days * 86_400 // interval_s,
        timezone="Europe/Berlin",
    )


def run(
    fleet: ThermalFleet,
    axis: TimeAxis,
    present: np.ndarray,
    vacant: np.ndarray,
) -> dict[str, np.ndarray]:
    """Step every interval with fixed occupancy; power, indoor temperature, by-kind energy."""
    p = np.zeros((axis.n_intervals, fleet.n))
    indoor = np.zeros((axis.n_intervals, fleet.n))
    kinds = {k: 0.0 for k in fleet.by_kind_kw}
    for k in range(axis.n_intervals):
        p[k] = fleet.step(axis.at(k), present=present, vacant=vacant)
        indoor[k] = fleet.indoor_c
        for name, values in fleet.by_kind_kw.items():
            kinds[name] += float(values.sum()) * axis.interval_s / 3600
    return {"p_kw": p, "indoor_c": indoor, **{k: np.asarray(v) for k, v in kinds.items()}}


def test_heated_homes_hold_their_set_point_when_heating_suffices() -> None:
    axis = make_axis("2025-02-03", 7)
    params = ThermalParams(
        heat_pump=0.5,
        direct_electric=0.5,
        air_conditioning=0.0,
        water_heater=0.0,
        comfort_c=(20.0, 20.0),
        setback_k=(0.0, 0.0),
    )
    fleet = ThermalFleet.create(
        40, rng=np.random.default_rng(1), axis=axis, weather=WEATHER, params=params
    )
    out = run(fleet, axis, np.ones(40, dtype=bool), np.zeros(40, dtype=bool))
    indoor = out["indoor_c"][96:]  # after the first day
    hp = fleet.heating_kind == 1
    # modulating heat pumps end every interval at the set point (back-up heater included);
    # above it only where the sun and the occupants heat the home on their own
    assert indoor[:, hp].min() > 20.0 - 1e-6
    above = indoor[:, hp] > 20.0 + 1e-6
    assert above.mean() < 0.2
    assert (out["p_kw"][96:][:, hp][above] == 0).all()
    # thermostats cycle within their band
    direct = indoor[:, ~hp]
    assert direct.min() > 20.0 - THERMOSTAT_BAND_K - 0.3
    assert direct.max() < 20.0 + THERMOSTAT_BAND_K + 0.3
    assert (out["p_kw"][:, hp] > 0).mean() > 0.9


def test_empty_electrically_heated_homes_are_kept_frost_free() -> None:
    # January, homes vacant all month: thermostats hold about 5 degC (DIN EN 12831-1)
    axis = make_axis("2025-01-01", 31)
    params = ThermalParams(
        heat_pump=0.0, direct_electric=1.0, air_conditioning=0.0, water_heater=0.0
    )
    fleet = ThermalFleet.create(
        30, rng=np.random.default_rng(2), axis=axis, weather=WEATHER, params=params
    )
    out = run(fleet, axis, np.zeros(30, dtype=bool), np.ones(30, dtype=bool))
    indoor = out["indoor_c"][10 * 96 :]  # once they have cooled down
    assert indoor.min() >= 4.0
    assert np.median(indoor) < 6.0  # warmer only in mild spells, when nothing heats
    heating = out["p_kw"][10 * 96 :] > 0
    assert indoor[heating].max() <= 5.0 + THERMOSTAT_BAND_K + 1e-9
    assert (out["p_kw"] > 0).any(axis=0).all()


def test_frost_heaters_cycle_in_empty_homes_more_in_the_cold() -> None:
    # Non-electrically heated homes that keep a frost heater while empty: the
    # replacement of the old vacant heater; above the CSO vacancy threshold in winter,
    # nothing in summer, time-correlated cycling.
    params = ThermalParams(
        heat_pump=0.0,
        direct_electric=0.0,
        vacant_frost_heater=1.0,
        air_conditioning=0.0,
        water_heater=0.0,
    )
    n = 40
    winter = make_axis("2025-01-06", 28)
    fleet = ThermalFleet.create(
        n, rng=np.random.default_rng(3), axis=winter, weather=WEATHER, params=params
    )
    assert fleet.frost_heater.all()
    out = run(fleet, winter, np.zeros(n, dtype=bool), np.ones(n, dtype=bool))
    p = out["p_kw"]
    daily = p.reshape(28, 96, n).sum(axis=1) / 4
    assert daily[7:].mean() > 2.0  # kWh/d: above 180 kWh a quarter
    on = p[96 * 7 :] > 0
    switches = np.abs(np.diff(on.astype(int), axis=0)).sum(axis=0)
    assert (switches > 0).all()  # cycling, not flat
    assert switches.mean() < on.shape[0] / 8  # in spells of hours, not interval noise
    # more heat on colder days
    day_t = fleet._t_out[: 28 * 96].reshape(28, 96).mean(axis=1)
    assert np.corrcoef(day_t[7:], daily[7:].mean(axis=1))[0, 1] < -0.5
    # occupied, the same homes draw nothing: their non-electric heating runs
    again = ThermalFleet.create(
        n, rng=np.random.default_rng(3), axis=winter, weather=WEATHER, params=params
    )
    occupied = run(again, winter, np.ones(n, dtype=bool), np.zeros(n, dtype=bool))
    assert occupied["p_kw"].max() == 0.0
    summer = make_axis("2025-07-07", 14)
    fleet = ThermalFleet.create(
        n, rng=np.random.default_rng(3), axis=summer, weather=WEATHER, params=params
    )
    assert run(fleet, summer, np.zeros(n, dtype=bool), np.ones(n, dtype=bool))["p_kw"].max() == 0


def test_annual_heat_pump_electricity_of_a_typical_existing_house() -> None:
    # A 150 m^2 refurbished existing house in Potsdam with an air-source heat pump.
    # Fraunhofer ISE field tests of air-source heat pumps in existing houses
    # ("WPsmart im Bestand", 2020; "WP-Monitor", 2014): seasonal performance
    # factors about 2.5-3.8, mean about 3.1; with 10,000-18,000 kWh of heat a year
    # for such a house (60-120 kWh/(m^2 a)), 2,500-6,000 kWh of electricity.
    axis = make_axis("2025-01-01", 365, interval_s=3600)
    params = ThermalParams(
        heat_pump=1.0,
        direct_electric=0.0,
        air_conditioning=0.0,
        water_heater=0.0,
        building_class_shares={"renovated": 1.0},
        floor_area_m2=(150.0, 150.0),
        comfort_c=(20.0, 21.0),
        setback_k=(1.0, 2.0),
    )
    n = 20
    fleet = ThermalFleet.create(
        n, rng=np.random.default_rng(4), axis=axis, weather=WEATHER, params=params
    )
    present = np.ones(n, dtype=bool)
    heat_kwh = np.zeros(n)
    p_kwh = np.zeros(n)
    for k in range(axis.n_intervals):
        p_kwh += fleet.step(axis.at(k), present=present, vacant=~present)
        heat_kwh += np.maximum(fleet.heat_w, 0) / 1e3
    spf = heat_kwh.sum() / p_kwh.sum()
    assert 2_500 <= np.median(p_kwh) <= 6_000
    assert 2.5 <= spf <= 4.0
    assert 60 * 150 <= np.median(heat_kwh) <= 120 * 150


def test_water_heaters_draw_when_people_are_home_and_timers_wait_for_the_night() -> None:
    axis = make_axis("2025-03-03", 7)
    params = ThermalParams(
        heat_pump=0.0,
        direct_electric=0.0,
        vacant_frost_heater=0.0,
        air_conditioning=0.0,
        water_heater=1.0,
        water_heater_timer=0.5,
    )
    n = 60
    fleet = ThermalFleet.create(
        n, rng=np.random.default_rng(5), axis=axis, weather=WEATHER, params=params
    )
    out = run(fleet, axis, np.ones(n, dtype=bool), np.zeros(n, dtype=bool))
    p = out["p_kw"]
    timer = fleet._tank["timer"]
    night = fleet._night[: axis.n_intervals]
    assert p[~night][:, timer].max() == 0.0
    assert p[night][:, timer].sum() > 0 and p[:, ~timer].sum() > 0
    daily_kwh = p.sum(axis=0) / 4 / 7
    # hot-water energy plus standing loss: a few kWh a day
    assert 1.0 < np.median(daily_kwh) < 8.0
    tank = fleet.tank_c
    assert np.isfinite(tank).all() and tank.min() > 10.0 and tank.max() <= 65.0 + 1e-9
    # empty homes: standing losses only
    empty = ThermalFleet.create(
        n, rng=np.random.default_rng(5), axis=axis, weather=WEATHER, params=params
    )
    idle = run(empty, axis, np.zeros(n, dtype=bool), np.ones(n, dtype=bool))["p_kw"]
    assert 0 < idle.sum() < 0.5 * p.sum()
    idle_kwh_per_day = idle.sum(axis=0) / 4 / 7
    # ErP classes B-D, 80-200 l: standing losses of about 45-100 W at 45 K, 1-2.5 kWh/d
    assert 0.5 < np.median(idle_kwh_per_day) < 2.5


def test_air_conditioners_cool_only_when_somebody_is_home() -> None:
    axis = make_axis("2025-07-21", 7)
    params = ThermalParams(
        heat_pump=0.0,
        direct_electric=0.0,
        vacant_frost_heater=0.0,
        air_conditioning=1.0,
        water_heater=0.0,
        cooling_c=(24.0, 24.0),
    )
    n = 20
    fleet = ThermalFleet.create(
        n, rng=np.random.default_rng(6), axis=axis, weather=WEATHER, params=params
    )
    home = run(fleet, axis, np.ones(n, dtype=bool), np.zeros(n, dtype=bool))
    assert home["air_conditioning"] > 0
    assert home["indoor_c"].max() < 24.0 + 3.0  # capacity may fall short on the hottest hours
    fleet = ThermalFleet.create(
        n, rng=np.random.default_rng(6), axis=axis, weather=WEATHER, params=params
    )
    away = run(fleet, axis, np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))
    assert away["p_kw"].max() == 0.0


@pytest.mark.parametrize("case", ["arbitrary", "one", "empty"])
def test_members_get_exactly_the_whole_fleets_numbers(case: str) -> None:
    axis = make_axis("2025-01-20", 3)
    n = 120
    params = ThermalParams(
        heat_pump=0.3, direct_electric=0.2, air_conditioning=0.2, water_heater=0.4
    )
    rng = np.random.default_rng(7)
    present = rng.random((axis.n_intervals, n)) < 0.6
    vacant = np.zeros(n, dtype=bool)
    vacant[::9] = True
    index = {
        "arbitrary": np.sort(rng.choice(n, 50, replace=False)),
        "one": np.array([int(np.flatnonzero(np.arange(n) % 9 == 0)[3])]),
        "empty": np.zeros(0, dtype=np.int64),
    }[case].astype(np.int64)
    members = Members(index, n)
    full = ThermalFleet.create(
        n, rng=np.random.default_rng(8), axis=axis, weather=WEATHER, params=params
    )
    part = ThermalFleet.create(
        n, rng=np.random.default_rng(8), axis=axis, weather=WEATHER, params=params, members=members
    )
    for name, values in part.premise_columns().items():
        np.testing.assert_array_equal(values, full.premise_columns()[name][index], err_msg=name)
    for k in range(axis.n_intervals):
        t = axis.at(k)
        a = full.step(t, present=present[k], vacant=vacant)
        b = part.step(t, present=present[k][index], vacant=vacant[index])
        np.testing.assert_array_equal(b, a[index])
    np.testing.assert_array_equal(part.indoor_c, full.indoor_c[index])
    np.testing.assert_array_equal(part.tank_c, full.tank_c[index])


def test_shares_are_apportioned_exactly() -> None:
    axis = make_axis("2025-01-20", 1)
    params = ThermalParams(
        heat_pump=0.25,
        direct_electric=0.1,
        vacant_frost_heater=0.5,
        air_conditioning=0.2,
        water_heater=0.3,
    )
    fleet = ThermalFleet.create(
        200, rng=np.random.default_rng(9), axis=axis, weather=WEATHER, params=params
    )
    assert np.bincount(fleet.heating_kind, minlength=3).tolist() == [130, 50, 20]
    assert fleet.frost_heater.sum() == 65 and not fleet.frost_heater[fleet.heating_kind > 0].any()
    assert fleet.has_ac.sum() == 40 and fleet.has_water_heater.sum() == 60
