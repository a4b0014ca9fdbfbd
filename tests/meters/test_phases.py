"""Per-phase energy and currents of three-phase meters, on hand-worked numbers."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from twin.meters.connection import ct_ratio, peak_current_a
from twin.meters.phases import neutral_current_a, phase_currents_a, split_phase_wh


def test_balanced_load_has_no_neutral_current() -> None:
    # 6.9 kW on three phases at unity power factor: 10 A each (6,900 W / 3 / 230 V)
    i = phase_currents_a(np.array([6.9]), np.full((1, 3), 1 / 3), np.array([1.0]))
    np.testing.assert_allclose(i, [[10.0, 10.0, 10.0]])
    np.testing.assert_allclose(neutral_current_a(i), [0.0], atol=1e-9)


def test_single_phase_load_returns_all_of_its_current_in_the_neutral() -> None:
    i = phase_currents_a(np.array([2.3]), np.array([[1.0, 0.0, 0.0]]), np.array([1.0]))
    np.testing.assert_allclose(i, [[10.0, 0.0, 0.0]])
    np.testing.assert_allclose(neutral_current_a(i), [10.0])
    # two equal phases: the neutral carries one phase's current (120 degrees apart)
    np.testing.assert_allclose(neutral_current_a(np.array([[10.0, 10.0, 0.0]])), [10.0])


def test_power_factor_raises_the_current() -> None:
    i = phase_currents_a(np.array([2.3]), np.array([[1.0, 0.0, 0.0]]), np.array([0.5]))
    np.testing.assert_allclose(i[0, 0], 20.0)


@given(
    arrays(np.int64, 8, elements=st.integers(0, 10**7)),
    arrays(np.float64, (8, 3), elements=st.floats(0.01, 1.0)),
)
def test_phase_energy_sums_to_the_total_and_follows_the_shares(
    total: np.ndarray, weights: np.ndarray
) -> None:
    share = weights / weights.sum(axis=1, keepdims=True)
    split = split_phase_wh(total, share)
    assert (split.sum(axis=1) == total).all()
    assert (split >= 0).all()
    assert (np.abs(split - share * total[:, None]) < 1.0 + 1e-9).all()


def test_ct_metering_above_100_a() -> None:
    # 60 kW three-phase at pf 0.95: 91.5 A, direct; 120 kW: 183 A, a 250/5 CT (x1.2 margin: 220 A)
    current = peak_current_a(np.array([60.0, 120.0]), np.array([3, 3]))
    np.testing.assert_allclose(current, [91.53, 183.07], rtol=1e-3)
    assert ct_ratio(current).tolist() == [1, 50]
