"""Bills computed by hand from small register series: flat, time-of-use, tiers across a
tier boundary, demand, export, a move in mid-month, missing freezes, and the rounding."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.services.billing_helpers import accounts, calendar, monthly, no_monthly, registers
from twin.scenario.tariff_models import TariffPlan, Tier
from twin.services.billing.bills import DAILY, MONTHLY, bill_frame
from twin.services.billing.money import round_half_up

# A run from 30 January to 3 February (UTC), two tariff registers; per day
# t1 1000, 2000, 3000, 4000 Wh and t2 500 Wh: January 4000 Wh (t1 3000, t2 1000),
# February 8000 Wh (t1 7000, t2 1000).
CAL = calendar("2025-01-30", 4)
DAYS = [[1000, 500], [2000, 500], [3000, 500], [4000, 500]]
ONE = accounts([("ACC000001-1", "M000001", "p", "2025-01-30", None)])


def _bill(plan: TariffPlan, **kw: object) -> pd.DataFrame:
    daily = kw.pop("daily", registers(CAL, "M000001", DAYS, [250] * 4))
    month = kw.pop("monthly", no_monthly())
    return bill_frame(ONE, daily, month, {"p": plan}, CAL, decimals=2)  # type: ignore[arg-type]


def test_flat_bill_per_calendar_month() -> None:
    b = _bill(TariffPlan(price_per_kwh=0.30, standing_per_day=0.40))
    assert list(b["period_start"]) == [
        pd.Timestamp("2025-01-30", tz="UTC"),
        pd.Timestamp("2025-02-01", tz="UTC"),
    ]
    assert list(b["period_end"]) == [
        pd.Timestamp("2025-02-01", tz="UTC"),
        pd.Timestamp("2025-02-03", tz="UTC"),
    ]
    assert list(b["import_wh"]) == [4000, 8000]
    assert list(b["import_wh_t1"]) == [3000, 7000]
    assert list(b["import_wh_t2"]) == [1000, 1000]
    assert list(b["energy_charge"]) == [1.20, 2.40]
    assert list(b["standing_charge"]) == [0.80, 0.80]
    assert list(b["total"]) == [2.00, 3.20]
    assert not b["estimated"].any()
    # the February bill runs from the monthly freeze; the January one from the run start
    assert list(b["computed_from"]) == [DAILY, DAILY]


def test_time_of_use_prices_each_register() -> None:
    b = _bill(TariffPlan(kind="time_of_use", register_prices_per_kwh=[0.20, 0.50]))
    # January 3 kWh x 0.20 + 1 kWh x 0.50; February 7 kWh x 0.20 + 1 kWh x 0.50
    assert list(b["energy_charge"]) == [1.10, 1.90]
    assert list(b["total"]) == [1.10, 1.90]


def test_export_is_credited() -> None:
    b = _bill(TariffPlan(price_per_kwh=0.30, export_per_kwh=0.08))
    assert list(b["export_wh"]) == [500, 500]
    assert list(b["export_credit"]) == [0.04, 0.04]
    assert list(b["total"]) == [1.16, 2.36]


def test_demand_charge_on_the_monthly_maximum_prorated_by_days() -> None:
    plan = TariffPlan(price_per_kwh=0.0, demand_per_kw=10.0)
    b = _bill(plan, monthly=monthly("M000001", [("2025-02-01", 3500.0)]))
    # January: 3.5 kW x 10 x 2/31 days = 2.258 -> 2.26; February has no closing freeze
    assert list(b["max_demand_w"]) == [3500, 0]
    assert list(b["demand_charge"]) == [2.26, 0.0]
    assert list(b["estimated"]) == [False, True]


def test_tiers_accumulate_over_the_year_across_the_tier_boundary() -> None:
    # 1 kWh a day from 1 February for 73 days (to 15 April): a fifth of the year, so the
    # annual bound of 200 kWh is prorated to 40 kWh. February 28 kWh in tier 1; March
    # 12 kWh in tier 1 (to 40) and 19 kWh in tier 2; April 14 kWh in tier 2.
    cal = calendar("2025-02-01", 73, tariffs=1)
    daily = registers(cal, "M000001", [[1000]] * 73)
    ladder = [
        Tier(from_kwh=0, to_kwh=200, price_per_kwh=0.4883),
        Tier(from_kwh=200, to_kwh=960, price_per_kwh=0.5383),
        Tier(from_kwh=960, price_per_kwh=0.7883),
    ]
    plan = TariffPlan(kind="tiered", tiers=ladder, tier_period="year")
    acc = accounts([("ACC000001-1", "M000001", "p", "2025-02-01", None)])
    b = bill_frame(acc, daily, no_monthly(), {"p": plan}, cal, decimals=2)
    assert list(b["import_wh"]) == [28_000, 31_000, 14_000]
    # 28 x 0.4883 = 13.6724; 12 x 0.4883 + 19 x 0.5383 = 16.0873; 14 x 0.5383 = 7.5362
    assert list(b["energy_charge"]) == [13.67, 16.09, 7.54]
    assert list(b["computed_from"]) == [DAILY, MONTHLY, DAILY]


def test_monthly_tiers_of_a_whole_month() -> None:
    cal = calendar("2025-02-01", 28, tariffs=1)
    daily = registers(cal, "M000001", [[1000]] * 28)
    tiers = [
        Tier(from_kwh=0, to_kwh=10, price_per_kwh=0.5),
        Tier(from_kwh=10, to_kwh=20, price_per_kwh=0.6),
        Tier(from_kwh=20, price_per_kwh=0.8),
    ]
    acc = accounts([("ACC000001-1", "M000001", "p", "2025-02-01", None)])
    plan = TariffPlan(kind="tiered", tiers=tiers)
    b = bill_frame(acc, daily, no_monthly(), {"p": plan}, cal, decimals=2)
    assert list(b["energy_charge"]) == [17.40]  # 10 x 0.5 + 10 x 0.6 + 8 x 0.8


def test_a_move_mid_month_cuts_at_the_freezes_around_it() -> None:
    # 1 kWh a day from 1 February; the tenant leaves on 10 February at 14:00 (billed to
    # the freeze that ends that day, 11 February), the next moves in on 12 February at
    # 09:00 (billed from the freeze that starts that day); 11 February is nobody's.
    cal = calendar("2025-02-01", 19, tariffs=1)
    daily = registers(cal, "M000001", [[1000]] * 19)
    acc = accounts(
        [
            ("ACC000001-1", "M000001", "p", "2025-02-01", "2025-02-10T14:00"),
            ("ACC000001-2", "M000001", "p", "2025-02-12T09:00", None),
        ]
    )
    plan = TariffPlan(price_per_kwh=0.30, standing_per_day=0.40)
    b = bill_frame(acc, daily, no_monthly(), {"p": plan}, cal, decimals=2)
    assert list(b["account_id"]) == ["ACC000001-1", "ACC000001-2"]
    assert b["period_end"].iloc[0] == pd.Timestamp("2025-02-11", tz="UTC")
    assert b["period_start"].iloc[1] == pd.Timestamp("2025-02-12", tz="UTC")
    assert list(b["import_wh"]) == [10_000, 8_000]
    assert list(b["standing_charge"]) == [4.00, 3.20]
    assert list(b["total"]) == [7.00, 5.60]


def test_a_missing_freeze_bills_from_the_next_one_and_flags_it() -> None:
    # the 1 February freeze (day 1) never arrived: January runs to 2 February's
    daily = registers(CAL, "M000001", DAYS, drop=[1])
    b = _bill(TariffPlan(price_per_kwh=0.30), daily=daily)
    assert list(b["import_wh"]) == [7500, 4500]
    assert b["import_wh"].sum() == 12_000  # nothing lost or counted twice
    assert list(b["estimated"]) == [True, True]


def test_a_last_freeze_not_received_falls_back_to_the_one_before() -> None:
    daily = registers(CAL, "M000001", DAYS, drop=[3])
    b = _bill(TariffPlan(price_per_kwh=0.30), daily=daily)
    assert list(b["import_wh"]) == [4000, 3500]
    assert list(b["estimated"]) == [False, True]


def test_standing_days_follow_the_local_calendar_over_dst() -> None:
    # Berlin: 30 March 2025 has 23 hours; 28 March - 1 April is four local days
    cal = calendar("2025-03-28", 6, tz="Europe/Berlin", tariffs=1)
    daily = registers(cal, "M000001", [[100]] * 6)
    acc = accounts([("ACC000001-1", "M000001", "p", "2025-03-28", None)], tz="Europe/Berlin")
    plan = TariffPlan(price_per_kwh=0.0, standing_per_day=1.0)
    b = bill_frame(acc, daily, no_monthly(), {"p": plan}, cal, decimals=2)
    assert list(b["standing_charge"]) == [4.0, 2.0]
    assert b["period_start"][1] == pd.Timestamp("2025-04-01", tz="Europe/Berlin")


def test_an_account_without_a_whole_day_has_no_bill() -> None:
    acc = accounts([("ACC000001-2", "M000001", "p", "2025-02-02T10:00", None)])
    cal = calendar("2025-01-30", 3)
    daily = registers(cal, "M000001", DAYS[:3])
    b = bill_frame(acc, daily, no_monthly(), {"p": TariffPlan(price_per_kwh=1.0)}, cal, decimals=2)
    assert b.empty


@pytest.mark.parametrize(
    ("amounts", "decimals", "expected"),
    [
        ([0.005, 0.015, 0.025, 2.675, 1.005, 0.0049], 2, [0.01, 0.02, 0.03, 2.68, 1.01, 0.0]),
        ([0.5, 1.5, 2.5, 2.4999], 0, [1.0, 2.0, 3.0, 2.0]),
        ([-0.005, -2.675], 2, [-0.01, -2.68]),
        ([0.0005], 3, [0.001]),
    ],
)
def test_rounding_is_half_up(amounts: list[float], decimals: int, expected: list[float]) -> None:
    np.testing.assert_array_equal(round_half_up(amounts, decimals), expected)
