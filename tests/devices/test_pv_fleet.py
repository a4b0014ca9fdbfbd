"""Layer 2 of PV: the fleet against a direct pvlib run, voltage feedback, speed."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pvlib  # type: ignore[import-untyped]
import pytest

from twin.clock import TimeAxis
from twin.devices.pv import PV_STATUSES, PvFleet, PvParams
from twin.devices.pv.kernel import CLOSE_MOUNT

GREENSBORO = PvParams(weather="greensboro_tmy3")
"""The pvlib TMY3 year these tests compare with (UTC-5, as the New York axis)."""


def make_axis(interval_s: int = 900, days: int = 365, tz: str = "America/New_York") -> TimeAxis:
    return TimeAxis(pd.Timestamp("2025-01-01", tz=tz), interval_s, days * 86_400 // interval_s, tz)


def annual_kwh(fleet: PvFleet, ax: TimeAxis) -> np.ndarray:
    total = np.zeros(fleet.n)
    for k in range(ax.n_intervals):
        total += fleet.step(ax.at(k))
    return total * ax.interval_s / 3600.0


def test_annual_yield_matches_a_direct_pvlib_modelchain_within_2_percent() -> None:
    ax = make_axis(900)
    fleet = PvFleet.create(
        1,
        rng=np.random.default_rng(0),
        axis=ax,
        params=GREENSBORO,
        kwp=[4.0],
        tilt_deg=[25.0],
        azimuth_deg=[180.0],
        dc_ac_ratio=1.2,
    )
    twin = annual_kwh(fleet, ax)[0]
    # Direct pvlib: the same TMY3 file, PVWatts ModelChain (hourly, stamped mid-hour).
    data, meta = pvlib.iotools.read_tmy3(
        pvlib.__path__[0] + "/data/723170TYA.CSV", map_variables=True, coerce_year=2001
    )
    data.index = data.index - pd.Timedelta("30min")
    site = pvlib.location.Location(
        meta["latitude"], meta["longitude"], tz="Etc/GMT+5", altitude=meta["altitude"]
    )
    system = pvlib.pvsystem.PVSystem(
        surface_tilt=25,
        surface_azimuth=180,
        albedo=0.2,
        module_parameters={"pdc0": 4000.0, "gamma_pdc": -0.0037},
        inverter_parameters={"pdc0": 4000.0 / 1.2 / 0.96},
        temperature_model_parameters=CLOSE_MOUNT,
    )
    chain = pvlib.modelchain.ModelChain.with_pvwatts(system, site, transposition_model="haydavies")
    chain.run_model(data)
    direct = float(chain.results.ac.clip(lower=0).sum()) / 1000.0
    assert twin == pytest.approx(direct, rel=0.02)
    assert 1_150 < twin / 4.0 < 1_450  # kWh/kWp with PVWatts' 14 % losses


def test_lossless_greensboro_yield_is_near_1500_kwh_per_kwp() -> None:
    # DOMAIN.md: lossless PVWatts at Greensboro ~1,547 kWh/kWp (DC side).
    ax = make_axis(3600, tz="UTC")
    fleet = PvFleet.create(
        1,
        rng=np.random.default_rng(0),
        axis=ax,
        params=PvParams(weather="greensboro_tmy3", losses_percent=0.0),
        kwp=[1.0],
        tilt_deg=[30.0],
        azimuth_deg=[180.0],
        dc_ac_ratio=0.9,
    )
    assert 1_450 < annual_kwh(fleet, ax)[0] < 1_650


def test_drawn_systems_are_binned_into_few_orientation_classes(rng: np.random.Generator) -> None:
    ax = make_axis(900, days=2)
    fleet = PvFleet.create(2_000, rng=rng, axis=ax, params=PvParams(weather="dwd_try2010_04"))
    assert fleet.n_classes <= 13 * 17
    assert np.all((fleet.kwp >= 1) & (fleet.kwp <= 30))
    assert np.median(fleet.kwp) == pytest.approx(5.0, rel=0.1)
    noon = ax.at(48)
    p = fleet.step(noon)
    assert np.all(p >= 0) and np.all(p <= fleet.ac_max_kw + 1e-12)


def test_volt_watt_curtails_and_books_the_lost_energy() -> None:
    ax = make_axis(900, days=1)
    fleet = PvFleet.create(
        3,
        rng=np.random.default_rng(1),
        axis=ax,
        params=GREENSBORO,
        kwp=[6.0] * 3,
        tilt_deg=[30] * 3,
        azimuth_deg=[180] * 3,
        dc_ac_ratio=1.0,
    )
    t = ax.at(50)  # ~12:30 local
    p = fleet.step(t, np.array([1.0, 1.08, 1.095]))
    assert p[0] == pytest.approx(fleet.available_kw[0])
    assert p[1] <= 0.5 * fleet.ac_max_kw[1] + 1e-12
    assert p[2] <= 0.125 * fleet.ac_max_kw[2] + 1e-12
    assert fleet.curtailed_kwh[1] == pytest.approx((fleet.available_kw[1] - p[1]) * 0.25)
    assert not fleet.tripped.any()


def test_over_voltage_trips_on_the_10_min_mean_and_reconnects_after_the_delay() -> None:
    ax = make_axis(300, days=1)  # 5-min intervals: the 10-min mean spans 2 of them
    fleet = PvFleet.create(
        1,
        rng=np.random.default_rng(2),
        axis=ax,
        params=GREENSBORO,
        premise=[42],
        kwp=[5.0],
        tilt_deg=[30],
        azimuth_deg=[180],
    )
    k = 12 * 12  # 12:00
    high, ok = np.array([1.12]), np.array([1.0])
    fleet.step(ax.at(k), ok)
    assert fleet.step(ax.at(k + 1), high)[0] == 0.0  # volt-watt: 0 above 1.10, not tripped
    assert not fleet.tripped[0]  # mean of 1.0 and 1.12 = 1.06
    fleet.step(ax.at(k + 2), high)  # mean 1.12 > 1.10: trip
    assert fleet.tripped[0]
    # Back to 1.0 at k+3; 300 s later (k+4 start) it reconnects, full interval on.
    assert fleet.step(ax.at(k + 3), ok)[0] == 0.0
    p = fleet.step(ax.at(k + 4), ok)[0]
    assert p == pytest.approx(fleet.available_kw[0])
    assert not fleet.tripped[0]
    changes = fleet.status_changes()
    assert list(changes["status"]) == ["tripped", "reconnected"]
    assert list(changes["time_s"]) == [(k + 2) * 300, (k + 4) * 300]
    assert set(changes["status"]) <= set(PV_STATUSES)
    assert list(changes["premise"]) == [42, 42]
    assert fleet.status_changes()["premise"].size == 0


def test_reconnection_inside_an_interval_is_prorated() -> None:
    ax = make_axis(900, days=1)
    fleet = PvFleet.create(
        1,
        rng=np.random.default_rng(3),
        axis=ax,
        params=PvParams(weather="greensboro_tmy3", reconnect_delay_s=600),
        kwp=[5.0],
        tilt_deg=[30],
        azimuth_deg=[180],
    )
    fleet.step(ax.at(47), np.array([1.11]))  # 15-min interval = the 10-min mean: trip
    assert fleet.tripped[0]
    p = fleet.step(ax.at(48), np.array([1.0]))[0]  # ok from 12:00, back at 12:10
    assert p == pytest.approx(fleet.available_kw[0] * 300 / 900)


def test_invalid_parameters_are_listed_together() -> None:
    with pytest.raises(ValueError, match=r"weather given .*'mars'.*volt_watt_pu given"):
        PvParams(weather="mars", volt_watt_pu=(1.1, 1.06))


def test_the_default_weather_is_the_documented_one() -> None:
    # README and scenario: DWD TRY 2010 region 4 (Potsdam), for the German SimBench grids.
    assert PvParams().weather == "dwd_try2010_04"


def test_bad_per_system_values_are_refused(rng: np.random.Generator) -> None:
    with pytest.raises(ValueError, match="dc_ac_ratio"):
        PvFleet.create(2, rng=rng, axis=make_axis(900, 1), dc_ac_ratio=[1.2, 0.0])
    with pytest.raises(ValueError, match="n given 0"):
        PvFleet.create(0, rng=rng, axis=make_axis(900, 1))


def test_step_is_fast_for_10k_systems() -> None:
    ax = make_axis(900, days=3, tz="Europe/Berlin")
    fleet = PvFleet.create(10_000, rng=np.random.default_rng(4), axis=ax)
    vm = np.random.default_rng(5).normal(1.02, 0.02, 10_000)
    steps = [ax.at(k) for k in range(ax.n_intervals)]
    start = time.perf_counter()
    for t in steps:
        fleet.step(t, vm)
    per_step = (time.perf_counter() - start) / len(steps)
    assert per_step < 1e-3  # measured ~0.1-0.15 ms on the dev machine
