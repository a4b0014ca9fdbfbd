"""Electric hot-water tanks: temperature bounds, energy balance, standing losses, timer."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.devices.heating.water_heater import (
    COLD_WATER_C,
    ROOM_C,
    TAPPING_M_KWH_BY_HOUR,
    WATER_KWH_PER_LITRE_K,
    standing_loss_w,
    tank_step,
    tapping_fraction,
    tapping_share_by_hour,
)


def test_tapping_profile_is_en16147_cycle_m() -> None:
    assert TAPPING_M_KWH_BY_HOUR.sum() == pytest.approx(5.845)
    share = tapping_share_by_hour()
    assert share.sum() == pytest.approx(1.0)
    assert share[:6].sum() == 0 and share[7] > 0.2 and share[21] > 0.2  # morning, evening


def test_standing_loss_of_a_150_litre_class_c_tank() -> None:
    # Regulation (EU) 812/2013: class C up to 16.66 + 8.33 V^0.4 W; 150 l: about 78 W
    assert standing_loss_w(np.array([150.0]), np.array([1.0]))[0] == pytest.approx(78.5, abs=0.5)


@settings(max_examples=60, deadline=None)
@given(
    litres=st.floats(80.0, 200.0),
    set_c=st.floats(55.0, 65.0),
    t0=st.floats(12.0, 65.0),
    element_kw=st.floats(2.0, 4.0),
    loss_factor=st.floats(0.7, 1.25),
    draws=st.lists(st.floats(0.0, 3.0), min_size=96, max_size=96),
    timer=st.booleans(),
)
def test_tank_stays_in_bounds_and_balances_energy(
    litres: float,
    set_c: float,
    t0: float,
    element_kw: float,
    loss_factor: float,
    draws: list[float],
    timer: bool,
) -> None:
    one = np.ones(1)
    cap = litres * WATER_KWH_PER_LITRE_K * one
    ua = standing_loss_w(litres * one, loss_factor * one) / 45.0
    t, heating = t0 * one, np.zeros(1, dtype=bool)
    for k, draw in enumerate(draws):
        allowed = np.array([not timer or k < 24])  # a night window of six hours
        t_end, heating, p_kw, loss = tank_step(
            t,
            heating,
            draw_kwh=draw * one,
            set_c=set_c * one,
            ua_w_per_k=ua,
            capacity_kwh_per_k=cap,
            element_kw=element_kw * one,
            allowed=allowed,
            dt_s=900.0,
        )
        heat = p_kw * 0.25
        drawn = cap * (t - t_end) + heat - loss  # what left with the water
        assert drawn[0] >= -1e-9 and drawn[0] <= draw + 1e-9
        assert 0 <= p_kw[0] <= element_kw + 1e-9
        assert p_kw[0] == 0 or allowed[0]
        assert COLD_WATER_C - 1e-9 <= t_end[0] <= max(set_c, t0) + 1e-9
        t = t_end


def test_standing_loss_energy_of_a_day_without_draws() -> None:
    # The ErP standing loss S is measured at 45 K above the room: S x 24 h a day.
    litres, s_w = np.array([120.0]), standing_loss_w(np.array([120.0]), np.array([1.0]))
    cap = litres * WATER_KWH_PER_LITRE_K
    t = np.array([ROOM_C + 45.0])
    lost, first = 0.0, None
    for _ in range(24):
        t, _, p_kw, loss = tank_step(
            t,
            np.zeros(1, dtype=bool),
            draw_kwh=np.zeros(1),
            set_c=np.array([ROOM_C + 45.0]),
            ua_w_per_k=s_w / 45.0,
            capacity_kwh_per_k=cap,
            element_kw=np.array([2.0]),
            allowed=np.zeros(1, dtype=bool),
            dt_s=3600.0,
        )
        assert p_kw[0] == 0
        lost += float(loss[0])
        first = float(loss[0]) if first is None else first
    assert first == pytest.approx(float(s_w[0]) / 1e3, rel=1e-12)  # S for an hour at 45 K
    # then the tank cools: exponential decay towards the room, tau = C / UA
    tau_h = cap[0] / (s_w[0] / 45.0 / 1e3)
    assert lost == pytest.approx(cap[0] * 45.0 * (1 - np.exp(-24 / tau_h)), rel=0.01)
    assert cap[0] * (ROOM_C + 45.0 - t[0]) == pytest.approx(lost, rel=1e-12)


@pytest.mark.parametrize("dt_h", [0.25, 1.0, 3.0, 24.0])
@pytest.mark.parametrize("shift_h", [-1, 0, 1])
def test_tapping_fractions_of_a_day_add_up_to_the_profile(dt_h: float, shift_h: int) -> None:
    starts = np.arange(0.0, 24.0, dt_h)
    fraction = tapping_fraction(starts, dt_h, shift_h)
    assert fraction.sum() == pytest.approx(1.0)
    assert (fraction >= 0).all()
    if dt_h == 1.0:
        np.testing.assert_allclose(fraction, np.roll(tapping_share_by_hour(), shift_h))
    if dt_h == 0.25:  # a quarter of the hour's share in each quarter hour
        hourly = np.repeat(np.roll(tapping_share_by_hour(), shift_h) / 4, 4)
        np.testing.assert_allclose(fraction, hourly)
