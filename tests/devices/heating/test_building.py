"""The 1R1C building model against its analytic solution, and the drawn buildings."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.devices.heating import BUILDING_CLASSES, Buildings, ThermalParams, step_response_c
from twin.devices.heating.building import (
    CAPACITY_J_PER_K_M2_RANGE,
    HEAT_LOSS_W_PER_K_M2,
    end_temperature_c,
    free_end_temperature_c,
    heat_to_reach_w,
)


@settings(max_examples=50, deadline=None)
@given(
    h=st.floats(50.0, 800.0),
    tau_h=st.floats(5.0, 200.0),
    t0=st.floats(-10.0, 30.0),
    t_out=st.floats(-20.0, 35.0),
    gains=st.floats(0.0, 3_000.0),
    heat=st.floats(-5_000.0, 15_000.0),
    dt=st.sampled_from([300, 900, 3600]),
)
def test_interval_steps_follow_the_analytic_step_response(
    h: float, tau_h: float, t0: float, t_out: float, gains: float, heat: float, dt: int
) -> None:
    # C dT/dt = -H (T - T_out) + G + Q: T(t) = T_inf + (T0 - T_inf) exp(-t / tau).
    tau_s = tau_h * 3600.0
    decay = np.array([np.exp(-dt / tau_s)])
    hh = np.array([h])
    t = np.array([t0])
    n_steps = 40
    for _ in range(n_steps):
        free = free_end_temperature_c(t, t_out, np.array([gains]), hh, decay)
        t = end_temperature_c(free, np.array([heat]), hh, decay)
    t_inf = t_out + (gains + heat) / h
    expected = step_response_c(t0, t_inf, n_steps * dt, tau_s)
    assert t[0] == pytest.approx(float(expected), abs=1e-8)


def test_heat_to_reach_ends_exactly_at_the_target() -> None:
    h = np.array([200.0, 300.0, 150.0])
    decay = np.exp(-900.0 / np.array([30.0, 60.0, 90.0]) / 3600.0)
    t = np.array([18.0, 21.0, 5.0])
    free = free_end_temperature_c(t, -5.0, np.array([400.0, 0.0, 100.0]), h, decay)
    target = np.array([20.0, 21.0, 4.0])
    q = heat_to_reach_w(target, free, h, decay)
    np.testing.assert_allclose(end_temperature_c(free, q, h, decay), target, atol=1e-10)
    assert q[0] > 0 and q[1] > 0 and q[2] < 0  # the last one would need cooling


def test_drawn_buildings_lie_in_their_class_ranges(rng: np.random.Generator) -> None:
    b = Buildings.draw(rng, 5_000, ThermalParams())
    per_m2 = b.heat_loss_w_per_k / b.floor_area_m2
    for c, name in enumerate(BUILDING_CLASSES):
        lo, hi = HEAT_LOSS_W_PER_K_M2[name]
        mine = per_m2[b.building_class == c]
        assert mine.size > 300
        assert mine.min() >= lo and mine.max() <= hi
    capacity = b.capacity_j_per_k / b.floor_area_m2
    assert capacity.min() >= CAPACITY_J_PER_K_M2_RANGE[0]
    assert capacity.max() <= CAPACITY_J_PER_K_M2_RANGE[1]
    # time constants of dwellings: about a day to a week (ISO 13790 12.2.1.3)
    tau_h = b.capacity_j_per_k / b.heat_loss_w_per_k / 3600
    assert tau_h.min() > 10 and tau_h.max() < 200
    shares = np.bincount(b.building_class, minlength=3) / b.building_class.size
    np.testing.assert_allclose(shares, ThermalParams().class_weights(), atol=0.02)
