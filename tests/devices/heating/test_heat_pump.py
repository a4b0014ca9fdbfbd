"""Heat pumps: the interpolated hplib table against hplib itself, the heating curve,
the split between compressor and back-up heater."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from twin.devices.heating import heat_pump_table
from twin.devices.heating.heat_pump import (
    MIN_FLOW_C,
    flow_temperature_c,
    heat_pump_split_w,
    hplib_simulate,
)

# (outdoor, flow) on and off the grid, away from hplib's switch to its heating rod (COP <= 1)
POINTS = [(-7.0, 35.0), (2.0, 35.0), (7.0, 45.0), (-3.5, 41.3), (10.2, 30.7), (-10.0, 30.0)]


@pytest.mark.parametrize(("outdoor", "flow"), POINTS)
def test_table_matches_hplib_within_one_percent(outdoor: float, flow: float) -> None:
    cop, capacity = heat_pump_table().at(outdoor, np.array([flow]))
    cop_ref, capacity_ref = hplib_simulate(np.array([outdoor]), np.array([flow]))
    assert cop[0] == pytest.approx(cop_ref[0], rel=0.01)
    assert capacity[0] == pytest.approx(capacity_ref[0], rel=0.01)


def test_cop_is_plausible_for_an_air_source_heat_pump() -> None:
    table = heat_pump_table()
    # EN 14511 rating points of air/water heat pumps: A2/W35 about 3.5-4.5, A7/W35 above it
    a2w35 = table.at(2.0, np.array([35.0]))[0][0]
    a7w35 = table.at(7.0, np.array([35.0]))[0][0]
    am7w55 = table.at(-7.0, np.array([55.0]))[0][0]
    assert 3.0 < a2w35 < a7w35 < 6.0
    assert 1.0 <= am7w55 < a2w35
    assert (table.cop >= 1.0).all()


def test_heating_curve_runs_from_the_minimum_to_the_design_flow() -> None:
    design, exponent = np.array([35.0, 55.0]), np.array([1.1, 1.3])
    np.testing.assert_allclose(flow_temperature_c(-12.0, design, exponent), design)
    np.testing.assert_allclose(flow_temperature_c(25.0, design, exponent), MIN_FLOW_C)
    flows = np.array([flow_temperature_c(t, design, exponent) for t in range(-12, 21)])
    assert (np.diff(flows, axis=0) <= 1e-12).all()


@settings(max_examples=100, deadline=None)
@given(
    need=arrays(np.float64, 20, elements=st.floats(-5_000.0, 20_000.0)),
    capacity=arrays(np.float64, 20, elements=st.floats(0.0, 12_000.0)),
    cop=arrays(np.float64, 20, elements=st.floats(1.0, 7.0)),
    rod=arrays(np.float64, 20, elements=st.floats(0.0, 9_000.0)),
    allowed=arrays(np.bool_, 20),
)
def test_heat_delivered_is_electric_power_times_cop(
    need: np.ndarray, capacity: np.ndarray, cop: np.ndarray, rod: np.ndarray, allowed: np.ndarray
) -> None:
    compressor, rod_heat, p_el = heat_pump_split_w(need, capacity, cop, rod, allowed)
    np.testing.assert_allclose(compressor, (p_el - rod_heat) * cop, rtol=1e-9, atol=1e-6)
    assert (compressor >= 0).all() and (compressor <= capacity + 1e-9).all()
    assert (rod_heat >= 0).all() and (rod_heat <= rod + 1e-9).all()
    assert (rod_heat[~allowed] == 0).all()
    assert (compressor + rod_heat <= np.maximum(need, 0) + 1e-6).all()
