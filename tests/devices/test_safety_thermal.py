"""Cable temperature: the closed-form steady state and the exact exponential step."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from twin.devices.safety.params import CABLE_AMPACITY_A, INSULATION_RATED_C, RATED_AMBIENT_C
from twin.devices.safety.thermal import (
    cable_for_design_current,
    cable_temperature_step,
    steady_state_c,
    thermal_tau_s,
)


def test_the_rated_current_at_the_reference_ambient_reaches_the_rated_temperature() -> None:
    # IEC 60364-5-52: the tabulated ampacity holds PVC at 70 C in 30 C air, XLPE at 90 C
    for insulation, rated_c in INSULATION_RATED_C.items():
        t = steady_state_c(57.0, 57.0, RATED_AMBIENT_C, rated_c)
        assert np.isclose(t, rated_c), insulation
    # half the current gives a quarter of the rise
    assert np.isclose(steady_state_c(28.5, 57.0, 30.0, 70.0), 30.0 + 40.0 / 4)


def test_the_step_response_is_the_exponential_and_settles_at_the_steady_state() -> None:
    tau, dt = 1200.0, 60.0
    t = np.array([20.0])
    times, temps = [], []
    for k in range(200):
        t = cable_temperature_step(t, 80.0, 57.0, 20.0, 70.0, dt, tau)
        times.append((k + 1) * dt)
        temps.append(float(t[0]))
    t_ss = float(steady_state_c(80.0, 57.0, 20.0, 70.0))
    exact = t_ss + (20.0 - t_ss) * np.exp(-np.array(times) / tau)
    np.testing.assert_allclose(temps, exact, rtol=1e-12)
    assert abs(temps[-1] - t_ss) < 0.01 * (t_ss - 20.0)
    # one step of length 200 dt equals 200 steps (the discretisation is exact)
    one = cable_temperature_step(20.0, 80.0, 57.0, 20.0, 70.0, 200 * dt, tau)
    assert np.isclose(one, temps[-1])


@given(
    st.floats(0, 300),
    st.floats(0, 300),
    st.floats(-20, 45),
    st.floats(1, 3600),
)
def test_the_temperature_rises_with_load_and_stays_between_start_and_steady_state(
    i1: float, i2: float, ambient: float, dt: float
) -> None:
    lo, hi = min(i1, i2), max(i1, i2)
    start = 40.0
    a = cable_temperature_step(start, lo, 76.0, ambient, 70.0, dt, 900.0)
    b = cable_temperature_step(start, hi, 76.0, ambient, 70.0, dt, 900.0)
    assert b >= a - 1e-9
    t_ss = steady_state_c(hi, 76.0, ambient, 70.0)
    assert min(start, t_ss) - 1e-9 <= b <= max(start, t_ss) + 1e-9


def test_cables_cover_their_design_current_with_margin() -> None:
    idx = cable_for_design_current(np.array([10.0, 45.0, 100.0, 1e4]))
    ampacity = np.asarray(CABLE_AMPACITY_A)[idx]
    assert (ampacity[:3] >= np.array([10.0, 45.0, 100.0]) * 1.25).all()
    assert idx[-1] == len(CABLE_AMPACITY_A) - 1
    assert (np.diff(thermal_tau_s(np.array([2.5, 16.0, 150.0]))) > 0).all()
