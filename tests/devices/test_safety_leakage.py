"""Residual current: the gamma degradation never falls and grows at its mean rate."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.devices.safety.leakage import arc_counts, gamma_degradation, moisture_factor
from twin.devices.safety.params import natural_leakage_ma
from twin.devices.safety.sensors import measure


@settings(max_examples=50, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.floats(0, 200),
    st.floats(0, 2),
    st.integers(1, 300),
    st.floats(0, 100),
)
def test_the_fault_current_never_decreases(
    seed: int, rate: float, moisture: float, steps: int, start: float
) -> None:
    path = gamma_degradation(
        np.random.default_rng(seed), rate, np.full(steps, moisture), 900.0, start
    )
    assert path.shape == (steps,)
    assert path[0] >= start
    assert (np.diff(path) >= 0).all()


def test_the_mean_growth_is_the_rate_times_the_moisture_factor() -> None:
    rng = np.random.default_rng(1)
    days, dt = 10, 900.0
    steps = int(days * 86_400 / dt)
    for moisture in (0.6, 1.0, 1.4):
        ends = [gamma_degradation(rng, 15.0, np.full(steps, moisture), dt)[-1] for _ in range(400)]
        # mean 150 mA x moisture; standard error about 150 m / sqrt(2 * 10 * m * 400)
        assert abs(np.mean(ends) - 150.0 * moisture) < 0.05 * 150.0 * moisture


def test_damp_seasons_degrade_faster_and_the_factor_averages_one() -> None:
    f = moisture_factor(np.arange(1, 366))
    assert np.isclose(f.mean(), 1.0, atol=1e-3)
    assert f[195] > f[15]  # mid-July against mid-January
    assert natural_leakage_ma("apartment_building", 30) > natural_leakage_ma("commercial")


def test_a_series_arc_grows() -> None:
    rng = np.random.default_rng(2)
    counts = arc_counts(rng, 0.3, 6 * 3600.0, 4 * 96, 900.0)
    assert (counts >= 0).all()
    assert counts[-96:].mean() > 10 * counts[:96].mean()


def test_noise_is_centred_and_spikes_are_rare() -> None:
    rng = np.random.default_rng(3)
    true = np.full(20_000, 100.0)
    read = measure("residual_current", true, rng.random((true.size, 3)), 15.0)
    assert abs(np.median(read) - 100.0) < 0.5
    assert (read > 200).mean() < 0.01
    temp = measure("cable_temperature", np.full(1000, 50.0), rng.random((1000, 3)), 15.0)
    assert abs(temp.mean() - 50.0) < 0.2
