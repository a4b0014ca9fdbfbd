"""Power-quality readings: phase voltages within the meter's error, currents that give back
the measured power, single-phase meters on L1."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from twin.meters.power_quality import (
    VOLTAGE_ERROR_LIMIT,
    draw_voltage_error,
    phase_share,
    power_factor_of,
    power_quality_readings,
)


def test_voltage_errors_stay_within_the_class_limit(rng: np.random.Generator) -> None:
    e = draw_voltage_error(rng, 5_000)
    assert e.shape == (5_000, 3)
    assert np.abs(e).max() <= VOLTAGE_ERROR_LIMIT
    assert np.abs(e).max() > 0.9 * VOLTAGE_ERROR_LIMIT  # the whole band is used
    assert not np.array_equal(e[:, 0], e[:, 1])  # each phase's channel its own error


def test_single_phase_meters_carry_everything_on_l1() -> None:
    share = phase_share(np.array([1, 3, 1]), np.array([[0, 0, 0], [0.5, 0.3, 0.2], [0.2] * 3]))
    np.testing.assert_array_equal(share, [[1, 0, 0], [0.5, 0.3, 0.2], [1, 0, 0]])


def test_power_factor_is_p_over_s_and_the_rating_when_idle() -> None:
    pf = power_factor_of(np.array([3.0, -4.0, 0.0]), np.array([4.0, 3.0, 0.0]), [0.9, 0.9, 0.9])
    np.testing.assert_allclose(pf, [0.6, 0.8, 0.9])


def test_a_reference_reading() -> None:
    # 1.02 pu on a 230 V meter reading 0.3 % high: 235.3 V; 4.6 kW at pf 0.95 on one phase
    u, i = power_quality_readings(
        [1.02], [230.0], [[0.003, 0.0, 0.0]], [4.6], [[1.0, 0.0, 0.0]], [0.95]
    )
    assert u[0, 0] == 230.0 * 1.02 * 1.003
    np.testing.assert_allclose(i[0, 0], 4600.0 / (230.0 * 1.02 * 1.003 * 0.95))
    assert i[0, 1] == i[0, 2] == 0.0


@given(
    n=st.integers(1, 30),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=60, deadline=None)
def test_currents_give_back_the_measured_power_per_phase(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    vm = rng.uniform(0.9, 1.1, n)
    error = draw_voltage_error(rng, n)
    p_kw = rng.normal(0.0, 20.0, n)
    share = rng.dirichlet(np.ones(3), n)
    pf = rng.uniform(0.5, 1.0, n)
    u, i = power_quality_readings(vm, np.full(n, 230.0), error, p_kw, share, pf)
    # each phase's reading is the bus voltage within the meter's error
    ratio = u / (vm[:, None] * 230.0) - 1.0
    assert np.abs(ratio).max() <= VOLTAGE_ERROR_LIMIT + 1e-12
    np.testing.assert_allclose(i * u * pf[:, None], np.abs(p_kw)[:, None] * 1e3 * share)


@given(hnp.arrays(np.float64, 4, elements=st.floats(-50, 50)))
def test_unknown_voltage_gives_no_readings(p_kw: np.ndarray) -> None:
    u, i = power_quality_readings(
        np.full(4, np.nan),
        np.full(4, 230.0),
        np.zeros((4, 3)),
        p_kw,
        np.full((4, 3), 1 / 3),
        np.ones(4),
    )
    assert np.isnan(u).all() and np.isnan(i).all()
