"""Layer 1 of the household model: pure kernels against hand-computed numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.devices.households.kernel import (
    appliance_intensity,
    interval_noise_cv,
    lighting_fraction,
    mean_one_noise_table,
    poisson_counts,
    reactive_power_kvar,
    seasonal_factor,
    solar_declination_deg,
    solar_elevation_deg,
)
from twin.devices.households.occupancy import (
    ARCHETYPES,
    PROFILE_NAMES,
    marginal_state_probabilities,
    renewal_probability,
    transition_matrices,
)
from twin.devices.households.schedule import holiday_probability

# --------------------------------------------------------------------- solar


def test_declination_reference_days() -> None:
    # Cooper (1969): delta = 23.45 sin(360 (284 + n) / 365).
    # n = 81: 284 + 81 = 365 -> sin(360 deg) = 0 (equinox).
    # n = 172: 360 * 456 / 365 = 449.753 deg -> 23.45 * cos(0.2466 deg) = 23.44978.
    # n = 355: 360 * 639 / 365 = 630.247 deg -> -23.44978.
    got = solar_declination_deg(np.array([81, 172, 355]))
    np.testing.assert_allclose(got, [0.0, 23.44978, -23.44978], atol=1e-4)
    assert solar_declination_deg(81).shape == ()


def test_elevation_reference_numbers() -> None:
    # Solar noon: alpha = 90 - |phi - delta|.
    # Equinox at 51 N: 39 deg; 21 June: 90 - 51 + 23.44978 = 62.44978;
    # 21 December: 90 - 51 - 23.44978 = 15.55022; equator at equinox: 90.
    days = np.array([81, 172, 355])
    np.testing.assert_allclose(
        solar_elevation_deg(days, 12.0, 51.0), [39.0, 62.44978, 15.55022], atol=1e-4
    )
    assert solar_elevation_deg(81, 12.0, 0.0) == pytest.approx(90.0, abs=1e-6)
    # Equinox, 06:00 solar time: sunrise, elevation 0 at any latitude.
    assert solar_elevation_deg(81, 6.0, 51.0) == pytest.approx(0.0, abs=1e-9)
    # Equinox, 09:00 at 51 N: sin(alpha) = cos(51) cos(45) = 0.444997 -> 26.4231 deg.
    assert solar_elevation_deg(81, 9.0, 51.0) == pytest.approx(26.4231, abs=1e-3)
    # Solar midnight at 51 N on 21 June (lower culmination): phi + delta - 90 = -15.55022 deg.
    assert solar_elevation_deg(172, 0.0, 51.0) == pytest.approx(-15.55022, abs=1e-4)


def test_lighting_fraction_ramp() -> None:
    got = lighting_fraction(np.array([-20.0, -3.0, 3.5, 10.0, 40.0]))
    np.testing.assert_allclose(got, [1.0, 1.0, 0.5, 0.0, 0.0])
    with pytest.raises(ValueError, match="dark_below_deg"):
        lighting_fraction(0.0, dark_below_deg=5.0, bright_above_deg=5.0)


# -------------------------------------------------------------------- season


def test_seasonal_factor_hand_numbers() -> None:
    # F(d) = -3.92e-10 d^4 + 3.2e-7 d^3 - 7.02e-5 d^2 + 2.1e-3 d + 1.24 (BDEW H0/H25):
    # F(1) = 1.24 + 0.0021 - 0.0000702 + 0.00000032 - 0.000000000392 = 1.242030119608
    # F(180) = -0.41150592 + 1.86624 - 2.27448 + 0.378 + 1.24 = 0.79825408
    assert seasonal_factor(1) == pytest.approx(1.242030119608, rel=1e-12)
    assert seasonal_factor(180) == pytest.approx(0.79825408, rel=1e-12)


def test_seasonal_factor_matches_demandlib() -> None:
    # Reference: demandlib 0.2.x, H25.dynamisation_function (BDEW 2025 household profile).
    bdew = pytest.importorskip("demandlib.bdew")
    index = pd.date_range("2025-01-01", periods=365, freq="D")
    expected = bdew.H25.dynamisation_function(index).to_numpy()
    np.testing.assert_allclose(seasonal_factor(index.dayofyear.to_numpy()), expected, rtol=1e-12)


# ---------------------------------------------------------------- occupancy


def test_renewal_probability_scales_with_interval() -> None:
    # 1 - exp(-900/7200) = 1 - exp(-0.125) = 0.1175031
    assert renewal_probability(900) == pytest.approx(0.1175031, abs=1e-7)
    half = renewal_probability(450)
    assert 1 - (1 - half) ** 2 == pytest.approx(renewal_probability(900), rel=1e-12)
    with pytest.raises(ValueError, match="dt_s"):
        renewal_probability(0)


def test_transition_matrix_hand_example() -> None:
    # Half away, half asleep -> a quarter each and half active, without renewal:
    # each shrinking state keeps half of its homes and sends the rest to "active".
    got = transition_matrices([0.5, 0.5, 0.0], [0.25, 0.25, 0.5], 0.0)
    expected = [[0.5, 0.0, 0.5], [0.0, 0.5, 0.5], [0.0, 0.0, 1.0]]
    np.testing.assert_allclose(got, expected)
    with pytest.raises(ValueError, match="renewal"):
        transition_matrices([1, 0, 0], [1, 0, 0], 1.5)


_distribution = st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3).filter(
    lambda v: sum(v) > 1e-3
)


@settings(max_examples=200, deadline=None)
@given(a=_distribution, b=_distribution, renewal=st.floats(0.0, 1.0))
def test_transition_matrices_preserve_marginals(
    a: list[float], b: list[float], renewal: float
) -> None:
    pi_from = np.asarray(a) / sum(a)
    pi_to = np.asarray(b) / sum(b)
    matrix = transition_matrices(pi_from, pi_to, renewal)
    assert np.all(matrix >= -1e-12)
    np.testing.assert_allclose(matrix.sum(axis=-1), 1.0, atol=1e-12)
    np.testing.assert_allclose(pi_from @ matrix, pi_to, atol=1e-12)
    # Persistence: a state keeps at least min(1, to/from) of its homes, less renewal.
    shrinks = pi_to < pi_from
    stay = np.divide(pi_to, pi_from, out=np.ones(3), where=shrinks)
    assert np.all(np.diag(matrix) >= (1 - renewal) * stay - 1e-12)


def test_marginals_are_distributions() -> None:
    hours = np.linspace(0, 24, 97)
    for name in PROFILE_NAMES:
        for day in ("weekday", "weekend"):
            pi = marginal_state_probabilities(name, day, hours, shift_h=0.5)
            assert pi.shape == (97, 3)
            assert np.all(pi >= 0)
            np.testing.assert_allclose(pi.sum(axis=-1), 1.0)
    # Working couple, weekday, 12:00: halfway between 11:30 (0.32) and 12:30 (0.35) at home.
    pi = marginal_state_probabilities("working_couple", "weekday", 12.0)
    assert 1 - pi[0] == pytest.approx(0.335)
    assert set(ARCHETYPES) < set(PROFILE_NAMES)
    with pytest.raises(ValueError, match="'pensioner'"):
        marginal_state_probabilities("pensioner", "weekday", 12.0)


def test_holiday_probability_integrates_to_holiday_days() -> None:
    # Two weeks a year are 14 days away, spread over the year.
    days = np.arange(1, 366)
    assert holiday_probability(days, 2.0).sum() == pytest.approx(14.0, rel=1e-9)
    assert (
        holiday_probability(np.array([200]), 2.0)[0] > holiday_probability(np.array([40]), 2.0)[0]
    )


# --------------------------------------------------------------------- load


def test_appliance_intensity_peaks() -> None:
    # Hour-centre knots: the 18:30 weekday value is 1.36, 03:30 is 0.79; half-way
    # between the 18:30 and 19:30 knots (1.36, 1.28) the interpolation gives 1.32.
    assert appliance_intensity(18.5, "weekday") == pytest.approx(1.36)
    assert appliance_intensity(3.5, "weekday") == pytest.approx(0.79)
    assert appliance_intensity(19.0, "weekday") == pytest.approx(1.32)
    # A one-hour later schedule puts the 18:30 value at 19:30.
    assert appliance_intensity(19.5, "weekday", shift_h=1.0) == pytest.approx(1.36)
    assert np.mean(appliance_intensity(np.arange(24) + 0.5, "weekend")) == pytest.approx(
        1.0, abs=0.1
    )
    with pytest.raises(ValueError, match="'holiday'"):
        appliance_intensity(1.0, "holiday")  # type: ignore[arg-type]


def test_reactive_power() -> None:
    # tan(acos(0.97)) = sqrt(1 - 0.9409) / 0.97 = 0.2506236; tan(acos(0.8)) = 0.75.
    assert reactive_power_kvar(1.0, 0.97) == pytest.approx(0.2506236, abs=1e-7)
    np.testing.assert_allclose(reactive_power_kvar(np.array([2.0, 0.0]), 0.8), [1.5, 0.0])
    assert reactive_power_kvar(3.0, 1.0) == 0.0
    with pytest.raises(ValueError, match="power_factor"):
        reactive_power_kvar(1.0, 0.0)


def test_noise_cv_scales_with_interval() -> None:
    # CV falls as 1/sqrt(dt) above the 300 s correlation time: 0.7 * sqrt(900/3600) = 0.35.
    assert interval_noise_cv(900, cv_15min=0.7) == pytest.approx(0.7)
    assert interval_noise_cv(3600, cv_15min=0.7) == pytest.approx(0.35)
    assert interval_noise_cv(300, cv_15min=0.7) == pytest.approx(0.7 * np.sqrt(3))
    assert interval_noise_cv(60, cv_15min=0.7) == interval_noise_cv(300, cv_15min=0.7)


@pytest.mark.parametrize("cv", [0.0, 0.35, 0.7, 1.2])
def test_noise_table_has_mean_one(rng: np.random.Generator, cv: float) -> None:
    table = mean_one_noise_table(rng, cv)
    assert table.shape == (1024,)
    assert np.all(table >= 0) and np.all(np.diff(table) >= 0)
    assert table.mean() == pytest.approx(1.0, rel=1e-12)
    # Bin means lose a little of the spread in the tails; the CV stays close.
    assert table.std() == pytest.approx(cv, rel=0.06, abs=1e-12)


# ------------------------------------------------------------ burst counts


def test_poisson_counts_by_hand() -> None:
    # lam = 1: P(0) = e^-1 = 0.3679, P(<=1) = 0.7358, P(<=2) = 0.9197, P(<=3) = 0.9810.
    u = np.array([0.0, 0.36, 0.37, 0.73, 0.74, 0.91, 0.93, 0.98, 0.99])
    np.testing.assert_array_equal(poisson_counts(np.ones(9), u), [0, 0, 1, 1, 2, 2, 3, 3, 4])
    np.testing.assert_array_equal(poisson_counts(np.zeros(3), [0.0, 0.5, 0.999999]), 0)


@pytest.mark.parametrize("lam", [0.002, 0.3, 1.5, 6.0])
def test_poisson_counts_have_the_poisson_mean_and_variance(lam: float) -> None:
    u = (np.arange(200_000) + 0.5) / 200_000  # a uniform grid: the exact distribution
    n = poisson_counts(np.full(u.size, lam), u)
    assert n.mean() == pytest.approx(lam, rel=1e-3, abs=1e-5)
    assert n.var() == pytest.approx(lam, rel=1e-2, abs=1e-5)


@settings(max_examples=50, deadline=None)
@given(
    lam=st.floats(0.0, 20.0),
    u=st.lists(st.floats(0.0, 1.0, exclude_max=True), min_size=2, max_size=20),
)
def test_poisson_counts_grow_with_the_uniform(lam: float, u: list[float]) -> None:
    # Inversion: a larger uniform never gives fewer events, and counts are never negative.
    order = np.sort(np.asarray(u))
    n = poisson_counts(np.full(order.size, lam), order)
    assert (n >= 0).all() and (np.diff(n) >= 0).all()
