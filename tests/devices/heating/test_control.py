"""Set points, thermostats and air-conditioners' EER."""

from __future__ import annotations

import numpy as np
import pytest

from twin.devices.heating.control import (
    THERMOSTAT_BAND_K,
    eer,
    heating_set_point_c,
    in_window,
    in_window_mask,
    thermostat_on,
)


@pytest.mark.parametrize("window", [(6.0, 22.0), (22.0, 6.0), (0.0, 24.0), (23.5, 0.5)])
def test_window_mask_agrees_with_the_scalar_test(window: tuple[float, float]) -> None:
    hours = np.arange(0.0, 24.0, 0.25)
    expected = [in_window(float(h), window) for h in hours]
    assert in_window_mask(hours, window).tolist() == expected


def test_set_points_follow_occupancy_and_time_of_day() -> None:
    present = np.array([True, False, True, False])
    vacant = np.array([False, False, False, True])
    comfort, setback = np.full(4, 21.0), np.full(4, 2.0)
    day = heating_set_point_c(
        present=present,
        vacant=vacant,
        day=True,
        comfort_c=comfort,
        setback_k=setback,
        frost_c=5.0,
    )
    night = heating_set_point_c(
        present=present,
        vacant=vacant,
        day=False,
        comfort_c=comfort,
        setback_k=setback,
        frost_c=5.0,
    )
    assert day.tolist() == [21.0, 19.0, 21.0, 5.0]
    assert night.tolist() == [19.0, 19.0, 19.0, 5.0]


def test_thermostat_has_hysteresis() -> None:
    sp = np.full(4, 20.0)
    band = THERMOSTAT_BAND_K
    t = np.array([20.0 - band - 0.01, 20.0, 20.0, 20.0 + band])
    was = np.array([False, False, True, True])
    assert thermostat_on(was, t, sp).tolist() == [True, False, True, False]


def test_eer_rises_as_it_gets_cooler_within_bounds() -> None:
    rated = np.array([3.0])
    assert eer(rated, 35.0)[0] == pytest.approx(3.0)
    assert eer(rated, 25.0)[0] == pytest.approx(3.75)
    assert eer(rated, -50.0)[0] == pytest.approx(3.0 * 1.6)
    assert eer(rated, 60.0)[0] == pytest.approx(3.0 * 0.7)
