"""A small run with a ``tariffs:`` section: accounts and bills as the run writes them, the
energy billed per meter against its legal registers, and a sharded run's same tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import twin
from tests.sweep.test_shards import assert_same_tables, run_and_merge_two_shards
from twin.scenario.loading import validate_scenario_dict
from twin.services.billing.bills import bill_columns

TARIFFS: dict[str, Any] = {
    "currency": "EUR",
    "plans": {
        "home": {
            "kind": "tiered",
            "tiers": [
                {"from_kwh": 0, "to_kwh": 150, "price_per_kwh": 0.30},
                {"from_kwh": 150, "price_per_kwh": 0.45},
            ],
            "standing_per_day": 0.40,
            "export_per_kwh": 0.08,
        },
        "shop": {
            "kind": "time_of_use",
            "register_prices_per_kwh": [0.22, 0.34],
            "standing_per_day": 0.60,
            "demand_per_kw": 9.5,
        },
    },
    "assign": {"household": "home"},
    "default_plan": "shop",
}


def _data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "bills",
        "seed": 2,  # three move-outs and three move-ins in the four days
        "time": {
            "start": "2025-03-29T00:00:00",
            "timezone": "Europe/Berlin",
            "duration": "4d",
            "interval": "15min",
        },
        "grid": {"network": "cigre_lv"},
        "households": {"count": 60, "vacancy": {"move_rate_per_year": 2}},
        "pv": {"share": 0.3},
        "meters": {
            "tariffs": [{"tariff": 2, "start": "07:00", "end": "21:00", "days": "weekday"}],
            "management": {"buffer_days": 2},
        },
        "customers": {
            "added": [
                {"kind": "factory", "bus": 22, "annual_kwh": 300_000},
                {"kind": "commercial", "bus": 12, "count": 2},
            ]
        },
        # area C's concentrator is down from 1 April: its freezes from then never arrive
        "faults": [{"kind": "concentrator_outage", "target": [2], "start": "3d", "duration": "2d"}],
        "tariffs": TARIFFS,
    }
    data.update(changes)
    return data


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> twin.Run:
    scenario = validate_scenario_dict(_data())
    return twin.run(scenario, out=tmp_path_factory.mktemp("bills") / "run", progress=False)


def test_every_metered_premise_with_a_tenant_has_an_account(run: twin.Run) -> None:
    accounts = run.table("external/account")
    points = run.table("internal/meter_point")
    vacancy = run.table("truth/vacancy")
    gaps = vacancy[vacancy["kind"] == "between_tenants"]
    start, end = run.clock.start, run.clock.end
    empty_all_run = set(gaps.loc[(gaps["start"] <= start) & (gaps["end"] >= end), "premise_id"])
    assert set(accounts["premise_id"]) == set(points["premise_id"]) - empty_all_run
    assert (accounts["payment"] == "postpaid").all() and (accounts["currency"] == "EUR").all()
    kinds = dict(zip(points["premise_id"], points["customer_kind"].astype(str), strict=True))
    assert (accounts["customer_kind"] == accounts["premise_id"].map(kinds)).all()
    home = accounts["customer_kind"] == "household"
    assert (accounts.loc[home, "tariff"] == "home").all()
    assert (accounts.loc[~home, "tariff"] == "shop").all()
    assert accounts["account_id"].is_unique
    # the fleet's moves open and close accounts, at the moves' times
    moves_in = accounts[accounts["opened_by"] == "move_in"]
    assert set(zip(moves_in["premise_id"], moves_in["opened_at"], strict=True)) <= set(
        zip(gaps["premise_id"], gaps["end"], strict=True)
    )
    moves_out = accounts[accounts["closed_by"] == "move_out"]
    assert set(zip(moves_out["premise_id"], moves_out["closed_at"], strict=True)) <= set(
        zip(gaps["premise_id"], gaps["start"], strict=True)
    )
    assert (accounts.loc[accounts["closed_by"] == "", "closed_at"].isna()).all()
    assert len(moves_in) > 0 and len(moves_out) > 0


def test_a_move_cuts_the_bills_at_the_midnights_around_it(run: twin.Run) -> None:
    accounts = run.table("external/account").set_index("account_id")
    bills = run.table("external/bill")
    last_end = bills.groupby("account_id")["period_end"].max()
    first_start = bills.groupby("account_id")["period_start"].min()
    day = pd.Timedelta(days=1)
    for account_id, row in accounts.iterrows():
        if row["closed_by"] == "move_out" and account_id in last_end:
            assert row["closed_at"] <= last_end[account_id] < row["closed_at"] + day
        if row["opened_by"] == "move_in" and account_id in first_start:
            assert row["opened_at"] - day < first_start[account_id] <= row["opened_at"]


def test_bills_cover_each_month_with_the_schema(run: twin.Run) -> None:
    bills = run.table("external/bill")
    assert list(bills.columns) == bill_columns(2)
    assert bills["period_start"].min() == run.clock.start
    assert (bills["period_end"] > bills["period_start"]).all()
    # the run crosses into April: one bill per account and month at most
    local = bills["period_start"].dt.tz_convert("Europe/Berlin")
    assert bills.groupby([bills["account_id"], local.dt.month]).size().max() == 1
    assert set(local.dt.month) == {3, 4}
    total = bills["energy_charge"] + bills["demand_charge"] + bills["standing_charge"]
    np.testing.assert_allclose(bills["total"], total - bills["export_credit"], atol=1e-9)
    assert (bills["export_credit"] > 0).any()
    shop = bills["tariff"] == "shop"
    march = local.dt.month == 3
    assert (shop & march & ~bills["estimated"]).sum() >= 2
    assert (bills.loc[shop & march & ~bills["estimated"], "demand_charge"] > 0).all()
    assert (bills.loc[shop & ~march, "demand_charge"] == 0).all()  # April not closed
    assert bills.loc[shop & ~march, "estimated"].all()


def test_freezes_that_never_arrived_make_estimated_bills(run: twin.Run) -> None:
    bills = run.table("external/bill")
    points = run.table("internal/meter_point")
    area_c = set(points.loc[points["transformer_id"] == 2, "meter_id"].astype(str))
    billed_c = bills["meter_id"].isin(area_c)
    after = bills["period_end"] > run.clock.start + pd.Timedelta(days=3)  # the outage
    assert (billed_c & after).any() and bills.loc[billed_c & after, "estimated"].all()
    home_elsewhere = ~billed_c & (bills["tariff"] == "home")
    assert not bills.loc[home_elsewhere, "estimated"].any()


def test_billed_import_per_meter_is_its_register_delta(run: twin.Run) -> None:
    bills = run.table("external/bill")
    accounts = run.table("external/account")
    daily = run.table("internal/meter_register_daily")
    daily["meter_id"] = daily["meter_id"].astype(str)
    whole_run = accounts.groupby("meter_id").filter(
        lambda g: (
            len(g) == 1 and g["opened_by"].iloc[0] == "run_start" and g["closed_by"].iloc[0] == ""
        )
    )
    last = daily.sort_values("freeze_time").groupby("meter_id").last()
    billed = bills.groupby("meter_id")[["import_wh", "export_wh"]].sum()
    meters = sorted(set(whole_run["meter_id"]))
    assert len(meters) > 40
    np.testing.assert_array_equal(
        billed.loc[meters, "import_wh"].to_numpy(), last.loc[meters, "import_total_wh"].to_numpy()
    )
    np.testing.assert_array_equal(
        billed.loc[meters, "export_wh"].to_numpy(), last.loc[meters, "export_total_wh"].to_numpy()
    )
    # and per bill, from the freezes at its ends where they arrived
    reading = daily.set_index(["meter_id", "freeze_time"])["import_total_wh"]
    exact = bills[~bills["estimated"] & (bills["period_start"] > run.clock.start)]
    assert len(exact) > 0
    ends = reading.loc[list(zip(exact["meter_id"], exact["period_end"], strict=True))].to_numpy()
    begins = reading.loc[list(zip(exact["meter_id"], exact["period_start"], strict=True))]
    np.testing.assert_array_equal(exact["import_wh"].to_numpy(), ends - begins.to_numpy())


def test_a_run_without_tariffs_has_no_money_tables(tmp_path: Path) -> None:
    data = _data(tariffs=None, faults=[], households={"count": 5})
    data["time"]["duration"] = "1d"
    bare = twin.run(validate_scenario_dict(data), out=tmp_path / "bare", progress=False)
    assert "external/account" not in bare.tables and "external/bill" not in bare.tables


@pytest.mark.slow
def test_a_sharded_run_bills_the_same(run: twin.Run, tmp_path: Path) -> None:
    results, merged = run_and_merge_two_shards(validate_scenario_dict(_data()), tmp_path)
    assert all(r.summary.meters > 0 for r in results)
    for name in ("external/account", "external/bill"):
        a = run.table(name).sort_values(["account_id"], kind="stable", ignore_index=True)
        b = merged.table(name)
        assert list(a.columns) == list(b.columns)
    money = ["external/account", "external/bill"]
    assert_same_tables(twin.open_run(run.path), merged, money)


def test_the_shipped_demo_bills_in_yuan_through_the_cli(tmp_path: Path) -> None:
    from twin.cli import main

    demo = Path(__file__).resolve().parents[2] / "scenarios" / "tariffs_demo.yaml"
    assert main(["run", str(demo), "--out", str(tmp_path / "demo"), "--no-progress"]) == 0
    result = twin.open_run(tmp_path / "demo")
    bills = result.table("external/bill")
    assert list(bills.columns) == bill_columns(3)
    assert (bills["currency"] == "CNY").all()
    assert set(bills["tariff"]) == {"ladder", "business", "industry"}
    assert (bills.loc[bills["tariff"] == "industry", "demand_charge"] > 0).any()
    assert result.manifest["row_counts"]["external/bill"] == len(bills)
