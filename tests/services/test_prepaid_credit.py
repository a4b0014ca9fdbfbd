"""Prepaid credit kernels: prices, rounding without drift, friendly credit, top-ups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.scenario.prepaid_models import AmountModel
from twin.scenario.tariff_models import TariffPlan, Tier
from twin.services.prepaid.credit import friendly_mask, prepaid_prices, rounded_minor
from twin.services.prepaid.topups import PAYDAY, REACTIVE, WEEKLY, regular_times, topup_amounts


def test_prices_per_register_of_each_plan_kind() -> None:
    flat = TariffPlan(price_per_kwh=0.3)
    tou = TariffPlan(kind="time_of_use", register_prices_per_kwh=[0.2, 0.4])
    tiered = TariffPlan(
        kind="tiered",
        tiers=[
            Tier(from_kwh=0, to_kwh=100, price_per_kwh=0.25),
            Tier(from_kwh=100, price_per_kwh=0.5),
        ],
    )
    assert prepaid_prices(flat, 2).tolist() == [0.3, 0.3]
    assert prepaid_prices(tou, 2).tolist() == [0.2, 0.4]
    assert prepaid_prices(tiered, 3).tolist() == [0.25, 0.25, 0.25]  # the first tier's price
    with pytest.raises(ValueError, match="expected 3"):
        prepaid_prices(tou, 3)


def test_rounding_is_half_up_and_ignores_binary_noise() -> None:
    # 267.49999999999997 is 2.675 * 100 in binary floating point: a half, rounded up
    assert rounded_minor(np.array([0.5, 1.49999, 2.5, -0.5, 2.675 * 100])).tolist() == [
        1, 1, 3, -1, 268,
    ]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=500, allow_nan=False), min_size=1, max_size=200))
def test_debits_of_a_rounded_running_total_sum_to_the_rounded_total(costs: list[float]) -> None:
    """Debiting the change of the rounded running total never drifts from the exact total."""
    exact = np.cumsum(np.asarray(costs))
    charged = rounded_minor(exact)
    debits = np.diff(charged, prepend=0)
    assert debits.sum() == rounded_minor(np.asarray([exact[-1]]))[0]
    assert (debits >= 0).all()
    assert abs(charged[-1] - exact[-1]) <= 0.5 + 1e-9


def test_friendly_hours_wrap_midnight_and_cover_weekends_and_holidays() -> None:
    local = pd.DatetimeIndex(
        [
            "2025-01-06 07:59",  # Monday night
            "2025-01-06 08:00",  # Monday day
            "2025-01-06 17:59",
            "2025-01-06 18:00",
            "2025-01-11 12:00",  # Saturday
            "2025-01-08 12:00",  # a holiday (given)
        ]
    ).tz_localize("Europe/London")
    holiday = np.asarray([np.datetime64("2025-01-08", "D").astype(np.int64)])
    got = friendly_mask(local, night=(18.0, 8.0), weekends=True, holidays=holiday)
    assert got.tolist() == [True, False, False, True, True, True]
    none = friendly_mask(local, night=None, weekends=False, holidays=np.zeros(0, np.int64))
    assert not none.any()
    day = friendly_mask(local, night=(9.0, 17.0), weekends=False, holidays=np.zeros(0, np.int64))
    assert day.tolist() == [False, False, False, False, True, True]


def test_regular_top_ups_fall_on_the_weekday_or_pay_day_at_the_hour() -> None:
    start = pd.Timestamp("2025-03-24T00:00:00", tz="Europe/London")  # DST on 30 March
    slot, t = regular_times(
        np.asarray([WEEKLY, PAYDAY, REACTIVE]),
        np.asarray([0, 0, 0]),
        np.asarray([1, 1, 1]),
        np.asarray([10.0, 12.5, 9.0]),
        start=start,
        duration_s=35 * 86_400,
        timezone="Europe/London",
    )
    assert np.all(np.diff(t) >= 0)
    local = (start + pd.to_timedelta(t, unit="s")).tz_convert("Europe/London")
    weekly = local[slot == 0]
    assert list(weekly.weekday) == [0] * 5 and list(weekly.hour) == [10] * 5
    payday = local[slot == 1]
    assert [(d.month, d.day, d.hour, d.minute) for d in payday] == [(4, 1, 12, 30)]
    assert (slot != 2).all()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=-4, max_value=4), min_size=1, max_size=50))
def test_amounts_are_whole_steps_within_the_bounds(z: list[float]) -> None:
    model = AmountModel(median=20, sigma=0.6, step=5, minimum=5, maximum=100)
    got = topup_amounts(np.asarray(z), model, np.ones(len(z)), 2)
    assert (got % 500 == 0).all()
    assert ((got >= 500) & (got <= 10_000)).all()
