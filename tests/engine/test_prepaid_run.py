"""A small run with a ``prepaid:`` section: credit conservation per account, friendly
credit, disconnections and reconnections, returns, prepaid shops and a factory,
prepaid water with its valve, a scheduled remote disconnection on a prepaid meter,
accounts and bills, and a sharded run's same tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import twin
from tests.sweep.test_shards import assert_same_tables, run_and_merge_two_shards
from twin.scenario.loading import validate_scenario_dict
from twin.services.prepaid.credit import friendly_mask

PREPAID_TABLES = (
    "external/prepaid_transaction",
    "external/credit_balance_daily",
    "external/relay_command",
    "truth/supply_interruption",
)

SCHEDULED = (pd.Timestamp("2025-01-09", tz="UTC"), pd.Timestamp("2025-01-18", tz="UTC"))
"""The scheduled remote disconnection of M000002 and M000003 (3 d for 9 d: long enough for
the standing charges alone to use up an at-risk home's last credit and emergency credit)."""


def _data(**prepaid: Any) -> dict[str, Any]:
    section: dict[str, Any] = {
        "share": 0.6,
        "opening_credit": 6.0,
        "emergency_credit": 3.0,
        # at-risk homes run out soon and wait for disconnection; lossy downlink
        "topup": {"at_risk_share": 0.4, "operator_error_rate": 0.2, "return_rate": 0.2},
        "reconnect": {"loss": 0.6, "retries": 1, "reissue_after": "3h"},
        "customers": {"commercial": 1.0, "factory": 1.0},
        "water": {"share": 0.7},
    }
    section.update(prepaid)
    return {
        "name": "prepaid",
        "seed": 5,
        "time": {
            "start": "2025-01-06T00:00:00",
            "timezone": "Europe/London",
            "duration": "21d",
            "interval": "15min",
        },
        "grid": {"network": "cigre_lv"},
        "households": {"count": 40, "vacancy": {"move_rate_per_year": 2}},
        "customers": {
            "holidays": {"country": "GB"},
            "added": [
                {"kind": "commercial", "bus": 12, "count": 2},
                {"kind": "factory", "bus": 22, "annual_kwh": 60_000},
            ],
        },
        "meters": {"remote_disconnects": [{"meters": [1, 2], "at": "3d", "duration": "9d"}]},
        "faults": [{"kind": "concentrator_outage", "target": [1], "start": "9d", "duration": "1d"}],
        "water": {},
        "tariffs": {"currency": "GBP", "water": {}},
        "prepaid": section,
    }


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> twin.Run:
    scenario = validate_scenario_dict(_data())
    return twin.run(scenario, out=tmp_path_factory.mktemp("prepaid") / "run", progress=False)


def _cents(x: pd.Series | float) -> Any:
    return np.round(np.asarray(x, dtype=np.float64) * 100).astype(np.int64)


def _implied_openings(run: twin.RunDirectory) -> pd.DataFrame:
    """Per prepaid account: the opening credit the money identity implies [minor units],
    ``consumed + refunds + closing - (sales - returns + corrections)``, checking on the
    way that each day's ``topped_up`` adds up to its transactions."""
    accounts = run.table("external/account")
    prepaid = accounts[accounts["payment"] == "prepaid"].reset_index(drop=True)
    tx = run.table("external/prepaid_transaction")
    days = run.table("external/credit_balance_daily").sort_values(["account_id", "date"])
    assert set(days["account_id"]) == set(prepaid["account_id"])
    sums = tx.assign(c=_cents(tx["amount"])).pivot_table(
        index="account_id", columns="kind", values="c", aggfunc="sum", fill_value=0
    )
    consumed = days.groupby("account_id")["consumed"].apply(lambda s: _cents(s).sum())
    topped = days.groupby("account_id")["topped_up"].apply(lambda s: _cents(s).sum())
    closing = days.groupby("account_id")["balance"].last().map(lambda b: int(_cents(b)))
    implied = []
    for account in prepaid["account_id"]:
        row = sums.loc[account] if account in sums.index else pd.Series(dtype=np.int64)
        paid = row.get("sale", 0) - row.get("return", 0) + row.get("correction", 0)
        assert topped[account] == paid
        implied.append(consumed[account] + row.get("refund", 0) + closing[account] - paid)
    return prepaid.assign(implied=implied)


def test_credit_is_conserved_to_the_cent_per_account(run: twin.Run) -> None:
    """opening + sales - returns + corrections = consumed + refunds + closing balance."""
    prepaid = _implied_openings(run)
    kinds = set(run.table("external/prepaid_transaction")["kind"])
    assert kinds == {"sale", "return", "emergency", "correction", "refund"}
    homes = prepaid[prepaid["customer_kind"] == "household"]
    expected = np.where(homes["utility"] == "water", 240, 600)  # 6.00, 0.4 of it for water
    assert (homes["implied"].to_numpy() == expected).all()
    # other customers' credit scales with their annual energy, at least a household's
    assert (prepaid.loc[prepaid["customer_kind"] != "household", "implied"] >= 600).all()
    # refunds only at move-out, of what was left, and closed accounts keep no credit
    days = run.table("external/credit_balance_daily").sort_values(["account_id", "date"])
    closing = days.groupby("account_id")["balance"].last()
    closed = prepaid.loc[prepaid["closed_by"] == "move_out", "account_id"]
    assert (closing[closed] <= 0).all()


@pytest.mark.slow
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    opening=st.sampled_from([0.0, 2.5, 6.0]),
    emergency=st.sampled_from([0.0, 3.0]),
    returns=st.floats(0.0, 0.5),
)
def test_money_is_conserved_whatever_the_policy_and_seed(
    seed: int, opening: float, emergency: float, returns: float, tmp_path_factory: Any
) -> None:
    """The identity holds to the cent for every household account of both utilities."""
    data = _data(
        opening_credit=opening,
        emergency_credit=emergency,
        topup={"at_risk_share": 0.5, "operator_error_rate": 0.3, "return_rate": returns},
    )
    data.update(seed=seed)
    data["time"]["duration"] = "5d"
    data["households"]["count"] = 16
    out = tmp_path_factory.mktemp("conserved") / "run"
    prepaid = _implied_openings(twin.run(validate_scenario_dict(data), out=out, progress=False))
    homes = prepaid[prepaid["customer_kind"] == "household"]
    scale = np.where(homes["utility"] == "water", 0.4, 1.0)
    expected = np.round(opening * scale * 100).astype(np.int64)
    assert len(homes) > 0 and (homes["implied"].to_numpy() == expected).all()


def test_emergency_credit_comes_before_the_disconnection(run: twin.Run) -> None:
    tx = run.table("external/prepaid_transaction")
    cmds = run.table("external/relay_command")
    cut = cmds[cmds["reason"] == "credit_exhausted"]
    assert len(cut) > 0
    grants = tx[tx["kind"] == "emergency"]
    households = set(
        run.table("external/account").query("customer_kind == 'household'")["account_id"]
    )
    mine = grants[grants["account_id"].isin(households)]
    assert set(mine["amount"].round(2)) == {3.0, 1.2}  # water: 0.4 of electricity's
    for _, c in cut.iterrows():
        before = grants[
            (grants["account_id"] == c["account_id"]) & (grants["time"] <= c["sent_at"])
        ]
        assert len(before) > 0


def test_no_disconnection_starts_in_friendly_credit(run: twin.Run) -> None:
    spells = run.table("truth/supply_interruption")
    cmds = run.table("external/relay_command")
    cut = cmds[cmds["reason"] == "credit_exhausted"]
    scenario = validate_scenario_dict(_data())
    days = np.arange(20_090, 20_120, dtype=np.int64)  # around the run (days since 1970)
    holidays = scenario.customers.holidays.around(days)
    for stamps in (cut["executed_at"].dropna(), spells["start"]):
        local = pd.DatetimeIndex(stamps).tz_convert("Europe/London")
        assert not friendly_mask(local, night=(18.0, 8.0), weekends=True, holidays=holidays).any()


def test_every_disconnection_is_restored_after_a_top_up(run: twin.Run) -> None:
    """A reconnection is sent at a top-up (or a reissue) and executed within the
    downlink's bound (retries, timeout) plus the confirmation, unless lost."""
    scenario = validate_scenario_dict(_data())
    assert scenario.prepaid is not None
    r = scenario.prepaid.reconnect
    bound = r.retries * r.retry_every + 60.0 + r.confirmation_delay  # rf_mesh timeout <= 60 s
    cmds = run.table("external/relay_command").query("utility == 'electricity'")
    tx = run.table("external/prepaid_transaction")
    restore = cmds[cmds["reason"] == "credit_restored"]
    assert {"executed", "lost"} <= set(restore["state"])
    done = restore[restore["state"] == "executed"]
    took = (done["executed_at"] - done["sent_at"]).dt.total_seconds()
    assert (took >= r.confirmation_delay).all() and (took <= bound).all()
    lost = restore[restore["state"] == "lost"]
    assert lost["executed_at"].isna().all() and lost["delivered_at"].isna().all()
    # each restoration is sent when a top-up or a correction reached the account, or on reissue
    credited = tx[tx["kind"].isin(["sale", "correction"])]
    for _, c in done.iterrows():
        mine = credited[credited["account_id"] == c["account_id"]]
        assert (mine["time"] <= c["sent_at"]).any()
    # every cut is followed by an executed reconnection, or the run ends first / it was lost
    end = run.clock.end
    for _, c in cmds[cmds["reason"] == "credit_exhausted"].iterrows():
        later = restore[
            (restore["meter_id"] == c["meter_id"]) & (restore["sent_at"] >= c["sent_at"])
        ]
        if later.empty:
            continue
        ok = later[later["state"] == "executed"]
        assert not ok.empty or (later["state"] != "executed").all()
        assert ok.empty or ok["executed_at"].min() <= end


def test_interruptions_match_the_relay_commands_and_legal_events(run: twin.Run) -> None:
    spells = run.table("truth/supply_interruption")
    cmds = run.table("external/relay_command")
    events = run.table("internal/meter_event")
    assert (spells["cause"] == "prepaid").all()
    assert ((spells["end"] > spells["start"]) | spells["end"].isna()).all()
    assert set(spells["start"]) <= set(cmds["executed_at"]) | set(
        run.table("external/account")["opened_at"]
    )
    # every relay the credit opened is in the legal log, except one already held open by
    # the scheduled disconnection
    cut = cmds[(cmds["reason"] == "credit_exhausted") & (cmds["utility"] == "electricity")]
    legal = events[
        (events["event"].astype(str) == "remote_disconnection")
        & (events["detail"].astype(str) == "prepaid credit")
    ]
    held = cut["meter_id"].isin(["M000002", "M000003"]) & cut["executed_at"].between(*SCHEDULED)
    assert len(legal) == int((~held).sum())


def test_prepaid_accounts_get_no_bills(run: twin.Run) -> None:
    accounts = run.table("external/account")
    bills = run.table("external/bill")
    prepaid = set(accounts.loc[accounts["payment"] == "prepaid", "account_id"])
    postpaid = set(accounts.loc[accounts["payment"] == "postpaid", "account_id"])
    assert prepaid and postpaid
    assert not prepaid & set(bills["account_id"])
    assert set(bills["account_id"]) == postpaid


def test_a_run_without_prepaid_writes_no_prepaid_tables(tmp_path: Path) -> None:
    data = _data()
    del data["prepaid"]
    data["time"]["duration"] = "1d"
    bare = twin.run(validate_scenario_dict(data), out=tmp_path / "bare", progress=False)
    assert not set(PREPAID_TABLES) & set(bare.tables)
    assert (bare.table("external/account")["payment"] == "postpaid").all()


@pytest.mark.slow
def test_a_sharded_run_has_the_same_prepaid_tables(run: twin.Run, tmp_path: Path) -> None:
    _, merged = run_and_merge_two_shards(validate_scenario_dict(_data()), tmp_path)
    tables = ["external/account", "internal/water_interval", *PREPAID_TABLES]
    assert_same_tables(twin.open_run(run.path), merged, tables)
    assert merged.summary.money == run.summary.money


def test_an_open_relay_cuts_the_household_load(run: twin.Run) -> None:
    """The legal interval readings are zero while a credit disconnection lasts."""
    spells = run.table("truth/supply_interruption").dropna(subset=["end"])
    readings = run.table("internal/meter_interval", ["meter_id", "interval_end", "import_wh"])
    readings["meter_id"] = readings["meter_id"].astype(str)
    assert len(spells) > 0
    dt = pd.Timedelta(minutes=15)
    checked = 0
    for _, s in spells.iterrows():
        last = s["end"].floor("15min")  # the interval holding the reconnection began open
        mine = readings[
            (readings["meter_id"] == s["meter_id"])
            & (readings["interval_end"] > s["start"])
            & (readings["interval_end"] <= last + dt)
        ]
        assert (mine["import_wh"] == 0).all()
        checked += len(mine)
    assert checked > 0


def test_returns_reverse_an_earlier_sale_of_the_same_amount(run: twin.Run) -> None:
    scenario = validate_scenario_dict(_data())
    assert scenario.prepaid is not None
    delay = pd.Timedelta(seconds=scenario.prepaid.topup.return_delay)
    tx = run.table("external/prepaid_transaction")
    returns = tx[tx["kind"] == "return"]
    assert len(returns) > 0
    sales = tx[tx["kind"] == "sale"]
    for _, r in returns.iterrows():
        mine = sales[
            (sales["account_id"] == r["account_id"]) & (sales["time"] == r["time"] - delay)
        ]
        assert (mine["amount"] == r["amount"]).any()


def test_shops_and_the_factory_pay_in_advance_with_larger_top_ups(run: twin.Run) -> None:
    accounts = run.table("external/account")
    prepaid = accounts[(accounts["payment"] == "prepaid") & (accounts["utility"] == "electricity")]
    assert {"commercial", "factory"} <= set(prepaid["customer_kind"])
    tx = run.table("external/prepaid_transaction")
    sales = tx[tx["kind"] == "sale"].merge(prepaid[["account_id", "customer_kind"]])
    median = sales.groupby("customer_kind")["amount"].median()
    assert median["factory"] > 4 * median["household"]  # 60 MWh/yr: 20 households' use


def test_a_closed_water_valve_stops_the_flow(run: twin.Run) -> None:
    """Valve commands act at the water meter's telegrams; no water flows while closed."""
    cmds = run.table("external/relay_command").query("utility == 'water'")
    done = cmds[cmds["state"] == "executed"]
    assert {"credit_exhausted", "credit_restored"} <= set(done["reason"])
    assert done["command_id"].str.startswith("VC").all()
    telegram = pd.Timedelta(hours=1)
    assert (done["executed_at"] == done["executed_at"].dt.floor(telegram)).all()
    spells = run.table("truth/supply_interruption").query("utility == 'water'")
    spells = spells.dropna(subset=["end"])
    assert len(spells) > 0 and spells["meter_id"].str.startswith("W").all()
    water = run.table("internal/water_interval")
    water["meter_id"] = water["meter_id"].astype(str)
    checked = 0
    for _, s in spells.iterrows():
        mine = water[
            (water["meter_id"] == s["meter_id"])
            & (water["interval_end"] > s["start"])
            & (water["interval_end"] <= s["end"])
            & (water["quality"].astype(str) == "ok")
        ]
        assert (mine["volume_l"] == 0).all()
        checked += len(mine)
    assert checked > 0


def test_a_top_up_does_not_close_a_relay_the_schedule_holds_open(run: twin.Run) -> None:
    """M000002 runs out inside its scheduled disconnection: its credit reconnection is
    executed, but no energy flows until the schedule ends."""
    cmds = run.table("external/relay_command")
    mine = cmds[(cmds["meter_id"] == "M000002") & (cmds["state"] == "executed")]
    inside = mine["executed_at"].between(*SCHEDULED)
    assert {"credit_exhausted", "credit_restored"} <= set(mine.loc[inside, "reason"])
    readings = run.table("internal/meter_interval", ["meter_id", "interval_end", "import_wh"])
    held = readings[
        (readings["meter_id"].astype(str) == "M000002")
        & (readings["interval_end"] > SCHEDULED[0] + pd.Timedelta(minutes=15))
        & (readings["interval_end"] <= SCHEDULED[1])
    ]
    assert len(held) > 300 and (held["import_wh"] == 0).all()


def test_the_summary_money_is_the_tables_money(run: twin.Run) -> None:
    money = run.summary.money
    tx = run.table("external/prepaid_transaction")
    for (utility, kind), amount in tx.groupby(["utility", "kind"])["amount"]:
        assert money[f"{utility}_{kind}"] == _cents(amount).sum()
    days = run.table("external/credit_balance_daily")
    for utility, consumed in days.groupby("utility")["consumed"]:
        assert money[f"{utility}_consumed"] == _cents(consumed).sum()
    bills = run.table("external/bill")
    assert money["bills"] == len(bills) and money["billed"] == _cents(bills["total"]).sum()
    assert any(line.strip().startswith("prepaid water") for line in run.summary.lines())


def test_a_prepaid_section_that_chooses_nobody_runs_with_empty_tables(tmp_path: Path) -> None:
    data = _data(share=0.0, customers={}, water={"share": 0.0})
    data["time"]["duration"] = "1d"
    run = twin.run(validate_scenario_dict(data), out=tmp_path / "nobody", progress=False)
    assert (run.table("external/account")["payment"] == "postpaid").all()
    for table in PREPAID_TABLES:
        assert table in run.tables and len(run.table(table)) == 0
    assert run.summary.money["electricity_accounts"] == run.summary.money["water_accounts"] == 0
