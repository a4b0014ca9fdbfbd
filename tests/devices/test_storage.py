"""Home storage: the SoC kernel by numbers and properties, the fleet's strategies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from twin.clock import TimeAxis
from twin.devices.storage import (
    StorageFleet,
    StorageParams,
    self_consumption_setpoint_kw,
    split_round_trip,
    storage_step,
    tou_setpoint_kw,
)


def test_round_trip_efficiency_is_split_as_sqrt() -> None:
    assert split_round_trip(0.81) == pytest.approx((0.9, 0.9))
    with pytest.raises(ValueError, match=r"1\.2"):
        split_round_trip(1.2)


def test_kernel_reference_numbers() -> None:
    # 2 kW for 30 min at eta 0.9/0.9: +0.9 kWh stored; -2 kW takes 1/0.9 kWh.
    soc, p = storage_step(5.0, 2.0, 1800, 10.0, 3.0, 0.9, 0.9)
    assert (float(soc), float(p)) == pytest.approx((5.9, 2.0))
    soc, p = storage_step(5.0, -2.0, 1800, 10.0, 3.0, 0.9, 0.9)
    assert (float(soc), float(p)) == pytest.approx((5.0 - 1.0 / 0.9, -2.0))
    # Limits: power, full and empty (with a reserve).
    assert float(storage_step(5.0, 9.0, 3600, 10.0, 3.0, 1.0, 1.0)[1]) == pytest.approx(3.0)
    soc, p = storage_step(9.5, 3.0, 3600, 10.0, 3.0, 0.9, 0.9)
    assert (float(soc), float(p)) == pytest.approx((10.0, 0.5 / 0.9))
    soc, p = storage_step(1.5, -3.0, 3600, 10.0, 3.0, 0.9, 0.9, soc_min_kwh=1.0)
    assert (float(soc), float(p)) == pytest.approx((1.0, -0.45))


arrays = hnp.arrays(
    np.float64, 16, elements=st.floats(0.0, 1.0, allow_nan=False, allow_infinity=False)
)


@settings(max_examples=150, deadline=None)
@given(
    soc_frac=arrays,
    p_set=hnp.arrays(
        np.float64, 16, elements=st.floats(-50.0, 50.0, allow_nan=False, allow_infinity=False)
    ),
    cap=hnp.arrays(
        np.float64, 16, elements=st.floats(0.5, 30.0, allow_nan=False, allow_infinity=False)
    ),
    p_max=hnp.arrays(
        np.float64, 16, elements=st.floats(0.0, 15.0, allow_nan=False, allow_infinity=False)
    ),
    eta_c=st.floats(0.5, 1.0),
    eta_d=st.floats(0.5, 1.0),
    reserve=st.floats(0.0, 0.3),
    dt_s=st.sampled_from([60, 300, 900, 3600]),
)
def test_kernel_invariants(
    soc_frac: np.ndarray,
    p_set: np.ndarray,
    cap: np.ndarray,
    p_max: np.ndarray,
    eta_c: float,
    eta_d: float,
    reserve: float,
    dt_s: int,
) -> None:
    soc_min = reserve * cap
    soc = soc_min + soc_frac * (cap - soc_min)
    new, p = storage_step(soc, p_set, dt_s, cap, p_max, eta_c, eta_d, soc_min_kwh=soc_min)
    # SoC within bounds.
    assert np.all(new >= soc_min) and np.all(new <= cap)
    # Power within limits and never against the set-point.
    assert np.all(np.abs(p) <= p_max + 1e-12)
    assert np.all(p * p_set >= 0) and np.all(np.abs(p) <= np.abs(p_set) + 1e-12)
    # Energy balance: dSoC = eta_c E_in - E_out / eta_d.
    e_in = np.maximum(p, 0.0) * dt_s / 3600.0
    e_out = np.maximum(-p, 0.0) * dt_s / 3600.0
    np.testing.assert_allclose(new - soc, eta_c * e_in - e_out / eta_d, atol=1e-9)


def test_strategies_set_points() -> None:
    net = np.array([-2.0, 0.0, 1.5])
    np.testing.assert_allclose(self_consumption_setpoint_kw(net), [2.0, 0.0, -1.5])
    p_max = np.array([3.0, 3.0, 3.0])
    np.testing.assert_allclose(tou_setpoint_kw(2.0, p_max, net), p_max)  # cheap 01-05 h
    np.testing.assert_allclose(tou_setpoint_kw(18.0, p_max, net), [0.0, 0.0, -1.5])
    np.testing.assert_allclose(tou_setpoint_kw(12.0, p_max, net), 0.0)
    wrap = tou_setpoint_kw(23.5, p_max, net, charge_window_h=(22.0, 6.0))
    np.testing.assert_allclose(wrap, p_max)


def make_axis(days: int = 2) -> TimeAxis:
    return TimeAxis(pd.Timestamp("2025-06-01", tz="Europe/Berlin"), 900, days * 96, "Europe/Berlin")


def test_self_consumption_fleet_stores_surplus_and_covers_deficit(rng: np.random.Generator) -> None:
    ax = make_axis()
    fleet = StorageFleet.create(200, rng=rng, axis=ax, params=StorageParams(eta_round_trip=0.9))
    assert set(np.unique(fleet.capacity_kwh)) <= {5.0, 7.5, 10.0, 13.5}
    before = fleet.soc_kwh.copy()
    p = fleet.step(ax.at(48), np.full(200, -1.0))  # 1 kW PV surplus
    np.testing.assert_allclose(p, 1.0)
    np.testing.assert_allclose(fleet.soc_kwh - before, 0.25 * fleet.eta_charge)
    p = fleet.step(ax.at(49), np.full(200, 0.8))
    np.testing.assert_allclose(p, -0.8)
    for k in range(50, ax.n_intervals):
        fleet.step(ax.at(k), rng.normal(0.3, 2.0, 200))
        assert np.all(fleet.soc_kwh >= fleet.soc_min_kwh) and np.all(
            fleet.soc_kwh <= fleet.capacity_kwh
        )


def test_time_of_use_fleet_charges_at_night_and_discharges_in_the_evening(
    rng: np.random.Generator,
) -> None:
    ax = make_axis(1)
    fleet = StorageFleet.create(
        10,
        rng=rng,
        axis=ax,
        params=StorageParams(strategy="time_of_use", soc_initial_fraction=0.1),
        capacity_kwh=10.0,
        p_max_kw=2.0,
    )
    net = np.full(10, 0.5)
    powers = np.array([fleet.step(ax.at(k), net) for k in range(ax.n_intervals)])
    hour = ax.local_hour
    assert np.all(powers[(hour >= 1) & (hour < 5)] > 0)
    assert np.all(powers[(hour >= 17) & (hour < 21)] == pytest.approx(-0.5))
    assert np.all(powers[(hour >= 6) & (hour < 17)] == 0)


def test_invalid_parameters_are_listed_together() -> None:
    with pytest.raises(ValueError, match=r"eta_round_trip given 1.5.*strategy given .*'arbitrage'"):
        StorageParams(
            eta_round_trip=1.5,
            strategy="arbitrage",  # type: ignore[arg-type]
            charge_window_h=(3.0, 3.0),
        )
    with pytest.raises(ValueError, match="capacity_kwh"):
        StorageFleet.create(3, rng=np.random.default_rng(0), axis=make_axis(), capacity_kwh=-1.0)
