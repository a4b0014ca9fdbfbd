"""Invariants of bills for any register series: the energy billed is the register delta,
registers add up to the total, and the total is the sum of the rounded charges."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.services.billing_helpers import accounts, calendar, no_monthly, registers
from twin.scenario.tariff_models import TariffPlan, Tier
from twin.services.billing.bills import bill_frame
from twin.services.billing.money import round_half_up

_PRICE = st.floats(0, 2, allow_nan=False).map(lambda x: round(x, 4))


@st.composite
def _plan(draw: st.DrawFn, tariffs: int) -> TariffPlan:
    kind = draw(st.sampled_from(["flat", "time_of_use", "tiered"]))
    extra = {
        "standing_per_day": draw(_PRICE),
        "export_per_kwh": draw(_PRICE),
    }
    if kind == "flat":
        return TariffPlan(price_per_kwh=draw(_PRICE), **extra)
    if kind == "time_of_use":
        prices = draw(st.lists(_PRICE, min_size=tariffs, max_size=tariffs))
        return TariffPlan(kind="time_of_use", register_prices_per_kwh=prices, **extra)
    bounds = sorted(set(draw(st.lists(st.integers(1, 3000), min_size=1, max_size=3))))
    prices = draw(st.lists(_PRICE, min_size=len(bounds) + 1, max_size=len(bounds) + 1))
    lows = [0, *bounds]
    tiers = [
        Tier(from_kwh=lo, to_kwh=hi, price_per_kwh=p)
        for lo, hi, p in zip(lows, [*bounds, None], prices, strict=True)
    ]
    period = draw(st.sampled_from(["month", "year"]))
    return TariffPlan(kind="tiered", tiers=tiers, tier_period=period, **extra)


@st.composite
def _case(draw: st.DrawFn) -> dict[str, object]:
    days = draw(st.integers(1, 75))
    tariffs = draw(st.integers(1, 4))
    start = pd.Timestamp("2024-01-01") + pd.Timedelta(days=draw(st.integers(0, 730)))
    tz = draw(st.sampled_from(["UTC", "Europe/Berlin", "Asia/Shanghai"]))
    per_day = draw(
        st.lists(
            st.lists(st.integers(0, 40_000), min_size=tariffs, max_size=tariffs),
            min_size=days,
            max_size=days,
        )
    )
    export = draw(st.lists(st.integers(0, 20_000), min_size=days, max_size=days))
    drop = draw(st.lists(st.integers(0, days - 1), max_size=days // 3 + 1, unique=True))
    return {
        "cal": calendar(start.strftime("%Y-%m-%d"), days, tz=tz, tariffs=tariffs),
        "per_day": per_day,
        "export": export,
        "drop": drop,
        "plan": draw(_plan(tariffs)),
        "decimals": draw(st.integers(0, 3)),
        "start": start,
        "tz": tz,
        "move": draw(st.none() | st.tuples(st.integers(0, days), st.integers(1, 10))),
    }


def _check_charges(b: pd.DataFrame, decimals: int) -> None:
    charges = ["energy_charge", "demand_charge", "standing_charge", "export_credit", "total"]
    for c in charges:
        scaled = b[c].to_numpy() * 10.0**decimals
        np.testing.assert_allclose(scaled, np.round(scaled), atol=1e-6)
        assert (b[c] >= 0).all() or c == "total"
    expected = round_half_up(
        b["energy_charge"] + b["demand_charge"] + b["standing_charge"] - b["export_credit"],
        decimals,
    )
    np.testing.assert_array_equal(b["total"].to_numpy(), expected)


@given(case=_case())
@settings(max_examples=120, deadline=None)
def test_bills_add_up_to_the_register_delta(case: dict[str, object]) -> None:
    cal = case["cal"]
    daily = registers(cal, "M1", case["per_day"], case["export"], drop=case["drop"])  # type: ignore[arg-type]
    start: pd.Timestamp = case["start"]  # type: ignore[assignment]
    tz: str = case["tz"]  # type: ignore[assignment]
    move = case["move"]
    if move is None:
        rows = [("A-1", "M1", "p", start.isoformat(), None)]
    else:
        out_day, gap = move  # type: ignore[misc]
        leave = start + pd.Timedelta(days=out_day, hours=13)
        back = leave + pd.Timedelta(days=gap, hours=-3)
        rows = [
            ("A-1", "M1", "p", start.isoformat(), leave.isoformat()),
            ("A-2", "M1", "p", back.isoformat(), None),
        ]
    acc = accounts(rows, tz=tz)
    decimals: int = case["decimals"]  # type: ignore[assignment]
    b = bill_frame(acc, daily, no_monthly(), {"p": case["plan"]}, cal, decimals=decimals)  # type: ignore[arg-type, dict-item]
    n_t = cal.tariffs  # type: ignore[attr-defined]

    # registers add up to the total, and nothing is negative
    per_register = b[[f"import_wh_t{i}" for i in range(1, n_t + 1)]].sum(axis=1)
    np.testing.assert_array_equal(per_register.to_numpy(), b["import_wh"].to_numpy())
    assert (b[["import_wh", "export_wh"]] >= 0).all().all()
    _check_charges(b, decimals)
    # periods are whole local months at most and do not overlap per account
    for _, g in b.groupby("account_id"):
        assert (g["period_start"].to_numpy()[1:] == g["period_end"].to_numpy()[:-1]).all()
    assert (b["period_end"] > b["period_start"]).all()

    last = daily["import_total_wh"].iloc[-1] if len(daily) else 0
    last_export = daily["export_total_wh"].iloc[-1] if len(daily) else 0
    if move is None:
        # one account over the whole run: the energy is the last reading received
        assert b["import_wh"].sum() == last
        assert b["export_wh"].sum() == last_export
        # estimated exactly when a freeze a cut needs (a month start, the last) is missing
        local = pd.DatetimeIndex(cal.freezes).tz_localize("UTC").tz_convert(tz)  # type: ignore[attr-defined]
        cuts = {int(i) for i in np.flatnonzero(local.day == 1)} | {len(local) - 1}
        assert b["estimated"].any() == bool(cuts & set(case["drop"]))  # type: ignore[call-overload]
    else:
        # tenants never share energy: the two bill together at most the run's delta
        assert b["import_wh"].sum() <= last


@given(case=_case(), price=_PRICE)
@settings(max_examples=60, deadline=None)
def test_tiers_at_one_price_bill_as_flat(case: dict[str, object], price: float) -> None:
    cal = case["cal"]
    daily = registers(cal, "M1", case["per_day"], drop=case["drop"])  # type: ignore[arg-type]
    start: pd.Timestamp = case["start"]  # type: ignore[assignment]
    acc = accounts([("A-1", "M1", "p", start.isoformat(), None)], tz=case["tz"])  # type: ignore[arg-type]
    tiers = [
        Tier(from_kwh=0, to_kwh=100, price_per_kwh=price),
        Tier(from_kwh=100, price_per_kwh=price),
    ]
    tiered = TariffPlan(kind="tiered", tiers=tiers, tier_period="year")
    flat = TariffPlan(price_per_kwh=price)
    a = bill_frame(acc, daily, no_monthly(), {"p": tiered}, cal, decimals=2)  # type: ignore[arg-type]
    b = bill_frame(acc, daily, no_monthly(), {"p": flat}, cal, decimals=2)  # type: ignore[arg-type]
    np.testing.assert_allclose(a["energy_charge"], b["energy_charge"], atol=1e-9)
