"""Layer 1 of EV charging: proration, headroom allocation, time-of-use windows."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from twin.devices.ev import (
    allocate_earliest_departure,
    allocate_proportional,
    interval_request_kwh,
    next_window_open_s,
)


def test_request_is_prorated_and_capped_by_the_need() -> None:
    # Plug-in at minute 7 of a 15-min interval at 11 kW: 8 minutes of charging.
    got = interval_request_kwh(
        np.array([420.0, 0.0, 0.0, 500.0]),
        np.array([900.0, 900.0, 900.0, 400.0]),
        np.array([11.0, 11.0, 11.0, 11.0]),
        np.array([50.0, 1.0, 0.0, 5.0]),
    )
    np.testing.assert_allclose(got, [11.0 * 480 / 3600, 1.0, 0.0, 0.0])


def test_allocations_reference_numbers() -> None:
    req = np.array([2.0, 1.0, 1.0, 3.0])
    area = np.array([0, 0, 0, 1])
    budget = np.array([2.0, np.inf])
    np.testing.assert_allclose(allocate_proportional(req, area, budget), [1.0, 0.5, 0.5, 3.0])
    depart = np.array([30.0, 10.0, 20.0, 5.0])
    np.testing.assert_allclose(
        allocate_earliest_departure(req, depart, area, budget), [0.0, 1.0, 1.0, 3.0]
    )


@settings(max_examples=100, deadline=None)
@given(
    req=hnp.arrays(np.float64, 30, elements=st.floats(0.0, 10.0)),
    area=hnp.arrays(np.intp, 30, elements=st.integers(0, 3)),
    budget=hnp.arrays(np.float64, 4, elements=st.floats(-5.0, 40.0)),
    depart=hnp.arrays(np.float64, 30, elements=st.floats(0.0, 1e5)),
)
def test_allocations_never_exceed_requests_or_budgets(
    req: np.ndarray, area: np.ndarray, budget: np.ndarray, depart: np.ndarray
) -> None:
    for granted in (
        allocate_proportional(req, area, budget),
        allocate_earliest_departure(req, depart, area, budget),
    ):
        assert np.all(granted >= 0) and np.all(granted <= req + 1e-12)
        per_area = np.bincount(area, weights=granted, minlength=4)
        assert np.all(per_area <= np.maximum(budget, 0.0) + 1e-9)
        # Work-conserving: an area under its budget got everything it asked for.
        asked = np.bincount(area, weights=req, minlength=4)
        served = asked <= np.maximum(budget, 0)
        np.testing.assert_allclose(per_area[served], asked[served], atol=1e-9)


def test_next_window_open_handles_wrapping_windows() -> None:
    at = np.array([0.0, 0.0, 0.0])
    hour = np.array([23.0, 3.0, 18.5])
    got = next_window_open_s(at, hour, (22.0, 6.0))
    np.testing.assert_allclose(got, [0.0, 0.0, 3.5 * 3600])
    assert next_window_open_s(np.array([10.0]), np.array([12.0]), (1.0, 5.0))[0] == pytest.approx(
        10.0 + 13 * 3600
    )


def test_managed_headroom_follows_the_load_change_since_the_last_flow() -> None:
    from twin.devices.ev.kernel import managed_headroom_kw

    cap = np.array([200.0, 200.0, 200.0])
    load = np.array([150.0, -50.0, 260.0])
    # before any power flow: cap less |load|, never negative
    np.testing.assert_allclose(managed_headroom_kw(cap * np.nan, load, None, cap), [50, 150, 0])
    # later: the last headroom less the load's rise (area 1 never solved: cap rule)
    last = np.array([40.0, np.nan, 10.0])
    before = np.array([130.0, -50.0, 240.0])
    np.testing.assert_allclose(managed_headroom_kw(last, load, before, cap), [20, 150, 0])


def test_headroom_after_a_flow_uses_the_loading_to_power_ratio() -> None:
    from twin.devices.ev.kernel import headroom_after_flow_kw

    rating = np.array([400.0, 400.0, 400.0, 400.0])
    # area 0: 300 kW at 80 % of 400 kVA -> r = 320/300; 20 kW EV; cap 0.9:
    #   20 + 360 / (320/300) - 300 = 20 + 337.5 - 300 = 57.5
    # area 1: 10 kW (< 5 % of the rating): r = 1 -> 0 + 360 - 10 = 350
    # area 2: reverse flow -100 kW at 26 %: r = 104/100 -> 5 + 360/1.04 + 100 = 451.15...
    # area 3: not solved
    got = headroom_after_flow_kw(
        np.array([20.0, 0.0, 5.0, 0.0]),
        np.array([300.0, 10.0, -100.0, np.nan]),
        np.array([80.0, 3.0, 26.0, np.nan]),
        rating,
        0.9,
    )
    np.testing.assert_allclose(got[:3], [57.5, 350.0, 5.0 + 360.0 / 1.04 + 100.0])
    assert np.isnan(got[3])
